//! From question records to the benchmark's numbers: for every method (and the baselines) the linear
//! datamodeling score and the top-k drop over the exact subset tables, gold recovery at dataset level, cost —
//! each with a 95 % bootstrap interval and paired tests against the baselines — plus retrieval recall and how
//! well the served answers answer.

pub use crate::generate::answer_form::carries_prompt_format as leaks_format;
use crate::generate::answer_form::ends_sentence;
use super::{
	faithfulness::{lds, random_k_drop, top_k_drop},
	question::Record,
	stats::{bootstrap_mean, wilcoxon_signed_rank, Estimate, SignedRank},
	surrogate,
};
use crate::{
	attribute::{ablation_credit, combine, combine::MethodWeights, shapley_credit},
	rng::{mix, SplitMix64},
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Bootstrap resamples per interval.
const BOOTSTRAP: usize = 2_000;
/// Drops measured: removing the top 1, 2 and 3 sources.
pub const DROP_KS: [usize; 3] = [1, 2, 3];
/// ContextCite sample sizes compared: 8 costs about what exact leave-one-out costs (each random ablation feeds
/// about half the contexts), 32 and 64 are the published settings.
pub const SURROGATE_SAMPLES: [usize; 3] = [8, 32, 64];

/// Rank penalties (nats per retrieval rank, [`crate::generate::choose_quote`]) the report weighs quotes under.
pub const QUOTE_RANK_PENALTIES: [f64; 7] = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// One method's scores for one question: per context chunk (for LDS and the top-k drop) and per dataset (for
/// gold recovery), and what it cost in full-prompt passes and seconds.
#[derive(Clone, Debug)]
pub struct MethodScores {
	pub per_chunk: Vec<f64>,
	pub per_dataset: BTreeMap<u64, f64>,
	pub passes: f64,
	pub seconds: f64,
}

fn dataset_map(rows: &[(u64, u128)]) -> combine::Scores {
	rows.iter().copied().collect()
}

/// Each chunk's basis points in a combined vector, as [`combine::combine_methods`] makes it with chunks in
/// place of datasets (no influence: the records hold none).
fn bps_per_chunk(weights: MethodWeights, retrieval: &[u128], ablation: &[u128], verbatim: &[u128]) -> Vec<f64> {
	let map = |v: &[u128]| -> combine::Scores { v.iter().enumerate().map(|(i, x)| (i as u64, *x)).collect() };
	let bps: BTreeMap<u64, u32> = combine::combine_methods(
		weights,
		&map(retrieval),
		&map(ablation),
		&map(verbatim),
		&combine::Scores::new(),
	)
	.into_iter()
	.collect();
	(0..retrieval.len() as u64).map(|i| f64::from(bps.get(&i).copied().unwrap_or(0))).collect()
}

/// Every method's scores on one record (which must have its subset table), with `weights` for the
/// combined vectors. Method names are the report's keys.
pub fn methods(record: &Record, weights: MethodWeights) -> BTreeMap<&'static str, MethodScores> {
	let table = record.table();
	let k = record.k;
	let all = table.all();
	let context: Vec<_> = record.candidates.iter().take(k).collect();
	let full = record.cost.full_tokens.max(1) as f64;
	let per_token_s = record.cost.subsets_s / record.cost.subsets_tokens.max(1) as f64;
	let by_dataset = |scores: &[f64]| -> BTreeMap<u64, f64> {
		let mut m = BTreeMap::new();
		for (c, s) in context.iter().zip(scores) {
			*m.entry(c.dataset).or_insert(0.0) += s.max(0.0);
		}
		m
	};
	let to_f64 = |rows: &[(u64, u128)]| rows.iter().map(|(d, v)| (*d, *v as f64)).collect::<BTreeMap<_, _>>();
	let loo: Vec<f64> = (0..k).map(|i| table.get(all) - table.get(all & !(1usize << i))).collect();
	let shapley: Vec<u128> = context.iter().map(|c| shapley_credit(c.shapley)).collect();
	let combined_with = |ablation: &[f64], scores: &[(u64, u128)]| -> (Vec<f64>, BTreeMap<u64, f64>) {
		let credits: Vec<u128> = ablation.iter().map(|d| ablation_credit(*d)).collect();
		let chunk = bps_per_chunk(weights, &shapley, &credits, &record.verbatim);
		let (r, a, v) =
			(dataset_map(&record.retrieval_scores), dataset_map(scores), dataset_map(&record.verbatim_scores));
		let datasets = combine::combine_methods(weights, &r, &a, &v, &combine::Scores::new());
		(chunk, datasets.into_iter().map(|(d, b)| (d, f64::from(b))).collect())
	};
	let exact_passes = record.cost.exact_tokens as f64 / full;
	let masked_passes = record.cost.masked_tokens as f64 / full;
	let mut out = BTreeMap::new();
	let (chunk, datasets) = combined_with(&loo, &record.exact_scores);
	out.insert(
		"combined",
		MethodScores {
			per_chunk: chunk,
			per_dataset: datasets,
			passes: exact_passes,
			seconds: record.cost.attribute_exact_s,
		},
	);
	let (chunk, datasets) = combined_with(&record.masked, &record.masked_scores);
	out.insert(
		"combined_masked",
		MethodScores {
			per_chunk: chunk,
			per_dataset: datasets,
			passes: masked_passes,
			seconds: record.cost.attribute_masked_s,
		},
	);
	out.insert(
		"exact_loo",
		MethodScores {
			per_dataset: to_f64(&record.exact_scores),
			per_chunk: loo,
			passes: exact_passes,
			seconds: record.cost.exact_tokens as f64 * per_token_s,
		},
	);
	out.insert(
		"masked_ablation",
		MethodScores {
			per_dataset: to_f64(&record.masked_scores),
			per_chunk: record.masked.clone(),
			passes: masked_passes,
			seconds: record.cost.masked_tokens as f64 * per_token_s,
		},
	);
	out.insert(
		"knn_shapley",
		MethodScores {
			per_chunk: context.iter().map(|c| c.shapley as f64).collect(),
			per_dataset: to_f64(&record.retrieval_scores),
			passes: 0.0,
			seconds: 0.0,
		},
	);
	out.insert(
		"verbatim",
		MethodScores {
			per_chunk: record.verbatim.iter().map(|v| *v as f64).collect(),
			per_dataset: to_f64(&record.verbatim_scores),
			passes: 0.0,
			seconds: 0.0,
		},
	);
	for n in SURROGATE_SAMPLES {
		let masks = surrogate::random_masks(k, n, question_seed(record, n as u64));
		let weights = surrogate::fit(&table, &masks, record.answer_tokens, surrogate::CONTEXTCITE_ALPHA);
		// Each ablation is its own pass over the head, the kept contexts, the tail and the answer.
		let tokens: usize = masks.iter().map(|m| ablation_tokens(record, *m)).sum();
		out.insert(
			match n {
				8 => "contextcite_8",
				32 => "contextcite_32",
				_ => "contextcite_64",
			},
			MethodScores {
				per_dataset: by_dataset(&weights),
				per_chunk: weights,
				passes: tokens as f64 / full,
				seconds: tokens as f64 * per_token_s,
			},
		);
	}
	let similarity: Vec<f64> = context.iter().map(|c| f64::from(c.similarity)).collect();
	let mut best = BTreeMap::new();
	for c in &record.candidates {
		let e = best.entry(c.dataset).or_insert(f64::NEG_INFINITY);
		*e = e.max(f64::from(c.similarity));
	}
	out.insert(
		"retrieval_similarity",
		MethodScores { per_chunk: similarity, per_dataset: best, passes: 0.0, seconds: 0.0 },
	);
	let mut rng = SplitMix64(question_seed(record, 0x5EED));
	let random: Vec<f64> = (0..k).map(|_| rng.unit()).collect();
	out.insert(
		"random",
		MethodScores { per_dataset: by_dataset(&random), per_chunk: random, passes: 0.0, seconds: 0.0 },
	);
	out
}

