//! # Validator staking
//!
//! Bonded OPEN decides who produces (BABE) and finalises (GRANDPA) blocks. An account **bonds** OPEN (held
//! under [`HoldReason::Staking`]), registers its session keys with pallet-session's `set_keys`, and calls
//! **validate** with a commission and a **worker key**: the separate account its attribution worker signs
//! proofs with. At the end of every session the pallet, as pallet-session's `SessionManager`, elects the
//! `MaxValidators` candidates with the largest active bond at or above `MinValidatorBond` (ties broken by
//! account id); pallet-session hands their keys to BABE and GRANDPA one session later.
//!
//! **Unbond** moves part of the active bond into an unlocking chunk that stays held — and slashable — for
//! `BondingSessions` sessions; **withdraw_unbonded** then releases it. A candidate whose active bond falls
//! below `MinValidatorBond` is chilled. **Chill** leaves the candidate list from the next election.
//!
//! Other pallets see this one through [`openledger_primitives::staking`]: [`ValidatorSet`] (the active set
//! and worker keys), [`SlashValidator`] (a fraction of active and unlocking bond moves to the treasury and the
//! validator is chilled) and [`OnSessionEnd`] (called with the validators of each session that ends — the
//! rewards pallet pays their share there). A validator slashed while it serves is also disabled at once
//! ([`Disabled`]): it leaves [`ValidatorSet`]'s active validators and `Config::Disabler` takes it out of block
//! production, again at every session it still serves, until it validates again or leaves the set.
//!
//! [`ValidatorSet`]: openledger_primitives::staking::ValidatorSet
//! [`SlashValidator`]: openledger_primitives::staking::SlashValidator
//! [`OnSessionEnd`]: openledger_primitives::staking::OnSessionEnd

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

pub use features::{OffenderOf, SessionLengthOf};
pub use pallet::*;
pub use types::*;

