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

	/// Gives the pallet's account and the treasury their existential deposit (genesis only): the account can
	/// then receive any amount, and the treasury's share of a payout never fails for want of an existing
	/// account, whatever the chain's balances genesis holds (as pallet-treasury does for its account).
	pub(crate) fn ensure_accounts_exist() {
		let minimum = T::Currency::minimum_balance();
		for account in [Self::account_id(), T::Treasury::get()] {
			if T::Currency::balance(&account) < minimum {
				let _ = T::Currency::mint_into(&account, minimum);
			}
		}
	}
}
