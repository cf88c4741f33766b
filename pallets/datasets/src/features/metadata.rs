//! Updating a dataset's metadata.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::DatasetId;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Replaces the metadata of `id`, owned by `who`, and re-sizes the deposit.
	///
	/// # Errors
	/// - [`Error::UnknownDataset`], [`Error::NotOwner`].
	/// - [`Error::InsufficientBalance`] if a larger record needs more deposit than `who` has.
	pub fn do_update_metadata(
		who: T::AccountId,
		id: DatasetId,
		metadata: BoundedVec<u8, T::MaxMetadataLen>,
	) -> DispatchResult {
		let mut dataset = Datasets::<T>::get(id).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(dataset.owner == who, Error::<T>::NotOwner);
		dataset.metadata = metadata;
		let pieces = PieceHashes::<T>::decode_len(id).unwrap_or(0) as u32;
		let wanted = Self::required_deposit(&dataset, pieces);
		Self::adjust_deposit(&who, dataset.deposit, wanted)?;
		dataset.deposit = wanted;
		Datasets::<T>::insert(id, dataset);
		Self::deposit_event(Event::MetadataUpdated { dataset: id, deposit: wanted });
		Ok(())
	}
}
