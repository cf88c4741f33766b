//! What a validator's worker does when the chain asks: answer a request assigned to its validator, and — on a
//! committee — recompute the attribution, commit to it, and reveal it. Every duty first checks the chain's
//! current state (`AttributionApi::inference`, typed), so a block handled twice (after a crash or a reconnect) never
//! submits anything twice.

use super::{
	chain::{
		runtime::{self, runtime_types::bounded_collections::bounded_vec::BoundedVec},
		Chain,
	},
	content::Content,
	keys::WorkerKey,
	metrics::Metrics,
	models::SharedModels,
	background::{Background, Job, QueueLimits},
	preparation::Engines,
	progress::{round_name, Progress},
	reads::{Inference, InferenceExt, Limits},
	validation::{Assignment, Validations},
};
use crate::Common;
use anyhow::{anyhow, bail, Context, Result};
use attribution_engine::attribute::{
	grounding::{DeclineReason, Grounding, Served},
	Answered, Engine,
};
use openledger_primitives::attribution::{commitment, Attribution, Round, Unbounded};
use sp_core::crypto::AccountId32 as SpAccountId;
use std::{future::Future, path::PathBuf, sync::Arc, time::Duration, time::Instant};
use subxt::utils::AccountId32;

/// An attribution as the worker computes it: valid by construction; the chain's bound (`Chain::limits`) is
/// checked before it is submitted.
type Computed = Attribution<Unbounded>;

/// How a worker behaves, from its command line.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
	/// Test-only: shift weight between datasets before submitting (to test that liars are outvoted).
	pub perturb: bool,
	/// Engines kept ready (`--max-engines`).
	pub max_engines: usize,
	/// Bytes the kept engines' DataNet corpora may take (`--engine-memory-mb`).
	pub engine_memory: usize,
	/// The background queue (`--job-queue`, `--job-concurrency`, `--job-timeout`).
	pub jobs: QueueLimits,
}

/// The worker's state between blocks.
pub struct Worker {
	pub chain: Chain,
	pub key: WorkerKey,
	/// The validator this worker serves.
	pub validator: AccountId32,
	pub data_dir: PathBuf,
	pub metrics: Metrics,
	/// Test-only: shift weight between datasets before submitting (to test that liars are outvoted).
	pub perturb: bool,
	/// The embedder and the base generator with its adapter cache, shared by every engine.
	models: Arc<SharedModels>,
	/// Builds and keeps engines.
	engines: Engines,
	/// Fetching, checking and indexing, and measuring proposals, off the block loop.
	background: Background,
	/// The validation duty (`super::validation`).
	validations: Validations,
}

/// How often a worker busy computing looks for reveals that fell due meanwhile (blocks are seconds apart).
const REVEAL_POLL: Duration = Duration::from_secs(1);

impl Worker {
	pub fn new(
		content: Content,
		key: WorkerKey,
		validator: AccountId32,
		common: Common,
		metrics: Metrics,
		models: Arc<SharedModels>,
		options: WorkerOptions,
	) -> Result<Self> {
		let WorkerOptions { perturb, max_engines, engine_memory, jobs } = options;
		let (chain, data_dir) = (content.chain.clone(), content.data_dir.clone());
		let validations = Validations::new(
			content.clone(),
			common.clone(),
			models.clone(),
			metrics.clone(),
			key.clone(),
			validator,
		)?;
		let engines = Engines::new(content, common, models.clone(), metrics.clone(), max_engines, engine_memory);
		let (runner, measurer) = (engines.clone(), validations.clone());
		let background = Background::start(
			move |job| {
				let (engines, validations) = (runner.clone(), measurer.clone());
				async move {
					match job {
						Job::Validate(assignment) => validations.run(assignment).await,
						job => engines.run(job).await,
					}
				}
			},
			jobs,
			metrics.clone(),
		);
		Ok(Self { chain, key, validator, data_dir, metrics, perturb, models, engines, background, validations })
	}

