//! # Attribution
//!
//! Paid inference requests and their **Proof of Attribution**. An app asks a registered model a question
//! (`request_inference`); the fee waits in this pallet's escrow account while a validator, drawn from the
//! active set by randomness that did not exist when the request was signed (`features/assignment.rs`),
//! answers through its worker key (`submit_result`: the output and a commitment to its attribution over the
//! model's datasets in basis points, hidden so that nobody can copy it). A committee of other validators
//! recomputes the attribution and commits to hashes of its vectors; then the committee and the server reveal
//! theirs. The server's vector stands if
//! `quorum` reveals lie within `tolerance` (L1, basis points) of it; if instead `quorum` reveals agree with
//! each other, their per-dataset median stands and the server is slashed; with neither, the fee is refunded.
//! A decided answer may be challenged with a bond for a larger committee during the challenge window; then
//! the fee goes to the rewards pallet by the standing weights.
//!
//! A server that does not answer in time is replaced once, then the fee is refunded. A server whose model cannot
//! ground an answer in the DataNet declines (`decline`): another server is drawn, and a second decline refunds the
//! fee; nobody is paid or slashed for it. Every phase ends at a
//! deadline block; `on_initialize` processes due deadlines within `DeadlineWeightBudget` and at most
//! `MaxDeadlinesPerBlock` a block, carrying the rest to the next block. Proof transactions (answers, commits, reveals) are signed by worker keys and
//! are free when they succeed: the worker pays upfront and is refunded (`Pays::No`), so only failed or
//! spam transactions cost anything. See `docs/ATTRIBUTION.md` for the state diagram.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod features;
pub mod migrations;
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
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Makes `validators` active validators (at most the largest set the runtime allows) with worker keys,
	/// and an active model whose manifest lists `datasets` registered datasets with distinct owners; returns
	/// the validators, the model and its datasets.
	fn setup(
		validators: u32,
		datasets: u32,
	) -> (
		alloc::vec::Vec<AccountId>,
		openledger_primitives::model::ModelId,
		alloc::vec::Vec<openledger_primitives::dataset::DatasetId>,
	);
}

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible, PalletId};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::{
		dataset::{DataNetId, DatasetId, VersionNumber},
		model::{ModelId, ModelRegistry},
		rewards::{AnswerPayout, BasisPoints},
		staking::{SlashValidator, ValidatorSet},
	};
	use sp_core::H256;

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN: fees in escrow, challenge bonds on hold.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Registered models: fees, owners, manifests.
		type Models: ModelRegistry<Self::AccountId, BalanceOf<Self>>;

		/// The active validators and their worker keys.
		type Validators: ValidatorSet<Self::AccountId>;

		/// Per-block randomness the draws mix in: BABE's VRF output of the parent block (`None` where there
		/// is none yet). It must be unknown before its block is produced to everyone but the block's author.
		type Randomness: frame_support::traits::Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// Blocks between the transaction that asks for a draw (request, answer, challenge) and the draw:
		/// the randomness of each block in between goes into it. At least 1.
		#[pallet::constant]
		type DrawDelay: Get<BlockNumberFor<Self>>;

		/// Slashes validators whose attribution lost.
		type Slasher: SlashValidator<Self::AccountId, BalanceOf<Self>>;

		/// Pays accepted answers out (the rewards pallet).
		type Payout: AnswerPayout<Self::AccountId, BalanceOf<Self>, Self::MaxWeights>;

		/// Receives lost challenge bonds.
		type Treasury: Get<Self::AccountId>;

		/// The escrow account's id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Longest prompt, in bytes.
		#[pallet::constant]
		type MaxPromptLen: Get<u32>;

		/// Longest answer, in bytes.
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;

		/// Most datasets one attribution may credit.
		#[pallet::constant]
		type MaxWeights: Get<u32>;

		/// Largest committee (bounds `committee_size` and `challenge_committee_size`).
		#[pallet::constant]
		type MaxCommittee: Get<u32>;

		/// Most deadlines processed in one block; the rest wait for the next.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// The weight `on_initialize` may spend on deadlines in one block (a share of the block); the rest wait for
		/// the next. At least one deadline is processed per block whatever it costs.
		#[pallet::constant]
		type DeadlineWeightBudget: Get<Weight>;

		/// The part of a request's deposit that does not depend on its prompt: its answer (up to
		/// `MaxOutputLen` bytes, charged by `RequestDepositPerByte` on top), committees and votes.
		#[pallet::constant]
		type RequestDepositBase: Get<BalanceOf<Self>>;

		/// A request's deposit per byte of its prompt and of the longest answer it may get.
		#[pallet::constant]
		type RequestDepositPerByte: Get<BalanceOf<Self>>;

		/// Answers per page of `by_dataset`.
		#[pallet::constant]
		type AnswersPerPage: Get<u32>;

		/// Who may change the pallet's parameters: root, or governance (the runtime's council by two thirds).
		type AdminOrigin: frame_support::traits::EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets up validators, datasets and a model for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A challenger's bond, until the challenge is decided.
		ChallengeBond,
		/// A requester's deposit for what its request stores, until the request is pruned.
		RequestDeposit,
	}

	/// The protocol's parameters.
	#[pallet::storage]
	pub type Parameters<T: Config> = StorageValue<_, Params<BalanceOf<T>, BlockNumberFor<T>>, OptionQuery>;

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// Requests, open and closed.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>>;

	/// Each request's prompt.
	#[pallet::storage]
	pub type Prompts<T: Config> = StorageMap<_, Twox64Concat, RequestId, BoundedVec<u8, T::MaxPromptLen>>;

	/// Each answered request's answer, as the server gave it.
	#[pallet::storage]
	pub type Answers<T: Config> = StorageMap<_, Twox64Concat, RequestId, Answer<T>>;

	/// The attribution that stands for each answered request: the server's, or a committee's median.
	#[pallet::storage]
	pub type Standing<T: Config> = StorageMap<_, Twox64Concat, RequestId, AttributionOf<T>>;

	/// The committee drawn for each round of a request.
	#[pallet::storage]
	pub type Committees<T: Config> = StorageDoubleMap<_, Twox64Concat, RequestId, Twox64Concat, Round, Committee<T>>;

	/// Committee members' votes.
	#[pallet::storage]
	pub type Votes<T: Config> = StorageNMap<
		_,
		(NMapKey<Twox64Concat, RequestId>, NMapKey<Twox64Concat, Round>, NMapKey<Blake2_128Concat, T::AccountId>),
		Vote<T>,
	>;

	/// Deadlines: each open request has exactly one, at the block its phase ends.
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, RequestId, (), OptionQuery>;

	/// Every block's randomness so far, hashed together: what draws are seeded with.
	#[pallet::storage]
	pub type DrawEntropy<T> = StorageValue<_, H256, ValueQuery>;

	/// The earliest block whose deadlines may not all be processed yet.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// How many paid answers credited each dataset.
	#[pallet::storage]
	pub type DatasetAnswerCount<T> = StorageMap<_, Twox64Concat, DatasetId, u32, ValueQuery>;

	/// The paid answers that credited each dataset, in order: (request, the dataset's basis points).
	#[pallet::storage]
	pub type DatasetAnswers<T> =
		StorageDoubleMap<_, Twox64Concat, DatasetId, Twox64Concat, u32, (RequestId, BasisPoints)>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The protocol's parameters; [`Pallet::default_params`] when `None`.
		pub params: Option<Params<BalanceOf<T>, BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let params = self.params.unwrap_or_else(Pallet::<T>::default_params);
			assert!(params.is_valid(T::MaxCommittee::get()), "invalid genesis attribution parameters");
			Parameters::<T>::put(params);
			Pallet::<T>::ensure_escrow_exists();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A request was made and its fee put in escrow; its server is drawn at block `draw_at`.
		InferenceRequested {
			request: RequestId,
			requester: T::AccountId,
			model: ModelId,
			datanet: DataNetId,
			version: VersionNumber,
			fee: BalanceOf<T>,
			draw_at: BlockNumberFor<T>,
		},
		/// `server` was drawn to answer, by `until`.
		ServerAssigned { request: RequestId, server: T::AccountId, until: BlockNumberFor<T> },
		/// The server did not answer in time; `server` now must, by `until`.
		ServerReplaced { request: RequestId, previous: T::AccountId, server: T::AccountId, until: BlockNumberFor<T> },
		/// The server answered.
		ResultSubmitted { request: RequestId, server: T::AccountId, worker: T::AccountId },
		/// The server declined to answer, for `reason`: another server is drawn, or, if this was the second,
		/// the fee is refunded.
		Declined { request: RequestId, server: T::AccountId, reason: openledger_primitives::attribution::DeclineReason },
		/// A committee was drawn: its members commit by `until`.
		CommitteeDrawn {
			request: RequestId,
			round: Round,
			members: alloc::vec::Vec<T::AccountId>,
			until: BlockNumberFor<T>,
		},
		/// A member committed.
		Committed { request: RequestId, round: Round, member: T::AccountId },
		/// The reveal phase began: members (and, in a review, the server) reveal by `until`.
		RevealStarted { request: RequestId, round: Round, until: BlockNumberFor<T> },
		/// A member (or, in a review, the server) revealed.
		Revealed { request: RequestId, round: Round, member: T::AccountId },
		/// The round was decided; the decision may be challenged until `until`.
		Decided { request: RequestId, round: Round, verdict: Verdict, until: BlockNumberFor<T> },
		/// A validator was slashed for its part in a request.
		ValidatorSlashed {
			request: RequestId,
			validator: T::AccountId,
			reason: openledger_primitives::staking::SlashReason,
			amount: BalanceOf<T>,
		},
		/// Someone challenged the decision with a bond.
		Challenged { request: RequestId, challenger: T::AccountId, bond: BalanceOf<T> },
		/// A challenger's bond was settled: `forfeited` of it went to the treasury, the rest back to the
		/// challenger.
		ChallengeBondSettled {
			request: RequestId,
			challenger: T::AccountId,
			bond: BalanceOf<T>,
			forfeited: BalanceOf<T>,
		},
		/// An upheld challenge's challenger received its share of the slashes.
		ChallengerRewarded { request: RequestId, challenger: T::AccountId, amount: BalanceOf<T> },
		/// The fee was paid out by the standing attribution.
		AnswerPaid { request: RequestId, fee: BalanceOf<T> },
		/// The fee went back to the requester.
		Refunded { request: RequestId, requester: T::AccountId, fee: BalanceOf<T>, closure: Closure },
		/// A closed request's prompt, answer, committees and votes were pruned and its deposit returned.
		Pruned { request: RequestId, requester: T::AccountId, deposit: BalanceOf<T> },
		/// Root changed the parameters.
		ParamsSet { params: Params<BalanceOf<T>, BlockNumberFor<T>> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// The model is retired.
		ModelRetired,
		/// The model's fee is above the caller's `max_fee`.
		FeeAboveMax,
		/// Free balance does not cover the fee or the bond.
		InsufficientBalance,
		/// No validator is active to answer.
		NoValidators,
		/// No request has this id.
		UnknownRequest,
		/// The request is not in the phase this call belongs to.
		WrongPhase,
		/// The signer is not the worker key of the validator this call needs.
		NotAssignedWorker,
		/// The proof names another model or DataNet version than the request's.
		ProofMismatch,
		/// The weights do not sum to 10 000 basis points (or are empty).
		WeightsNotWhole,
		/// The weights are not in strictly ascending dataset order: a dataset repeats or is out of order.
		DuplicateOrUnsortedDataset,
		/// More weights than `MaxWeights` (only reachable through a bound larger than the pallet's).
		TooManyWeights,
		/// A weight is zero (leave the dataset out instead).
		ZeroWeight,
		/// A dataset is not in the model's manifest (and so not in its DataNet version).
		DatasetNotInModel,
		/// The signer's validator is not on this round's committee.
		NotOnCommittee,
		/// The member has committed already.
		DuplicateCommit,
		/// The member has not committed, so has nothing to reveal.
		NoCommitment,
		/// The member has revealed already.
		AlreadyRevealed,
		/// The revealed vector and salt do not hash to the commitment.
		RevealMismatch,
		/// The bond is below `min_challenge_bond`.
		BondTooSmall,
		/// No validator other than the server can sit on a challenge committee.
		NoChallengeCommittee,
		/// The parameters are inconsistent (see [`Params::is_valid`]).
		InvalidParams,
		/// A counter would overflow.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Mixes this block's randomness into the draws' entropy, then processes the deadlines that are due.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::mix_entropy();
			// The randomness source's read, and the entropy's read and write.
			T::DbWeight::get().reads_writes(2, 1).saturating_add(Self::process_deadlines(now))
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(T::DrawDelay::get() >= 1u32.into(), "a draw must wait at least one block for its randomness");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Asks `model` to answer `prompt`, paying its fee (at most `max_fee`) into escrow. A server is drawn
		/// from the active validators `DrawDelay` blocks later.
		///
		/// # Errors
		/// [`Error::UnknownModel`], [`Error::ModelRetired`], [`Error::FeeAboveMax`], [`Error::NoValidators`],
		/// [`Error::InsufficientBalance`], [`Error::Overflow`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_inference(prompt.len() as u32))]
		pub fn request_inference(
			origin: OriginFor<T>,
			model: ModelId,
			prompt: BoundedVec<u8, T::MaxPromptLen>,
			max_fee: BalanceOf<T>,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_request_inference(requester, model, prompt, max_fee).map(|_| ())
		}

		/// The assigned server's answer: `output` and its `commitment` to its attribution
		/// ([`openledger_primitives::attribution::commitment`] of the request, the review round, the server,
		/// the vector and a secret salt), signed by the server's worker key. The server reveals the vector
		/// with `reveal` once its review committee has committed. `model` and `version` must be the request's:
		/// the proof binds request, model, DataNet version and worker. Free when it succeeds.
		///
		/// # Errors
		/// [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`],
		/// [`Error::ProofMismatch`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_result(output.len() as u32))]
		pub fn submit_result(
			origin: OriginFor<T>,
			request: RequestId,
			model: ModelId,
			version: VersionNumber,
			output: BoundedVec<u8, T::MaxOutputLen>,
			commitment: H256,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_submit_result(worker, request, model, version, output, commitment)?;
			Ok(Pays::No.into())
		}

		/// A committee member's commitment to its vector
		/// ([`openledger_primitives::attribution::commitment`]), signed by its worker key. Free when it
		/// succeeds.
		///
		/// # Errors
		/// [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotOnCommittee`],
		/// [`Error::DuplicateCommit`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(origin: OriginFor<T>, request: RequestId, commitment: H256) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_commit(worker, request, commitment)?;
			Ok(Pays::No.into())
		}

		/// A committee member's vector and salt, matching its commitment, signed by its worker key. Free when
		/// it succeeds.
		///
		/// # Errors
		/// [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotOnCommittee`],
		/// [`Error::NoCommitment`], [`Error::AlreadyRevealed`], [`Error::RevealMismatch`], and the weight
		/// errors of [`Pallet::submit_result`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::reveal(weights.len() as u32))]
		pub fn reveal(
			origin: OriginFor<T>,
			request: RequestId,
			weights: Weights<T>,
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_reveal(worker, request, weights, salt)?;
			Ok(Pays::No.into())
		}

		/// Challenges a decided request with `bond` (held): a larger committee re-decides. The losing side
		/// loses its bond or stake.
		///
		/// # Errors
		/// [`Error::UnknownRequest`], [`Error::WrongPhase`] (also once challenged: there is one challenge per
		/// request), [`Error::BondTooSmall`], [`Error::NoChallengeCommittee`], [`Error::InsufficientBalance`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, request: RequestId, bond: BalanceOf<T>) -> DispatchResult {
			let challenger = ensure_signed(origin)?;
			Self::do_challenge(challenger, request, bond)
		}

		/// The assigned server declines to answer `request` for `reason` (its model could not ground an answer
		/// in the DataNet, or cannot answer the prompt), signed by its worker key; `model` and `version` must be
		/// the request's. Nobody is paid: the first decline draws another server `DrawDelay` blocks later, the
		/// second refunds the fee (`Closure::Declined`). Not slashed; not free (the worker pays its fee), so that
		/// opting out of work is never cheaper than doing it.
		///
		/// # Errors
		/// [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`],
		/// [`Error::ProofMismatch`].
		#[pallet::call_index(6)]
		// Counted, not measured, until `scripts/benchmark.sh` measures the `decline` benchmark (then use
		// `T::WeightInfo::decline()`): at most an answer's checks and writes plus what a timeout does (a redraw
		// or a refund).
		#[pallet::weight(T::WeightInfo::submit_result(0).saturating_add(T::WeightInfo::response_timeout()))]
		pub fn decline(
			origin: OriginFor<T>,
			request: RequestId,
			model: ModelId,
			version: VersionNumber,
			reason: openledger_primitives::attribution::DeclineReason,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			Self::do_decline(worker, request, model, version, reason)
		}

		/// Sets the protocol's parameters (`AdminOrigin`); requests already open keep their deadlines.
		///
		/// # Errors
		/// [`Error::InvalidParams`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: Params<BalanceOf<T>, BlockNumberFor<T>>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_params(params)
		}
	}
}