/// A seed for one question's random draws, from its id.
fn question_seed(record: &Record, salt: u64) -> u64 {
	record.pubmed_id.bytes().fold(mix(salt), |h, b| mix(h ^ u64::from(b)))
}

/// Tokens one pass with the contexts of `mask` feeds: head, kept contexts, tail, and the answer but its last
/// token.
fn ablation_tokens(record: &Record, mask: usize) -> usize {
	let segments = &record.cost.segment_tokens;
	let k = record.k;
	let kept: usize =
		segments.iter().skip(1).take(k).enumerate().filter(|(i, _)| mask & (1usize << i) != 0).map(|(_, t)| *t).sum();
	let head_tail = segments.first().copied().unwrap_or(0).saturating_add(segments.last().copied().unwrap_or(0));
	kept.saturating_add(head_tail).saturating_add(record.answer_tokens.saturating_sub(1))
}

/// Rank (from 1) of `gold` among the datasets with positive score, highest first, ties to the lower id;
/// `None` when `gold` has no credit.
pub fn gold_rank(per_dataset: &BTreeMap<u64, f64>, gold: u64) -> Option<usize> {
	let mut ranked: Vec<(u64, f64)> = per_dataset.iter().filter(|(_, s)| **s > 0.0).map(|(d, s)| (*d, *s)).collect();
	ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
	ranked.iter().position(|(d, _)| *d == gold).map(|p| p.saturating_add(1))
}

