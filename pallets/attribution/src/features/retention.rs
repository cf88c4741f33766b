//! Retention: a closed request keeps its prompt, answer, committees and votes for `Params::retention` blocks,
//! then they are pruned and the requester's deposit is returned. What apps need for good stays: the request's
//! record (who, which model, fee, verdict, how it closed), its standing attribution and the per-dataset index of
//! paid answers. The pruning runs as the request's last deadline, under the same weight budget as the others.

use frame_support::traits::{fungible::MutateHold, tokens::Precision, Get};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// `request` just closed: schedules its pruning `Params::retention` blocks from now.
	pub(crate) fn retain(id: RequestId, request: &mut Request<T>) {
		let until = frame_system::Pallet::<T>::block_number().saturating_add(Self::params().retention);
		request.retained_until = Some(until);
		Self::move_deadline(id, None, until);
	}

	/// Prunes a closed request's prompt, answer, committees and votes and returns its deposit.
	pub(crate) fn prune(id: RequestId, request: &mut Request<T>) {
		Prompts::<T>::remove(id);
		Answers::<T>::remove(id);
		for round in [Round::Review, Round::Challenge] {
			Committees::<T>::remove(id, round);
			let _ = Votes::<T>::clear_prefix((id, round), T::MaxCommittee::get(), None);
		}
		let deposit = core::mem::take(&mut request.deposit);
		// The deposit was held by `request_inference` and nothing else releases it; best effort keeps the
		// pruning going even if a runtime upgrade changed the hold under it (`try_state` would report that).
		let _ = T::Currency::release(&HoldReason::RequestDeposit.into(), &request.requester, deposit, Precision::BestEffort);
		Self::deposit_event(Event::Pruned { request: id, requester: request.requester.clone(), deposit });
	}

	/// Whether `id`'s prompt, answer, committees and votes are gone.
	pub fn is_pruned(id: RequestId) -> bool {
		!Prompts::<T>::contains_key(id)
	}
}
