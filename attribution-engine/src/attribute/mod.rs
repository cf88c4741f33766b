//! Proof-of-Attribution for one answer: which datasets of the DataNet version shaped it, in basis points.
//!
//! Four methods, combined with [`combine::MethodWeights`]:
//! * **retrieval** ([`retrieval`]): KNN-Shapley values of the `candidates` nearest chunks to the question;
//! * **ablation**: leave-one-out over the `k` chunks in the prompt — the drop in the teacher-forced
//!   log-probability of the answer when a chunk is removed (chunks that made the answer likelier earn credit);
//! * **verbatim** ([`verbatim`]): long word sequences of the answer found in a dataset;
//! * **influence** (fine-tuned models only, [`crate::train::influence`]): the answer's loss gradient on the LoRA
//!   parameters against each dataset's training-gradient sketch.
//!
//! The server and every committee member run [`Engine::attribute`] on the same question and answer text;
//! in validator mode (fixed threads, see [`crate::validator_mode`]) the result is bit-identical run to run.

pub mod combine;
pub mod corpus;
pub mod grounding;
pub mod retrieval;
pub mod verbatim;

use crate::{
	chunk::ChunkId,
	datanet::DataNetVersion,
	embed::Embedder,
	error::{Result, WorkerError},
	generate::{
		openlora::{AdapterCache, AdapterSource},
		AnswerForm, Generation, Generator, Prompt,
	},
	index::store::StoredIndex,
	train::influence::Influence,
};
use combine::{MethodWeights, Scores};
pub use corpus::Corpus;
use serde::Serialize;
use std::{
	collections::{BTreeMap, BTreeSet},
	ops::Deref,
	sync::Arc,
	time::Instant,
};

/// How a chunk is removed for the ablation credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AblationMode {
	/// Drop the chunk from the prompt and recompute everything after it (true leave-one-out).
	#[default]
	Exact,
	/// Hide the chunk from the question and answer with the attention mask (one prefix pass; ≈ k/2× faster).
	Masked,
}

/// The order of the `k` retrieved chunks in the prompt (numbered `[1]`…`[k]` in that order). A small model
/// leans on both ends of its context: measured in docs/ATTRIBUTION.md, the most similar chunk last moved more of
/// the answers' dependence onto retrieval's best chunk on PubMedQA, but also onto the least similar one (then
/// first), and made the demo's and the studio's answers wander; the best chunks at both ends did not keep the
/// demo's answer either. Retrieval order stays the protocol's until a layout is better on every measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ContextLayout {
	/// Retrieval order: the most similar chunk is `[1]`.
	#[default]
	MostSimilarFirst,
	/// Reverse retrieval order: the most similar chunk is `[k]`, right before the question.
	MostSimilarLast,
	/// The best chunks at both ends and the weakest in the middle, where a small model looks least: the most
	/// similar last (right before the question), the second first, the third second to last, and so on inward
	/// (`[2, 4, 6, 8, 7, 5, 3, 1]` by retrieval rank for k = 8).
	BothEnds,
}

impl ContextLayout {
	/// The prompt position (0-based) of the chunk retrieval ranked `rank` (0-based) among `k`.
	pub fn position(self, rank: usize, k: usize) -> usize {
		match self {
			Self::MostSimilarFirst => rank,
			Self::MostSimilarLast => k.saturating_sub(1).saturating_sub(rank),
			Self::BothEnds if rank.is_multiple_of(2) => k.saturating_sub(1).saturating_sub(rank / 2),
			Self::BothEnds => rank / 2,
		}
	}

	/// Retrieval's rank of each of `k` prompt positions: the inverse of [`ContextLayout::position`].
	pub fn ranks(self, k: usize) -> Vec<usize> {
		self.lay_out((0..k).collect())
	}

	/// `ranked` (most similar first) in prompt order.
	pub fn lay_out<T>(self, ranked: Vec<T>) -> Vec<T> {
		let k = ranked.len();
		let mut placed: Vec<(usize, T)> =
			ranked.into_iter().enumerate().map(|(rank, t)| (self.position(rank, k), t)).collect();
		placed.sort_by_key(|(position, _)| *position);
		placed.into_iter().map(|(_, t)| t).collect()
	}
}