	/// Handles the events of finalized block `number`: answers, commitments, reveals.
	pub async fn handle_block(&mut self, number: u64, progress: &mut Progress) -> Result<()> {
		let events = self.chain.events_at(number).await?;
		let mut duties: Vec<Duty> = Vec::new();
		// Content goes to the background queue: nothing below waits for it.
		for event in events.find::<runtime::data_nets::events::VersionCreated>() {
			let event = event?;
			self.background.submit(Job::Index { datanet: event.datanet, version: event.version });
		}
		for event in events.find::<runtime::models::events::ModelRegistered>() {
			self.background.submit(Job::Prepare { model: event?.model });
		}
		for event in events.find::<runtime::models::events::ModelRetired>() {
			self.engines.forget(event?.model);
		}
		// Measuring a proposal takes tens of seconds: it waits in the background queue like indexing, never ahead
		// of an answer; its reveal (a transaction) is a duty of the block its reveal phase starts in.
		for event in events.find::<runtime::validation::events::ValidationCommitteeDrawn>() {
			let event = event?;
			if event.members.contains(&self.validator) {
				let (job, datanet, dataset, version) = (event.job, event.datanet, event.dataset, event.version);
				self.background.submit(Job::Validate(Assignment { job, datanet, dataset, version }));
			}
		}
		for event in events.find::<runtime::validation::events::ReportRevealStarted>() {
			duties.push(Duty::RevealReport { job: event?.job });
		}
		for event in events.find::<runtime::attribution::events::ServerAssigned>() {
			let event = event?;
			if event.server == self.validator {
				duties.push(Duty::Serve { request: event.request });
			}
		}
		for event in events.find::<runtime::attribution::events::ServerReplaced>() {
			let event = event?;
			if event.server == self.validator {
				duties.push(Duty::Serve { request: event.request });
			}
		}
		for event in events.find::<runtime::attribution::events::CommitteeDrawn>() {
			let event = event?;
			if event.members.contains(&self.validator) {
				duties.push(Duty::Commit { request: event.request, round: event.round.0 });
			}
		}
		for event in events.find::<runtime::attribution::events::RevealStarted>() {
			let event = event?;
			duties.push(Duty::Reveal { request: event.request, round: event.round.0 });
		}
		// Requests to answer in this block are answered together: one decoding pass for all of them, whatever
		// models (adapters) they use.
		let serve: Vec<u64> =
			duties.iter().filter_map(|d| if let Duty::Serve { request } = d { Some(*request) } else { None }).collect();
		if serve.len() > 1 {
			duties.retain(|d| !matches!(d, Duty::Serve { .. }));
			let at = duties.iter().position(|d| matches!(d, Duty::Commit { .. } | Duty::Reveal { .. }));
			duties.insert(at.unwrap_or(duties.len()), Duty::ServeBatch { requests: serve });
		}
		for duty in duties {
			if let Err(e) = self.perform(&duty, progress).await {
				self.metrics.failed(duty.kind());
				tracing::warn!("{duty:?} failed: {e:#}");
				// A lost connection retries the block after reconnecting; anything else is this duty's failure.
				self.chain.finalized().await.context("the node stopped answering")?;
			}
		}
		Ok(())
	}

	async fn perform(&mut self, duty: &Duty, progress: &mut Progress) -> Result<()> {
		match duty {
			Duty::Serve { request } => self.serve(*request, progress).await,
			Duty::ServeBatch { requests } => self.serve_batch(requests, progress).await,
			Duty::Commit { request, round } => self.commit(*request, *round, progress).await,
			Duty::Reveal { request, round } => self.reveal(*request, *round, progress).await,
			Duty::RevealReport { job } => self.validations.reveal(*job).await,
		}
	}

	async fn inference(&self, request: u64) -> Result<Inference> {
		self.chain.inference(request).await?.with_context(|| format!("request {request} does not exist"))
	}

	/// The engine for `model`, prepared on the spot if the background queue has not yet.
	async fn engine(&self, model: u32) -> Result<Arc<Engine>> {
		self.engines.get(model).await
	}

