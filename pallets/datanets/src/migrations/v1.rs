//! Storage version 0 → 1: a DataNet's policy gains per-account daily limits (`max_proposals_per_day`,
//! `max_bytes_per_day`). Every existing DataNet keeps what it accepted: both limits 0, "no limit".

use frame_support::{migrations::VersionedMigration, pallet_prelude::*, storage_alias, traits::UncheckedOnRuntimeUpgrade};
use openledger_primitives::dataset::{DataNetId, DataNetStatus, VersionNumber};

use crate::*;

/// The storage of version 0 that version 1 rewrites.
pub mod v0 {
	use super::*;
	use frame_system::pallet_prelude::BlockNumberFor;

	/// A policy of version 0: no daily limits.
	#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen, Debug)]
	pub struct Policy<Balance, Licences> {
		pub allowed_licences: Licences,
		pub max_dataset_bytes: u64,
		pub max_datasets: u32,
		pub contribution_deposit: Balance,
	}

	/// A DataNet of version 0 (with a version-0 policy).
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

	#[storage_alias]
	pub type DataNets<T: Config> = StorageMap<Pallet<T>, Blake2_128Concat, DataNetId, DataNet<T>>;

	impl<T: Config> DataNet<T> {
		/// The same DataNet in the current version (through version 1).
		pub fn into_current(self) -> crate::DataNet<T> {
			self.into_v1().into_current()
		}

		/// The same DataNet in version 1: no daily limits.
		pub fn into_v1(self) -> crate::migrations::v2::v1::DataNet<T> {
			crate::migrations::v2::v1::DataNet {
				owner: self.owner,
				name: self.name,
				metadata: self.metadata,
				policy: crate::migrations::v2::v1::Policy {
					allowed_licences: self.policy.allowed_licences,
					max_dataset_bytes: self.policy.max_dataset_bytes,
					max_datasets: self.policy.max_datasets,
					contribution_deposit: self.policy.contribution_deposit,
					max_proposals_per_day: 0,
					max_bytes_per_day: 0,
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

/// The migration, without the version check: use [`MigrateV0ToV1`].
pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut translated = 0u64;
		crate::migrations::v2::v1::DataNets::<T>::translate::<v0::DataNet<T>, _>(|_, old| {
			translated = translated.saturating_add(1);
			Some(old.into_v1())
		});
		T::DbWeight::get().reads_writes(translated, translated)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok((v0::DataNets::<T>::iter_keys().count() as u64).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = u64::decode(&mut state.as_slice()).map_err(|_| "the pre-upgrade count does not decode")?;
		let migrated = crate::migrations::v2::v1::DataNets::<T>::iter_values().collect::<alloc::vec::Vec<_>>();
		ensure!(migrated.len() as u64 == before, "a DataNet was lost in translation");
		ensure!(
			migrated.iter().all(|d| d.policy.max_proposals_per_day == 0 && d.policy.max_bytes_per_day == 0),
			"a migrated DataNet has a daily limit"
		);
		Ok(())
	}
}

/// Storage version 0 → 1, run once (checked against the on-chain storage version).
pub type MigrateV0ToV1<T> =
	VersionedMigration<0, 1, UncheckedMigrateV0ToV1<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
