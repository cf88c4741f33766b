//! One benchmark question through the served path: the engine answers it (validator mode, as on chain), the
//! answer is attributed with exact and with masked ablation, and the answer's log-probability is computed under
//! every subset of its retrieved context. The record keeps each method's raw inputs, so the report (and any
//! other choice of weights) is computed from records without running the model again.

use super::pubmedqa::Item;
use crate::{
	attribute::{verbatim::VerbatimIndex, verbatim_credit, AblationMode, ContextLayout, Engine},
	error::Result,
	generate::{joined, AnswerForm, SubsetScores},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeSet, ops::Range, time::Instant};

/// A retrieved chunk as the report needs it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RetrievedChunk {
	pub dataset: u64,
	pub similarity: f32,
	/// Whether the chunk is (part of) the question's own abstract.
	pub gold: bool,
	/// KNN-Shapley value (fixed point) over the retrieval candidates.
	pub shapley: i128,
}

/// Seconds and tokens fed through the model, per stage.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Cost {
	pub generation_s: f64,
	pub attribute_exact_s: f64,
	pub attribute_masked_s: f64,
	pub subsets_s: f64,
	pub subsets_tokens: usize,
	pub exact_tokens: usize,
	pub masked_tokens: usize,
	/// Tokens of one full prompt with the answer (the unit of "passes").
	pub full_tokens: usize,
	/// The prompt's segments in tokens: head, each context, tail.
	pub segment_tokens: Vec<usize>,
}

/// Everything measured for one question.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
	pub pubmed_id: String,
	pub question: String,
	pub answer: String,
	pub decision: Option<String>,
	pub answer_tokens: usize,
	/// The generation stopped at the token limit rather than at its end-of-turn token.
	pub hit_token_limit: bool,
	pub gold_dataset: u64,
	/// The retrieval candidates in rank order; the first `k` were the prompt's context.
	pub candidates: Vec<RetrievedChunk>,
	pub k: usize,
	/// `log p(answer | kept contexts)` by mask over the `k` contexts (empty when the answer was empty).
	pub subsets: Vec<f64>,
	/// Masked-ablation deltas per context.
	pub masked: Vec<f64>,
	/// Verbatim credit per context (spans of the answer found in that chunk, as the product scores them).
	pub verbatim: Vec<u128>,
	/// The served attribution (exact ablation, the chain's default) and the masked one, basis points.
	pub weights_exact: Vec<(u64, u32)>,
	pub weights_masked: Vec<(u64, u32)>,
	/// Per-dataset method scores of the served attribution, to recombine with other weights.
	pub retrieval_scores: Vec<(u64, u128)>,
	pub exact_scores: Vec<(u64, u128)>,
	pub masked_scores: Vec<(u64, u128)>,
	pub verbatim_scores: Vec<(u64, u128)>,
	pub cost: Cost,
	/// How the answer was produced (records from before these settings existed used the first layout and
	/// were free-form).
	#[serde(default = "first_layout")]
	pub layout: ContextLayout,
	#[serde(default = "free_form", alias = "stop")]
	pub answer_form: AnswerForm,
	/// The answer appears verbatim (whitespace aside) in one of the prompt's contexts or across two overlapping
	/// chunks of one text ([`appears_in`]): a quote that is one, and no words the data does not hold (absent from
	/// records made before it was measured).
	#[serde(default)]
	pub quoted: Option<bool>,
	/// Every sentence a quote could have been, scored as the served choice scores them (answers in quote form;
	/// absent from records made before it was kept): other choices are weighed from these without the model.
	#[serde(default)]
	pub quote_scores: Vec<QuoteScore>,
}

/// One candidate quote of a record ([`crate::generate::ScoredQuote`]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QuoteScore {
	/// Retrieval's rank of the best context holding it (0 = the most similar).
	pub rank: usize,
	/// What the question adds to its log-probability.
	pub gain: f64,
	/// Taken from (a chunk of) the question's own abstract.
	pub gold: bool,
}

