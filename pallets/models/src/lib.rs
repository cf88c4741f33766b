//! # Models
//!
//! The registry of the models that answer questions on the chain. A model names its **base model** (hash of
//! the weights), an optional **LoRA adapter** (hash), and a **manifest**: the DataNet version it was trained
//! on or retrieves from, the datasets of that version it uses, and hashes of its hyper-parameters and of the
//! per-dataset influence vectors. Validators use the manifest to recompute an answer's attribution; the
//! attribution pallet accepts credit only for the manifest's datasets.
//!
//! Registering holds `ModelDeposit` from the owner; the owner may change the fee per inference and retire the
//! model, which releases the deposit and stops new requests (the record stays, for the answers it gave).

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
pub trait BenchmarkHelper {
	/// Makes a DataNet version with `datasets` members; returns its DataNet, version and member ids.
	fn version_with(
		datasets: u32,
	) -> (
		openledger_primitives::dataset::DataNetId,
		openledger_primitives::dataset::VersionNumber,
		alloc::vec::Vec<openledger_primitives::dataset::DatasetId>,
	);
}

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::dataset::DataNetVersions;
	use sp_core::H256;

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are held in and fees are priced in.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::Inspect<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// DataNet versions and their members.
		type DataNets: DataNetVersions;

		/// Held from a model's owner while it is active.
		#[pallet::constant]
		type ModelDeposit: Get<BalanceOf<Self>>;

		/// The lowest fee per inference a model may charge: every answer costs validators a generation and a
		/// committee's recomputations, which a fee of (nearly) nothing would make free to demand.
		#[pallet::constant]
		type MinFee: Get<BalanceOf<Self>>;

		/// Most datasets a manifest may list.
		#[pallet::constant]
		type MaxDatasets: Get<u32>;

		/// Longest metadata.
		#[pallet::constant]
		type MaxMetadataLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up DataNet versions for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Held from a model's owner while the model is active.
		ModelDeposit,
	}

	/// The id the next model gets.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// Registered models.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, Model<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered.
		ModelRegistered {
			model: ModelId,
			owner: T::AccountId,
			datanet: openledger_primitives::dataset::DataNetId,
			version: openledger_primitives::dataset::VersionNumber,
		},
		/// A model's fee per inference changed.
		FeeChanged { model: ModelId, fee: BalanceOf<T> },
		/// A model was retired and its deposit released.
		ModelRetired { model: ModelId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// Only the model's owner may do this.
		NotOwner,
		/// The model is retired.
		ModelRetired,
		/// The manifest's DataNet version does not exist.
		UnknownDataNetVersion,
		/// A manifest dataset is not a member of the DataNet version.
		DatasetNotInVersion,
		/// The manifest lists no dataset.
		NoDatasets,
		/// The manifest's datasets are not in ascending order without repeats.
		DatasetsNotSorted,
		/// Free balance does not cover the deposit.
		InsufficientBalance,
		/// The model id counter would overflow.
		Overflow,
		/// The fee per inference is below `MinFee`.
		FeeTooLow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Every fee is at least the existential deposit, so a refunded fee can always reach its requester,
		/// even one whose account was reaped meanwhile: no refund is ever stranded in the escrow as dust.
		fn integrity_test() {
			use frame_support::traits::fungible::Inspect;
			assert!(
				T::MinFee::get() >= T::Currency::minimum_balance(),
				"MinFee must be at least the existential deposit (a refund below it could not reach a reaped account)"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a model owned by the signer, holding `ModelDeposit`.
		///
		/// # Errors
		/// [`Error::NoDatasets`], [`Error::DatasetsNotSorted`], [`Error::UnknownDataNetVersion`],
		/// [`Error::DatasetNotInVersion`], [`Error::FeeTooLow`], [`Error::InsufficientBalance`], [`Error::Overflow`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(manifest.datasets.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			base_model: H256,
			adapter: Option<H256>,
			manifest: Manifest<T>,
			fee: BalanceOf<T>,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register(owner, base_model, adapter, manifest, fee, metadata).map(|_| ())
		}

		/// Changes the fee per inference (owner, active models).
		///
		/// # Errors
		/// [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::ModelRetired`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_fee())]
		pub fn set_fee(origin: OriginFor<T>, model: ModelId, fee: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_fee(who, model, fee)
		}

		/// Retires the model (owner): no new requests; the deposit is released.
		///
		/// # Errors
		/// [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::ModelRetired`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire(who, model)
		}
	}
}