/// Knobs of the attribution pipeline. Part of the protocol: validators must use the same values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AttributionConfig {
	/// Chunks placed in the prompt (and ablated).
	pub k: usize,
	/// Chunks valued by KNN-Shapley (the retrieval candidate set, ≥ k).
	pub candidates: usize,
	/// Longest answer generated, in tokens.
	pub max_new_tokens: usize,
	pub ablation: AblationMode,
	pub weights: MethodWeights,
	/// Order of the chunks in the prompt.
	pub layout: ContextLayout,
	/// What a served answer may look like.
	pub answer_form: AnswerForm,
	/// When a server serves an answer and when it declines ([`grounding::Served`]).
	pub grounding: grounding::GroundingRule,
}

impl Default for AttributionConfig {
	fn default() -> Self {
		Self {
			k: 8,
			candidates: 16,
			max_new_tokens: 48,
			ablation: AblationMode::default(),
			weights: MethodWeights::default(),
			layout: ContextLayout::default(),
			answer_form: AnswerForm::default(),
			grounding: grounding::GroundingRule::PROTOCOL,
		}
	}
}

/// A retrieved chunk.
#[derive(Clone, Debug, Serialize)]
pub struct Retrieved {
	pub chunk: ChunkId,
	pub similarity: f32,
	pub text: String,
}

/// An answer with the context it was generated from.
#[derive(Clone, Debug, Serialize)]
pub struct Answered {
	pub question: String,
	pub answer: String,
	/// The chunks the answer was generated from, in prompt order ([`ContextLayout`]).
	pub context: Vec<Retrieved>,
	#[serde(skip)]
	pub generation: Option<Generation>,
}

impl Answered {
	fn new(question: &str, context: Vec<Retrieved>, generation: Generation) -> Self {
		Self {
			question: question.to_owned(),
			answer: generation.text.trim().to_owned(),
			context,
			generation: Some(generation),
		}
	}
}

/// Per-chunk evidence behind an attribution.
#[derive(Clone, Debug, Serialize)]
pub struct ChunkCredit {
	pub chunk: ChunkId,
	pub similarity: f32,
	/// KNN-Shapley value in 10⁻¹⁸ units of relevance.
	pub shapley: i128,
	/// `log p(answer | all chunks) − log p(answer | all but this one)`, nats (None if not in the prompt).
	pub loo_delta: Option<f64>,
}

/// Milliseconds spent per stage.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Timings {
	pub retrieval_ms: f64,
	pub ablation_ms: f64,
	pub verbatim_ms: f64,
	pub influence_ms: f64,
	pub total_ms: f64,
}

/// The attribution of one answer.
#[derive(Clone, Debug, Serialize)]
pub struct Attribution {
	/// (dataset, basis points), by dataset id, summing to 10 000 (empty if nothing could be credited).
	pub weights: Vec<(u64, u32)>,
	pub retrieval: Scores,
	pub ablation: Scores,
	pub verbatim: Scores,
	/// Training-gradient influence (empty for models without influence sketches).
	pub influence: Scores,
	pub chunks: Vec<ChunkCredit>,
	pub timings: Timings,
}

impl Attribution {
	/// The dataset with the most basis points (lowest id on ties).
	pub fn top(&self) -> Option<u64> {
		self.weights.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|r| r.0)
	}
}

/// A chunk's retrieval credit: its KNN-Shapley value, negatives counting 0.
pub fn shapley_credit(value: i128) -> u128 {
	u128::try_from(value.max(0)).unwrap_or(0)
}

/// A chunk's ablation credit: the drop in log-probability when it is removed, in micro-nats, negatives
/// counting 0 (a chunk that made the answer less likely earns nothing).
pub fn ablation_credit(delta: f64) -> u128 {
	#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
	let micro = (delta.max(0.0) * 1e6).round() as u128;
	micro
}

/// Verbatim credit of `answer` against `index`'s sources: each matched span's words (× 10⁶), split over the
/// span's occurrences.
pub fn verbatim_credit(index: &verbatim::VerbatimIndex, answer: &str) -> Scores {
	let mut scores = Scores::new();
	for span in index.matches(answer) {
		let occurrences: usize = span.datasets.iter().map(|d| d.1).sum();
		for (d, count) in &span.datasets {
			let share = (span.len as u128).saturating_mul(1_000_000).saturating_mul(*count as u128)
				/ (occurrences.max(1) as u128);
			let e = scores.entry(*d).or_insert(0);
			*e = e.saturating_add(share);
		}
	}
	scores
}

