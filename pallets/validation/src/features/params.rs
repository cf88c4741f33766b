//! The committees' parameters: the runtime's defaults until governance sets its own (`set_params`).

use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The parameters in force.
	pub fn params() -> Params<BlockNumberFor<T>> {
		Parameters::<T>::get().unwrap_or_else(T::DefaultParams::get)
	}

	/// Sets the parameters. Open jobs keep the committee they drew; each later step (a window, the tally, a slash)
	/// uses the parameters in force when it happens.
	///
	/// # Errors
	/// - [`Error::InvalidParams`].
	pub fn do_set_params(params: Params<BlockNumberFor<T>>) -> DispatchResult {
		ensure!(params.is_valid(T::MaxCommittee::get()), Error::<T>::InvalidParams);
		Parameters::<T>::put(params);
		Self::deposit_event(Event::ParamsSet { params });
		Ok(())
	}
}
