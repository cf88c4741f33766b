//! An attribution: how an answer's credit is shared among datasets. One type, valid by construction — the
//! pallets store it, pay by it and compare it, and the worker submits it; nothing else holds a weight vector.
//!
//! Valid means: at least one entry, datasets strictly ascending (so none repeats), no zero entry, the entries
//! summing to exactly [`ALL_BASIS_POINTS`], at most `S::get()` entries. The SCALE encoding is the plain
//! `Vec<(DatasetId, BasisPoints)>` encoding; decoding checks validity, so an invalid vector cannot be decoded
//! (from storage, from a runtime API, from another node) any more than it can be built.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, EncodeLike, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;
use sp_core::Get;
use sp_runtime::BoundedVec;

use crate::{
	dataset::DatasetId,
	rewards::{BasisPoints, ALL_BASIS_POINTS},
};

/// One dataset's share of an answer's credit.
pub type Share = (DatasetId, BasisPoints);

/// Why a vector is not an attribution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AttributionError {
	/// The entries do not sum to 10 000 basis points (this includes an empty vector).
	NotWhole,
	/// A dataset repeats, or datasets are not in strictly ascending order.
	DuplicateOrUnsorted,
	/// An entry credits 0 basis points.
	ZeroWeight,
	/// More entries than the bound allows.
	TooManyDatasets,
}

impl AttributionError {
	/// The error's name, as the pallets' errors and the worker's messages show it.
	pub fn as_str(&self) -> &'static str {
		match self {
			Self::NotWhole => "attribution does not sum to 10 000 basis points",
			Self::DuplicateOrUnsorted => "attribution datasets repeat or are not ascending",
			Self::ZeroWeight => "attribution credits a dataset 0 basis points",
			Self::TooManyDatasets => "attribution credits more datasets than allowed",
		}
	}
}

impl fmt::Display for AttributionError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.as_str())
	}
}

/// An attribution of at most `S::get()` datasets, valid by construction (see the module docs).
#[derive(TypeInfo)]
#[scale_info(skip_type_params(S))]
pub struct Attribution<S: Get<u32>>(BoundedVec<Share, S>);

/// The bound the worker uses before it knows the chain's (which it then checks with [`Attribution::fits`]).
pub type Unbounded = sp_core::ConstU32<{ u32::MAX }>;

impl<S: Get<u32>> Attribution<S> {
	/// Checks `shares` as given: it must already be in canonical form.
	///
	/// # Errors
	/// The first rule `shares` breaks, checked in the order zero entry, order, sum, bound.
	pub fn try_new(shares: Vec<Share>) -> Result<Self, AttributionError> {
		if shares.iter().any(|(_, bps)| *bps == 0) {
			return Err(AttributionError::ZeroWeight);
		}
		if !shares.windows(2).all(|pair| matches!(pair, [(a, _), (b, _)] if a < b)) {
			return Err(AttributionError::DuplicateOrUnsorted);
		}
		let total = shares.iter().fold(0u32, |sum, (_, bps)| sum.saturating_add(u32::from(*bps)));
		if total != ALL_BASIS_POINTS {
			return Err(AttributionError::NotWhole);
		}
		BoundedVec::try_from(shares).map(Self).map_err(|_| AttributionError::TooManyDatasets)
	}

	/// Puts scores computed elsewhere (the worker's engine) in canonical form: zero entries dropped, datasets
	/// sorted; then checks the rest as [`Self::try_new`] does. Scores must already sum to 10 000 — this does not
	/// rescale.
	///
	/// # Errors
	/// As [`Self::try_new`]; a score above `u16::MAX` is [`AttributionError::NotWhole`].
	pub fn from_scores(scores: impl IntoIterator<Item = (DatasetId, u32)>) -> Result<Self, AttributionError> {
		let mut shares = Vec::new();
		for (dataset, score) in scores {
			if score == 0 {
				continue;
			}
			let bps = BasisPoints::try_from(score).map_err(|_| AttributionError::NotWhole)?;
			shares.push((dataset, bps));
		}
		shares.sort_unstable_by_key(|(dataset, _)| *dataset);
		Self::try_new(shares)
	}