/// A method's numbers over one part of the benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct MethodReport {
	/// Linear datamodeling score (Spearman over all 2^k subsets; a constant score vector counts 0).
	pub lds: Estimate,
	/// `log p(answer | all) − log p(answer | without the top k)`, k = 1, 2, 3 (nats).
	pub top_k_drop: Vec<Estimate>,
	/// Paired Wilcoxon (one-sided, greater) of the drop against removing k random sources.
	pub drop_vs_random: Vec<SignedRank>,
	/// Same, against removing the k most similar sources (the retriever's own ranking).
	pub drop_vs_retrieval: Vec<SignedRank>,
	pub lds_vs_random: SignedRank,
	pub lds_vs_retrieval: SignedRank,
	/// Gold dataset ranked first among credited datasets, on questions whose abstract was in the context.
	pub gold_precision_at_1: Estimate,
	pub gold_mrr: Estimate,
	/// Full-prompt passes (tokens fed ÷ tokens of one full prompt with the answer) and seconds per answer.
	pub passes: Estimate,
	pub seconds: Estimate,
}

/// Retrieval recall: the question's own abstract among the first 1, `k` and all candidates.
#[derive(Clone, Debug, Serialize)]
pub struct Recall {
	pub at_1: Estimate,
	pub at_k: Estimate,
	pub at_candidates: Estimate,
	pub k: usize,
	pub candidates: usize,
}

/// How the served answers read.
#[derive(Clone, Debug, Serialize)]
pub struct AnswerQuality {
	/// yes / no / maybe read from the answer's first word, against `final_decision` (unreadable = wrong).
	pub decision_accuracy: Estimate,
	/// Share of questions of the most common decision: what always answering it scores.
	pub majority_baseline: f64,
	pub readable_decision: Estimate,
	/// The answer carries the prompt's structure ("[3]", "Question:", "Context:", a chat token).
	pub format_leak: Estimate,
	/// Stopped at the token limit instead of ending.
	pub hit_token_limit: Estimate,
	/// Ends without sentence punctuation ([`ends_sentence`]).
	pub unfinished: Estimate,
	pub empty: Estimate,
	/// Appears verbatim in one of the prompt's contexts (records that measured it).
	pub quoted: Estimate,
}

/// One part of the benchmark (tuning or held out).
#[derive(Clone, Debug, Serialize)]
pub struct PartReport {
	pub questions: usize,
	/// Questions whose answer could be attributed (non-empty).
	pub attributed: usize,
	/// Of those, questions with their abstract in the prompt's context (gold recovery is measured on these).
	pub gold_in_context: usize,
	pub recall: Recall,
	pub random_drop: Vec<Estimate>,
	pub methods: BTreeMap<&'static str, MethodReport>,
	pub answers: AnswerQuality,
	/// The quote each rank penalty would have served, recomputed from the records' quote scores.
	pub quote_rank_prior: Vec<QuotePriorRow>,
	pub seconds_per_question: Estimate,
}

