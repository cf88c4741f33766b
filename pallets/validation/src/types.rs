//! Jobs, committees and votes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	validation::{ReportTolerance, ValidationReport, BPS},
};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Perbill;

use crate::Config;

/// OPEN, in the currency's smallest unit.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A committee.
pub type Committee<T> = BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxCommittee>;

/// Where an open job is. Each phase ends at its `until` block.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum JobPhase<BlockNumber> {
	/// Waiting `DrawDelay` blocks for the committee's draw, so that it uses randomness that did not exist when the
	/// proposal was signed.
	Drawing { until: BlockNumber },
	/// The committee commits to hashes of its reports.
	Committing { until: BlockNumber },
	/// The committee reveals its reports.
	Revealing { until: BlockNumber },
}

impl<BlockNumber: Copy> JobPhase<BlockNumber> {
	/// The block the phase ends at.
	pub fn until(&self) -> BlockNumber {
		match self {
			JobPhase::Drawing { until } | JobPhase::Committing { until } | JobPhase::Revealing { until } => *until,
		}
	}
}

/// A validation job: one proposal measured by one committee.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, DebugNoBound)]
#[scale_info(skip_type_params(T))]
pub struct Job<T: Config> {
	/// Who proposed the dataset and pays the fee.
	pub proposer: T::AccountId,
	/// The DataNet proposed to.
	pub datanet: DataNetId,
	/// The dataset proposed.
	pub dataset: DatasetId,
	/// The DataNet version the dataset is measured against (its latest when proposed).
	pub version: VersionNumber,
	/// The fee held from the proposer.
	pub fee: BalanceOf<T>,
	/// Where it is.
	pub phase: JobPhase<BlockNumberFor<T>>,
}

/// A member's commitment and, once revealed, its report.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct ReportVote {
	/// [`openledger_primitives::validation::report_commitment`] of its report.
	pub commitment: H256,
	/// The report, once revealed.
	pub revealed: Option<ValidationReport>,
}

/// How validation committees are drawn, decide and are held to account. The runtime's `DefaultParams` apply until
/// governance sets others (`set_params`).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct Params<BlockNumber> {
	/// Validators drawn for each job (fewer when the active set is smaller).
	pub committee_size: u32,
	/// Reveals that must agree with the median for it to stand (capped at the committee drawn).
	pub quorum: u32,
	/// How far a reveal may lie from the median, part by part, and still agree with it.
	pub tolerance: ReportTolerance,
	/// Blocks the committee has to measure and commit.
	pub commit_window: BlockNumber,
	/// Blocks the committee has to reveal.
	pub reveal_window: BlockNumber,
	/// Slashed from a member that commits and does not reveal, or reveals an outlier against a quorum.
	pub member_slash: Perbill,
	/// Slashed from a member that does not commit.
	pub absence_slash: Perbill,
}

impl<BlockNumber: PartialOrd + From<u32>> Params<BlockNumber> {
	/// Whether the parameters make sense: a committee of at least one within `max_committee`, a quorum of at least
	/// one within it, windows of at least one block, and tolerances no wider than the parts' ranges (relevance
	/// 0–10 000 bps, support gain −10 000–10 000 bps).
	pub fn is_valid(&self, max_committee: u32) -> bool {
		let one = BlockNumber::from(1);
		(1..=max_committee).contains(&self.committee_size)
			&& (1..=self.committee_size).contains(&self.quorum)
			&& self.commit_window >= one
			&& self.reveal_window >= one
			&& u32::from(self.tolerance.relevance_bps) <= BPS
			&& u32::from(self.tolerance.support_gain_bps) <= BPS.saturating_mul(2)
	}
}
