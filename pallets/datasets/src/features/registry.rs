//! The view other pallets (DataNets) have of datasets.

use frame_support::pallet_prelude::*;
use openledger_primitives::{
	content::piece_count,
	dataset::{ContentSource, DatasetId, DatasetRegistry, DatasetSummary},
};

use crate::*;

impl<T: Config> DatasetRegistry<T::AccountId> for Pallet<T> {
	fn summary(id: DatasetId) -> Option<DatasetSummary<T::AccountId>> {
		Datasets::<T>::get(id).map(|d| DatasetSummary {
			available: match d.source {
				ContentSource::Inline { uploaded_pieces } => u64::from(uploaded_pieces) == piece_count(d.bytes),
				ContentSource::Uri(_) => true,
			},
			owner: d.owner,
			content_hash: d.content_hash,
			bytes: d.bytes,
			rows: d.rows,
			licence: d.licence,
			sketch: d.sketch,
		})
	}

	fn add_reference(id: DatasetId) -> DispatchResult {
		Datasets::<T>::try_mutate(id, |d| {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDataset)?;
			d.references = d.references.checked_add(1).ok_or(Error::<T>::ReferenceCountOverflow)?;
			Ok(())
		})
	}

	fn remove_reference(id: DatasetId) -> DispatchResult {
		Datasets::<T>::try_mutate(id, |d| {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDataset)?;
			d.references = d.references.checked_sub(1).ok_or(Error::<T>::ReferenceCountOverflow)?;
			Ok(())
		})
	}
}
