//! Becoming a validator candidate and leaving the candidate list.

use frame_support::{pallet_prelude::*, traits::Contains};
use sp_runtime::Perbill;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Makes `stash` a candidate with `commission` and `worker`, or updates its terms.
	///
	/// # Errors
	/// - [`Error::NotBonded`], [`Error::BondBelowValidatorMinimum`], [`Error::NoSessionKeys`],
	///   [`Error::WorkerKeyInUse`], [`Error::TooManyCandidates`].
	pub fn do_validate(stash: T::AccountId, commission: Perbill, worker: T::AccountId) -> DispatchResult {
		let ledger = Ledgers::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
		ensure!(ledger.active >= T::MinValidatorBond::get(), Error::<T>::BondBelowValidatorMinimum);
		ensure!(T::HasSessionKeys::contains(&stash), Error::<T>::NoSessionKeys);
		Self::register_candidate(stash.clone(), commission, worker)?;
		// Validating again re-qualifies a slashed validator for work (its block production waits for the next
		// session, when pallet-session re-enables everyone).
		Disabled::<T>::mutate(|disabled| disabled.retain(|v| *v != stash));
		Ok(())
	}

	/// Records `stash` as a candidate and `worker` as its worker key, without the bond and key checks
	/// (genesis uses it before pallet-session has stored the keys).
	///
	/// # Errors
	/// - [`Error::WorkerKeyInUse`], [`Error::TooManyCandidates`].
	pub(crate) fn register_candidate(stash: T::AccountId, commission: Perbill, worker: T::AccountId) -> DispatchResult {
		if let Some(owner) = WorkerOwners::<T>::get(&worker) {
			ensure!(owner == stash, Error::<T>::WorkerKeyInUse);
		}
		ensure!(
			Candidates::<T>::contains_key(&stash) || Candidates::<T>::count() < T::MaxCandidates::get(),
			Error::<T>::TooManyCandidates
		);
		if let Some(previous) = Workers::<T>::get(&stash) {
			WorkerOwners::<T>::remove(previous);
		}
		Workers::<T>::insert(&stash, &worker);
		WorkerOwners::<T>::insert(&worker, stash.clone());
		Candidates::<T>::insert(&stash, ValidatorPrefs { commission, worker: worker.clone() });
		Self::deposit_event(Event::Validating { stash, commission, worker });
		Ok(())
	}

	/// Removes `stash` from the candidate list.
	///
	/// # Errors
	/// - [`Error::NotValidating`].
	pub fn do_chill(stash: T::AccountId) -> DispatchResult {
		ensure!(Candidates::<T>::contains_key(&stash), Error::<T>::NotValidating);
		Self::remove_candidate(&stash);
		Ok(())
	}

	/// Removes a known candidate and says so. Its worker key stays registered while it has a ledger: it may
	/// still be serving the current session.
	pub(crate) fn remove_candidate(stash: &T::AccountId) {
		Candidates::<T>::remove(stash);
		Self::deposit_event(Event::Chilled { stash: stash.clone() });
	}
}
