//! Paying the validators' pool when a session ends (the staking pallet's `OnSessionEnd` hook).

use frame_support::{traits::Get, weights::Weight};
use openledger_primitives::staking::{OnSessionEnd, SessionIndex};
use sp_runtime::{
	traits::{CheckedDiv, Zero},
	Saturating,
};

use crate::*;

impl<T: Config> OnSessionEnd<T::AccountId> for Pallet<T> {
	/// Shares the pool equally among `validators`; what does not divide evenly stays for the next session.
	fn on_session_end(session: SessionIndex, validators: &[T::AccountId]) -> Weight {
		let count = u32::try_from(validators.len()).unwrap_or(u32::MAX);
		let pool = ValidatorPool::<T>::get();
		let each = pool.checked_div(&count.into()).unwrap_or_default();
		if each.is_zero() {
			return T::DbWeight::get().reads(1);
		}
		for validator in validators {
			Pending::<T>::mutate(validator, |pending| *pending = pending.saturating_add(each));
		}
		ValidatorPool::<T>::put(pool.saturating_sub(each.saturating_mul(count.into())));
		Self::deposit_event(Event::ValidatorsPaid { session, each, validators: count });
		T::WeightInfo::on_session_end(count)
	}
}
