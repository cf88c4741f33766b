//! # DataNets
//!
//! A DataNet is a curated collection of datasets on one subject. Its owner sets a policy (allowed
//! licences, largest dataset, most datasets, the deposit a proposer locks) and appoints curators.
//! Contributors propose datasets they registered in `pallet-datasets`; curators approve or reject.
//!
//! Every approval or removal makes a new **version** whose root is the Merkle root of the member datasets'
//! content hashes, sorted (`content::version_root`). The history of versions and of who was a member of
//! which version is kept, so a model can be trained on, and credit, an exact version.
//!
//! Exact duplicates cannot exist (the registry refuses a content hash twice). Near duplicates — MinHash
//! similarity above [`Config::NearDuplicateThreshold`] to a member — are refused at proposal and at
//! approval. The check looks only at members sharing an LSH band with the candidate, so it costs
//! O(bands × bucket size), never O(members).

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

// FRAME's macros expand to `expect` calls and long generated signatures inside this module; the logic in
// `features/` stays under the workspace's deny lints.
#[allow(clippy::expect_used, clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::{
		dataset::{DailyContribution, DataNetId, DatasetId, DatasetRegistry, VersionInfo, VersionNumber},
		validation::{ValidationJobId, ValidationJobs},
	};
	use sp_core::H256;
	use sp_runtime::Permill;

	/// The layout of this pallet's storage; a change to it comes with a `VersionedMigration` in the runtime's
	/// `Migrations` (docs/BUILD.md, "Runtime upgrades").
	const STORAGE_VERSION: frame_support::traits::StorageVersion = frame_support::traits::StorageVersion::new(2);

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

		/// The dataset registry.
		type Datasets: DatasetRegistry<Self::AccountId>;

		/// Deposit held from a DataNet's owner while it is open.
		#[pallet::constant]
		type DataNetDeposit: Get<BalanceOf<Self>>;

		/// Longest name.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Longest metadata.
		#[pallet::constant]
		type MaxMetadataLen: Get<u32>;

		/// Most curators per DataNet (the owner included).
		#[pallet::constant]
		type MaxCurators: Get<u32>;

		/// Most licences a policy may allow.
		#[pallet::constant]
		type MaxLicences: Get<u32>;

		/// Most datasets a DataNet may hold; a policy's `max_datasets` may not exceed it.
		#[pallet::constant]
		type MaxDatasets: Get<u32>;

		/// Most members sharing one LSH bucket; a further near-identical band is refused.
		#[pallet::constant]
		type MaxBucketLen: Get<u32>;

		/// Estimated Jaccard similarity above which a dataset counts as a near duplicate of a member.
		#[pallet::constant]
		type NearDuplicateThreshold: Get<Permill>;

		/// Blocks per day, the period of a policy's per-account daily limits.
		#[pallet::constant]
		type DayLength: Get<u32>;

		/// Validation committees: a proposal to a DataNet whose policy validates opens a job there.
		type Validation: ValidationJobs<Self::AccountId, BalanceOf<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Held from a DataNet's owner while the DataNet is open.
		DataNetDeposit,
		/// Held from a proposer while the proposal is open.
		ContributionDeposit,
	}

	/// The id the next DataNet gets.
	#[pallet::storage]
	pub type NextDataNetId<T> = StorageValue<_, DataNetId, ValueQuery>;

	/// DataNets.
	#[pallet::storage]
	pub type DataNets<T: Config> = StorageMap<_, Blake2_128Concat, DataNetId, DataNetOf<T>>;

	/// Current members of each DataNet as (content hash, dataset), sorted by content hash.
	#[pallet::storage]
	pub type Members<T: Config> =
		StorageMap<_, Blake2_128Concat, DataNetId, BoundedVec<(H256, DatasetId), T::MaxDatasets>, ValueQuery>;

	/// Every version of every DataNet.
	#[pallet::storage]
	pub type Versions<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, DataNetId, Twox64Concat, VersionNumber, VersionInfo<BlockNumberFor<T>>>;

	/// The version since which each current member has been in its DataNet.
	#[pallet::storage]
	pub type MemberSince<T> = StorageDoubleMap<_, Blake2_128Concat, DataNetId, Twox64Concat, DatasetId, VersionNumber>;

	/// Membership history: (DataNet, dataset, first version it is in) → its content hash and the first
	/// version it is no longer in. Any version's members and root can be recomputed from these spans.
	#[pallet::storage]
	pub type MembershipSpans<T> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, DataNetId>,
			NMapKey<Twox64Concat, DatasetId>,
			NMapKey<Twox64Concat, VersionNumber>,
		),
		MemberSpan,
	>;

	/// What each account proposed to each DataNet on the last day it proposed there: the count the policy's daily
	/// limits apply to. A record of an earlier day counts nothing and is overwritten by the next proposal.
	#[pallet::storage]
	pub type DailyContributions<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, DataNetId, Blake2_128Concat, T::AccountId, DailyContribution>;

	/// Open proposals.
	#[pallet::storage]
	pub type Proposals<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, DataNetId, Twox64Concat, DatasetId, ProposalOf<T>>;

	/// LSH buckets of current members: ((DataNet, band), band key) → members with that band.
	#[pallet::storage]
	pub type LshBuckets<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		(DataNetId, u32),
		Identity,
		u64,
		BoundedVec<DatasetId, T::MaxBucketLen>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A DataNet was created (version 0, empty).
		DataNetCreated { datanet: DataNetId, owner: T::AccountId, root: H256 },
		/// A curator was appointed.
		CuratorAdded { datanet: DataNetId, curator: T::AccountId },
		/// A curator was dismissed.
		CuratorRemoved { datanet: DataNetId, curator: T::AccountId },
		/// A dataset was proposed.
		DatasetProposed { datanet: DataNetId, dataset: DatasetId, proposer: T::AccountId },
		/// A proposal was approved; the DataNet moved to a new version.
		DatasetApproved { datanet: DataNetId, dataset: DatasetId, curator: T::AccountId },
		/// A proposal was rejected with a reason code.
		DatasetRejected { datanet: DataNetId, dataset: DatasetId, curator: T::AccountId, reason: u8 },
		/// A proposal was withdrawn by its proposer.
		ProposalWithdrawn { datanet: DataNetId, dataset: DatasetId },
		/// A member dataset was removed; the DataNet moved to a new version.
		DatasetRemoved { datanet: DataNetId, dataset: DatasetId },
		/// A new version was made.
		VersionCreated { datanet: DataNetId, version: VersionNumber, root: H256, dataset_count: u32 },
		/// The DataNet was closed and its deposit released.
		DataNetClosed { datanet: DataNetId },
		/// A curator set (or, with `None`, removed) how proposals are validated; open proposals keep theirs.
		ValidationPolicySet { datanet: DataNetId, curator: T::AccountId, policy: Option<ValidationPolicyOf<T>> },
		/// A proposal's validation committee closed: its agreed `score` (0–100), or `None` without agreement.
		ProposalValidated { datanet: DataNetId, dataset: DatasetId, job: ValidationJobId, score: Option<u8> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No DataNet has this id.
		UnknownDataNet,
		/// No dataset has this id.
		UnknownDataset,
		/// Only the DataNet's owner may do this.
		NotOwner,
		/// Only a curator may do this.
		NotCurator,
		/// The account is already a curator.
		AlreadyCurator,
		/// The DataNet has `MaxCurators` curators.
		TooManyCurators,
		/// The owner is always a curator.
		CannotRemoveOwner,
		/// The policy's `max_datasets` is zero or above `MaxDatasets`.
		InvalidPolicy,
		/// The name is empty.
		EmptyName,
		/// The DataNet is closed.
		DataNetClosed,
		/// Only the dataset's owner may propose it.
		NotDatasetOwner,
		/// Some of the dataset's content has not been uploaded yet.
		DatasetNotAvailable,
		/// The policy does not allow the dataset's licence.
		LicenceNotAllowed,
		/// The dataset is larger than the policy allows.
		DatasetTooLarge,
		/// The dataset is already a member.
		AlreadyMember,
		/// The dataset is already proposed.
		AlreadyProposed,
		/// No open proposal for this dataset.
		UnknownProposal,
		/// Only the proposer may withdraw.
		NotProposer,
		/// The dataset is not a member.
		NotMember,
		/// The DataNet holds `max_datasets` datasets.
		DataNetFull,
		/// A member is too similar (MinHash) to the dataset.
		NearDuplicate,
		/// Too many members share an LSH band with the dataset.
		BucketFull,
		/// Open proposals must be decided or withdrawn before closing.
		HasOpenProposals,
		/// Free balance does not cover the deposit.
		InsufficientBalance,
		/// A counter would overflow.
		Overflow,
		/// The account has made the DataNet's `max_proposals_per_day` proposals today.
		DailyProposalLimitReached,
		/// The dataset would take the account over the DataNet's `max_bytes_per_day` today.
		DailyByteLimitReached,
		/// The validation policy's `min_score` is above 100, or it requires fields of plain text.
		InvalidValidationPolicy,
		/// The probe set is not a registered dataset whose content can be fetched.
		InvalidProbeSet,
		/// The proposal's validation committee has not decided yet.
		ValidationPending,
		/// The committee did not agree on a score, and the DataNet requires one.
		NotValidated,
		/// The proposal scored below the DataNet's `min_score`.
		ScoreTooLow,
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
		/// Creates a DataNet owned (and curated) by the signer, holding `DataNetDeposit`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create())]
		pub fn create(
			origin: OriginFor<T>,
			name: BoundedVec<u8, T::MaxNameLen>,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
			policy: PolicyOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create(owner, name, metadata, policy).map(|_| ())
		}

		/// Appoints a curator (owner only).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::add_curator())]
		pub fn add_curator(origin: OriginFor<T>, datanet: DataNetId, curator: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_curator(who, datanet, curator)
		}

		/// Dismisses a curator (owner only; the owner stays a curator).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_curator())]
		pub fn remove_curator(origin: OriginFor<T>, datanet: DataNetId, curator: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_curator(who, datanet, curator)
		}

		/// Proposes a dataset the signer owns, holding the policy's contribution deposit.
		#[pallet::call_index(3)]
		// Plus opening the validation job, as the validation pallet measured it.
		#[pallet::weight(T::WeightInfo::propose().saturating_add(T::Validation::open_weight()))]
		pub fn propose(origin: OriginFor<T>, datanet: DataNetId, dataset: DatasetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_propose(who, datanet, dataset)
		}

		/// Approves a proposal (curators): the dataset joins and a new version is made. On a DataNet that validates,
		/// the proposal must have a score of at least the policy's `min_score` (or, with `min_score` 0, a decided
		/// validation).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::approve(T::MaxDatasets::get()))]
		pub fn approve(origin: OriginFor<T>, datanet: DataNetId, dataset: DatasetId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let members = Self::do_approve(who, datanet, dataset)?;
			Ok(Some(T::WeightInfo::approve(members)).into())
		}

		/// Rejects a proposal with a reason code (curators); the deposit returns to the proposer.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reject())]
		pub fn reject(origin: OriginFor<T>, datanet: DataNetId, dataset: DatasetId, reason: u8) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reject(who, datanet, dataset, reason)
		}

		/// Withdraws the signer's own proposal; the deposit returns.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, datanet: DataNetId, dataset: DatasetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who, datanet, dataset)
		}

		/// Removes a member (a curator, or the dataset's owner): a new version is made.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove_dataset(T::MaxDatasets::get()))]
		pub fn remove_dataset(origin: OriginFor<T>, datanet: DataNetId, dataset: DatasetId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let members = Self::do_remove_dataset(who, datanet, dataset)?;
			Ok(Some(T::WeightInfo::remove_dataset(members)).into())
		}

		/// Closes the DataNet (owner, no open proposals): no more proposals, deposit released, versions
		/// kept for the models trained on them.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::close())]
		pub fn close(origin: OriginFor<T>, datanet: DataNetId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_close(who, datanet)
		}

		/// Sets how proposals are validated (any curator; `None`: not at all). Proposals already open keep the
		/// validation they were opened with; the approval gate uses the policy in force when approving.
		///
		/// # Errors
		/// [`Error::UnknownDataNet`], [`Error::NotCurator`], [`Error::InvalidValidationPolicy`],
		/// [`Error::InvalidProbeSet`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_validation())]
		pub fn set_validation(
			origin: OriginFor<T>,
			datanet: DataNetId,
			policy: Option<ValidationPolicyOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_validation(who, datanet, policy)
		}
	}
}
