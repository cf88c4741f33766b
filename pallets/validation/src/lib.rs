//! # Validation
//!
//! Every proposal to a DataNet that validates (its policy has a `validation` part) opens a **validation job**
//! here: the proposer's fee is held, and `DrawDelay` blocks later a committee of `committee_size` active
//! validators is drawn with the same entropy and the same draw as attribution committees
//! ([`openledger_primitives::draw`]). Each member's worker measures the proposal against the DataNet's version and
//! probe set (`attribution-worker`'s validation duty, docs/VALIDATION.md) and commits to the hash of its
//! [`ValidationReport`]; once every member has committed (or the commit window ends) they reveal.
//!
//! The committee's report is the per-part median of the reveals ([`median_report`]). It stands when at least
//! `quorum` reveals agree with it ([`ValidationReport::agrees_with`] within the parameters' `tolerance`): the
//! fee is shared by the members who agreed, outliers are slashed `member_slash`, and the DataNets pallet records
//! the report and its score with the proposal ([`OnValidated`]). Without that quorum the fee goes back to the
//! proposer and the proposal stays unscored. Members who do not commit pay `absence_slash`; members who commit and
//! do not reveal pay `member_slash`, as in attribution. The parameters ([`Params`]) are the runtime's
//! `DefaultParams` until governance sets others (`set_params`).
//!
//! Reports are signed by worker keys and free when they succeed (`Pays::No`), like attribution proofs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod features;
mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// What the benchmarks need the runtime to do for them.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes `count` validators (at most the largest set the runtime allows) active, each bonded (so it can be
	/// slashed) and with a worker key; returns them.
	fn validators(count: u32) -> alloc::vec::Vec<AccountId>;
}

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::{
		dataset::{DataNetId, DatasetId, VersionNumber},
		draw::DrawEntropy,
		staking::{SlashValidator, ValidatorSet},
		validation::{OnValidated, ValidationJobId, ValidationReport},
	};
	use sp_core::H256;

	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN: fees are held from proposers and paid to committee members.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::Inspect<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The active validators and their worker keys.
		type Validators: ValidatorSet<Self::AccountId>;

		/// The entropy committees are drawn with (the attribution pallet's).
		type Entropy: DrawEntropy;

		/// Slashes members who are absent, break their commitment or report an outlier.
		type Slasher: SlashValidator<Self::AccountId, BalanceOf<Self>>;

		/// Told each job's outcome (the DataNets pallet).
		type OnValidated: OnValidated;

		/// Blocks between a proposal and its committee's draw: the randomness of each block in between goes into
		/// it. At least 1.
		#[pallet::constant]
		type DrawDelay: Get<BlockNumberFor<Self>>;

		/// Largest committee a job stores (bounds the parameters' `committee_size`).
		#[pallet::constant]
		type MaxCommittee: Get<u32>;

		/// The committees' parameters until governance sets its own (`set_params`).
		#[pallet::constant]
		type DefaultParams: Get<Params<BlockNumberFor<Self>>>;

		/// May set the parameters.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Most deadlines processed in one block; the rest wait for the next.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets the benchmarks up.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A proposer's validation fee, until its job closes.
		ValidationFee,
	}

	/// The parameters governance set; `DefaultParams` until it does.
	#[pallet::storage]
	pub type Parameters<T: Config> = StorageValue<_, Params<BlockNumberFor<T>>, OptionQuery>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, ValidationJobId, ValueQuery>;

	/// Open jobs; a job is removed when it closes (its outcome is in the event and with the proposal).
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, ValidationJobId, Job<T>>;

	/// Each open job's committee.
	#[pallet::storage]
	pub type Committees<T: Config> = StorageMap<_, Twox64Concat, ValidationJobId, Committee<T>>;

	/// Members' commitments and revealed reports.
	#[pallet::storage]
	pub type Votes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ValidationJobId, Blake2_128Concat, T::AccountId, ReportVote>;

	/// Deadlines: each open job has exactly one, at the block its phase ends.
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, ValidationJobId, (), OptionQuery>;

	/// The earliest block whose deadlines may not all be processed yet.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A proposal's validation was asked for and its fee held; the committee is drawn at `draw_at`.
		ValidationRequested {
			job: ValidationJobId,
			datanet: DataNetId,
			dataset: DatasetId,
			version: VersionNumber,
			proposer: T::AccountId,
			fee: BalanceOf<T>,
			draw_at: BlockNumberFor<T>,
		},
		/// A committee was drawn: its members measure the dataset against `version` and commit by `until`.
		ValidationCommitteeDrawn {
			job: ValidationJobId,
			datanet: DataNetId,
			dataset: DatasetId,
			version: VersionNumber,
			members: alloc::vec::Vec<T::AccountId>,
			until: BlockNumberFor<T>,
		},
		/// A member committed to its report.
		ReportCommitted { job: ValidationJobId, member: T::AccountId },
		/// The reveal phase began: members reveal by `until`.
		ReportRevealStarted { job: ValidationJobId, until: BlockNumberFor<T> },
		/// A member revealed its report.
		ReportRevealed { job: ValidationJobId, member: T::AccountId },
		/// The committee agreed on `report`; `paid` members shared the fee.
		ValidationAgreed {
			job: ValidationJobId,
			datanet: DataNetId,
			dataset: DatasetId,
			report: ValidationReport,
			paid: alloc::vec::Vec<T::AccountId>,
		},
		/// The committee did not agree (or nobody could sit on it): the fee went back to the proposer.
		ValidationFailed { job: ValidationJobId, datanet: DataNetId, dataset: DatasetId, reveals: u32 },
		/// A member was slashed for its part in a job.
		ValidatorSlashed {
			job: ValidationJobId,
			validator: T::AccountId,
			reason: openledger_primitives::staking::SlashReason,
			amount: BalanceOf<T>,
		},
		/// Governance set the parameters.
		ParamsSet { params: Params<BlockNumberFor<T>> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No open job has this id.
		UnknownJob,
		/// The job is not in the phase this call belongs to.
		WrongPhase,
		/// The signer is not the worker key of a member of the job's committee.
		NotOnCommittee,
		/// The member has committed already.
		DuplicateCommit,
		/// The member has not committed, so has nothing to reveal.
		NoCommitment,
		/// The member has revealed already.
		AlreadyRevealed,
		/// The revealed report and salt do not hash to the commitment.
		RevealMismatch,
		/// No validator is active to validate.
		NoValidators,
		/// Free balance does not cover the fee.
		InsufficientBalance,
		/// A counter would overflow.
		Overflow,
		/// The parameters are inconsistent (see [`Params::is_valid`]).
		InvalidParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Processes the deadlines that are due.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_deadlines(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(T::DrawDelay::get() >= 1u32.into(), "a draw must wait at least one block for its randomness");
			assert!(T::DefaultParams::get().is_valid(T::MaxCommittee::get()), "the default parameters are inconsistent");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// A committee member's commitment to its report
		/// ([`openledger_primitives::validation::report_commitment`]), signed by its worker key. Free when it
		/// succeeds; when every member has committed, the reveal phase starts at once.
		///
		/// # Errors
		/// [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::DuplicateCommit`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::commit_report())]
		pub fn commit_report(origin: OriginFor<T>, job: ValidationJobId, commitment: H256) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_commit(worker, job, commitment)?;
			Ok(Pays::No.into())
		}

		/// A committee member's report and salt, matching its commitment, signed by its worker key. Free when it
		/// succeeds; when every member who committed has revealed, the job is decided in the next block.
		///
		/// # Errors
		/// [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::NoCommitment`],
		/// [`Error::AlreadyRevealed`], [`Error::RevealMismatch`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::reveal_report())]
		pub fn reveal_report(
			origin: OriginFor<T>,
			job: ValidationJobId,
			report: ValidationReport,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_reveal(worker, job, report, salt)?;
			Ok(Pays::No.into())
		}

		/// Sets the committees' parameters (governance). Open jobs keep the committee they drew; every later step
		/// uses the parameters in force when it happens.
		///
		/// # Errors
		/// [`Error::InvalidParams`]; `BadOrigin` unless `AdminOrigin`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: Params<BlockNumberFor<T>>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_params(params)
		}
	}
}
