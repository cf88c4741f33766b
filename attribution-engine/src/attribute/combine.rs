//! Turning per-method dataset scores into basis points that sum to exactly 10 000, and comparing two such
//! vectors the way the chain does.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// All the basis points there are: the chain's rule (`openledger_primitives::rewards`).
pub use openledger_primitives::rewards::ALL_BASIS_POINTS as TOTAL_BPS;

/// How much each method counts. Documented in docs/ATTRIBUTION.md; must be the same on every validator.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodWeights {
	/// KNN-Shapley over retrieved chunks.
	pub retrieval: u32,
	/// Leave-one-out context ablation.
	pub ablation: u32,
	/// Verbatim spans.
	pub verbatim: u32,
	/// Training-gradient influence (fine-tuned models with influence sketches only).
	#[serde(default)]
	pub influence: u32,
}

impl Default for MethodWeights {
	/// Retrieval, ablation and verbatim: the tuning rule's choice on PubMedQA's tuning part
	/// (`evaluate::tuning::choose_weights`, docs/ATTRIBUTION.md "Tuning the weights"): verbatim credits the data
	/// the answer's words came from, ablation what the answer could not do without; retrieval similarity, the
	/// baseline both beat, counts only when neither credits anything ([`combine_methods`]). Influence credits
	/// what a fine-tuned model learnt from each dataset (only for models with influence sketches; elsewhere the
	/// others share the whole); 20, two thirds of ablation's weight, so that it does not outvote what the
	/// answer used when verbatim credits nothing (docs/ATTRIBUTION.md "Fine-tune influence").
	fn default() -> Self {
		Self { retrieval: 0, ablation: 30, verbatim: 70, influence: 20 }
	}
}

/// Per-dataset scores of one method, in integer units (any scale; only proportions matter).
pub type Scores = BTreeMap<u64, u128>;

/// Combines method scores into basis points.
///
/// Each method's scores are normalised to a distribution; methods with no positive score drop out and the
/// others' weights are renormalised. Rounding uses the largest-remainder method with ties to the lower
/// dataset id, so the result always sums to exactly [`TOTAL_BPS`] and is the same everywhere. Returns an
/// empty vector if no method credits anything.
pub fn combine(methods: &[(u32, &Scores)]) -> Vec<(u64, u32)> {
	// Exact rational arithmetic: share(d) = Σ_m w_m · s_m(d) / S_m over Σ_m w_m (live methods only).
	// Scaled to a common integer grid of 10^18 to stay within u128.
	const GRID: u128 = 1_000_000_000_000_000_000;
	let live: Vec<(u128, &Scores, u128)> = methods
		.iter()
		.filter_map(|(w, s)| {
			let total: u128 = s.values().fold(0u128, |a, v| a.saturating_add(*v));
			(*w > 0 && total > 0).then_some((u128::from(*w), *s, total))
		})
		.collect();
	let weight_sum: u128 = live.iter().map(|(w, _, _)| *w).sum();
	if weight_sum == 0 {
		return Vec::new();
	}
	let mut shares: BTreeMap<u64, u128> = BTreeMap::new();
	for (w, scores, total) in &live {
		for (d, v) in scores.iter() {
			// v / total in GRID units, times the weight.
			let part = mul_div(*v, GRID, *total).saturating_mul(*w) / weight_sum;
			let e = shares.entry(*d).or_insert(0);
			*e = e.saturating_add(part);
		}
	}
	to_bps(&shares)
}

/// The protocol's combined vector: [`combine`] of the four methods' scores under `weights`; when none of the
/// weighted methods credits anything (no context made the answer likelier, no span of it is in the data, no
/// weight on what remains), retrieval alone — so every answer that retrieved something has a vector, whatever
/// the weights.
pub fn combine_methods(
	weights: MethodWeights,
	retrieval: &Scores,
	ablation: &Scores,
	verbatim: &Scores,
	influence: &Scores,
) -> Vec<(u64, u32)> {
	let combined = combine(&[
		(weights.retrieval, retrieval),
		(weights.ablation, ablation),
		(weights.verbatim, verbatim),
		(weights.influence, influence),
	]);
	if combined.is_empty() {
		combine(&[(1, retrieval)])
	} else {
		combined
	}
}