	/// Answers `request` if it is still waiting for this validator — or declines it, when the model cannot
	/// ground an answer in the DataNet or cannot take the prompt ([`Engine::serve`]).
	async fn serve(&mut self, request: u64, progress: &mut Progress) -> Result<()> {
		let started = Instant::now();
		let Some((inference, engine)) = self.revealing(progress, self.assigned(request)).await? else { return Ok(()) };
		let (prompt, limits) = (inference.prompt_text(), self.chain.limits);
		let served = tokio::task::spawn_blocking(move || -> Result<Outcome> {
			match engine.serve(&prompt)? {
				Served::Answer { answered, .. } => outcome(&engine, &prompt, answered, limits),
				Served::Decline { reason, answer, grounding } => Ok(Outcome::Decline { reason, answer, grounding }),
			}
		});
		let outcome = self.revealing(progress, served).await??;
		self.models.observe(&self.metrics);
		self.finish(request, &inference, outcome, started, progress).await
	}

	/// Answers several requests in one batched decoding pass (their models may differ: OpenLoRA serves every
	/// adapter over the one base model), then judges, attributes and submits (or declines) each. If the batch
	/// fails, each request is answered on its own, so one broken model cannot hold the others back.
	async fn serve_batch(&mut self, requests: &[u64], progress: &mut Progress) -> Result<()> {
		let started = Instant::now();
		let mut jobs = Vec::with_capacity(requests.len());
		for &request in requests {
			match self.revealing(progress, self.assigned(request)).await {
				Ok(Some((inference, engine))) => jobs.push((request, inference, engine)),
				Ok(None) => {},
				Err(e) => {
					self.metrics.failed("serve");
					tracing::warn!("request {request}: {e:#}");
				},
			}
		}
		let engines: Vec<Arc<Engine>> = jobs.iter().map(|(_, _, engine)| engine.clone()).collect();
		let prompts: Vec<String> = jobs.iter().map(|(_, inference, _)| inference.prompt_text()).collect();
		let count = jobs.len();
		let generated = tokio::task::spawn_blocking(move || -> Result<Vec<Answered>> {
			let refs: Vec<&Engine> = engines.iter().map(AsRef::as_ref).collect();
			let questions: Vec<&str> = prompts.iter().map(String::as_str).collect();
			Ok(Engine::answer_batch(&refs, &questions)?)
		});
		let generated = self.revealing(progress, generated).await?;
		self.models.observe(&self.metrics);
		let generated = match generated {
			Ok(generated) => generated,
			Err(e) => {
				tracing::warn!("answering {count} requests together failed ({e:#}); answering each alone");
				for (request, _, _) in jobs {
					if let Err(e) = self.serve(request, progress).await {
						self.metrics.failed("serve");
						tracing::warn!("request {request}: {e:#}");
					}
				}
				return Ok(());
			},
		};
		tracing::info!("answered {count} requests in one batch");
		// Each answer is judged, attributed and submitted before the next: the first is on chain early, and its
		// reveal (due once its review opens) is sent while the next ones are attributed.
		for ((request, inference, engine), answered) in jobs.into_iter().zip(generated) {
			// A burst larger than the window holds: an answer whose window closed while the earlier ones were
			// attributed is not worth seconds of attribution the chain would refuse.
			if !self.still_assigned(request).await {
				self.metrics.failed("serve");
				tracing::warn!("request {request}: its response window closed before it could be attributed; skipped");
				continue;
			}
			let (prompt, limits) = (inference.prompt_text(), self.chain.limits);
			let judged = tokio::task::spawn_blocking(move || -> Result<Outcome> {
				match engine.judge(answered)? {
					Served::Answer { answered, .. } => outcome(&engine, &prompt, answered, limits),
					Served::Decline { reason, answer, grounding } => Ok(Outcome::Decline { reason, answer, grounding }),
				}
			});
			let judged = self.revealing(progress, judged).await.map_err(Into::into);
			let submitted = match judged.and_then(|result| result) {
				Ok(outcome) => self.finish(request, &inference, outcome, started, progress).await,
				Err(e) => Err(e),
			};
			if let Err(e) = submitted {
				self.metrics.failed("serve");
				tracing::warn!("request {request}: {e:#}");
			}
		}
		Ok(())
	}

