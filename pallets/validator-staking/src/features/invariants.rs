//! Invariants checked by `try_state` and the tests.

use alloc::collections::BTreeSet;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::InspectHold, Get},
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks that every ledger is exactly what is held for staking, that candidates are bonded enough and
	/// own their worker keys, that worker keys map both ways, that the sets are within bounds, and that every
	/// disabled validator serves the current or the queued set.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let (active, queued) = (ActiveValidators::<T>::get(), QueuedValidators::<T>::get());
		ensure!(
			Disabled::<T>::get().iter().all(|v| active.contains(v) || queued.contains(v)),
			"a disabled validator serves neither the current nor the queued set"
		);
		for (stash, ledger) in Ledgers::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::Staking.into(), &stash);
			ensure!(held == ledger.total(), "held balance differs from the ledger");
		}
		let mut candidates = 0u32;
		for (stash, prefs) in Candidates::<T>::iter() {
			candidates = candidates.saturating_add(1);
			let ledger = Ledgers::<T>::get(&stash).ok_or("a candidate has no ledger")?;
			ensure!(ledger.active >= T::MinValidatorBond::get(), "a candidate is below the validator minimum");
			ensure!(Workers::<T>::get(&stash) == Some(prefs.worker), "a candidate's worker key is out of sync");
		}
		ensure!(candidates == Candidates::<T>::count(), "candidate count out of sync");
		ensure!(candidates <= T::MaxCandidates::get(), "too many candidates");
		let mut workers = BTreeSet::new();
		for (stash, worker) in Workers::<T>::iter() {
			ensure!(Ledgers::<T>::contains_key(&stash), "a worker key outlived its validator's ledger");
			ensure!(WorkerOwners::<T>::get(&worker) == Some(stash), "worker key maps are not inverse");
			ensure!(workers.insert(worker), "a worker key is registered twice");
		}
		ensure!(WorkerOwners::<T>::iter().count() == workers.len(), "a stale worker owner");
		ensure!(PlannedValidators::<T>::iter().count() <= 2, "more than two planned sets");
		Ok(())
	}
}
