//! Whether an answer is worth serving: the DataNet holds something close to the question, and the model's
//! answer from that context is not one it finds unlikely itself. A server that cannot serve declines the request
//! (`decline` on chain, the fee refunded) instead of selling an answer nothing grounds.
//!
//! The rule ([`GroundingRule`]) was chosen by `attribution-worker bench grounding` (docs/ATTRIBUTION.md,
//! "Declining"): the similarity of the question to retrieval's best chunk separates questions the DataNet cannot
//! answer (real PubMedQA questions asked of a drug formulary) from answerable ones. The answer's mean token
//! log-probability singles out vacuous answers of the base model ("The answer is: 1."), but a fine-tuned adapter
//! shifts it (the studio's model had a right first clause below the base model's threshold), so the protocol does
//! not enforce it until it is calibrated per model. How much likelier the context made the answer (its gain) is
//! measured too but is not part of the rule: answers that restate the question gain little from a context that
//! nonetheless holds the answer.

use super::{Answered, Engine};
use crate::error::{Result, WorkerError};
pub use openledger_primitives::attribution::DeclineReason;
use serde::Serialize;

/// The protocol's rule for serving an answer. Part of the protocol: validators must use the same values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GroundingRule {
	/// The least cosine similarity of the question to retrieval's best chunk (MiniLM, the pinned embedder).
	pub min_similarity: f32,
	/// The least mean log-probability per answer token, under the model and the served context (nats).
	pub min_confidence: f64,
}

impl GroundingRule {
	/// The protocol's values: relevance only (see the module's docs for why confidence is not enforced).
	pub const PROTOCOL: Self = Self { min_similarity: 0.45, min_confidence: f64::NEG_INFINITY };
	/// The base model's measured confidence threshold, for benches and a future per-model calibration.
	pub const WITH_CONFIDENCE: Self = Self { min_confidence: -1.0, ..Self::PROTOCOL };
	/// Serves everything (benches that measure answers, not the rule).
	pub const NONE: Self = Self { min_similarity: f32::NEG_INFINITY, min_confidence: f64::NEG_INFINITY };

	/// Whether an answer's confidence can decline it (then every answer is scored before it is served).
	pub fn enforces_confidence(&self) -> bool {
		self.min_confidence > f64::NEG_INFINITY
	}
}

impl Default for GroundingRule {
	fn default() -> Self {
		Self::PROTOCOL
	}
}

/// The teacher-forced log-probability of an answer with and without its retrieved context.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Grounding {
	/// Tokens in the answer.
	pub tokens: usize,
	/// `log p(answer | question, context)`, nats.
	pub with_context: f64,
	/// `log p(answer | question)` — the same prompt with no chunks — nats.
	pub without_context: f64,
	/// Cosine similarity of the question to retrieval's best chunk.
	pub top_similarity: f32,
}

impl Grounding {
	/// How much likelier the context made the answer, per answer token (nats).
	pub fn gain_per_token(&self) -> f64 {
		#[allow(clippy::cast_precision_loss)]
		let tokens = self.tokens.max(1) as f64;
		(self.with_context - self.without_context) / tokens
	}

	/// The answer's mean log-probability per token under its context (the model's confidence).
	pub fn confidence(&self) -> f64 {
		#[allow(clippy::cast_precision_loss)]
		let tokens = self.tokens.max(1) as f64;
		self.with_context / tokens
	}
}

/// What a server does with a question: serve the answer, or decline the request (`decline` on chain).
#[derive(Clone, Debug)]
pub enum Served {
	/// An answer worth serving: attribute and submit it. Its grounding is measured only when the rule enforces
	/// confidence: it costs two teacher-forced passes, on the path where the response window runs.
	Answer { answered: Answered, grounding: Option<Grounding> },
	/// No answer worth paying for.
	Decline { reason: DeclineReason, answer: Option<String>, grounding: Option<Grounding> },
}

impl Served {
	fn decline(reason: DeclineReason) -> Self {
		Self::Decline { reason, answer: None, grounding: None }
	}
}

/// The best similarity among `context`'s chunks.
fn top_similarity(context: &[super::Retrieved]) -> f32 {
	context.iter().map(|c| c.similarity).fold(f32::NEG_INFINITY, f32::max)
}

impl Engine {
	/// The grounding of `answered` (an answer of this engine, with the context it was generated from).
	///
	/// # Errors
	/// Tokenizer or model failures.
	pub fn grounding(&self, answered: &Answered) -> Result<Grounding> {
		let answer = self.generator.encode(answered.answer.trim())?;
		let model = self.model()?;
		let with_context = model.score(&self.prompt(&answered.question, &answered.context)?.tokens(), &answer)?;
		let without_context = model.score(&self.prompt(&answered.question, &[])?.tokens(), &answer)?;
		Ok(Grounding { tokens: answer.len(), with_context, without_context, top_similarity: top_similarity(&answered.context) })
	}

	/// Answers `question` as a server does. It declines without generating when the DataNet holds nothing
	/// close to the question, or the model cannot take it (blank, or too long for its context window — which
	/// would otherwise fail every honest server in turn); and after generating, when [`Engine::judge`] does.
	///
	/// # Errors
	/// Embedding, model or adapter failures (not the question's fault: the worker retries).
	pub fn serve(&self, question: &str) -> Result<Served> {
		if question.trim().is_empty() {
			return Ok(Served::decline(DeclineReason::Unanswerable));
		}
		let context = self.context(question, &Default::default())?;
		if top_similarity(&context) < self.config.grounding.min_similarity {
			return Ok(Served::decline(DeclineReason::NothingRelevant));
		}
		match self.answer_from(question, context) {
			Ok(answered) => self.judge(answered),
			Err(WorkerError::PromptTooLong { .. }) => Ok(Served::decline(DeclineReason::Unanswerable)),
			Err(e) => Err(e),
		}
	}

	/// Serves `answered` (an answer of this engine, e.g. from a batch) or declines it by the rule
	/// ([`super::AttributionConfig::grounding`]); an empty answer cannot be attributed.
	///
	/// # Errors
	/// Tokenizer or model failures.
	pub fn judge(&self, answered: Answered) -> Result<Served> {
		let rule = self.config.grounding;
		if top_similarity(&answered.context) < rule.min_similarity {
			return Ok(Served::decline(DeclineReason::NothingRelevant));
		}
		if answered.answer.trim().is_empty() {
			return Ok(Served::decline(DeclineReason::Unanswerable));
		}
		if !rule.enforces_confidence() {
			return Ok(Served::Answer { answered, grounding: None });
		}
		let grounding = match self.grounding(&answered) {
			Ok(grounding) => grounding,
			Err(WorkerError::PromptTooLong { .. }) => return Ok(Served::decline(DeclineReason::Unanswerable)),
			Err(e) => return Err(e),
		};
		if grounding.confidence() < rule.min_confidence {
			let answer = Some(answered.answer);
			return Ok(Served::Decline { reason: DeclineReason::NotConfident, answer, grounding: Some(grounding) });
		}
		Ok(Served::Answer { answered, grounding: Some(grounding) })
	}
}