	/// Submits what serving `request` came to: the answer with its commitment, or the decline.
	async fn finish(
		&mut self,
		request: u64,
		inference: &Inference,
		outcome: Outcome,
		started: Instant,
		progress: &mut Progress,
	) -> Result<()> {
		match outcome {
			Outcome::Answer(attributed) => self.submit_answer(request, inference, attributed, started, progress).await,
			Outcome::Decline { reason, answer, grounding } => {
				let call = runtime::tx().attribution().decline(
					request,
					inference.model,
					inference.version,
					subxt::utils::Static(reason),
				);
				self.chain.submit(&call, &self.key).await?;
				self.metrics.declined.inc();
				tracing::info!(
					"declined request {request} ({reason:?}): {}{}",
					answer.as_deref().map_or_else(|| "no answer".to_owned(), |a| format!("answer {a:?}")),
					grounding.map_or_else(String::new, |g| format!(", context gain {:.3} nats/token", g.gain_per_token())),
				);
				Ok(())
			},
		}
	}

	/// Whether `request` still waits for this validator's answer (on a read failure: assumed so, and the
	/// submission decides).
	async fn still_assigned(&self, request: u64) -> bool {
		match self.chain.inference(request).await {
			Ok(inference) => inference.is_some_and(|i| i.awaits_answer_from(&self.validator)),
			Err(_) => true,
		}
	}

	/// `request` with its model's engine, if it still waits for this validator's answer.
	async fn assigned(&self, request: u64) -> Result<Option<(Inference, Arc<Engine>)>> {
		let inference = self.inference(request).await?;
		if !inference.awaits_answer_from(&self.validator) {
			tracing::debug!("request {request} no longer waits for us ({:?})", inference.status);
			return Ok(None);
		}
		let engine = self.engine(inference.model).await?;
		Ok(Some((inference, engine)))
	}

	/// Submits the answer with a commitment to its attribution, which is kept (like a committee member's) to
	/// be revealed once the review committee has committed.
	async fn submit_answer(
		&mut self,
		request: u64,
		inference: &Inference,
		(answer, weights): Attributed,
		started: Instant,
		progress: &mut Progress,
	) -> Result<()> {
		let weights =
			if self.perturb { perturb(&weights, &model_datasets(&*self.engine(inference.model).await?))? } else { weights };
		let mut output = answer.into_bytes();
		truncate_utf8(&mut output, self.chain.limits.max_output as usize);
		let round = Round::Review;
		let validator = SpAccountId::new(self.validator.0);
		let hash = commitment(request, round, &validator, weights.shares(), &self.salt(request, round));
		let call = runtime::tx().attribution().submit_result(
			request,
			inference.model,
			inference.version,
			BoundedVec(output),
			subxt::utils::H256(hash.0),
		);
		progress.commitments.insert(Progress::key(request, round), weights.shares().to_vec());
		progress.save(&self.data_dir)?;
		self.chain.submit(&call, &self.key).await?;
		self.metrics.served.inc();
		self.metrics.answer_seconds.observe(started.elapsed().as_secs_f64());
		tracing::info!("answered request {request}, committed to crediting {weights:?}");
		Ok(())
	}

