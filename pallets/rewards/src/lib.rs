//! # Rewards
//!
//! Every accepted answer's fee becomes OPEN its contributors can claim. The attribution pallet hands the fee
//! over through [`AnswerPayout`](openledger_primitives::rewards::AnswerPayout); this pallet splits it by the
//! [`FeeSplit`] root sets (treasury, model owner, validators, data contributors), credits each credited
//! dataset's owner by its attribution weight, credits the validators' part to the validators who did the
//! answer's work (the server and the committee members whose reveals agreed, by their shares), and sends
//! every rounding remainder to the treasury. Crediting costs O(weights + validators) — never a loop over
//! contributors or datasets.
//!
//! Owners `claim` everything pending in one call. The pallet's account always holds exactly what is pending
//! plus its existential deposit (`try_state`, property test).

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
pub trait BenchmarkHelper<AccountId> {
	/// Registers a dataset owned by `owner`, distinct for each `seed`; returns its id.
	fn register_dataset(owner: &AccountId, seed: u32) -> openledger_primitives::dataset::DatasetId;
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
		dataset::{DataNetId, DatasetId, DatasetRegistry},
	};

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN.
		type Currency: fungible::Mutate<Self::AccountId>;

		/// Who owns each dataset.
		type Datasets: DatasetRegistry<Self::AccountId>;

		/// This pallet's account id: it holds what is pending.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The protocol treasury: its share and every rounding remainder.
		type Treasury: Get<Self::AccountId>;

		/// Most datasets one answer's attribution may credit (the attribution pallet's bound).
		#[pallet::constant]
		type MaxWeights: Get<u32>;

		/// Who may change the pallet's parameters: root, or governance (the runtime's council by two thirds).
		type AdminOrigin: frame_support::traits::EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Registers datasets for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// How fees are shared.
	#[pallet::storage]
	pub type Split<T> = StorageValue<_, FeeSplit, ValueQuery>;

	/// OPEN each account can claim.
	#[pallet::storage]
	pub type Pending<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// OPEN each account has claimed over its lifetime.
	#[pallet::storage]
	pub type Claimed<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// What each dataset has earned, and in how many answers.
	#[pallet::storage]
	pub type DatasetEarnings<T: Config> =
		StorageMap<_, Blake2_128Concat, DatasetId, Earnings<BalanceOf<T>>, ValueQuery>;

	/// What each DataNet's datasets have earned together, and in how many answers.
	#[pallet::storage]
	pub type DataNetEarnings<T: Config> =
		StorageMap<_, Blake2_128Concat, DataNetId, Earnings<BalanceOf<T>>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The fee split; [`FeeSplit::default`] when `None`.
		pub split: Option<FeeSplit>,
		#[serde(skip)]
		pub _phantom: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let split = self.split.unwrap_or_default();
			assert!(split.is_valid(), "the genesis fee split must sum to 10 000 basis points");
			Split::<T>::put(split);
			Pallet::<T>::ensure_accounts_exist();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An accepted answer's fee was shared out.
		AnswerPaid {
			datanet: DataNetId,
			fee: BalanceOf<T>,
			contributors: BalanceOf<T>,
			model_owner: BalanceOf<T>,
			validators: BalanceOf<T>,
			treasury: BalanceOf<T>,
		},
		/// A dataset's owner was credited.
		DatasetCredited { dataset: DatasetId, owner: T::AccountId, amount: BalanceOf<T> },
		/// A credited dataset no longer exists (retired while its answer waited): its share went to the treasury.
		ShareForfeited { dataset: DatasetId, amount: BalanceOf<T> },
		/// A validator was credited its share of an answer's validators' part, for the work it did on it.
		ValidatorCredited { validator: T::AccountId, amount: BalanceOf<T> },
		/// The storage migration to version 1 moved the retired validator pool to the treasury.
		PoolRetired { amount: BalanceOf<T> },
		/// An account claimed its pending OPEN.
		Claimed { who: T::AccountId, amount: BalanceOf<T> },
		/// Root changed the fee split.
		SplitSet { split: FeeSplit },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Nothing is pending for this account.
		NothingToClaim,
		/// The split does not sum to 10 000 basis points.
		InvalidSplit,
		/// The payer cannot pay the fee.
		InsufficientBalance,
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
		/// Moves everything pending for the signer to its free balance. With nothing pending it fails with
		/// [`Error::NothingToClaim`] and is charged only the base fee.
		///
		/// # Errors
		/// [`Error::NothingToClaim`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_claim(who)
		}

		/// Sets the fee split (`AdminOrigin`).
		///
		/// # Errors
		/// [`Error::InvalidSplit`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_split())]
		pub fn set_split(origin: OriginFor<T>, split: FeeSplit) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_split(split)
		}
	}
}
