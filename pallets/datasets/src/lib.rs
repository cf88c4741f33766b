//! # Datasets
//!
//! Registers datasets: who owns them, what their content is (a Merkle root over fixed-size pieces), how big
//! they are, under which licence, a MinHash sketch for near-duplicate checks, and where the bytes live.
//!
//! Inline content is uploaded piece by piece with [`Pallet::upload_piece`]; each piece is checked against
//! the piece hashes given at registration and stored as *indexed transaction data* — in block bodies, not in
//! state — so any node can serve it by hash (`datanets_datasetPiece`). Larger datasets are registered
//! with a URI; workers fetch them and check the content hash.
//!
//! The owner holds a deposit ([`HoldReason::DatasetDeposit`]) that grows with the bytes of state the record
//! occupies; it is released when the dataset is retired. A dataset referenced by a DataNet (proposed or
//! approved) cannot be retired.
//!
//! Layout follows pallet-nfts: declarations here, logic in `features/` (one file per capability).

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

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::dataset::{DatasetId, Licence, Sketch};
	use sp_core::H256;

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are held in.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::Inspect<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Deposit held for any dataset, whatever its size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// Deposit held per byte of state a dataset occupies (its record and piece hashes).
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// Longest URI.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;

		/// Longest metadata.
		#[pallet::constant]
		type MaxMetadataLen: Get<u32>;

		/// Most pieces an inline dataset may have (each `content::PIECE_SIZE` bytes).
		#[pallet::constant]
		type MaxPieces: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Pays for the state a registered dataset occupies.
		DatasetDeposit,
	}

	/// The id the next registered dataset gets.
	#[pallet::storage]
	pub type NextDatasetId<T> = StorageValue<_, DatasetId, ValueQuery>;

	/// Registered datasets.
	#[pallet::storage]
	pub type Datasets<T: Config> = StorageMap<_, Blake2_128Concat, DatasetId, DatasetOf<T>>;

	/// Content hash → dataset: no content is registered twice.
	#[pallet::storage]
	pub type DatasetByContent<T> = StorageMap<_, Identity, H256, DatasetId>;

	/// Piece hashes of inline datasets, in order.
	#[pallet::storage]
	pub type PieceHashes<T: Config> = StorageMap<_, Blake2_128Concat, DatasetId, BoundedVec<H256, T::MaxPieces>>;

	/// Pieces of inline datasets already uploaded.
	#[pallet::storage]
	pub type UploadedPieces<T> = StorageDoubleMap<_, Blake2_128Concat, DatasetId, Twox64Concat, u32, ()>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A dataset was registered.
		DatasetRegistered { dataset: DatasetId, owner: T::AccountId, content_hash: H256, bytes: u64, deposit: BalanceOf<T> },
		/// A piece of an inline dataset was uploaded and indexed.
		PieceUploaded { dataset: DatasetId, index: u32, piece_hash: H256 },
		/// Every byte of the dataset can now be fetched.
		DatasetAvailable { dataset: DatasetId },
		/// A dataset's metadata changed; the deposit followed its size.
		MetadataUpdated { dataset: DatasetId, deposit: BalanceOf<T> },
		/// A dataset was retired and its deposit released.
		DatasetRetired { dataset: DatasetId, owner: T::AccountId, released: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No dataset has this id.
		UnknownDataset,
		/// Only the dataset's owner may do this.
		NotOwner,
		/// A dataset with this content hash is already registered.
		DuplicateContent,
		/// A dataset must have at least one row and one byte.
		EmptyDataset,
		/// The sketch must have exactly `SKETCH_LEN` values.
		InvalidSketch,
		/// The number of piece hashes does not match the byte size.
		PieceCountMismatch,
		/// The piece hashes' Merkle root is not the content hash.
		ContentHashMismatch,
		/// More pieces than `MaxPieces`.
		TooManyPieces,
		/// The dataset is hosted at a URI; there is nothing to upload.
		NotInline,
		/// The dataset has no piece with this index.
		PieceOutOfRange,
		/// This piece was already uploaded.
		PieceAlreadyUploaded,
		/// The piece's length is not what the dataset's size requires.
		PieceLengthMismatch,
		/// The piece's hash is not the registered piece hash.
		PieceHashMismatch,
		/// The URI is empty.
		EmptyUri,
		/// Free balance does not cover the deposit.
		InsufficientBalance,
		/// A DataNet references the dataset; remove it there first.
		DatasetInUse,
		/// A piece upload outside of an extrinsic.
		NoExtrinsicIndex,
		/// A reference count would overflow or underflow.
		ReferenceCountOverflow,
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
		/// Registers a dataset owned by the signer and holds its deposit.
		///
		/// `source` is either the ordered piece hashes of inline content (whose Merkle root must be
		/// `content_hash`; upload the pieces with `upload_piece`) or a URI.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(source.piece_count()))]
		pub fn register(
			origin: OriginFor<T>,
			content_hash: H256,
			chunk_root: H256,
			rows: u64,
			bytes: u64,
			licence: Licence,
			sketch: Sketch,
			source: RegistrationSourceOf<T>,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register(owner, Registration { content_hash, chunk_root, rows, bytes, licence, sketch, source, metadata })
				.map(|_| ())
		}

		/// Uploads piece `index` of an inline dataset. Anyone may upload: the piece is checked against
		/// the registered piece hash. The bytes go to the block body as indexed transaction data.
		///
		/// `data` is the last argument on purpose: transaction indexing stores the extrinsic's tail.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::upload_piece(data.len() as u32))]
		pub fn upload_piece(
			origin: OriginFor<T>,
			dataset: DatasetId,
			index: u32,
			data: BoundedVec<u8, ConstU32<{ openledger_primitives::content::PIECE_SIZE }>>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_upload_piece(dataset, index, &data)
		}

		/// Replaces a dataset's metadata; the deposit is topped up or partly released to match.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_metadata())]
		pub fn update_metadata(
			origin: OriginFor<T>,
			dataset: DatasetId,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_metadata(who, dataset, metadata)
		}

		/// Retires a dataset no DataNet references: removes its record and releases the deposit.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::retire(T::MaxPieces::get()))]
		pub fn retire(origin: OriginFor<T>, dataset: DatasetId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let cleared = Self::do_retire(who, dataset)?;
			Ok(Some(T::WeightInfo::retire(cleared)).into())
		}
	}
}