	/// Recomputes the attribution of `request`'s answer and commits to it.
	async fn commit(&mut self, request: u64, round: Round, progress: &mut Progress) -> Result<()> {
		let inference = self.inference(request).await?;
		// On the committee and not yet committed.
		if !inference.is_committing(round) || !matches!(inference.seat(round, &self.validator), Some(vote) if vote.commitment.is_none()) {
			return Ok(());
		}
		let output = inference.output_text().context("the request has no answer to check")?;
		let engine = self.revealing(progress, self.engine(inference.model)).await?;
		let (prompt, limits, datasets) = (inference.prompt_text(), self.chain.limits, model_datasets(&engine));
		let weights = tokio::task::spawn_blocking(move || -> Result<Computed> {
			for_chain(&engine.attribute(&prompt, &output)?.weights, limits)
		});
		let weights = self.revealing(progress, weights).await??;
		let weights = if self.perturb { perturb(&weights, &datasets)? } else { weights };
		let salt = self.salt(request, round);
		let validator = SpAccountId::new(self.validator.0);
		let hash = commitment(request, round, &validator, weights.shares(), &salt);
		let call = runtime::tx().attribution().commit(request, subxt::utils::H256(hash.0));
		progress.commitments.insert(Progress::key(request, round), weights.shares().to_vec());
		progress.save(&self.data_dir)?;
		self.chain.submit(&call, &self.key).await?;
		self.metrics.committed.inc();
		tracing::info!("committed to {weights:?} for request {request} ({})", round_name(round));
		Ok(())
	}

	/// Reveals what this worker committed to for `request`'s `round`: as a committee member, or, in a review,
	/// as the server.
	async fn reveal(&self, request: u64, round: Round, progress: &mut Progress) -> Result<()> {
		let key = Progress::key(request, round);
		let Some(weights) = progress.commitments.get(&key).cloned() else { return Ok(()) };
		let inference = self.inference(request).await?;
		if inference.awaits_reveal_from(round, &self.validator) {
			let call =
				runtime::tx().attribution().reveal(request, BoundedVec(weights.clone()), self.salt(request, round));
			self.chain.submit(&call, &self.key).await?;
			self.metrics.revealed.inc();
			tracing::info!("revealed {weights:?} for request {request} ({})", round_name(round));
		}
		progress.commitments.remove(&key);
		progress.save(&self.data_dir)
	}

	/// Awaits `work` — an answer, an attribution or an engine being prepared, seconds of CPU — while sending
	/// the reveals that fall due meanwhile. A reveal costs nothing to compute but is due within the reveal
	/// window: had it waited until this block's duties were done, a server answering a burst of requests would
	/// miss the first ones' reveals (and be refunded against, and slashed) while attributing the later ones.
	async fn revealing<T>(&self, progress: &mut Progress, work: impl Future<Output = T>) -> T {
		tokio::pin!(work);
		let mut poll = tokio::time::interval(REVEAL_POLL);
		poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		poll.tick().await;
		loop {
			tokio::select! {
				biased;
				done = &mut work => return done,
				_ = poll.tick() => {
					if let Err(e) = self.reveal_due(progress).await {
						tracing::warn!("looking for due reveals failed: {e:#}");
					}
				},
			}
		}
	}

	/// Reveals every commitment whose round is revealing now (the `RevealStarted` event, handled later, then
	/// finds nothing left to do); forgets those of requests that closed without a reveal phase (refunded, or
	/// pruned), so they are not looked up again.
	async fn reveal_due(&self, progress: &mut Progress) -> Result<()> {
		for (request, round) in progress.pending() {
			let inference = self.chain.inference(request).await?;
			if inference.as_ref().is_none_or(|i| i.is_closed()) {
				progress.commitments.remove(&Progress::key(request, round));
				progress.save(&self.data_dir)?;
				continue;
			}
			let due = inference.is_some_and(|i| i.awaits_reveal_from(round, &self.validator));
			if due {
				tracing::info!("request {request}'s {} reveal fell due while computing: revealing now", round_name(round));
				self.metrics.early_reveals.inc();
				self.reveal(request, round, progress).await?;
			}
		}
		Ok(())
	}

	fn salt(&self, request: u64, round: Round) -> [u8; 32] {
		self.key.derive_secret(&codec::Encode::encode(&(request, round)))
	}
}

