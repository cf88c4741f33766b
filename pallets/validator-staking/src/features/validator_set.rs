//! The validator set and worker keys, as other pallets see them.

use alloc::vec::Vec;
use openledger_primitives::staking::{SessionIndex, ValidatorSet};
use sp_runtime::Perbill;

use crate::*;

impl<T: Config> ValidatorSet<T::AccountId> for Pallet<T> {
	fn current_session() -> SessionIndex {
		CurrentSession::<T>::get()
	}

	/// The current session's validators, without those disabled since (slashed).
	fn active_validators() -> Vec<T::AccountId> {
		let disabled = Disabled::<T>::get();
		ActiveValidators::<T>::get().into_iter().filter(|v| !disabled.contains(v)).collect()
	}

	fn worker_of(validator: &T::AccountId) -> Option<T::AccountId> {
		Workers::<T>::get(validator)
	}

	fn validator_of(worker: &T::AccountId) -> Option<T::AccountId> {
		WorkerOwners::<T>::get(worker)
	}

	fn commission_of(validator: &T::AccountId) -> Perbill {
		Candidates::<T>::get(validator).map(|prefs| prefs.commission).unwrap_or_default()
	}
}
