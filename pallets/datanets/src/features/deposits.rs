//! Holding and releasing deposits.

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::traits::Zero;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Holds `amount` from `who` for `reason`.
	///
	/// # Errors
	/// - [`Error::InsufficientBalance`] if `who` cannot cover it.
	pub(crate) fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::hold(&reason.into(), who, amount).map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		Ok(())
	}

	/// Releases `amount` held from `who` for `reason`.
	pub(crate) fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::release(&reason.into(), who, amount, Precision::Exact)?;
		}
		Ok(())
	}
}
