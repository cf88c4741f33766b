//! Bonding, unbonding and withdrawing.

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::Precision,
		Get,
	},
};
use sp_runtime::{traits::Zero, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Bonds `value` from `stash`'s free balance, opening its ledger.
	///
	/// # Errors
	/// - [`Error::AlreadyBonded`], [`Error::BondBelowMinimum`], [`Error::InsufficientBalance`].
	pub fn do_bond(stash: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!Ledgers::<T>::contains_key(&stash), Error::<T>::AlreadyBonded);
		ensure!(value >= T::MinBond::get(), Error::<T>::BondBelowMinimum);
		Self::hold(&stash, value)?;
		Ledgers::<T>::insert(&stash, StakingLedger::<T>::new(value));
		Self::deposit_event(Event::Bonded { stash, amount: value });
		Ok(())
	}

	/// Adds `value` from `stash`'s free balance to its active bond.
	///
	/// # Errors
	/// - [`Error::NotBonded`], [`Error::ZeroAmount`], [`Error::InsufficientBalance`].
	pub fn do_bond_extra(stash: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		let mut ledger = Ledgers::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		Self::hold(&stash, value)?;
		ledger.active = ledger.active.saturating_add(value);
		Ledgers::<T>::insert(&stash, ledger);
		Self::deposit_event(Event::Bonded { stash, amount: value });
		Ok(())
	}

	/// Moves `value` of `stash`'s active bond into a chunk unlocking `BondingSessions` sessions from now.
	/// A candidate whose active bond drops below `MinValidatorBond` is chilled.
	///
	/// # Errors
	/// - [`Error::NotBonded`], [`Error::ZeroAmount`], [`Error::UnbondExceedsActive`],
	///   [`Error::WouldLeaveDust`], [`Error::TooManyUnlockingChunks`].
	pub fn do_unbond(stash: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		let mut ledger = Ledgers::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		ensure!(value <= ledger.active, Error::<T>::UnbondExceedsActive);
		let remaining = ledger.active.saturating_sub(value);
		ensure!(remaining.is_zero() || remaining >= T::MinBond::get(), Error::<T>::WouldLeaveDust);
		let unlock_session = CurrentSession::<T>::get().saturating_add(BondingSessions::<T>::get());
		ensure!(ledger.push_unlocking(value, unlock_session), Error::<T>::TooManyUnlockingChunks);
		ledger.active = remaining;
		Ledgers::<T>::insert(&stash, ledger);
		Self::deposit_event(Event::Unbonded { stash: stash.clone(), amount: value, unlock_session });
		if remaining < T::MinValidatorBond::get() && Candidates::<T>::contains_key(&stash) {
			Self::remove_candidate(&stash);
		}
		Ok(())
	}

	/// Releases `stash`'s unlocked chunks. A ledger left empty is removed with the worker key.
	///
	/// # Errors
	/// - [`Error::NotBonded`], [`Error::NothingToWithdraw`].
	pub fn do_withdraw_unbonded(stash: T::AccountId) -> DispatchResult {
		let mut ledger = Ledgers::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
		let unlocked_chunks = ledger.unlocking.len();
		let amount = ledger.take_unlocked(CurrentSession::<T>::get());
		ensure!(ledger.unlocking.len() < unlocked_chunks, Error::<T>::NothingToWithdraw);
		T::Currency::release(&HoldReason::Staking.into(), &stash, amount, Precision::Exact)?;
		if ledger.is_empty() && !Candidates::<T>::contains_key(&stash) {
			Self::remove_ledger(&stash);
		} else {
			Ledgers::<T>::insert(&stash, ledger);
		}
		Self::deposit_event(Event::Withdrawn { stash, amount });
		Ok(())
	}

	/// Holds `value` of `who`'s free balance for staking.
	fn hold(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::Staking.into(), who, value).map_err(|_| Error::<T>::InsufficientBalance.into())
	}


	/// Removes an empty ledger and the worker key registered with it.
	pub(crate) fn remove_ledger(stash: &T::AccountId) {
		Ledgers::<T>::remove(stash);
		if let Some(worker) = Workers::<T>::take(stash) {
			WorkerOwners::<T>::remove(worker);
		}
	}
}
