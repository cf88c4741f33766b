//! Proof-of-Attribution for one answer: which datasets of the DataNet version shaped it, in basis points.
//!
//! Three methods, combined with [`combine::MethodWeights`]:
//! * **retrieval** ([`retrieval`]): KNN-Shapley values of the `candidates` nearest chunks to the question;
//! * **ablation**: leave-one-out over the `k` chunks in the prompt — the drop in the teacher-forced
//!   log-probability of the answer when a chunk is removed (chunks that made the answer likelier earn credit);
//! * **verbatim** ([`verbatim`]): long word sequences of the answer found in a dataset.
//!
//! The server and every committee member run [`Engine::attribute`] on the same question and answer text;
//! in validator mode (fixed threads, see [`crate::validator_mode`]) the result is bit-identical run to run.

pub mod combine;
pub mod retrieval;
pub mod verbatim;

use crate::{
	chunk::ChunkId,
	datanet::DataNetVersion,
	embed::Embedder,
	error::{Result, WorkerError},
	generate::{Generation, Generator, Prompt},
	index::store::StoredIndex,
};
use combine::{MethodWeights, Scores};
use serde::Serialize;
use std::{collections::BTreeSet, time::Instant};
use verbatim::VerbatimIndex;

/// How a chunk is removed for the ablation credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AblationMode {
	/// Drop the chunk from the prompt and recompute everything after it (true leave-one-out).
	#[default]
	Exact,
	/// Hide the chunk from the question and answer with the attention mask (one prefix pass; ≈ k/2× faster).
	Masked,
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
}

impl Default for AttributionConfig {
	fn default() -> Self {
		Self {
			k: 8,
			candidates: 16,
			max_new_tokens: 48,
			ablation: AblationMode::default(),
			weights: MethodWeights::default(),
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
	pub context: Vec<Retrieved>,
	#[serde(skip)]
	pub generation: Option<Generation>,
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
	pub chunks: Vec<ChunkCredit>,
	pub timings: Timings,
}

impl Attribution {
	/// The dataset with the most basis points (lowest id on ties).
	pub fn top(&self) -> Option<u64> {
		self.weights.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|r| r.0)
	}
}

/// Everything needed to answer and attribute over one DataNet version.
pub struct Engine {
	pub embedder: Embedder,
	pub generator: Generator,
	pub version: DataNetVersion,
	pub index: StoredIndex,
	pub verbatim: VerbatimIndex,
	pub config: AttributionConfig,
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
		embedder: Embedder,
		generator: Generator,
		version: DataNetVersion,
		index: StoredIndex,
		config: AttributionConfig,
	) -> Result<Self> {
		if index.header.root != version.root_hex() {
			return Err(WorkerError::InvalidInput(format!(
				"index built for root {}, DataNet version root is {}",
				index.header.root,
				version.root_hex()
			)));
		}
		if config.k == 0 || config.candidates < config.k {
			return Err(WorkerError::InvalidInput("need 0 < k ≤ candidates".into()));
		}
		let verbatim = VerbatimIndex::build(version.datasets.iter().map(|d| (d.id, d.text.as_str())));
		Ok(Self { embedder, generator, version, index, verbatim, config })
	}

	fn chunk_text(&self, id: &ChunkId) -> String {
		self.version
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
			self.index.header.datasets.iter().filter(|d| exclude.contains(&d.dataset)).map(|d| d.rows).sum();
		let hits = self.index.index.search(&query, n.saturating_add(skipped))?.pop().unwrap_or_default();
		Ok(hits
			.into_iter()
			.filter_map(|h| self.index.index.ids().get(h.row).map(|id| (*id, h.score)))
			.filter(|(id, _)| !exclude.contains(&id.dataset))
			.take(n)
			.map(|(chunk, similarity)| Retrieved { chunk, similarity, text: self.chunk_text(&chunk) })
			.collect())
	}

