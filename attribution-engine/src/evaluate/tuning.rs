//! Choosing the combined vector's weights on the tuning part: every weighting scored ([`weight_grid`]) and one
//! rule, fixed in code, that says which the protocol uses ([`choose_weights`]).

use super::{
	faithfulness::{lds, top_k_drop},
	question::Record,
	report::{gold_rank, methods},
	stats::{wilcoxon_signed_rank, SignedRank},
};
use crate::attribute::combine::MethodWeights;
use serde::Serialize;

/// One-sided p-value below which a better-scoring weighting replaces the one in force on LDS alone (paired
/// Wilcoxon over the tuning part's questions): a gain inside the noise does not move everyone's payments.
pub const WEIGHT_CHANGE_P: f64 = 0.05;

/// One weighting of the combined vector, scored on a set of records.
#[derive(Clone, Debug, Serialize)]
pub struct GridRow {
	pub weights: MethodWeights,
	pub lds: f64,
	pub top_1_drop: f64,
	pub gold_precision_at_1: f64,
	/// Each attributed question's LDS, in record order (an undefined one counts 0): what two weightings are
	/// compared on, question by question.
	#[serde(skip)]
	pub lds_by_question: Vec<f64>,
}

impl GridRow {
	/// Retrieval alone: the retrieval-similarity baseline itself, which the combination must beat, so never a
	/// candidate.
	pub fn is_baseline(&self) -> bool {
		self.weights.ablation == 0 && self.weights.verbatim == 0 && self.weights.influence == 0
	}
}

/// What the rule decided.
#[derive(Clone, Debug, Serialize)]
pub struct WeightChoice {
	/// The best candidate: the highest LDS among weightings whose gold precision@1 reaches the floor (the
	/// retriever's rank-1), or if none does, the highest precision@1 and then LDS; retrieval alone excluded.
	pub best: GridRow,
	/// The weighting in force, as scored on the same part (absent when it is not on the grid).
	pub current: Option<GridRow>,
	/// The paired test of the best candidate's per-question LDS over the current weighting's.
	pub lds_over_current: Option<SignedRank>,
	/// What the protocol uses: the best candidate when it credits the gold source first more often than the
	/// weighting in force, or as often with an LDS higher at p < [`WEIGHT_CHANGE_P`]; otherwise the weighting in
	/// force.
	pub adopt: MethodWeights,
}

/// The tuning rule, applied to `grid` (one part's [`weight_grid`]) with `floor` the retriever's rank-1
/// precision and `current` the weights in force; `None` for a grid with no candidate.
pub fn choose_weights(grid: &[GridRow], floor: f64, current: MethodWeights) -> Option<WeightChoice> {
	let by_lds = |a: &&GridRow, b: &&GridRow| a.lds.total_cmp(&b.lds).then(a.top_1_drop.total_cmp(&b.top_1_drop));
	let candidates = || grid.iter().filter(|g| !g.is_baseline());
	let best = candidates().filter(|g| g.gold_precision_at_1 >= floor).max_by(by_lds).or_else(|| {
		candidates().max_by(|a, b| a.gold_precision_at_1.total_cmp(&b.gold_precision_at_1).then(by_lds(a, b)))
	})?;
	let same = |w: MethodWeights| {
		w.retrieval == current.retrieval && w.ablation == current.ablation && w.verbatim == current.verbatim
	};
	let in_force = grid.iter().find(|g| same(g.weights));
	let test = in_force.map(|c| {
		let differences: Vec<f64> = best.lds_by_question.iter().zip(&c.lds_by_question).map(|(b, c)| b - c).collect();
		wilcoxon_signed_rank(&differences)
	});
	let moves = match (in_force, test) {
		(Some(c), Some(t)) => {
			best.gold_precision_at_1 > c.gold_precision_at_1 ||
				(best.gold_precision_at_1 >= c.gold_precision_at_1 && t.p_greater < WEIGHT_CHANGE_P)
		},
		_ => true,
	};
	let adopt = if moves { MethodWeights { influence: current.influence, ..best.weights } } else { current };
	Some(WeightChoice { best: best.clone(), current: in_force.cloned(), lds_over_current: test, adopt })
}