/// One thing to do.
#[derive(Debug, Clone)]
enum Duty {
	/// Answer several requests together (every `Serve` of one block).
	ServeBatch {
		requests: Vec<u64>,
	},
	/// Answer (on a request or a replacement).
	Serve {
		request: u64,
	},
	Commit {
		request: u64,
		round: Round,
	},
	Reveal {
		request: u64,
		round: Round,
	},
	/// Reveal the validation report committed to for a proposal.
	RevealReport {
		job: u64,
	},
}

impl Duty {
	fn kind(&self) -> &'static str {
		match self {
			Duty::Serve { .. } | Duty::ServeBatch { .. } => "serve",
			Duty::Commit { .. } => "commit",
			Duty::Reveal { .. } | Duty::RevealReport { .. } => "reveal",
		}
	}
}

/// An answer as submitted and its attribution.
type Attributed = (String, Computed);

/// What serving a request came to.
enum Outcome {
	Answer(Attributed),
	Decline { reason: DeclineReason, answer: Option<String>, grounding: Option<Grounding> },
}

/// The served answer attributed — or, if cutting it to its first answer ([`first_answer`]) left it ungrounded,
/// the decline: the rule is applied to exactly the text that would be submitted.
fn outcome(engine: &Engine, prompt: &str, mut answered: Answered, limits: Limits) -> Result<Outcome> {
	let served = first_answer(&answered.answer);
	if served != answered.answer {
		answered.answer = served;
		if let Served::Decline { reason, answer, grounding } = engine.judge(answered.clone())? {
			return Ok(Outcome::Decline { reason, answer, grounding });
		}
	}
	Ok(Outcome::Answer(attribute_answer(engine, prompt, &answered.answer, limits)?))
}

/// The answer as submitted (its first sentence-level answer) and its attribution.
fn attribute_answer(engine: &Engine, prompt: &str, generated: &str, limits: Limits) -> Result<Attributed> {
	let answer = first_answer(generated);
	let attribution = engine.attribute(prompt, &answer)?;
	Ok((answer, for_chain(&attribution.weights, limits)?))
}

/// The engine's scores as an [`Attribution`] the chain takes: the rules are the primitives' (ascending, no zero
/// entry, whole), the bound the runtime's (`limits.max_weights`, from its metadata).
pub fn for_chain(scores: &[(u64, u32)], limits: Limits) -> Result<Computed> {
	let attribution = Attribution::from_scores(scores.iter().copied())
		.map_err(|e| anyhow!("the engine's attribution is refused ({e}): {scores:?}"))?;
	if !attribution.fits(limits.max_weights) {
		bail!("the engine's attribution credits {} datasets; the chain takes at most {}", attribution.len(), limits.max_weights);
	}
	Ok(attribution)
}

/// Test-only lying: moves up to 40 % of the credit from the first dataset to the last; a sole dataset gives 40 %
/// to the model's lowest other dataset (`datasets`, the model's), and stays only when the model has no other. An
/// emptied entry is dropped, so the lie is still an attribution the chain accepts — and the committee outvotes.
pub fn perturb(weights: &Computed, datasets: &[u64]) -> Result<Computed> {
	let mut shares: Vec<(u64, u32)> = weights.shares().iter().map(|(d, w)| (*d, u32::from(*w))).collect();
	if let [(sole, credit)] = shares.as_slice() {
		if let Some(other) = datasets.iter().copied().filter(|d| d != sole).min() {
			let moved = (*credit).min(4_000);
			shares = vec![(*sole, credit - moved), (other, moved)];
		}
	} else if let [first, .., last] = shares.as_mut_slice() {
		let moved = first.1.min(4_000);
		first.1 -= moved;
		last.1 += moved;
	}
	Attribution::from_scores(shares).map_err(|e| anyhow!("perturbing broke the attribution: {e}"))
}

/// The dataset ids of the model `engine` serves (its corpus is the model's datasets).
fn model_datasets(engine: &Engine) -> Vec<u64> {
	engine.corpus.version.datasets.iter().map(|d| d.id).collect()
}

