//! Invariants checked by `try_state` and the property tests.

use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use openledger_primitives::dataset::ContentSource;
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks that every record is consistent with the indexes and that held deposits equal what the
	/// records say each owner should have held.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut owed: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, dataset) in Datasets::<T>::iter() {
			ensure!(id < NextDatasetId::<T>::get(), "dataset id at or past NextDatasetId");
			ensure!(DatasetByContent::<T>::get(dataset.content_hash) == Some(id), "content index out of sync");
			let pieces = PieceHashes::<T>::decode_len(id).unwrap_or(0) as u32;
			ensure!(dataset.deposit == Self::required_deposit(&dataset, pieces), "deposit not what the record needs");
			if let ContentSource::Inline { uploaded_pieces } = dataset.source {
				ensure!(
					UploadedPieces::<T>::iter_prefix(id).count() as u32 == uploaded_pieces,
					"uploaded piece count out of sync"
				);
			}
			let entry = owed.entry(dataset.owner.clone()).or_default();
			*entry = entry.saturating_add(dataset.deposit);
		}
		ensure!(DatasetByContent::<T>::iter().count() == Datasets::<T>::iter().count(), "stale content index entries");
		for (owner, total) in owed {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::DatasetDeposit.into(), &owner) == total,
				"held deposit differs from the records"
			);
		}
		Ok(())
	}
}