/// Everything needed to answer and attribute over one DataNet version.
pub struct Engine {
	pub embedder: Arc<Embedder>,
	/// The generator, or the base model of [`Engine::adapter`].
	pub generator: Generator,
	/// A fine-tuned model's adapter, served from a cache shared by many engines (OpenLoRA); fetched from the
	/// cache on every use, so an adapter evicted meanwhile is loaded again.
	pub adapter: Option<(Arc<AdapterCache>, AdapterSource)>,
	/// A fine-tuned model's training-gradient sketches: its answers are also credited by influence.
	pub influence: Option<Arc<Influence>>,
	/// The DataNet version's texts and indexes, shared with every engine over the same datasets.
	pub corpus: Arc<Corpus>,
	pub config: AttributionConfig,
}

/// The model an engine answers with: its own generator, or a cached one with the adapter.
pub enum ModelRef<'a> {
	Own(&'a Generator),
	Cached(Arc<Generator>),
}

impl Deref for ModelRef<'_> {
	type Target = Generator;

	fn deref(&self) -> &Generator {
		match self {
			ModelRef::Own(g) => g,
			ModelRef::Cached(g) => g,
		}
	}
}

fn ms_since(t: Instant) -> f64 {
	t.elapsed().as_secs_f64() * 1e3
}

impl Engine {
	/// Joins the parts; the index must have been built for this version.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] if the index's root differs from the version's or `k` is 0.
	pub fn new(
		embedder: impl Into<Arc<Embedder>>,
		generator: Generator,
		version: DataNetVersion,
		index: StoredIndex,
		config: AttributionConfig,
	) -> Result<Self> {
		Self::on_corpus(embedder, generator, Arc::new(Corpus::new(version, index)?), config)
	}

	/// An engine over a corpus other engines may share.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] if `k` is 0 or above `candidates`.
	pub fn on_corpus(
		embedder: impl Into<Arc<Embedder>>,
		generator: Generator,
		corpus: Arc<Corpus>,
		config: AttributionConfig,
	) -> Result<Self> {
		if config.k == 0 || config.candidates < config.k {
			return Err(WorkerError::InvalidInput("need 0 < k ≤ candidates".into()));
		}
		Ok(Self { embedder: embedder.into(), generator, adapter: None, influence: None, corpus, config })
	}

	/// The DataNet version this engine answers over.
	pub fn version(&self) -> &DataNetVersion {
		&self.corpus.version
	}

	/// Answers with `source`'s adapter over this engine's generator, through `cache` (whose base model must be
	/// this engine's generator, or a clone of it).
	#[must_use]
	pub fn with_adapter(self, cache: Arc<AdapterCache>, source: AdapterSource) -> Self {
		Self { adapter: Some((cache, source)), ..self }
	}

	/// Credits answers also by training-gradient influence against `influence`'s dataset sketches (for a
	/// fine-tuned model: the engine's model must carry the adapter the sketches were taken at).
	#[must_use]
	pub fn with_influence(self, influence: Arc<Influence>) -> Self {
		Self { influence: Some(influence), ..self }
	}

