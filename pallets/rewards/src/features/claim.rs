//! Claiming, and root setting the split.

use frame_support::{
	dispatch::{DispatchErrorWithPostInfo, PostDispatchInfo},
	pallet_prelude::*,
	traits::{fungible::Mutate, tokens::Preservation, Get},
};
use sp_runtime::{traits::Zero, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Pays `who` everything pending. With nothing pending only the one read is charged (the base fee).
	///
	/// # Errors
	/// - [`Error::NothingToClaim`].
	pub fn do_claim(who: T::AccountId) -> DispatchResultWithPostInfo {
		let amount = Pending::<T>::get(&who);
		if amount.is_zero() {
			return Err(DispatchErrorWithPostInfo {
				post_info: PostDispatchInfo { actual_weight: Some(T::DbWeight::get().reads(1)), pays_fee: Pays::Yes },
				error: Error::<T>::NothingToClaim.into(),
			});
		}
		T::Currency::transfer(&Self::account_id(), &who, amount, Preservation::Preserve)?;
		Pending::<T>::remove(&who);
		Claimed::<T>::mutate(&who, |claimed| *claimed = claimed.saturating_add(amount));
		Self::deposit_event(Event::Claimed { who, amount });
		Ok(().into())
	}

	/// Sets the fee split.
	///
	/// # Errors
	/// - [`Error::InvalidSplit`] unless it sums to 10 000 basis points.
	pub fn do_set_split(split: FeeSplit) -> DispatchResult {
		ensure!(split.is_valid(), Error::<T>::InvalidSplit);
		Split::<T>::put(split);
		Self::deposit_event(Event::SplitSet { split });
		Ok(())
	}
}
