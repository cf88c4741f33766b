//! Retiring a dataset.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::DatasetId;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Removes dataset `id`, owned by `who` and referenced by no DataNet, and releases its deposit.
	/// Returns how many uploaded-piece markers were cleared.
	///
	/// # Errors
	/// - [`Error::UnknownDataset`], [`Error::NotOwner`].
	/// - [`Error::DatasetInUse`] while a DataNet lists it or has it under proposal.
	pub fn do_retire(who: T::AccountId, id: DatasetId) -> Result<u32, DispatchError> {
		let dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(dataset.owner == who, Error::<T>::NotOwner);
		ensure!(dataset.references == 0, Error::<T>::DatasetInUse);

		Self::release_deposit(&who, dataset.deposit)?;
		let cleared = UploadedPieces::<T>::clear_prefix(id, T::MaxPieces::get(), None).unique;
		PieceHashes::<T>::remove(id);
		DatasetByContent::<T>::remove(dataset.content_hash);
		Datasets::<T>::remove(id);
		Self::deposit_event(Event::DatasetRetired { dataset: id, owner: who, released: dataset.deposit });
		Ok(cleared)
	}
}