fn first_layout() -> ContextLayout {
	ContextLayout::MostSimilarFirst
}

fn free_form() -> AnswerForm {
	AnswerForm::Free
}

impl Record {
	/// The subset table.
	pub fn table(&self) -> SubsetScores {
		SubsetScores { contexts: self.k, logp: self.subsets.clone(), tokens_fed: self.cost.subsets_tokens }
	}

	/// Whether the question's abstract was among the prompt's contexts.
	pub fn gold_in_context(&self) -> bool {
		self.candidates.iter().take(self.k).any(|c| c.gold)
	}
}

/// Whether `answer` (non-empty) appears in one of `contexts`, or in two of them [`joined`] where overlapping chunks
/// of one text overlap (where quotes are taken from: a sentence two chunks cut), each run of whitespace read as
/// one space.
pub fn appears_in<'a>(answer: &str, contexts: impl Iterator<Item = &'a str>) -> bool {
	let spaced = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
	let answer = spaced(answer);
	let contexts: Vec<String> = contexts.map(spaced).collect();
	let mut pairs = contexts.iter().enumerate().flat_map(|(a, first)| {
		contexts.iter().enumerate().filter(move |(b, _)| *b != a).filter_map(move |(_, second)| joined(first, second))
	});
	!answer.is_empty() && (contexts.iter().any(|c| c.contains(&answer)) || pairs.any(|j| j.contains(&answer)))
}

fn secs(t: Instant) -> f64 {
	t.elapsed().as_secs_f64()
}

