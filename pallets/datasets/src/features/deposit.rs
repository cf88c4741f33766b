//! Deposits: how much a dataset's state costs, and holding or releasing the difference.

use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::{
	traits::{SaturatedConversion, Zero},
	Saturating,
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// The deposit for a record of `record_bytes` bytes plus `pieces` piece hashes.
	pub(crate) fn deposit_for(record_bytes: usize, pieces: u32) -> BalanceOf<T> {
		let state_bytes = (record_bytes as u64).saturating_add(u64::from(pieces).saturating_mul(32));
		let per_byte: BalanceOf<T> = T::DepositPerByte::get();
		T::DepositBase::get().saturating_add(per_byte.saturating_mul(state_bytes.saturated_into()))
	}

	/// The deposit `dataset` should hold as it is now.
	pub(crate) fn required_deposit(dataset: &DatasetOf<T>, pieces: u32) -> BalanceOf<T> {
		Self::deposit_for(dataset.encoded_size(), pieces)
	}

	/// Moves `who`'s held deposit from `held` to `wanted`.
	///
	/// # Errors
	/// - [`Error::InsufficientBalance`] if `who` cannot cover an increase.
	pub(crate) fn adjust_deposit(who: &T::AccountId, held: BalanceOf<T>, wanted: BalanceOf<T>) -> DispatchResult {
		let reason = HoldReason::DatasetDeposit.into();
		if wanted > held {
			T::Currency::hold(&reason, who, wanted.saturating_sub(held)).map_err(|_| Error::<T>::InsufficientBalance)?;
		} else if held > wanted {
			let excess = held.saturating_sub(wanted);
			T::Currency::release(&reason, who, excess, Precision::Exact)?;
		}
		Ok(())
	}

	/// Releases the whole deposit `held` by `who`.
	pub(crate) fn release_deposit(who: &T::AccountId, held: BalanceOf<T>) -> DispatchResult {
		if !held.is_zero() {
			T::Currency::release(&HoldReason::DatasetDeposit.into(), who, held, Precision::Exact)?;
		}
		Ok(())
	}
}