	/// The model that answers: the generator with the adapter, if the engine has one.
	///
	/// # Errors
	/// Loading the adapter failed (file gone or changed, over the memory budget).
	pub fn model(&self) -> Result<ModelRef<'_>> {
		match &self.adapter {
			Some((cache, source)) => Ok(ModelRef::Cached(cache.get(source)?)),
			None => Ok(ModelRef::Own(&self.generator)),
		}
	}

	fn chunk_text(&self, id: &ChunkId) -> String {
		self.corpus
			.version
			.dataset(id.dataset)
			.and_then(|d| d.text.get(id.start as usize..id.end as usize))
			.unwrap_or_default()
			.to_owned()
	}

	/// The `n` chunks nearest to the question, skipping datasets in `exclude`.
	///
	/// # Errors
	/// Embedding failures.
	pub fn retrieve(&self, question: &str, n: usize, exclude: &BTreeSet<u64>) -> Result<Vec<Retrieved>> {
		let query = self.embedder.embed_one(question)?;
		let skipped: usize =
			self.corpus.index.header.datasets.iter().filter(|d| exclude.contains(&d.dataset)).map(|d| d.rows).sum();
		let hits = self.corpus.index.index.search(&query, n.saturating_add(skipped))?.pop().unwrap_or_default();
		Ok(hits
			.into_iter()
			.filter_map(|h| self.corpus.index.index.ids().get(h.row).map(|id| (*id, h.score)))
			.filter(|(id, _)| !exclude.contains(&id.dataset))
			.take(n)
			.map(|(chunk, similarity)| Retrieved { chunk, similarity, text: self.chunk_text(&chunk) })
			.collect())
	}

	/// The `k` chunks nearest to the question (skipping datasets in `exclude`) in prompt order
	/// ([`ContextLayout`]).
	///
	/// # Errors
	/// Embedding failures.
	pub fn context(&self, question: &str, exclude: &BTreeSet<u64>) -> Result<Vec<Retrieved>> {
		Ok(self.config.layout.lay_out(self.retrieve(question, self.config.k, exclude)?))
	}

	/// The prompt the generator answers from, given the context in prompt order.
	///
	/// # Errors
	/// Tokenizer failures, an empty question.
	pub fn prompt(&self, question: &str, context: &[Retrieved]) -> Result<Prompt> {
		let texts: Vec<&str> = context.iter().map(|r| r.text.as_str()).collect();
		let mut prompt = self.generator.rag_prompt(question, &texts)?;
		prompt.ranks = self.config.layout.ranks(context.len());
		Ok(prompt)
	}

	/// Retrieves `k` chunks and generates an answer from them.
	///
	/// # Errors
	/// Embedding, generation or context-length failures.
	pub fn answer(&self, question: &str, exclude: &BTreeSet<u64>) -> Result<Answered> {
		self.answer_from(question, self.context(question, exclude)?)
	}

	/// Generates an answer to `question` from `context` (in prompt order).
	///
	/// # Errors
	/// Generation or context-length failures.
	fn answer_from(&self, question: &str, context: Vec<Retrieved>) -> Result<Answered> {
		let prompt = self.prompt(question, &context)?;
		let generation = self.model()?.generate(&prompt, self.config.max_new_tokens, self.config.answer_form)?;
		Ok(Answered::new(question, context, generation))
	}

	/// Answers `questions[i]` with `engines[i]`, decoding all answers together: engines whose models share a
	/// base (OpenLoRA: one base, many adapters) are batched into one forward pass per token
	/// ([`Generator::generate_batch`]). Each answer equals what [`Engine::answer`] gives.
	///
	/// # Errors
	/// Mismatched lengths, models on different bases; retrieval, adapter-loading or generation failures.
	pub fn answer_batch(engines: &[&Engine], questions: &[&str]) -> Result<Vec<Answered>> {
		if engines.len() != questions.len() {
			return Err(WorkerError::InvalidInput(format!("{} engines for {} questions", engines.len(), questions.len())));
		}
		let max_new = engines.iter().map(|e| e.config.max_new_tokens).max().unwrap_or(0);
		if engines.iter().any(|e| e.config.max_new_tokens != max_new) {
			return Err(WorkerError::InvalidInput("engines with different answer lengths in one batch".into()));
		}
		let form = engines.first().map_or(AnswerForm::default(), |e| e.config.answer_form);
		if engines.iter().any(|e| e.config.answer_form != form) {
			return Err(WorkerError::InvalidInput("engines with different answer forms in one batch".into()));
		}
		let (mut contexts, mut prompts, mut models) = (Vec::new(), Vec::new(), Vec::new());
		for (engine, question) in engines.iter().zip(questions) {
			let context = engine.context(question, &BTreeSet::new())?;
			prompts.push(engine.prompt(question, &context)?);
			contexts.push(context);
			models.push(engine.model()?);
		}
		let refs: Vec<&Generator> = models.iter().map(|m| &**m).collect();
		let generations = Generator::generate_batch(&refs, &prompts, max_new, form)?;
		Ok(questions
			.iter()
			.zip(contexts)
			.zip(generations)
			.map(|((question, context), generation)| Answered::new(question, context, generation))
			.collect())
	}

	/// Teacher-forced `log p(answer | question, context)` with the context retrieved while skipping `exclude`:
	/// how much the answer depends on the excluded datasets (used by the deletion test).
	///
	/// # Errors
	/// Embedding or model failures.
	pub fn score_answer(&self, question: &str, answer: &str, exclude: &BTreeSet<u64>) -> Result<f64> {
		let context = self.context(question, exclude)?;
		let prompt = self.prompt(question, &context)?;
		let answer_tokens = self.generator.encode(answer.trim())?;
		self.model()?.score(&prompt.tokens(), &answer_tokens)
	}

	/// Attributes `answer` (text) to the version's datasets.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for an empty answer; embedding or model failures.
	pub fn attribute(&self, question: &str, answer: &str) -> Result<Attribution> {
		let started = Instant::now();
		if answer.trim().is_empty() {
			return Err(WorkerError::InvalidInput("the answer is empty".into()));
		}
		let t = Instant::now();
		let candidates = self.retrieve(question, self.config.candidates, &BTreeSet::new())?;
		let relevances: Vec<i128> = candidates.iter().map(|r| retrieval::relevance_micros(r.similarity)).collect();
		let shapley = retrieval::knn_shapley(&relevances, self.config.k);
		let mut retrieval_scores = Scores::new();
		for (r, v) in candidates.iter().zip(&shapley) {
			let e = retrieval_scores.entry(r.chunk.dataset).or_insert(0);
			*e = e.saturating_add(shapley_credit(*v));
		}
		let retrieval_ms = ms_since(t);

		let t = Instant::now();
		let context = self.config.layout.lay_out(candidates.iter().take(self.config.k).cloned().collect());
		let prompt = self.prompt(question, &context)?;
		let answer_tokens = self.generator.encode(answer.trim())?;
		let model = self.model()?;
		let ablation = match self.config.ablation {
			AblationMode::Exact => model.score_leave_one_out(&prompt, &answer_tokens)?,
			AblationMode::Masked => model.score_masked_ablation(&prompt, &answer_tokens)?,
		};
		let mut ablation_scores = Scores::new();
		let mut deltas = BTreeMap::new();
		for (r, without) in context.iter().zip(&ablation.without) {
			let delta = ablation.full - without;
			deltas.insert(r.chunk, delta);
			let e = ablation_scores.entry(r.chunk.dataset).or_insert(0);
			*e = e.saturating_add(ablation_credit(delta));
		}
		let ablation_ms = ms_since(t);

		let t = Instant::now();
		let verbatim_scores = verbatim_credit(&self.corpus.verbatim, answer);
		let verbatim_ms = ms_since(t);

		let t = Instant::now();
		let influence_scores = match &self.influence {
			Some(influence) => influence.scores(&model, question, answer)?,
			None => Scores::new(),
		};
		let influence_ms = ms_since(t);

		let w = self.config.weights;
		let weights =
			combine::combine_methods(w, &retrieval_scores, &ablation_scores, &verbatim_scores, &influence_scores);
		let chunks = candidates
			.iter()
			.zip(&shapley)
			.map(|(r, s)| ChunkCredit {
				chunk: r.chunk,
				similarity: r.similarity,
				shapley: *s,
				loo_delta: deltas.get(&r.chunk).copied(),
			})
			.collect();
		Ok(Attribution {
			weights,
			retrieval: retrieval_scores,
			ablation: ablation_scores,
			verbatim: verbatim_scores,
			influence: influence_scores,
			chunks,
			timings: Timings { retrieval_ms, ablation_ms, verbatim_ms, influence_ms, total_ms: ms_since(started) },
		})
	}
}

