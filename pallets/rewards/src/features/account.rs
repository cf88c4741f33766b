//! The pallet's account: it holds everything pending.

use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use sp_runtime::traits::AccountIdConversion;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The account that holds pending rewards and the validator pool.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Gives the account its existential deposit so it can receive any amount (genesis only).
	pub(crate) fn ensure_account_exists() {
		let account = Self::account_id();
		let minimum = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < minimum {
			let _ = T::Currency::mint_into(&account, minimum);
		}
	}
}
