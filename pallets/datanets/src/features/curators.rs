//! Appointing and dismissing curators.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::DataNetId;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Makes `curator` a curator of `id`; `who` must own it.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotOwner`], [`Error::AlreadyCurator`], [`Error::TooManyCurators`].
	pub fn do_add_curator(who: T::AccountId, id: DataNetId, curator: T::AccountId) -> DispatchResult {
		DataNets::<T>::try_mutate(id, |datanet| {
			let datanet = datanet.as_mut().ok_or(Error::<T>::UnknownDataNet)?;
			ensure!(datanet.owner == who, Error::<T>::NotOwner);
			ensure!(!datanet.curators.contains(&curator), Error::<T>::AlreadyCurator);
			datanet.curators.try_push(curator.clone()).map_err(|_| Error::<T>::TooManyCurators)?;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::CuratorAdded { datanet: id, curator });
		Ok(())
	}

	/// Removes `curator` from the curators of `id`; `who` must own it.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotOwner`], [`Error::CannotRemoveOwner`], [`Error::NotCurator`].
	pub fn do_remove_curator(who: T::AccountId, id: DataNetId, curator: T::AccountId) -> DispatchResult {
		DataNets::<T>::try_mutate(id, |datanet| {
			let datanet = datanet.as_mut().ok_or(Error::<T>::UnknownDataNet)?;
			ensure!(datanet.owner == who, Error::<T>::NotOwner);
			ensure!(curator != datanet.owner, Error::<T>::CannotRemoveOwner);
			let position = datanet.curators.iter().position(|c| *c == curator).ok_or(Error::<T>::NotCurator)?;
			datanet.curators.remove(position);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::CuratorRemoved { datanet: id, curator });
		Ok(())
	}

	/// The DataNet `id`, if `who` curates it.
	///
	/// # Errors
	/// - [`Error::UnknownDataNet`], [`Error::NotCurator`].
	pub(crate) fn curated_by(id: DataNetId, who: &T::AccountId) -> Result<DataNetOf<T>, DispatchError> {
		let datanet = DataNets::<T>::get(id).ok_or(Error::<T>::UnknownDataNet)?;
		ensure!(datanet.curators.contains(who), Error::<T>::NotCurator);
		Ok(datanet)
	}
}