#[cfg(test)]
mod tests {
	use super::ContextLayout;

	#[test]
	fn every_layout_places_each_rank_once_and_lays_out_by_position() {
		let layouts = [ContextLayout::MostSimilarFirst, ContextLayout::MostSimilarLast, ContextLayout::BothEnds];
		for k in 0..10 {
			for layout in layouts {
				let laid = layout.lay_out((0..k).collect::<Vec<usize>>());
				assert_eq!(layout.ranks(k), laid, "ranks are the laid-out ranks");
				for (position, rank) in layout.ranks(k).iter().enumerate() {
					assert_eq!(layout.position(*rank, k), position, "ranks invert positions: {layout:?}, k = {k}");
				}
				let mut positions: Vec<usize> = (0..k).map(|rank| layout.position(rank, k)).collect();
				for (position, rank) in laid.iter().enumerate() {
					assert_eq!(layout.position(*rank, k), position, "{layout:?}, k = {k}");
				}
				positions.sort_unstable();
				assert_eq!(positions, (0..k).collect::<Vec<_>>(), "{layout:?} is not a permutation for k = {k}");
			}
		}
		assert_eq!(ContextLayout::BothEnds.lay_out((1..=8).collect::<Vec<u8>>()), [2, 4, 6, 8, 7, 5, 3, 1]);
		assert_eq!(ContextLayout::MostSimilarLast.lay_out(vec![1, 2, 3]), [3, 2, 1]);
		assert_eq!(ContextLayout::MostSimilarFirst.lay_out(vec![1, 2, 3]), [1, 2, 3]);
	}
}