	/// The shares, datasets ascending.
	pub fn shares(&self) -> &[Share] {
		&self.0
	}

	/// The credited datasets, ascending.
	pub fn datasets(&self) -> impl Iterator<Item = DatasetId> + '_ {
		self.0.iter().map(|(dataset, _)| *dataset)
	}

	/// How many datasets are credited (at least 1).
	pub fn len(&self) -> usize {
		self.0.len()
	}

	/// Always false: an attribution credits at least one dataset. (Here for clippy's `len_without_is_empty`.)
	pub fn is_empty(&self) -> bool {
		self.0.is_empty()
	}

	/// Whether this attribution also fits a bound of `max` datasets (e.g. the chain's, read from metadata).
	pub fn fits(&self, max: u32) -> bool {
		u32::try_from(self.len()).is_ok_and(|len| len <= max)
	}

	/// The same attribution under another bound.
	///
	/// # Errors
	/// [`AttributionError::TooManyDatasets`] if it credits more datasets than `T` allows.
	pub fn rebound<T: Get<u32>>(self) -> Result<Attribution<T>, AttributionError> {
		BoundedVec::try_from(self.0.into_inner()).map(Attribution).map_err(|_| AttributionError::TooManyDatasets)
	}

	/// The shares, datasets ascending, as a plain vector.
	pub fn into_inner(self) -> Vec<Share> {
		self.0.into_inner()
	}
}

impl<S: Get<u32>> TryFrom<Vec<Share>> for Attribution<S> {
	type Error = AttributionError;
	fn try_from(shares: Vec<Share>) -> Result<Self, Self::Error> {
		Self::try_new(shares)
	}
}

impl<S: Get<u32>, B: Get<u32>> TryFrom<BoundedVec<Share, B>> for Attribution<S> {
	type Error = AttributionError;
	fn try_from(shares: BoundedVec<Share, B>) -> Result<Self, Self::Error> {
		Self::try_new(shares.into_inner())
	}
}

impl<S: Get<u32>> AsRef<[Share]> for Attribution<S> {
	fn as_ref(&self) -> &[Share] {
		&self.0
	}
}

// Hand-written so that `S` (a bound, usually a unit struct) needs none of these traits itself.
impl<S: Get<u32>> Clone for Attribution<S> {
	fn clone(&self) -> Self {
		Self(self.0.clone())
	}
}

impl<S: Get<u32>> PartialEq for Attribution<S> {
	fn eq(&self, other: &Self) -> bool {
		self.0 == other.0
	}
}

impl<S: Get<u32>> Eq for Attribution<S> {}

impl<S: Get<u32>> fmt::Debug for Attribution<S> {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_list().entries(self.0.iter()).finish()
	}
}

impl<S: Get<u32>> Encode for Attribution<S> {
	fn size_hint(&self) -> usize {
		self.0.size_hint()
	}
	fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
		self.0.encode_to(dest)
	}
}

impl<S: Get<u32>> EncodeLike for Attribution<S> {}

impl<S: Get<u32>> Decode for Attribution<S> {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let shares = BoundedVec::<Share, S>::decode(input)?;
		Self::try_new(shares.into_inner()).map_err(|e| codec::Error::from(e.as_str()))
	}
}

impl<S: Get<u32>> DecodeWithMemTracking for Attribution<S> {}

impl<S: Get<u32>> MaxEncodedLen for Attribution<S> {
	fn max_encoded_len() -> usize {
		BoundedVec::<Share, S>::max_encoded_len()
	}
}

/// As JSON: a list of `{"dataset": id, "bps": basis points}`, datasets ascending.
impl<S: Get<u32>> serde::Serialize for Attribution<S> {
	fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
		use serde::ser::SerializeSeq;

		#[derive(serde::Serialize)]
		struct ShareJson {
			dataset: DatasetId,
			bps: BasisPoints,
		}

		let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
		for (dataset, bps) in self.0.iter() {
			seq.serialize_element(&ShareJson { dataset: *dataset, bps: *bps })?;
		}
		seq.end()
	}
}
