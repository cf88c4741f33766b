//! Requests, answers, votes and the protocol's parameters.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	model::ModelId,
	rewards::BasisPoints,
};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Perbill;

pub use openledger_primitives::attribution::{RequestId, Round, Verdict};

use crate::Config;

/// OPEN, in the currency's smallest unit.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// An attribution as a caller proposes it (`submit_result`, `reveal`): any bounded vector, checked into an
/// [`AttributionOf`] by the call so that a broken one is refused with a named error.
pub type Weights<T> = BoundedVec<(DatasetId, BasisPoints), <T as Config>::MaxWeights>;

/// An attribution as the pallet holds it: valid by construction (see
/// [`openledger_primitives::attribution::Attribution`]).
pub type AttributionOf<T> = openledger_primitives::attribution::Attribution<<T as Config>::MaxWeights>;

/// A committee.
pub type Committee<T> = BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxCommittee>;

/// What a request waits to have drawn.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum Draw {
	/// Its server.
	Server,
	/// A round's committee.
	Committee(Round),
}

/// Where a request is in its life. Each open phase ends at its `until` block (see `docs/ATTRIBUTION.md`).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum Phase<BlockNumber> {
	/// Waiting `DrawDelay` blocks after the request, answer or challenge for the draw, so that it uses
	/// randomness (BABE VRF outputs) that did not exist when the transaction was signed.
	Drawing { draw: Draw, until: BlockNumber },
	/// Waiting for the assigned server's answer.
	Assigned { until: BlockNumber },
	/// The round's committee commits to hashes of its own vectors.
	Committing { round: Round, until: BlockNumber },
	/// The round's committee reveals its vectors.
	Revealing { round: Round, until: BlockNumber },
	/// Decided; anyone may challenge until `until`, then it is paid.
	Challengeable { until: BlockNumber },
	/// Closed: paid or refunded.
	Closed(Closure),
}

impl<BlockNumber: Copy> Phase<BlockNumber> {
	/// The block the phase ends at, for open phases.
	pub fn until(&self) -> Option<BlockNumber> {
		match self {
			Phase::Drawing { until, .. }
			| Phase::Assigned { until }
			| Phase::Committing { until, .. }
			| Phase::Revealing { until, .. }
			| Phase::Challengeable { until } => Some(*until),
			Phase::Closed(_) => None,
		}
	}

	/// Whether the fee is still in escrow.
	pub fn is_open(&self) -> bool {
		!matches!(self, Phase::Closed(_))
	}
}

/// How a request closed.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum Closure {
	/// The fee was paid out by the standing attribution.
	Paid,
	/// Nobody answered in time, twice: the fee went back to the requester.
	RefundedNoAnswer,
	/// The committee reached no quorum: the fee went back to the requester.
	RefundedNoQuorum,
	/// The payout failed (the escrow could not pay it): the fee went back to the requester.
	RefundedPayoutFailed,
	/// Two servers in turn declined to answer (`decline`): the fee went back to the requester.
	Declined,
}

/// A request for an answer.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Request<T: Config> {
	/// Who asked and paid.
	pub requester: T::AccountId,
	/// The model asked.
	pub model: ModelId,
	/// The model's owner when asked (paid the model owner's share).
	pub model_owner: T::AccountId,
	/// The model's DataNet.
	pub datanet: DataNetId,
	/// The DataNet version the model was registered against: the attribution's datasets come from it.
	pub version: VersionNumber,
	/// The fee held in escrow.
	pub fee: BalanceOf<T>,
	/// When it was made.
	pub created_at: BlockNumberFor<T>,
	/// The validator assigned to answer; none until drawn.
	pub server: Option<T::AccountId>,
	/// Servers assigned so far (1, or 2 after a timeout).
	pub assignments: u8,
	/// Where it is.
	pub phase: Phase<BlockNumberFor<T>>,
	/// How the standing attribution was last decided.
	pub verdict: Option<Verdict>,
	/// The challenger and its bond, once challenged.
	pub challenge: Option<(T::AccountId, BalanceOf<T>)>,
	/// Held from the requester for what the request stores (prompt, answer, committees, votes) until they are
	/// pruned; zero once pruned.
	pub deposit: BalanceOf<T>,
	/// Once closed: the block at which its prompt, answer, committees and votes are pruned (`Params::retention`
	/// after it closed). This record, the standing attribution and the per-dataset index stay.
	pub retained_until: Option<BlockNumberFor<T>>,
}