/// What the benchmarks need the runtime to do for them.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers session keys for `who`, so that `HasSessionKeys` contains it.
	fn register_session_keys(who: &AccountId);
}
pub use weights::WeightInfo;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::validator-staking";

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, Contains},
	};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::staking::{OnSessionEnd, SessionIndex};
	use sp_runtime::Perbill;

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency bonds are held in.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Accounts that have session keys registered (pallet-session's `NextKeys`); only they may validate
		/// or be elected.
		type HasSessionKeys: Contains<Self::AccountId>;

		/// Where slashed bonds go.
		type Treasury: Get<Self::AccountId>;

		/// Called at the end of every session with its validators (rewards).
		type OnSessionEnd: OnSessionEnd<Self::AccountId>;

		/// Disables a slashed validator for the rest of its time in the set (block production).
		type Disabler: openledger_primitives::staking::DisableValidator<Self::AccountId>;

		/// Smallest bond an account may hold.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Smallest active bond with which an account may validate and be elected.
		#[pallet::constant]
		type MinValidatorBond: Get<BalanceOf<Self>>;

		/// Most validators elected per session.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Most accounts that may be candidates at once (bounds the election's cost).
		#[pallet::constant]
		type MaxCandidates: Get<u32>;

		/// Most unlocking chunks a ledger may have.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// Who may change the pallet's parameters: root, or governance (the runtime's council by two thirds).
		type AdminOrigin: frame_support::traits::EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up what benchmarks need from outside this pallet (session keys).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Bonded by a staker (active or unlocking).
		Staking,
	}

	/// What each account has bonded.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, StakingLedger<T>>;

	/// Accounts that asked to validate, with their terms.
	#[pallet::storage]
	pub type Candidates<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ValidatorPrefs<T::AccountId>>;

	/// Worker key → the validator that registered it. A validator keeps its worker key after chilling (it
	/// may still be serving the current session) until its bond is fully withdrawn.
	#[pallet::storage]
	pub type WorkerOwners<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// Validator → its worker key.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The session now running.
	#[pallet::storage]
	pub type CurrentSession<T> = StorageValue<_, SessionIndex, ValueQuery>;

	/// The validators of the current session, sorted by account id.
	#[pallet::storage]
	pub type ActiveValidators<T: Config> = StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Sets elected for sessions that have not started yet (at most two entries), by the session they serve.
	/// A session without an entry keeps the set of the one before.
	#[pallet::storage]
	pub type PlannedValidators<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, BoundedVec<T::AccountId, T::MaxValidators>>;

	/// Validators slashed while in the current or queued set, until they validate again or leave the set: they
	/// are no [`ValidatorSet::active_validators`] (so other pallets stop drawing them) and are disabled again at
	/// every session they still serve.
	///
	/// [`ValidatorSet::active_validators`]: openledger_primitives::staking::ValidatorSet::active_validators
	#[pallet::storage]
	pub type Disabled<T: Config> = StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// The set most recently elected (what pallet-session has queued).
	#[pallet::storage]
	pub type QueuedValidators<T: Config> = StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Blocks per session (read by the runtime's `ShouldEndSession`).
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultSessionLength<T>>;

	/// Sessions an unbonded chunk waits before it can be withdrawn.
	#[pallet::storage]
	pub type BondingSessions<T> = StorageValue<_, SessionIndex, ValueQuery, DefaultBondingSessions>;

	/// Offences already reported (kind, slot, offender → the session it happened in), so none is slashed twice.
	#[pallet::storage]
	pub type ReportedOffences<T> = StorageMap<_, Identity, [u8; 32], SessionIndex>;

	/// Everything ever slashed into the treasury.
	#[pallet::storage]
	pub type TotalSlashed<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// One hour of 2-second blocks.
	#[pallet::type_value]
	pub fn DefaultSessionLength<T: Config>() -> BlockNumberFor<T> {
		1_800u32.into()
	}

	/// A week of one-hour sessions.
	#[pallet::type_value]
	pub fn DefaultBondingSessions() -> SessionIndex {
		168
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Validators at genesis: (stash, bond, worker key). Each is bonded and validates with no
		/// commission; its session keys come from pallet-session's genesis.
		pub validators: alloc::vec::Vec<(T::AccountId, BalanceOf<T>, T::AccountId)>,
		/// Blocks per session; the default (one hour) when `None`.
		pub session_length: Option<BlockNumberFor<T>>,
		/// Sessions an unbonded chunk waits; the default (a week of hours) when `None`.
		pub bonding_sessions: Option<SessionIndex>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// A chain spec that breaks the pallet's rules must not produce a chain: stop, naming the error.
			if let Err(error) =
				Pallet::<T>::do_build_genesis(self.session_length, self.bonding_sessions, &self.validators)
			{
				panic!("invalid validator-staking genesis: {error:?}");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account bonded `amount` (first bond or extra).
		Bonded { stash: T::AccountId, amount: BalanceOf<T> },
		/// `amount` left the active bond; it can be withdrawn from `unlock_session`.
		Unbonded { stash: T::AccountId, amount: BalanceOf<T>, unlock_session: SessionIndex },
		/// Unlocked funds were released to the free balance.
		Withdrawn { stash: T::AccountId, amount: BalanceOf<T> },
		/// An account became (or updated its terms as) a validator candidate.
		Validating { stash: T::AccountId, commission: Perbill, worker: T::AccountId },
		/// A candidate left the candidate list.
		Chilled { stash: T::AccountId },
		/// Part of a validator's bond moved to the treasury.
		Slashed { stash: T::AccountId, amount: BalanceOf<T>, reason: openledger_primitives::staking::SlashReason },
		/// A slashed validator was disabled: it is drawn for no more work and produces no more blocks until it
		/// validates again or leaves the set.
		Disabled { stash: T::AccountId },
		/// The validators for `session` were elected.
		ValidatorsElected { session: SessionIndex, validators: alloc::vec::Vec<T::AccountId> },
		/// Root changed the bonding period.
		BondingSessionsSet { bonding_sessions: SessionIndex },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has already bonded; use `bond_extra`.
		AlreadyBonded,
		/// The account has nothing bonded.
		NotBonded,
		/// The bond would be below `MinBond`.
		BondBelowMinimum,
		/// A zero amount.
		ZeroAmount,
		/// Free balance does not cover the bond.
		InsufficientBalance,
		/// Cannot unbond more than the active bond.
		UnbondExceedsActive,
		/// Unbonding would leave an active bond above zero but below `MinBond`.
		WouldLeaveDust,
		/// `MaxUnlockingChunks` chunks are unlocking; withdraw or wait for a later session.
		TooManyUnlockingChunks,
		/// No unlocking chunk has reached its session.
		NothingToWithdraw,
		/// Register session keys with `session.setKeys` first.
		NoSessionKeys,
		/// The active bond is below `MinValidatorBond`.
		BondBelowValidatorMinimum,
		/// Another validator registered this worker key.
		WorkerKeyInUse,
		/// `MaxCandidates` accounts are candidates already.
		TooManyCandidates,
		/// The account is not a candidate.
		NotValidating,
		/// A session length or bonding period of zero.
		InvalidSessionParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Bonds `value` of the signer's free balance (at least `MinBond`).
		///
		/// # Errors
		/// [`Error::AlreadyBonded`], [`Error::BondBelowMinimum`], [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_bond(stash, value)
		}

		/// Adds `value` to the signer's active bond.
		///
		/// # Errors
		/// [`Error::NotBonded`], [`Error::ZeroAmount`], [`Error::InsufficientBalance`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_bond_extra(stash, value)
		}

		/// Starts unbonding `value`: it can be withdrawn `BondingSessions` sessions from now and stays
		/// slashable until then. A candidate left below `MinValidatorBond` is chilled.
		///
		/// # Errors
		/// [`Error::NotBonded`], [`Error::ZeroAmount`], [`Error::UnbondExceedsActive`],
		/// [`Error::WouldLeaveDust`], [`Error::TooManyUnlockingChunks`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_unbond(stash, value)
		}

		/// Releases every unlocked chunk to the free balance; an emptied ledger is removed.
		///
		/// # Errors
		/// [`Error::NotBonded`], [`Error::NothingToWithdraw`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnlockingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(stash)
		}

		/// Becomes a validator candidate (or updates its terms): `commission`, and the `worker` key its
		/// attribution worker signs proofs with. Session keys must be registered and the active bond at
		/// least `MinValidatorBond`; it is elected from the next election on.
		///
		/// # Errors
		/// [`Error::NotBonded`], [`Error::BondBelowValidatorMinimum`], [`Error::NoSessionKeys`],
		/// [`Error::WorkerKeyInUse`], [`Error::TooManyCandidates`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::validate())]
		pub fn validate(origin: OriginFor<T>, commission: Perbill, worker: T::AccountId) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_validate(stash, commission, worker)
		}

		/// Leaves the candidate list: not elected from the next election on.
		///
		/// # Errors
		/// [`Error::NotValidating`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::chill())]
		pub fn chill(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_chill(stash)
		}

		/// Sets the bonding period (sessions) (`AdminOrigin`). The session length is set at genesis only: it is
		/// BABE's epoch length, which block producers fix when the chain starts.
		///
		/// # Errors
		/// [`Error::InvalidSessionParams`] for fewer than [`MIN_BONDING_SESSIONS`] sessions.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_bonding_sessions())]
		pub fn set_bonding_sessions(origin: OriginFor<T>, bonding_sessions: SessionIndex) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_bonding_sessions(bonding_sessions)
		}

		/// Slashes `fraction` of `validator`'s active and unbonding bond into the treasury and chills it.
		/// `AdminOrigin` only: governance's answer to what the chain cannot prove by itself (an equivocation seen
		/// off chain, say).
		///
		/// # Errors
		/// [`Error::NotBonded`] when `validator` has nothing bonded.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::force_slash(T::MaxUnlockingChunks::get()))]
		pub fn force_slash(origin: OriginFor<T>, validator: T::AccountId, fraction: Perbill) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(Ledgers::<T>::contains_key(&validator), Error::<T>::NotBonded);
			Self::do_slash(&validator, fraction, openledger_primitives::staking::SlashReason::Governance);
			Ok(())
		}
	}
}