	fn prompt(&self, question: &str, context: &[Retrieved]) -> Result<Prompt> {
		let texts: Vec<&str> = context.iter().map(|r| r.text.as_str()).collect();
		self.generator.rag_prompt(question, &texts)
	}

	/// Retrieves `k` chunks and generates an answer from them.
	///
	/// # Errors
	/// Embedding, generation or context-length failures.
	pub fn answer(&self, question: &str, exclude: &BTreeSet<u64>) -> Result<Answered> {
		let context = self.retrieve(question, self.config.k, exclude)?;
		let prompt = self.prompt(question, &context)?;
		let generation = self.generator.generate(&prompt, self.config.max_new_tokens)?;
		Ok(Answered {
			question: question.to_owned(),
			answer: generation.text.trim().to_owned(),
			context,
			generation: Some(generation),
		})
	}

	/// Teacher-forced `log p(answer | question, context)` with the context retrieved while skipping `exclude`:
	/// how much the answer depends on the excluded datasets (used by the deletion test).
	///
	/// # Errors
	/// Embedding or model failures.
	pub fn score_answer(&self, question: &str, answer: &str, exclude: &BTreeSet<u64>) -> Result<f64> {
		let context = self.retrieve(question, self.config.k, exclude)?;
		let prompt = self.prompt(question, &context)?;
		let answer_tokens = self.generator.encode(answer.trim())?;
		self.generator.score(&prompt.tokens(), &answer_tokens)
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
			*e = e.saturating_add(u128::try_from((*v).max(0)).unwrap_or(0));
		}
		let retrieval_ms = ms_since(t);

		let t = Instant::now();
		let context: Vec<Retrieved> = candidates.iter().take(self.config.k).cloned().collect();
		let prompt = self.prompt(question, &context)?;
		let answer_tokens = self.generator.encode(answer.trim())?;
		let ablation = match self.config.ablation {
			AblationMode::Exact => self.generator.score_leave_one_out(&prompt, &answer_tokens)?,
			AblationMode::Masked => self.generator.score_masked_ablation(&prompt, &answer_tokens)?,
		};
		let mut ablation_scores = Scores::new();
		let mut deltas = Vec::with_capacity(context.len());
		for (r, without) in context.iter().zip(&ablation.without) {
			let delta = ablation.full - without;
			deltas.push(delta);
			#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
			let micro = (delta.max(0.0) * 1e6).round() as u128;
			let e = ablation_scores.entry(r.chunk.dataset).or_insert(0);
			*e = e.saturating_add(micro);
		}
		let ablation_ms = ms_since(t);

		let t = Instant::now();
		let mut verbatim_scores = Scores::new();
		for span in self.verbatim.matches(answer) {
			let occurrences: usize = span.datasets.iter().map(|d| d.1).sum();
			for (d, count) in &span.datasets {
				// Credit a span's words, split over its occurrences (integer, scaled by 10⁶).
				let share = (span.len as u128).saturating_mul(1_000_000).saturating_mul(*count as u128)
					/ (occurrences.max(1) as u128);
				let e = verbatim_scores.entry(*d).or_insert(0);
				*e = e.saturating_add(share);
			}
		}
		let verbatim_ms = ms_since(t);

		let w = self.config.weights;
		let weights = combine::combine(&[
			(w.retrieval, &retrieval_scores),
			(w.ablation, &ablation_scores),
			(w.verbatim, &verbatim_scores),
		]);
		let chunks = candidates
			.iter()
			.zip(&shapley)
			.enumerate()
			.map(|(i, (r, s))| ChunkCredit {
				chunk: r.chunk,
				similarity: r.similarity,
				shapley: *s,
				loo_delta: deltas.get(i).copied(),
			})
			.collect();
		Ok(Attribution {
			weights,
			retrieval: retrieval_scores,
			ablation: ablation_scores,
			verbatim: verbatim_scores,
			chunks,
			timings: Timings { retrieval_ms, ablation_ms, verbatim_ms, total_ms: ms_since(started) },
		})
	}
}
