//! How attributions are compared and combined: L1 distance, the per-dataset median, and the decision a
//! committee round's reveals lead to. Pure integer arithmetic, so every node and every worker reaches the same
//! result.

use alloc::{collections::BTreeMap, vec::Vec};
use sp_core::Get;

use super::vector::{Attribution, Share};
use crate::{
	dataset::DatasetId,
	rewards::{BasisPoints, ALL_BASIS_POINTS},
};

/// What a round's reveals decide about the attribution that stood before it.
pub enum Decision<S: Get<u32>> {
	/// At least a quorum of reveals lie within tolerance of the standing attribution.
	Confirm,
	/// A quorum agrees on another attribution: their median.
	Replace(Attribution<S>),
	/// Neither.
	NoQuorum,
}

// Hand-written so that the bound `S` needs none of these traits itself.
impl<S: Get<u32>> PartialEq for Decision<S> {
	fn eq(&self, other: &Self) -> bool {
		match (self, other) {
			(Self::Confirm, Self::Confirm) | (Self::NoQuorum, Self::NoQuorum) => true,
			(Self::Replace(a), Self::Replace(b)) => a == b,
			_ => false,
		}
	}
}

impl<S: Get<u32>> core::fmt::Debug for Decision<S> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Confirm => f.write_str("Confirm"),
			Self::Replace(median) => f.debug_tuple("Replace").field(median).finish(),
			Self::NoQuorum => f.write_str("NoQuorum"),
		}
	}
}

/// The L1 distance between two attributions, in basis points (0 to 20 000). A dataset credited by only one
/// side counts in full.
pub fn l1_distance(a: &[Share], b: &[Share]) -> u32 {
	let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
	let mut distance = 0u32;
	loop {
		let step = match (a.peek(), b.peek()) {
			(Some((x, wx)), Some((y, wy))) if x == y => {
				let d = wx.abs_diff(*wy);
				a.next();
				b.next();
				d
			},
			(Some((x, wx)), Some((y, _))) if x < y => {
				a.next();
				*wx
			},
			(Some(_), Some((_, wy))) => {
				b.next();
				*wy
			},
			(Some((_, wx)), None) => {
				a.next();
				*wx
			},
			(None, Some((_, wy))) => {
				b.next();
				*wy
			},
			(None, None) => return distance,
		};
		distance = distance.saturating_add(u32::from(step));
	}
}

impl<S: Get<u32>> Attribution<S> {
	/// The L1 distance to `other`, in basis points (see [`l1_distance`]).
	pub fn l1_distance<B: Get<u32>>(&self, other: &Attribution<B>) -> u32 {
		l1_distance(self.shares(), other.shares())
	}

	/// The per-dataset lower median of `attributions` (a dataset absent from one counts as 0 there), normalised
	/// to 10 000 basis points: scaled down by its sum, the remainder to the largest entry (lowest dataset on
	/// ties), zero entries dropped. `None` if there are none, the medians are all zero, or more than `S::get()`
	/// datasets have a non-zero median.
	pub fn median(attributions: &[&Attribution<S>]) -> Option<Self> {
		let count = attributions.len();
		let middle = count.checked_sub(1)? / 2;
		let mut columns: BTreeMap<DatasetId, Vec<u32>> = BTreeMap::new();
		for attribution in attributions {
			for (dataset, bps) in attribution.shares() {
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
		Self::from_scores(normalise(&medians)?).ok()
	}

	/// Decides a round: `Confirm` if `quorum` reveals lie within `tolerance` of `standing`; otherwise `Replace`
	/// by the reveals' median if `quorum` of them lie within `tolerance` of it; otherwise `NoQuorum`. A quorum
	/// of zero (no committee) confirms. Without a standing vector (a server that never revealed its own) only
	/// the reveals' median can stand.
	pub fn decide(standing: Option<&Self>, reveals: &[&Self], quorum: usize, tolerance: u32) -> Decision<S> {
		let near = |target: &Self| reveals.iter().filter(|vector| vector.l1_distance(target) <= tolerance).count();
		if standing.is_some_and(|standing| near(standing) >= quorum) {
			return Decision::Confirm;
		}
		match Self::median(reveals) {
			Some(middle) if near(&middle) >= quorum => Decision::Replace(middle),
			_ => Decision::NoQuorum,
		}
	}
}

/// Scales positive weights to sum to exactly 10 000 basis points, flooring each and giving the remainder to
/// the largest (lowest dataset on ties). `None` if the sum is zero.
fn normalise(weights: &[(DatasetId, u32)]) -> Option<Vec<(DatasetId, u32)>> {
	let sum: u64 = weights.iter().map(|(_, w)| u64::from(*w)).fold(0, u64::saturating_add);
	if sum == 0 {
		return None;
	}
	let mut scaled: Vec<(DatasetId, u64)> = weights
		.iter()
		.map(|(dataset, w)| {
			(*dataset, u64::from(*w).saturating_mul(u64::from(ALL_BASIS_POINTS)).checked_div(sum).unwrap_or(0))
		})
		.collect();
	let assigned: u64 = scaled.iter().map(|(_, w)| *w).fold(0, u64::saturating_add);
	let remainder = u64::from(ALL_BASIS_POINTS).saturating_sub(assigned);
	let largest =
		scaled.iter().enumerate().max_by(|(i, (_, a)), (j, (_, b))| a.cmp(b).then(j.cmp(i))).map(|(index, _)| index)?;
	if let Some((_, w)) = scaled.get_mut(largest) {
		*w = w.saturating_add(remainder);
	}
	Some(
		scaled
			.into_iter()
			.map(|(dataset, w)| (dataset, u32::try_from(w).unwrap_or(u32::from(BasisPoints::MAX))))
			.collect(),
	)
}