/// Largest-remainder rounding of non-negative shares to basis points summing to [`TOTAL_BPS`].
pub fn to_bps(shares: &BTreeMap<u64, u128>) -> Vec<(u64, u32)> {
	let total: u128 = shares.values().fold(0u128, |a, v| a.saturating_add(*v));
	if total == 0 {
		return Vec::new();
	}
	let mut rows: Vec<(u64, u32, u128)> = shares
		.iter()
		.map(|(d, s)| {
			let scaled = s.saturating_mul(u128::from(TOTAL_BPS));
			(*d, u32::try_from(scaled / total).unwrap_or(TOTAL_BPS), scaled % total)
		})
		.collect();
	let floor_sum: u32 = rows.iter().map(|r| r.1).sum();
	let mut left = TOTAL_BPS.saturating_sub(floor_sum);
	let mut order: Vec<usize> = (0..rows.len()).collect();
	order.sort_by(|&a, &b| {
		let (ra, rb) = (rows.get(a), rows.get(b));
		rb.map(|r| r.2).cmp(&ra.map(|r| r.2)).then(ra.map(|r| r.0).cmp(&rb.map(|r| r.0)))
	});
	for i in order {
		if left == 0 {
			break;
		}
		if let Some(r) = rows.get_mut(i) {
			r.1 = r.1.saturating_add(1);
			left = left.saturating_sub(1);
		}
	}
	rows.into_iter().filter(|r| r.1 > 0).map(|r| (r.0, r.1)).collect()
}

/// `a · b / c` without overflow for the magnitudes used here (falls back to splitting `a`).
fn mul_div(a: u128, b: u128, c: u128) -> u128 {
	if c == 0 {
		return 0;
	}
	match a.checked_mul(b) {
		Some(p) => p / c,
		None => (a / c).saturating_mul(b).saturating_add((a % c).saturating_mul(b / c.max(1))),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#[test]
		fn always_sums_to_ten_thousand(
			a in proptest::collection::btree_map(0u64..20, 0u128..1_000_000_000, 0..12),
			b in proptest::collection::btree_map(0u64..20, 0u128..1_000_000_000, 0..12),
			wa in 0u32..100, wb in 0u32..100,
		) {
			let out = combine(&[(wa, &a), (wb, &b)]);
			let live = (wa > 0 && a.values().any(|v| *v > 0)) || (wb > 0 && b.values().any(|v| *v > 0));
			if live {
				prop_assert_eq!(out.iter().map(|r| r.1).sum::<u32>(), TOTAL_BPS);
			} else {
				prop_assert!(out.is_empty());
			}
			prop_assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
		}
	}

	#[test]
	fn retrieval_credits_only_when_no_weighted_method_does() {
		let weights = MethodWeights { retrieval: 0, ablation: 30, verbatim: 70, influence: 40 };
		let (retrieval, none): (Scores, Scores) = ([(1, 3), (2, 1)].into(), Scores::new());
		let ablation: Scores = [(2, 5)].into();
		// Ablation credits: retrieval's weight is 0, so dataset 1 (retrieved, not used) earns nothing.
		assert_eq!(combine_methods(weights, &retrieval, &ablation, &none, &none), vec![(2, 10_000)]);
		// Nothing credited by the weighted methods: retrieval alone.
		assert_eq!(combine_methods(weights, &retrieval, &none, &none, &none), vec![(1, 7_500), (2, 2_500)]);
		// Nothing retrieved either: nothing to pay.
		assert!(combine_methods(weights, &none, &none, &none, &none).is_empty());
		// With retrieval weighted it is one method among the others, as in `combine`.
		let both = MethodWeights { retrieval: 50, ablation: 50, verbatim: 0, influence: 0 };
		assert_eq!(combine_methods(both, &retrieval, &ablation, &none, &none), vec![(1, 3_750), (2, 6_250)]);
	}

	#[test]
	fn weights_are_honoured() {
		let a: Scores = [(1, 3), (2, 1)].into();
		let b: Scores = [(2, 5)].into();
		// a → 1: 0.75, 2: 0.25; b → 2: 1.0; weights 1:1 → 1: 0.375, 2: 0.625
		assert_eq!(combine(&[(1, &a), (1, &b)]), vec![(1, 3750), (2, 6250)]);
		// A method with nothing to say drops out.
		assert_eq!(combine(&[(1, &a), (5, &Scores::new())]), vec![(1, 7500), (2, 2500)]);
	}

	#[test]
	fn remainders_go_to_the_largest_then_lowest_id() {
		let s: BTreeMap<u64, u128> = [(1, 1), (2, 1), (3, 1)].into();
		assert_eq!(to_bps(&s), vec![(1, 3334), (2, 3333), (3, 3333)]);
	}
}