/// What one rank penalty makes of the quotes: the share taken from the question's own abstract, over the
/// questions whose abstract was in the context and whose record kept its quote scores.
#[derive(Clone, Debug, Serialize)]
pub struct QuotePriorRow {
	pub penalty: f64,
	pub questions: usize,
	pub from_own_abstract: Estimate,
}

/// [`QuotePriorRow`] for every penalty of [`QUOTE_RANK_PENALTIES`].
pub fn quote_rank_prior(records: &[&Record]) -> Vec<QuotePriorRow> {
	let measured: Vec<&Record> =
		records.iter().copied().filter(|r| !r.quote_scores.is_empty() && r.gold_in_context()).collect();
	QUOTE_RANK_PENALTIES
		.iter()
		.enumerate()
		.map(|(i, &penalty)| {
			let own = measured.iter().map(|r| {
				crate::generate::choose_quote(r.quote_scores.iter().map(|q| (q.gain, q.rank)), penalty)
					.and_then(|chosen| r.quote_scores.get(chosen))
					.is_some_and(|q| q.gold)
			});
			QuotePriorRow { penalty, questions: measured.len(), from_own_abstract: share(own, 60 + i as u64) }
		})
		.collect()
}

fn share(flags: impl Iterator<Item = bool>, seed: u64) -> Estimate {
	let values: Vec<f64> = flags.map(|f| if f { 1.0 } else { 0.0 }).collect();
	bootstrap_mean(&values, BOOTSTRAP, seed)
}

/// The decision an answer states: its first word that is yes, no or maybe ("The answer is no, …" states no).
pub fn stated_decision(answer: &str) -> Option<&'static str> {
	answer.split(|c: char| !c.is_alphabetic()).find_map(|w| match w.to_lowercase().as_str() {
		"yes" => Some("yes"),
		"no" => Some("no"),
		"maybe" => Some("maybe"),
		_ => None,
	})
}

fn answer_quality(records: &[&Record]) -> AnswerQuality {
	let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
	for r in records {
		if let Some(d) = r.decision.as_deref() {
			*counts.entry(d).or_insert(0) += 1;
		}
	}
	let majority = counts.values().max().copied().unwrap_or(0) as f64 / records.len().max(1) as f64;
	AnswerQuality {
		decision_accuracy: share(
			records
				.iter()
				.map(|r| stated_decision(&r.answer).is_some() && stated_decision(&r.answer) == r.decision.as_deref()),
			11,
		),
		majority_baseline: majority,
		readable_decision: share(records.iter().map(|r| stated_decision(&r.answer).is_some()), 12),
		format_leak: share(records.iter().map(|r| leaks_format(&r.answer)), 13),
		hit_token_limit: share(records.iter().map(|r| r.hit_token_limit), 14),
		unfinished: share(records.iter().map(|r| !ends_sentence(&r.answer)), 15),
		empty: share(records.iter().map(|r| r.answer.trim().is_empty()), 16),
		quoted: share(records.iter().filter_map(|r| r.quoted), 17),
	}
}

