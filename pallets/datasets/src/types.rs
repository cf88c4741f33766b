//! Types of the datasets pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::fungible::Inspect, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::dataset::{Dataset, Licence, Sketch};
use scale_info::TypeInfo;
use sp_core::{Get, H256};

use crate::Config;

/// A balance of the deposit currency.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A dataset record as this runtime stores it.
pub type DatasetOf<T> = Dataset<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	BoundedVec<u8, <T as Config>::MaxUriLen>,
	BoundedVec<u8, <T as Config>::MaxMetadataLen>,
>;

/// Where a new dataset's bytes will be.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(MaxPieces, MaxUriLen))]
pub enum RegistrationSource<MaxPieces: Get<u32>, MaxUriLen: Get<u32>> {
	/// Inline content: the blake2-256 hash of each `PIECE_SIZE` piece, in order.
	Inline { piece_hashes: BoundedVec<H256, MaxPieces> },
	/// Content hosted at a URI.
	Uri(BoundedVec<u8, MaxUriLen>),
}

impl<MaxPieces: Get<u32>, MaxUriLen: Get<u32>> RegistrationSource<MaxPieces, MaxUriLen> {
	/// Pieces to upload (0 for a URI).
	pub fn piece_count(&self) -> u32 {
		match self {
			Self::Inline { piece_hashes } => piece_hashes.len() as u32,
			Self::Uri(_) => 0,
		}
	}
}

/// The registration source type of this runtime.
pub type RegistrationSourceOf<T> = RegistrationSource<<T as Config>::MaxPieces, <T as Config>::MaxUriLen>;

/// Everything `register` is given, bundled.
pub struct Registration<T: Config> {
	pub content_hash: H256,
	pub chunk_root: H256,
	pub rows: u64,
	pub bytes: u64,
	pub licence: Licence,
	pub sketch: Sketch,
	pub source: RegistrationSourceOf<T>,
	pub metadata: BoundedVec<u8, T::MaxMetadataLen>,
}
