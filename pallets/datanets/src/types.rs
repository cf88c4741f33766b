//! Types of the DataNets pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::fungible::Inspect, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::dataset::{DataNetPolicy, DataNetStatus, Licence, ProposalValidation, ValidationPolicy, VersionNumber};
use scale_info::TypeInfo;

use crate::Config;

/// A balance of the deposit currency.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A DataNet's policy as this runtime stores it.
pub type PolicyOf<T> = DataNetPolicy<BalanceOf<T>, BoundedVec<Licence, <T as Config>::MaxLicences>>;

/// A DataNet's validation policy as this runtime stores it.
pub type ValidationPolicyOf<T> = ValidationPolicy<BalanceOf<T>>;

/// A DataNet.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct DataNet<T: Config> {
	/// Creator; always a curator; may change the curators and close the DataNet.
	pub owner: T::AccountId,
	/// Human-readable name.
	pub name: BoundedVec<u8, T::MaxNameLen>,
	/// Free-form metadata (JSON by convention).
	pub metadata: BoundedVec<u8, T::MaxMetadataLen>,
	/// What the DataNet accepts.
	pub policy: PolicyOf<T>,
	/// Who may approve, reject and remove.
	pub curators: BoundedVec<T::AccountId, T::MaxCurators>,
	/// Open or closed.
	pub status: DataNetStatus,
	/// Deposit held from the owner while open.
	pub deposit: BalanceOf<T>,
	/// The latest version.
	pub version: VersionNumber,
	/// Open proposals.
	pub open_proposals: u32,
	/// Block of creation.
	pub created_at: BlockNumberFor<T>,
}

/// The DataNet type of this runtime.
pub type DataNetOf<T> = DataNet<T>;

/// An open proposal.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Proposal<T: Config> {
	/// Who proposed it (the dataset's owner at the time) and holds the deposit.
	pub proposer: T::AccountId,
	/// The contribution deposit held.
	pub deposit: BalanceOf<T>,
	/// Block of the proposal.
	pub proposed_at: BlockNumberFor<T>,
	/// The DataNet's version when it was proposed: what it is validated against.
	pub version: VersionNumber,
	/// Where its validation stands.
	pub validation: ProposalValidation,
}

/// The proposal type of this runtime.
pub type ProposalOf<T> = Proposal<T>;

/// One stretch of versions during which a dataset was a member of a DataNet.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug)]
pub struct MemberSpan {
	/// The dataset's content hash (kept so old version roots stay recomputable after it is retired).
	pub content_hash: sp_core::H256,
	/// The first version the dataset is no longer in; `None` while it is a member.
	pub until: Option<VersionNumber>,
}
