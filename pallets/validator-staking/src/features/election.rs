//! Electing the validator set: this pallet is pallet-session's `SessionManager`.
//!
//! pallet-session asks for the set of session `n + 2` when session `n` ends, and starts session `n + 1` with
//! the set it was given a session earlier. So a change of stake or candidacy takes effect at the start of the
//! session after next.

use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Contains, BoundedVec};
use openledger_primitives::staking::{DisableValidator, OnSessionEnd, SessionIndex};

use crate::*;

impl<T: Config> Pallet<T> {
	/// The `MaxValidators` candidates with session keys and the largest active bonds at or above
	/// `MinValidatorBond` (ties: smaller account id first), sorted by account id.
	///
	/// Reads every candidate once: O(`MaxCandidates` · log) work.
	pub fn elect() -> BoundedVec<T::AccountId, T::MaxValidators> {
		let minimum = T::MinValidatorBond::get();
		let mut ranked: Vec<(BalanceOf<T>, T::AccountId)> = Candidates::<T>::iter_keys()
			.filter(T::HasSessionKeys::contains)
			.filter_map(|stash| Ledgers::<T>::get(&stash).map(|ledger| (ledger.active, stash)))
			.filter(|(active, _)| *active >= minimum)
			.collect();
		ranked.sort_by(|(bond_a, a), (bond_b, b)| bond_b.cmp(bond_a).then_with(|| a.cmp(b)));
		let mut elected: Vec<T::AccountId> =
			ranked.into_iter().take(T::MaxValidators::get() as usize).map(|(_, stash)| stash).collect();
		elected.sort();
		BoundedVec::truncate_from(elected)
	}

	/// Plans the set of `session`. `None` — keep the last planned set — when no candidate qualifies (a chain
	/// never hands its authority to nobody) or when the set would not change.
	pub(crate) fn plan_session(session: SessionIndex) -> Option<Vec<T::AccountId>> {
		let elected = Self::elect();
		if elected.is_empty() {
			log::warn!(target: LOG_TARGET, "no candidate qualifies for session {session}; keeping the current set");
			return None;
		}
		if elected == QueuedValidators::<T>::get() {
			return None;
		}
		QueuedValidators::<T>::put(&elected);
		PlannedValidators::<T>::insert(session, &elected);
		Self::deposit_event(Event::ValidatorsElected { session, validators: elected.to_vec() });
		Some(elected.into_inner())
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::plan_session(new_index)
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		// pallet-session needs a set for sessions 0 and 1 even when it equals the previous one.
		Self::plan_session(new_index).or_else(|| {
			let queued = QueuedValidators::<T>::get();
			(!queued.is_empty()).then(|| queued.into_inner())
		})
	}

	fn end_session(end_index: SessionIndex) {
		let validators = ActiveValidators::<T>::get();
		T::OnSessionEnd::on_session_end(end_index, &validators);
	}

	fn start_session(start_index: SessionIndex) {
		CurrentSession::<T>::put(start_index);
		// No entry: the set did not change when this session was planned.
		if let Some(set) = PlannedValidators::<T>::take(start_index) {
			ActiveValidators::<T>::put(set);
		}
		// pallet-session re-enables everyone at a new session: whoever was slashed and still serves is disabled
		// again; whoever left the set is forgotten.
		let active = ActiveValidators::<T>::get();
		let disabled = Disabled::<T>::mutate(|disabled| {
			disabled.retain(|v| active.contains(v));
			disabled.clone()
		});
		for validator in disabled.iter() {
			T::Disabler::disable(validator);
		}
	}
}

/// pallet-session's historical module (key-ownership proofs for equivocation reports) wraps the election;
/// validators carry no identification beyond their account.
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<T::AccountId>>::new_session(new_index)
			.map(|set| set.into_iter().map(|who| (who, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<T::AccountId>>::new_session_genesis(new_index)
			.map(|set| set.into_iter().map(|who| (who, ())).collect())
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<T::AccountId>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<T::AccountId>>::end_session(end_index)
	}
}
