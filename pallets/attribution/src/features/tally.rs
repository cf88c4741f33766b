//! How vectors are compared and combined: L1 distance, the per-dataset median, and the decision a round's
//! reveals lead to. Pure integer arithmetic, so every node reaches the same result.

use alloc::{collections::BTreeMap, vec::Vec};
use openledger_primitives::{
	dataset::DatasetId,
	rewards::{BasisPoints, ALL_BASIS_POINTS},
};

/// What a round's reveals decide about the vector that stood before it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Decision {
	/// At least a quorum of reveals lie within tolerance of the standing vector.
	Confirm,
	/// A quorum agrees on another vector: their median, normalised to 10 000 basis points.
	Replace(Vec<(DatasetId, BasisPoints)>),
	/// Neither.
	NoQuorum,
}

/// The L1 distance between two attributions in canonical form (ascending datasets), in basis points.
pub fn l1_distance(a: &[(DatasetId, BasisPoints)], b: &[(DatasetId, BasisPoints)]) -> u32 {
	let mut weights: BTreeMap<DatasetId, (u32, u32)> = BTreeMap::new();
	for (dataset, bps) in a {
		weights.entry(*dataset).or_default().0 = u32::from(*bps);
	}
	for (dataset, bps) in b {
		weights.entry(*dataset).or_default().1 = u32::from(*bps);
	}
	weights.values().map(|(x, y)| x.abs_diff(*y)).fold(0u32, u32::saturating_add)
}

/// The per-dataset lower median of `vectors` (a dataset absent from a vector counts as 0 there), normalised
/// to 10 000 basis points: scaled down by its sum, the remainder to the largest entry (lowest dataset on
/// ties), zero entries dropped. `None` if there are no vectors, the medians are all zero, or more than
/// `max_len` datasets have a non-zero median.
pub fn median(vectors: &[&[(DatasetId, BasisPoints)]], max_len: usize) -> Option<Vec<(DatasetId, BasisPoints)>> {
	let count = vectors.len();
	let middle = count.checked_sub(1)? / 2;
	let mut columns: BTreeMap<DatasetId, Vec<u32>> = BTreeMap::new();
	for vector in vectors {
		for (dataset, bps) in *vector {
			columns.entry(*dataset).or_default().push(u32::from(*bps));
		}
	}
	let mut medians: Vec<(DatasetId, u32)> = Vec::new();
	for (dataset, mut values) in columns {
		// The absent entries are zeros, below every present one.
		let zeros = count.saturating_sub(values.len());
		values.sort_unstable();
		let value = match middle.checked_sub(zeros) {
			Some(index) => values.get(index).copied().unwrap_or_default(),
			None => 0,
		};
		if value > 0 {
			medians.push((dataset, value));
		}
	}
	if medians.len() > max_len {
		return None;
	}
	normalise(&medians)
}

/// Scales positive weights to sum to exactly 10 000 basis points, flooring each and giving the remainder to
/// the largest (lowest dataset on ties); drops entries that scale to zero. `None` if the sum is zero.
fn normalise(weights: &[(DatasetId, u32)]) -> Option<Vec<(DatasetId, BasisPoints)>> {
	let sum: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
	if sum == 0 {
		return None;
	}
	let mut scaled: Vec<(DatasetId, u64)> = weights
		.iter()
		.map(|(dataset, w)| {
			(*dataset, u64::from(*w).saturating_mul(u64::from(ALL_BASIS_POINTS)).checked_div(sum).unwrap_or(0))
		})
		.collect();
	let assigned: u64 = scaled.iter().map(|(_, w)| *w).sum();
	let remainder = u64::from(ALL_BASIS_POINTS).saturating_sub(assigned);
	let largest =
		scaled.iter().enumerate().max_by(|(i, (_, a)), (j, (_, b))| a.cmp(b).then(j.cmp(i))).map(|(index, _)| index)?;
	if let Some((_, w)) = scaled.get_mut(largest) {
		*w = w.saturating_add(remainder);
	}
	Some(
		scaled
			.into_iter()
			.filter(|(_, w)| *w > 0)
			.map(|(dataset, w)| (dataset, BasisPoints::try_from(w).unwrap_or(BasisPoints::MAX)))
			.collect(),
	)
}

/// Decides a round: `Confirm` if `quorum` reveals lie within `tolerance` of `standing`; otherwise `Replace`
/// by the reveals' median if `quorum` of them lie within `tolerance` of it; otherwise `NoQuorum`. A quorum
/// of zero (no committee) confirms.
pub fn decide(
	standing: &[(DatasetId, BasisPoints)],
	reveals: &[&[(DatasetId, BasisPoints)]],
	quorum: usize,
	tolerance: u32,
	max_len: usize,
) -> Decision {
	let near = |target: &[(DatasetId, BasisPoints)]| {
		reveals.iter().filter(|vector| l1_distance(vector, target) <= tolerance).count()
	};
	if near(standing) >= quorum {
		return Decision::Confirm;
	}
	match median(reveals, max_len) {
		Some(middle) if near(&middle) >= quorum => Decision::Replace(middle),
		_ => Decision::NoQuorum,
	}
}
