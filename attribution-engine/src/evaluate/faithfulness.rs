//! Faithfulness of per-source scores against what the model actually does when sources are removed, over the
//! exact table of every subset ([`crate::generate::SubsetScores`]):
//! * the **linear datamodeling score** (LDS): Spearman correlation, over all `2^k` subsets, between the sum of
//!   the kept sources' scores and the answer's log-probability with exactly those sources;
//! * the **top-k drop** (ContextCite's top-k log-probability drop): `log p(answer | all) − log p(answer | all but
//!   the k top-scored sources)`, against removing k sources at random (its exact expectation).

use super::stats::spearman;
use crate::generate::SubsetScores;

/// LDS of `scores` (one per source, in prompt order) over every subset of `table`; NaN if either side is
/// constant (e.g. all scores equal).
pub fn lds(scores: &[f64], table: &SubsetScores) -> f64 {
	let predicted: Vec<f64> = (0..table.logp.len())
		.map(|mask| scores.iter().enumerate().filter(|(i, _)| mask & (1usize << i) != 0).map(|(_, s)| s).sum())
		.collect();
	spearman(&predicted, &table.logp)
}

/// The `k` sources with the highest scores (ties to the earlier source), as a mask.
pub fn top_k_mask(scores: &[f64], k: usize) -> usize {
	let mut order: Vec<usize> = (0..scores.len()).collect();
	order.sort_by(|&a, &b| {
		scores
			.get(b)
			.unwrap_or(&f64::NEG_INFINITY)
			.total_cmp(scores.get(a).unwrap_or(&f64::NEG_INFINITY))
			.then(a.cmp(&b))
	});
	order.iter().take(k).fold(0usize, |m, i| m | (1usize << i))
}

/// `log p(answer | all) − log p(answer | all but the k top-scored sources)`.
pub fn top_k_drop(scores: &[f64], table: &SubsetScores, k: usize) -> f64 {
	let all = table.all();
	table.get(all) - table.get(all & !top_k_mask(scores, k))
}

/// The expected drop when `k` sources chosen uniformly at random are removed: the mean over all `C(n, k)`.
pub fn random_k_drop(table: &SubsetScores, k: usize) -> f64 {
	let all = table.all();
	let (mut sum, mut count) = (0.0, 0u32);
	for removed in 0..=all {
		if removed.count_ones() as usize == k {
			sum += table.get(all) - table.get(all & !removed);
			count = count.saturating_add(1);
		}
	}
	if count == 0 {
		f64::NAN
	} else {
		sum / f64::from(count)
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
	use super::*;

	/// A model that is exactly additive: log p = Σ kept weights.
	fn additive(weights: &[f64]) -> SubsetScores {
		let k = weights.len();
		let logp = (0..1usize << k)
			.map(|m| -10.0 + weights.iter().enumerate().filter(|(i, _)| m & (1 << i) != 0).map(|(_, w)| w).sum::<f64>())
			.collect();
		SubsetScores { contexts: k, logp, tokens_fed: 0 }
	}

	#[test]
	fn the_true_weights_have_perfect_lds_and_the_largest_drop() {
		let w = [3.0, 0.1, 1.0, 0.0, 2.0];
		let table = additive(&w);
		assert!((lds(&w, &table) - 1.0).abs() < 1e-12);
		// Reversed scores anti-correlate.
		let reversed: Vec<f64> = w.iter().map(|x| -x).collect();
		assert!((lds(&reversed, &table) + 1.0).abs() < 1e-12);
		assert!(lds(&[0.0; 5], &table).is_nan());
		assert_eq!(top_k_mask(&w, 2), 0b10001);
		assert!((top_k_drop(&w, &table, 1) - 3.0).abs() < 1e-12);
		assert!((top_k_drop(&w, &table, 2) - 5.0).abs() < 1e-12);
		// Random removal of one source: the mean weight.
		assert!((random_k_drop(&table, 1) - 6.1 / 5.0).abs() < 1e-12);
		// Removing two at random: twice that (linearity).
		assert!((random_k_drop(&table, 2) - 2.0 * 6.1 / 5.0).abs() < 1e-12);
		assert!(random_k_drop(&table, 6).is_nan());
	}

	#[test]
	fn ties_go_to_the_earlier_source() {
		assert_eq!(top_k_mask(&[1.0, 2.0, 2.0, 0.0], 1), 0b0010);
		assert_eq!(top_k_mask(&[0.0, 0.0, 0.0], 2), 0b011);
	}
}