/// The answer proper: a small model trained on Q/A text often goes on to invent the next question, so the
/// output stops at the first blank line or new `Q:`, without a leading `A:`. The attribution is computed on
/// exactly this text (committees recompute it from the stored output).
pub fn first_answer(generated: &str) -> String {
	let text = generated.trim();
	let text = text.strip_prefix("A:").unwrap_or(text).trim_start();
	let end = [text.find("\n\n"), text.find("\nQ:")].into_iter().flatten().min().unwrap_or(text.len());
	let answer = text.get(..end).unwrap_or(text).trim();
	if answer.is_empty() {
		generated.trim().to_owned()
	} else {
		answer.to_owned()
	}
}

/// Cuts `bytes` to at most `max` bytes without splitting a UTF-8 character.
fn truncate_utf8(bytes: &mut Vec<u8>, max: usize) {
	if bytes.len() <= max {
		return;
	}
	let mut end = max;
	while end > 0 && bytes.get(end).is_some_and(|b| (b & 0b1100_0000) == 0b1000_0000) {
		end -= 1;
	}
	bytes.truncate(end);
}

#[cfg(test)]
mod tests {
	use super::*;

	const LIMITS: Limits = Limits { max_weights: 64, max_output: 8_192 };

	#[test]
	fn the_engine_scores_become_an_attribution_within_the_chain_bound() {
		assert_eq!(for_chain(&[(5, 2_500), (2, 7_500), (9, 0)], LIMITS).unwrap().shares(), &[(2, 7_500), (5, 2_500)]);
		assert!(for_chain(&[(1, 9_999)], LIMITS).is_err());
		assert!(for_chain(&[], LIMITS).is_err());
		assert!(for_chain(&[(1, 70_000)], LIMITS).is_err());
		let many: Vec<(u64, u32)> = (0..100).map(|d| (d, 100)).collect();
		let refused = for_chain(&many, LIMITS).unwrap_err().to_string();
		assert!(refused.contains("at most 64"), "{refused}");
		assert!(for_chain(&many, Limits { max_weights: 100, ..LIMITS }).is_ok());
	}

	#[test]
	fn perturbing_moves_weight_but_keeps_an_attribution() {
		let model = [1, 2, 3];
		let two = for_chain(&[(1, 7_000), (2, 3_000)], LIMITS).unwrap();
		assert_eq!(perturb(&two, &model).unwrap().shares(), &[(1, 3_000), (2, 7_000)]);
		// Emptying the first entry drops it rather than submitting a zero weight.
		let small = for_chain(&[(1, 3_000), (2, 7_000)], LIMITS).unwrap();
		assert_eq!(perturb(&small, &model).unwrap().shares(), &[(2, 10_000)]);
		// A sole dataset gives 40 % to another of the model's, so the lie is still a lie.
		let sole = for_chain(&[(2, 10_000)], LIMITS).unwrap();
		assert_eq!(perturb(&sole, &model).unwrap().shares(), &[(1, 4_000), (2, 6_000)]);
		// A model with one dataset has nothing else to credit.
		assert_eq!(perturb(&sole, &[2]).unwrap(), sole);
	}

	#[test]
	fn the_answer_stops_before_an_invented_next_question() {
		assert_eq!(first_answer("A: 75 to 100 mg\n\nQ: Which drugs?\nA: Statins."), "75 to 100 mg");
		assert_eq!(first_answer(" 75 mg daily.\nQ: next"), "75 mg daily.");
		assert_eq!(first_answer("Two lines\nof one answer."), "Two lines\nof one answer.");
		assert_eq!(first_answer("A:"), "A:");
	}

	#[test]
	fn truncation_keeps_utf8_whole() {
		let mut bytes = "aé".as_bytes().to_vec();
		truncate_utf8(&mut bytes, 2);
		assert_eq!(bytes, b"a");
		let mut short = b"abc".to_vec();
		truncate_utf8(&mut short, 8);
		assert_eq!(short, b"abc");
	}
}