/// Asks `item` through `engine` and measures everything; `source` is the dataset and byte range of its
/// abstract. An empty answer gives a record with no subsets (nothing can be attributed), as does
/// `answers_only` (the answer and retrieval measures only, for tuning how answers are produced).
///
/// # Errors
/// Model, embedding or tokenizer failures.
pub fn evaluate(engine: &mut Engine, item: &Item, source: &(u64, Range<usize>), answers_only: bool) -> Result<Record> {
	let (gold_dataset, range) = source;
	let t = Instant::now();
	let answered = engine.answer(&item.question, &BTreeSet::new())?;
	let generation_s = secs(t);
	let generation = answered.generation.as_ref();
	let hit_token_limit = generation.is_some_and(|g| g.tokens.len() >= engine.config.max_new_tokens);
	let k = engine.config.k;
	let candidates = engine.retrieve(&item.question, engine.config.candidates, &BTreeSet::new())?;
	let overlaps_gold =
		|dataset: u64, start: usize, end: usize| dataset == *gold_dataset && start < range.end && range.start < end;
	let answer_tokens = engine.generator.encode(&answered.answer)?;
	let mut record = Record {
		pubmed_id: item.pubmed_id.clone(),
		question: item.question.clone(),
		answer: answered.answer.clone(),
		decision: item.decision.clone(),
		answer_tokens: answer_tokens.len(),
		hit_token_limit,
		gold_dataset: *gold_dataset,
		candidates: candidates
			.iter()
			.map(|r| RetrievedChunk {
				dataset: r.chunk.dataset,
				similarity: r.similarity,
				gold: overlaps_gold(r.chunk.dataset, r.chunk.start as usize, r.chunk.end as usize),
				shapley: 0,
			})
			.collect(),
		k,
		subsets: Vec::new(),
		masked: Vec::new(),
		verbatim: Vec::new(),
		weights_exact: Vec::new(),
		weights_masked: Vec::new(),
		retrieval_scores: Vec::new(),
		exact_scores: Vec::new(),
		masked_scores: Vec::new(),
		verbatim_scores: Vec::new(),
		cost: Cost { generation_s, ..Cost::default() },
		layout: engine.config.layout,
		answer_form: engine.config.answer_form,
		quoted: Some(appears_in(&answered.answer, answered.context.iter().map(|r| r.text.as_str()))),
		quote_scores: Vec::new(),
	};
	if engine.config.answer_form == AnswerForm::Quote {
		let prompt = engine.prompt(&item.question, &answered.context)?;
		let is_gold = |context: usize| {
			answered.context.get(context).is_some_and(|r| {
				overlaps_gold(r.chunk.dataset, r.chunk.start as usize, r.chunk.end as usize)
			})
		};
		record.quote_scores = engine
			.model()?
			.quote_scores(&prompt, engine.config.max_new_tokens)?
			.into_iter()
			.map(|s| QuoteScore { rank: s.candidate.rank, gain: s.gain, gold: is_gold(s.candidate.context) })
			.collect();
	}
	if answer_tokens.is_empty() || answers_only {
		return Ok(record);
	}
	let served_mode = engine.config.ablation;
	engine.config.ablation = AblationMode::Exact;
	let t = Instant::now();
	let exact = engine.attribute(&item.question, &answered.answer);
	record.cost.attribute_exact_s = secs(t);
	engine.config.ablation = AblationMode::Masked;
	let t = Instant::now();
	let masked = engine.attribute(&item.question, &answered.answer);
	record.cost.attribute_masked_s = secs(t);
	engine.config.ablation = served_mode;
	let (exact, masked) = (exact?, masked?);
	for (c, credit) in record.candidates.iter_mut().zip(&exact.chunks) {
		c.shapley = credit.shapley;
	}
	record.masked = masked.chunks.iter().take(k).map(|c| c.loo_delta.unwrap_or(0.0)).collect();
	let ranked: Vec<_> = candidates.iter().take(k).cloned().collect();
	let chunk_index = VerbatimIndex::build(ranked.iter().enumerate().map(|(i, r)| (i as u64, r.text.as_str())));
	let per_chunk = verbatim_credit(&chunk_index, &answered.answer);
	record.verbatim = (0..ranked.len() as u64).map(|i| per_chunk.get(&i).copied().unwrap_or(0)).collect();
	record.weights_exact = exact.weights.clone();
	record.weights_masked = masked.weights.clone();
	record.retrieval_scores = exact.retrieval.into_iter().collect();
	record.exact_scores = exact.ablation.into_iter().collect();
	record.masked_scores = masked.ablation.into_iter().collect();
	record.verbatim_scores = exact.verbatim.into_iter().collect();

	let layout = engine.config.layout;
	let k_in_prompt = ranked.len();
	let prompt = engine.prompt(&item.question, &layout.lay_out(ranked))?;
	let t = Instant::now();
	let table = engine.model()?.score_subsets(&prompt, &answer_tokens)?;
	record.cost.subsets_s = secs(t);
	record.cost.subsets_tokens = table.tokens_fed;
	// Tokens each ablation mode feeds: exact = the full run plus, for each context i, everything after it
	// from the cache before it; masked = the body once plus tail and answer once per run (k + 1 runs).
	let lens: Vec<usize> = prompt.segments.iter().map(Vec::len).collect();
	let scored = answer_tokens.len().saturating_sub(1);
	let total: usize = lens.iter().sum::<usize>().saturating_add(scored);
	let tail = lens.last().copied().unwrap_or(0);
	let mut exact_tokens = total;
	for i in 1..=k {
		let after: usize = lens.iter().skip(i.saturating_add(1)).sum();
		exact_tokens = exact_tokens.saturating_add(after.saturating_add(scored));
	}
	record.cost.exact_tokens = exact_tokens;
	record.cost.masked_tokens = total
		.saturating_sub(tail)
		.saturating_sub(scored)
		.saturating_add((k.saturating_add(1)).saturating_mul(tail.saturating_add(scored)));
	record.cost.full_tokens = total;
	record.cost.segment_tokens = lens;
	// The table's bits are prompt positions; the record's are retrieval ranks (as its candidates are).
	record.subsets = table.reindexed(|rank| layout.position(rank, k_in_prompt)).logp;
	Ok(record)
}
