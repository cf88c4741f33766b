//! Slashing: other pallets take part of a validator's bond through [`SlashValidator`].

use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision, Restriction},
	Get,
};
use openledger_primitives::staking::{DisableValidator, SlashReason, SlashValidator};
use sp_runtime::{traits::Zero, Perbill, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Moves `fraction` of `stash`'s active and unlocking bond to the treasury and, for misbehaviour
	/// ([`SlashReason::removes_from_set`]), chills and disables it; any slash that leaves a candidate's active
	/// bond below `MinValidatorBond` chills it too. Returns the amount moved; nothing changes for an account
	/// without a ledger.
	pub fn do_slash(stash: &T::AccountId, fraction: Perbill, reason: SlashReason) -> BalanceOf<T> {
		let Some(mut ledger) = Ledgers::<T>::get(stash) else { return Zero::zero() };
		let removes = reason.removes_from_set();
		let amount = ledger.slash(fraction);
		let below_minimum = ledger.active < T::MinValidatorBond::get();
		if (removes || below_minimum) && Candidates::<T>::contains_key(stash) {
			Self::remove_candidate(stash);
		}
		if !amount.is_zero() {
			let moved = T::Currency::transfer_on_hold(
				&HoldReason::Staking.into(),
				stash,
				&T::Treasury::get(),
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			);
			if let Err(error) = moved {
				// The hold always covers the ledger (see `do_try_state`); only a treasury that cannot receive
				// the amount gets here. Keep the books whole rather than slash on paper.
				log::error!(target: LOG_TARGET, "slash of {amount:?} from {stash:?} failed: {error:?}");
				return Zero::zero();
			}
			if ledger.is_empty() {
				Self::remove_ledger(stash);
			} else {
				Ledgers::<T>::insert(stash, ledger);
			}
			TotalSlashed::<T>::mutate(|total| *total = total.saturating_add(amount));
		}
		Self::deposit_event(Event::Slashed { stash: stash.clone(), amount, reason });
		if removes {
			Self::disable(stash);
		}
		amount
	}

	/// Disables `stash` at once if it serves the current or the queued set: it is drawn for nothing more and
	/// produces no more blocks until it validates again or leaves the set.
	pub(crate) fn disable(stash: &T::AccountId) {
		let serving = ActiveValidators::<T>::get().contains(stash) || QueuedValidators::<T>::get().contains(stash);
		if !serving {
			return;
		}
		let added = Disabled::<T>::mutate(|disabled| {
			// Bounded by the set's size: every entry serves the current or the queued set.
			!disabled.contains(stash) && disabled.try_push(stash.clone()).is_ok()
		});
		if added {
			Self::deposit_event(Event::Disabled { stash: stash.clone() });
		}
		T::Disabler::disable(stash);
	}
}

impl<T: Config> SlashValidator<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn slash(validator: &T::AccountId, fraction: Perbill, reason: SlashReason) -> BalanceOf<T> {
		Self::do_slash(validator, fraction, reason)
	}
}
