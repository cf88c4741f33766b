//! Invariants checked by `try_state` and the property test.

use frame_support::{
	pallet_prelude::*,
	traits::fungible::Inspect,
};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The pallet's account holds exactly its existential deposit plus everything pending, the split sums to
	/// 10 000, and the treasury exists.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let owed = Pending::<T>::iter_values()
			.fold(BalanceOf::<T>::default(), |sum, pending| sum.saturating_add(pending))
			.saturating_add(T::Currency::minimum_balance());
		ensure!(T::Currency::balance(&Self::account_id()) == owed, "the rewards account does not hold what is owed");
		ensure!(Split::<T>::get().is_valid(), "the fee split does not sum to 10 000");
		ensure!(
			T::Currency::balance(&T::Treasury::get()) >= T::Currency::minimum_balance(),
			"the treasury account does not exist"
		);
		Ok(())
	}
}