/// The server's answer.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Answer<T: Config> {
	/// The validator that answered.
	pub server: T::AccountId,
	/// The worker key that signed it.
	pub worker: T::AccountId,
	/// The generated text. The server's attribution is not here: it committed to it with the answer and
	/// reveals it with its review committee, as the server's [`Vote`] of the review round.
	pub output: BoundedVec<u8, T::MaxOutputLen>,
	/// When it arrived.
	pub submitted_at: BlockNumberFor<T>,
}

/// A committee member's vote, or the server's own (under the review round, keyed by the server).
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Vote<T: Config> {
	/// [`openledger_primitives::attribution::commitment`] of its vector.
	pub commitment: H256,
	/// The vector, once revealed.
	pub revealed: Option<AttributionOf<T>>,
}

/// The protocol's parameters (genesis sets them; root may change them).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Params<Balance, BlockNumber> {
	/// K: validators drawn to review an answer (fewer when the set is smaller; never the server).
	pub committee_size: u32,
	/// M: matching reveals needed to decide (capped at the committee drawn).
	pub quorum: u32,
	/// T: largest L1 distance, in basis points, at which two vectors agree.
	pub tolerance: u32,
	/// Blocks the server has to answer.
	pub response_window: BlockNumber,
	/// Blocks a committee has to commit.
	pub commit_window: BlockNumber,
	/// Blocks a committee has to reveal.
	pub reveal_window: BlockNumber,
	/// Blocks after a decision during which it may be challenged; payout waits for it.
	pub challenge_window: BlockNumber,
	/// Validators drawn for a challenge.
	pub challenge_committee_size: u32,
	/// Matching reveals a challenge committee needs.
	pub challenge_quorum: u32,
	/// Smallest challenge bond.
	pub min_challenge_bond: Balance,
	/// Slashed from a server outvoted by its committee or by a challenge.
	pub server_slash: Perbill,
	/// Slashed from a committee member that commits and does not reveal, reveals an outlier against a quorum,
	/// or backed a vector a challenge overturned.
	pub member_slash: Perbill,
	/// Slashed from a validator that misses an assignment: a server that does not answer in time, a committee
	/// member that does not commit. It stays in the set (see `SlashReason::Absent`).
	pub absence_slash: Perbill,
	/// The share of what an upheld challenge slashed (from the server and the review members who backed the
	/// overturned vector) that goes from the treasury to the challenger: finding a wrong attribution pays.
	pub challenger_reward: Perbill,
	/// The share of the bond an inconclusive challenge costs the challenger (to the treasury): a challenge
	/// committee recomputes the answer, so a challenge nobody can decide is not free to repeat.
	pub inconclusive_fee: Perbill,
	/// Blocks a closed request keeps its prompt, answer, committees and votes before they are pruned and its
	/// deposit returned.
	pub retention: BlockNumber,
}

impl<Balance, BlockNumber: PartialOrd + From<u32>> Params<Balance, BlockNumber> {
	/// Whether the parameters make sense: quorums within their committees and the committee bound, a
	/// tolerance below the largest possible distance, and windows of at least one block.
	pub fn is_valid(&self, max_committee: u32) -> bool {
		let one = BlockNumber::from(1);
		self.committee_size <= max_committee
			&& self.challenge_committee_size <= max_committee
			&& self.quorum <= self.committee_size
			&& self.challenge_quorum <= self.challenge_committee_size
			&& self.challenge_committee_size >= self.committee_size
			&& self.tolerance < 2 * openledger_primitives::rewards::ALL_BASIS_POINTS
			&& self.response_window >= one
			&& self.retention >= one
			&& self.commit_window >= one
			&& self.reveal_window >= one
			&& self.challenge_window >= one
	}
}