/// The report over `records` with the combined vectors weighted by `weights`.
pub fn part(records: &[&Record], weights: MethodWeights) -> PartReport {
	let attributed: Vec<&Record> = records.iter().copied().filter(|r| !r.subsets.is_empty()).collect();
	let scored: Vec<(&Record, BTreeMap<&'static str, MethodScores>)> =
		attributed.iter().map(|r| (*r, methods(r, weights))).collect();
	let names: Vec<&'static str> = scored.first().map(|(_, m)| m.keys().copied().collect()).unwrap_or_default();
	let zero_if_nan = |x: f64| if x.is_nan() { 0.0 } else { x };
	let lds_of = |name: &str| -> Vec<f64> {
		scored
			.iter()
			.map(|(r, m)| zero_if_nan(m.get(name).map_or(f64::NAN, |s| lds(&s.per_chunk, &r.table()))))
			.collect()
	};
	let drop_of = |name: &str, k: usize| -> Vec<f64> {
		scored.iter().map(|(r, m)| m.get(name).map_or(f64::NAN, |s| top_k_drop(&s.per_chunk, &r.table(), k))).collect()
	};
	let random_drops: Vec<Vec<f64>> =
		DROP_KS.iter().map(|k| scored.iter().map(|(r, _)| random_k_drop(&r.table(), *k)).collect()).collect();
	let paired = |a: &[f64], b: &[f64]| wilcoxon_signed_rank(&a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>());
	let retrieval_lds = lds_of("retrieval_similarity");
	let random_lds = lds_of("random");
	let retrieval_drops: Vec<Vec<f64>> = DROP_KS.iter().map(|k| drop_of("retrieval_similarity", *k)).collect();
	let with_gold: Vec<&(&Record, BTreeMap<&'static str, MethodScores>)> =
		scored.iter().filter(|(r, _)| r.gold_in_context()).collect();
	let mut methods_report = BTreeMap::new();
	for (seed, name) in names.iter().enumerate() {
		let seed = seed as u64 * 100;
		let lds_values = lds_of(name);
		let drops: Vec<Vec<f64>> = DROP_KS.iter().map(|k| drop_of(name, *k)).collect();
		let ranks: Vec<Option<usize>> = with_gold
			.iter()
			.map(|(r, m)| m.get(name).and_then(|s| gold_rank(&s.per_dataset, r.gold_dataset)))
			.collect();
		let column = |f: &dyn Fn(&MethodScores) -> f64| -> Vec<f64> {
			scored.iter().map(|(_, m)| m.get(name).map_or(f64::NAN, f)).collect()
		};
		methods_report.insert(
			*name,
			MethodReport {
				lds: bootstrap_mean(&lds_values, BOOTSTRAP, seed + 1),
				top_k_drop: drops
					.iter()
					.enumerate()
					.map(|(i, d)| bootstrap_mean(d, BOOTSTRAP, seed + 2 + i as u64))
					.collect(),
				drop_vs_random: drops.iter().zip(&random_drops).map(|(d, r)| paired(d, r)).collect(),
				drop_vs_retrieval: drops.iter().zip(&retrieval_drops).map(|(d, r)| paired(d, r)).collect(),
				lds_vs_random: paired(&lds_values, &random_lds),
				lds_vs_retrieval: paired(&lds_values, &retrieval_lds),
				gold_precision_at_1: share(ranks.iter().map(|r| *r == Some(1)), seed + 6),
				gold_mrr: bootstrap_mean(
					&ranks.iter().map(|r| r.map_or(0.0, |p| 1.0 / p as f64)).collect::<Vec<_>>(),
					BOOTSTRAP,
					seed + 7,
				),
				passes: bootstrap_mean(&column(&|s| s.passes), BOOTSTRAP, seed + 8),
				seconds: bootstrap_mean(&column(&|s| s.seconds), BOOTSTRAP, seed + 9),
			},
		);
	}
	let k = records.first().map_or(0, |r| r.k);
	PartReport {
		questions: records.len(),
		attributed: attributed.len(),
		gold_in_context: with_gold.len(),
		recall: Recall {
			at_1: share(records.iter().map(|r| r.candidates.first().is_some_and(|c| c.gold)), 1),
			at_k: share(records.iter().map(|r| r.gold_in_context()), 2),
			at_candidates: share(records.iter().map(|r| r.candidates.iter().any(|c| c.gold)), 3),
			k,
			candidates: records.first().map_or(0, |r| r.candidates.len()),
		},
		random_drop: random_drops
			.iter()
			.enumerate()
			.map(|(i, d)| bootstrap_mean(d, BOOTSTRAP, 40 + i as u64))
			.collect(),
		methods: methods_report,
		answers: answer_quality(records),
		quote_rank_prior: quote_rank_prior(records),
		seconds_per_question: bootstrap_mean(
			&records
				.iter()
				.map(|r| r.cost.generation_s + r.cost.attribute_exact_s + r.cost.attribute_masked_s + r.cost.subsets_s)
				.collect::<Vec<_>>(),
			BOOTSTRAP,
			50,
		),
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
pub(crate) mod tests {
	use super::*;
	use crate::evaluate::question::{Cost, RetrievedChunk};

	/// A question whose model is exactly additive over 4 contexts: context 1 (gold, dataset 7) carries the
	/// answer, context 2 (dataset 9) helps a little, the others nothing.
	pub(crate) fn record() -> Record {
		let w = [0.0, 4.0, 1.0, 0.0];
		let subsets = (0..16usize)
			.map(|m| -12.0 + w.iter().enumerate().filter(|(i, _)| m & (1 << i) != 0).map(|(_, x)| x).sum::<f64>())
			.collect();
		let chunk = |dataset, similarity, gold, shapley| RetrievedChunk { dataset, similarity, gold, shapley };
		Record {
			pubmed_id: "42".into(),
			question: "q?".into(),
			answer: "Yes, it does.".into(),
			decision: Some("yes".into()),
			answer_tokens: 5,
			hit_token_limit: false,
			gold_dataset: 7,
			// The retriever ranks a useless chunk of dataset 8 first.
			candidates: vec![
				chunk(8, 0.9, false, 400),
				chunk(7, 0.8, true, 300),
				chunk(9, 0.7, false, 200),
				chunk(8, 0.6, false, 100),
				chunk(8, 0.5, false, 50),
			],
			k: 4,
			subsets,
			masked: vec![0.0, 3.5, 1.2, 0.0],
			verbatim: vec![0, 3_000_000, 0, 0],
			weights_exact: Vec::new(),
			weights_masked: Vec::new(),
			retrieval_scores: vec![(7, 300), (8, 550), (9, 200)],
			exact_scores: vec![(7, 4_000_000), (9, 1_000_000)],
			masked_scores: vec![(7, 3_500_000), (9, 1_200_000)],
			verbatim_scores: vec![(7, 3_000_000)],
			cost: Cost {
				subsets_s: 1.0,
				subsets_tokens: 1000,
				exact_tokens: 300,
				masked_tokens: 200,
				full_tokens: 100,
				segment_tokens: vec![10, 20, 20, 20, 20, 6],
				..Cost::default()
			},
			layout: crate::attribute::ContextLayout::MostSimilarLast,
			answer_form: crate::generate::AnswerForm::OneSentence,
			quoted: Some(false),
			quote_scores: Vec::new(),
		}
	}

	#[test]
	fn each_method_is_scored_against_the_exact_table() {
		let r = record();
		let m = methods(&r, MethodWeights::default());
		let table = r.table();
		// Exact leave-one-out of an additive model is the model itself: perfect LDS, the largest top-1 drop.
		assert!((lds(&m["exact_loo"].per_chunk, &table) - 1.0).abs() < 1e-12);
		assert_eq!(top_k_drop(&m["exact_loo"].per_chunk, &table, 1), 4.0);
		// The retriever's first chunk is useless: its top-1 drop is 0.
		assert_eq!(top_k_drop(&m["retrieval_similarity"].per_chunk, &table, 1), 0.0);
		assert_eq!(gold_rank(&m["retrieval_similarity"].per_dataset, 7), Some(2));
		// The combined vector credits the gold dataset first.
		assert_eq!(gold_rank(&m["combined"].per_dataset, 7), Some(1));
		// Costs: passes are tokens over one full prompt; the surrogate of n ablations has n passes' worth of
		// heads, tails and answers.
		assert_eq!(m["exact_loo"].passes, 3.0);
		assert_eq!(m["masked_ablation"].passes, 2.0);
		assert!(
			m["contextcite_8"].passes > 8.0 * 0.2 && m["contextcite_8"].passes < 8.0,
			"{}",
			m["contextcite_8"].passes
		);
		let report = part(&[&r], MethodWeights::default());
		assert_eq!((report.questions, report.attributed, report.gold_in_context), (1, 1, 1));
		assert_eq!(report.recall.at_1.mean, 0.0);
		assert_eq!(report.recall.at_k.mean, 1.0);
		assert_eq!(report.methods["combined"].gold_precision_at_1.mean, 1.0);
		assert_eq!(report.methods["retrieval_similarity"].gold_mrr.mean, 0.5);
		assert_eq!(report.answers.decision_accuracy.mean, 1.0);
		// Quoted is measured over the records that measured it.
		let (mut quoted, old) = (r.clone(), Record { quoted: None, ..r.clone() });
		quoted.quoted = Some(true);
		let shares = part(&[&r, &quoted, &old], MethodWeights::default()).answers.quoted;
		assert_eq!((shares.n, shares.mean), (2, 0.5));
	}

	#[test]
	fn an_empty_answer_is_counted_but_not_attributed() {
		let mut r = record();
		r.answer = String::new();
		r.subsets.clear();
		let report = part(&[&r], MethodWeights::default());
		assert_eq!((report.questions, report.attributed), (1, 0));
		assert_eq!(report.answers.empty.mean, 1.0);
		assert!(report.methods.is_empty());
	}

	#[test]
	fn the_quote_prior_weighs_the_recorded_scores_under_each_penalty() {
		use crate::evaluate::question::QuoteScore;
		let q = |rank, gain, gold| QuoteScore { rank, gain, gold };
		// The question pulls 1.5 nats harder toward a rank-3 sentence than toward its own abstract's, at rank 0.
		let mut pulled = record();
		pulled.quote_scores = vec![q(3, 4.0, false), q(0, 2.5, true)];
		// Its own abstract wins outright.
		let mut plain = record();
		plain.quote_scores = vec![q(0, 3.0, true), q(1, 1.0, false)];
		// No scores kept (an older record), or the abstract not in the context: not counted.
		let old = record();
		let mut elsewhere = record();
		elsewhere.quote_scores = vec![q(0, 1.0, false)];
		for c in elsewhere.candidates.iter_mut() {
			c.gold = false;
		}
		let rows = quote_rank_prior(&[&pulled, &plain, &old, &elsewhere]);
		let own: Vec<(f64, f64)> = rows.iter().map(|r| (r.penalty, r.from_own_abstract.mean)).collect();
		assert_eq!(rows.iter().map(|r| r.questions).collect::<Vec<_>>(), [2; 7]);
		// 4.0 − 3p against 2.5: the own abstract's sentence wins once p > 0.5.
		assert_eq!(own, [(0.0, 0.5), (0.5, 0.5), (1.0, 1.0), (2.0, 1.0), (4.0, 1.0), (8.0, 1.0), (16.0, 1.0)]);
	}

	#[test]
	fn an_answer_is_quoted_when_a_context_or_two_overlapping_chunks_hold_it_whitespace_aside() {
		use crate::evaluate::question::appears_in;
		let contexts = ["Aspirin  was given\nat 75 mg. It helped.", "Other text."];
		assert!(appears_in("was given at 75 mg.", contexts.into_iter()));
		assert!(!appears_in("was given at 80 mg.", contexts.into_iter()));
		assert!(!appears_in("It helped. Other text.", contexts.into_iter()), "within one context");
		assert!(!appears_in("  ", contexts.into_iter()), "an empty answer quotes nothing");
		// Two overlapping chunks of one text (≥ 32 characters shared, where quotes join them) hold what neither holds.
		let first = "The trial enrolled 120 patients. In the aspirin group mortality fell by a third at one year in the";
		let next = "mortality fell by a third at one year in the\ntreated arm. Costs rose.";
		let answer = "In the aspirin group mortality fell by a third at one year in the treated arm.";
		assert!(appears_in(answer, [first, next].into_iter()));
		assert!(!appears_in(answer, [first, "treated arm. Costs rose."].into_iter()), "no shared run, no join");
	}

	#[test]
	fn decisions_and_format_leaks_are_read_from_the_answer() {
		assert_eq!(stated_decision("Yes, fear of anaphylaxis…"), Some("yes"));
		assert_eq!(stated_decision("no."), Some("no"));
		assert_eq!(stated_decision("Maybe: the data are mixed"), Some("maybe"));
		assert_eq!(stated_decision("The answer is:"), None);
		assert_eq!(stated_decision("The answer is no, it does not."), Some("no"));
		assert_eq!(stated_decision("Nobody knows; yes."), Some("yes"), "whole words only");
		assert_eq!(stated_decision(""), None);
		assert!(leaks_format("A: A\n[9] Q: what"));
		assert!(leaks_format("It is safe. Question: is it?"));
		assert!(!leaks_format("The dose is 40 mg [sic]."));
	}
}
