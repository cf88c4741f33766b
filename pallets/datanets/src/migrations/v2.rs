//! Storage version 1 → 2: a DataNet's policy gains `validation` (how proposals are validated), and a proposal
//! records the version it was proposed against and its validation. Every existing DataNet keeps what it
//! accepted — no validation — and every open proposal is `NotRequired`, judged by curators as before.

use frame_support::{migrations::VersionedMigration, pallet_prelude::*, storage_alias, traits::UncheckedOnRuntimeUpgrade};
use openledger_primitives::dataset::{DataNetId, DataNetPolicy, DataNetStatus, DatasetId, ProposalValidation, VersionNumber};

use crate::*;

/// The storage of version 1 that version 2 rewrites.
pub mod v1 {
	use super::*;
	use frame_system::pallet_prelude::BlockNumberFor;

	/// A policy of version 1: no validation.
	#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen, Debug)]
	pub struct Policy<Balance, Licences> {
		pub allowed_licences: Licences,
		pub max_dataset_bytes: u64,
		pub max_datasets: u32,
		pub contribution_deposit: Balance,
		pub max_proposals_per_day: u32,
		pub max_bytes_per_day: u64,
	}

	/// A DataNet of version 1 (with a version-1 policy).
	#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen, DebugNoBound)]
	#[scale_info(skip_type_params(T))]
	#[codec(mel_bound())]
	pub struct DataNet<T: Config> {
		pub owner: T::AccountId,
		pub name: BoundedVec<u8, T::MaxNameLen>,
		pub metadata: BoundedVec<u8, T::MaxMetadataLen>,
		pub policy: Policy<BalanceOf<T>, BoundedVec<openledger_primitives::dataset::Licence, T::MaxLicences>>,
		pub curators: BoundedVec<T::AccountId, T::MaxCurators>,
		pub status: DataNetStatus,
		pub deposit: BalanceOf<T>,
		pub version: VersionNumber,
		pub open_proposals: u32,
		pub created_at: BlockNumberFor<T>,
	}

	/// A proposal of version 1: no version, no validation.
	#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen, DebugNoBound)]
	#[scale_info(skip_type_params(T))]
	#[codec(mel_bound())]
	pub struct Proposal<T: Config> {
		pub proposer: T::AccountId,
		pub deposit: BalanceOf<T>,
		pub proposed_at: BlockNumberFor<T>,
	}

	#[storage_alias]
	pub type DataNets<T: Config> = StorageMap<Pallet<T>, Blake2_128Concat, DataNetId, DataNet<T>>;

	#[storage_alias]
	pub type Proposals<T: Config> =
		StorageDoubleMap<Pallet<T>, Blake2_128Concat, DataNetId, Twox64Concat, DatasetId, Proposal<T>>;

	impl<T: Config> DataNet<T> {
		/// The same DataNet in version 2: no validation.
		pub fn into_current(self) -> crate::DataNet<T> {
			crate::DataNet {
				owner: self.owner,
				name: self.name,
				metadata: self.metadata,
				policy: DataNetPolicy {
					allowed_licences: self.policy.allowed_licences,
					max_dataset_bytes: self.policy.max_dataset_bytes,
					max_datasets: self.policy.max_datasets,
					contribution_deposit: self.policy.contribution_deposit,
					max_proposals_per_day: self.policy.max_proposals_per_day,
					max_bytes_per_day: self.policy.max_bytes_per_day,
					validation: None,
				},
				curators: self.curators,
				status: self.status,
				deposit: self.deposit,
				version: self.version,
				open_proposals: self.open_proposals,
				created_at: self.created_at,
			}
		}
	}
}

/// The migration, without the version check: use [`MigrateV1ToV2`].
pub struct UncheckedMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut translated = 0u64;
		DataNets::<T>::translate::<v1::DataNet<T>, _>(|_, old| {
			translated = translated.saturating_add(1);
			Some(old.into_current())
		});
		// A proposal is validated against the version its DataNet had when it was proposed; for proposals
		// older than this record the latest version stands in (they are `NotRequired`, so nothing measures them).
		Proposals::<T>::translate::<v1::Proposal<T>, _>(|id, _, old| {
			translated = translated.saturating_add(2);
			let version = DataNets::<T>::get(id).map_or(0, |d| d.version);
			Some(crate::Proposal {
				proposer: old.proposer,
				deposit: old.deposit,
				proposed_at: old.proposed_at,
				version,
				validation: ProposalValidation::NotRequired,
			})
		});
		T::DbWeight::get().reads_writes(translated, translated)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok((v1::DataNets::<T>::iter_keys().count() as u64, v1::Proposals::<T>::iter_keys().count() as u64).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (datanets, proposals) =
			<(u64, u64)>::decode(&mut state.as_slice()).map_err(|_| "the pre-upgrade counts do not decode")?;
		ensure!(DataNets::<T>::iter().count() as u64 == datanets, "a DataNet was lost in translation");
		ensure!(Proposals::<T>::iter().count() as u64 == proposals, "a proposal was lost in translation");
		ensure!(DataNets::<T>::iter_values().all(|d| d.policy.validation.is_none()), "a migrated DataNet validates");
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 1 → 2, run once (checked against the on-chain storage version).
pub type MigrateV1ToV2<T> =
	VersionedMigration<1, 2, UncheckedMigrateV1ToV2<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
