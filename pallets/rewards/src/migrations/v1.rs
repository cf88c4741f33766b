//! Storage version 0 → 1: validators are paid per answer, not from a pool shared at the end of each session.
//!
//! The `ValidatorPool` of version 0 held the validators' part of the fees since the last session ended. Who
//! earned it is not recorded, so it cannot be paid by the new rule; the migration moves it to the treasury
//! (governance can pay it out from there) and removes the pool.

use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	storage_alias,
	traits::{
		fungible::Mutate,
		tokens::Preservation,
		Get, UncheckedOnRuntimeUpgrade,
	},
};

use crate::*;

/// The storage of version 0 that version 1 removes.
pub mod v0 {
	use super::*;

	#[storage_alias]
	pub type ValidatorPool<T: Config> = StorageValue<Pallet<T>, BalanceOf<T>, ValueQuery>;
}

/// The migration, without the version check: use [`MigrateV0ToV1`].
pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
	fn on_runtime_upgrade() -> Weight {
		let pool = v0::ValidatorPool::<T>::take();
		if pool != BalanceOf::<T>::default() {
			// The rewards account holds the pool above its existential deposit (version 0's `try_state`).
			let moved = T::Currency::transfer(&Pallet::<T>::account_id(), &T::Treasury::get(), pool, Preservation::Preserve);
			if moved.is_ok() {
				Pallet::<T>::deposit_event(Event::PoolRetired { amount: pool });
			}
		}
		T::DbWeight::get().reads_writes(3, 3)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok(alloc::vec::Vec::new())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		ensure!(!v0::ValidatorPool::<T>::exists(), "the validator pool is still there");
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 0 → 1, run once (checked against the on-chain storage version).
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	UncheckedMigrateV0ToV1<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
