//! The escrow account: it holds the fee of every open request.

use frame_support::traits::{
	fungible::{Inspect, Mutate},
	tokens::Preservation,
	Get,
};
use sp_runtime::traits::AccountIdConversion;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The account fees wait in until they are paid out or refunded.
	pub fn escrow_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Gives the escrow its existential deposit so it can receive any fee (genesis only).
	pub(crate) fn ensure_escrow_exists() {
		let account = Self::escrow_account();
		let minimum = T::Currency::minimum_balance();
		if T::Currency::balance(&account) < minimum {
			let _ = T::Currency::mint_into(&account, minimum);
		}
	}

	/// Sends `request`'s fee back to its requester and closes it.
	pub(crate) fn refund(id: RequestId, request: &mut Request<T>, closure: Closure) {
		// The escrow holds every open fee plus its existential deposit, and every fee is at least the
		// existential deposit (the models pallet's `MinFee`, checked by its `integrity_test`), so this cannot
		// fail, even for a requester whose account was reaped meanwhile; if it ever did, the fee would stay in
		// escrow and `try_state` would report it.
		let _ = T::Currency::transfer(&Self::escrow_account(), &request.requester, request.fee, Preservation::Preserve);
		request.phase = Phase::Closed(closure);
		Self::retain(id, request);
		Self::deposit_event(Event::Refunded {
			request: id,
			requester: request.requester.clone(),
			fee: request.fee,
			closure,
		});
	}
}
