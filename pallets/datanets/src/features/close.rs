//! Closing a DataNet.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::{DataNetId, DataNetStatus};
use sp_runtime::traits::Zero;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Closes `id` (owned by `who`): no more proposals; the deposit is released; versions stay.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotOwner`], [`Error::DataNetClosed`] if already closed.
	/// - [`Error::HasOpenProposals`] until every proposal is decided or withdrawn.
	pub fn do_close(who: T::AccountId, id: DataNetId) -> DispatchResult {
		let mut datanet = DataNets::<T>::get(id).ok_or(Error::<T>::UnknownDataNet)?;
		ensure!(datanet.owner == who, Error::<T>::NotOwner);
		ensure!(datanet.status == DataNetStatus::Open, Error::<T>::DataNetClosed);
		ensure!(datanet.open_proposals == 0, Error::<T>::HasOpenProposals);
		Self::release(HoldReason::DataNetDeposit, &who, datanet.deposit)?;
		datanet.deposit = Zero::zero();
		datanet.status = DataNetStatus::Closed;
		DataNets::<T>::insert(id, datanet);
		Self::deposit_event(Event::DataNetClosed { datanet: id });
		Ok(())
	}
}