/// Every weighting `(retrieval, ablation, verbatim)` in steps of `step` summing to 100, scored on `records`
/// by the combined vector's mean LDS, top-1 drop and gold precision@1 (the tuning table).
pub fn weight_grid(records: &[&Record], step: u32) -> Vec<GridRow> {
	let attributed: Vec<&Record> = records.iter().copied().filter(|r| !r.subsets.is_empty()).collect();
	let n = attributed.len().max(1) as f64;
	let mut rows = Vec::new();
	let step = step.clamp(1, 100);
	for retrieval in (0..=100).step_by(step as usize) {
		for ablation in (0..=100u32.saturating_sub(retrieval)).step_by(step as usize) {
			let verbatim = 100u32.saturating_sub(retrieval).saturating_sub(ablation);
			let weights = MethodWeights { retrieval, ablation, verbatim, influence: 0 };
			let (mut lds_by_question, mut drop_sum, mut hits, mut with_gold) = (Vec::new(), 0.0, 0usize, 0usize);
			for r in &attributed {
				let Some(m) = methods(r, weights).remove("combined") else { continue };
				let table = r.table();
				let value = lds(&m.per_chunk, &table);
				lds_by_question.push(if value.is_nan() { 0.0 } else { value });
				drop_sum += top_k_drop(&m.per_chunk, &table, 1);
				if r.gold_in_context() {
					with_gold += 1;
					hits += usize::from(gold_rank(&m.per_dataset, r.gold_dataset) == Some(1));
				}
			}
			rows.push(GridRow {
				weights,
				lds: lds_by_question.iter().sum::<f64>() / n,
				top_1_drop: drop_sum / n,
				gold_precision_at_1: hits as f64 / with_gold.max(1) as f64,
				lds_by_question,
			});
		}
	}
	rows
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
	use super::*;
	use crate::evaluate::report::tests::record;

	const PROTOCOL: MethodWeights = MethodWeights { retrieval: 30, ablation: 50, verbatim: 20, influence: 40 };

	fn row(weights: (u32, u32, u32), precision: f64, lds_by_question: Vec<f64>) -> GridRow {
		let (retrieval, ablation, verbatim) = weights;
		let lds = lds_by_question.iter().sum::<f64>() / lds_by_question.len().max(1) as f64;
		GridRow {
			weights: MethodWeights { retrieval, ablation, verbatim, influence: 0 },
			lds,
			top_1_drop: 1.0,
			gold_precision_at_1: precision,
			lds_by_question,
		}
	}

	#[test]
	fn the_grid_covers_every_weighting_and_keeps_each_questions_lds() {
		let r = record();
		let grid = weight_grid(&[&r, &r], 50);
		assert_eq!(grid.len(), 6);
		for g in &grid {
			assert_eq!(g.lds_by_question.len(), 2);
			assert_eq!(g.lds, g.lds_by_question.iter().sum::<f64>() / 2.0);
		}
		// Pure retrieval cannot rank this record's gold dataset first; the others can.
		let retrieval_only = grid.iter().find(|g| g.is_baseline()).map(|g| g.gold_precision_at_1);
		assert_eq!(retrieval_only, Some(0.0));
		assert_eq!(grid.iter().filter(|g| g.is_baseline()).count(), 1);
	}

	#[test]
	fn the_best_candidate_is_the_best_lds_at_the_floor_and_never_retrieval_alone() {
		let grid = vec![
			row((100, 0, 0), 0.9, vec![0.1; 12]),
			row((30, 50, 20), 0.8, vec![0.5; 12]),
			row((0, 30, 70), 0.8, vec![0.6; 12]),
			row((0, 100, 0), 0.7, vec![0.9; 12]),
		];
		// Only retrieval alone reaches a floor of 0.9: it is the baseline, so the best precision then LDS wins.
		let choice = choose_weights(&grid, 0.9, PROTOCOL).unwrap();
		assert_eq!((choice.best.weights.retrieval, choice.best.weights.verbatim), (0, 70));
		// With a floor of 0.7 the highest LDS wins.
		assert_eq!(choose_weights(&grid, 0.7, PROTOCOL).unwrap().best.weights.ablation, 100);
		assert!(choose_weights(&grid[..1], 0.0, PROTOCOL).is_none(), "the baseline alone is no candidate");
		assert!(choose_weights(&[], 0.0, PROTOCOL).is_none());
	}

	#[test]
	fn the_weights_in_force_move_only_for_precision_or_a_significant_lds_gain() {
		let current = vec![0.50, 0.60, 0.70, 0.40, 0.55, 0.65, 0.45, 0.50, 0.60, 0.70, 0.52, 0.58];
		let steady_gain: Vec<f64> = current.iter().map(|x| x + 0.05).collect();
		// Higher on average but up and down question by question: inside the noise.
		let mixed: Vec<f64> =
			current.iter().enumerate().map(|(i, x)| if i % 2 == 0 { x + 0.2 } else { x - 0.15 }).collect();
		let grid = |challenger: Vec<f64>, precision: f64| {
			vec![row((30, 50, 20), 0.8, current.clone()), row((0, 30, 70), precision, challenger)]
		};

		let noisy = choose_weights(&grid(mixed.clone(), 0.8), 0.9, PROTOCOL).unwrap();
		assert_eq!(noisy.best.weights.verbatim, 70, "the better mean is the best candidate");
		assert!(noisy.lds_over_current.unwrap().p_greater >= WEIGHT_CHANGE_P);
		assert_eq!(noisy.adopt, PROTOCOL, "but the weights in force stay");

		let steady = choose_weights(&grid(steady_gain, 0.8), 0.9, PROTOCOL).unwrap();
		assert!(steady.lds_over_current.unwrap().p_greater < WEIGHT_CHANGE_P);
		// The protocol's influence weight (not on the grid) is kept.
		assert_eq!(steady.adopt, MethodWeights { retrieval: 0, ablation: 30, verbatim: 70, influence: 40 });

		// Crediting the gold source first more often moves the weights without any LDS gain.
		let more_precise = grid(current.clone(), 0.9);
		let choice = choose_weights(&more_precise, 0.85, PROTOCOL).unwrap();
		assert!(choice.lds_over_current.unwrap().p_greater >= WEIGHT_CHANGE_P);
		assert_eq!(choice.adopt.verbatim, 70);

		// Weights in force that are not on the grid give way to the best candidate, significant or not.
		let off_grid = MethodWeights { retrieval: 35, ablation: 45, verbatim: 20, influence: 40 };
		let choice = choose_weights(&grid(mixed, 0.8), 0.9, off_grid).unwrap();
		assert!(choice.current.is_none() && choice.lds_over_current.is_none());
		assert_eq!(choice.adopt, MethodWeights { retrieval: 0, ablation: 30, verbatim: 70, influence: 40 });
	}
}
