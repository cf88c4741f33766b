//! Near-duplicate refusal with MinHash sketches and LSH buckets: O(bands × bucket size) per check.

use frame_support::pallet_prelude::*;
use openledger_primitives::dataset::{
	lsh_band_key, sketch_similarity, DataNetId, DatasetId, DatasetRegistry, LSH_BANDS,
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Fails if a current member of `id` other than `dataset` is more similar to `sketch` than
	/// `NearDuplicateThreshold`.
	///
	/// # Errors
	/// - [`Error::NearDuplicate`].
	pub(crate) fn ensure_not_near_duplicate(id: DataNetId, dataset: DatasetId, sketch: &[u32]) -> DispatchResult {
		let threshold = T::NearDuplicateThreshold::get();
		let mut checked = alloc::collections::BTreeSet::new();
		for band in 0..LSH_BANDS {
			let Some(key) = lsh_band_key(sketch, band) else { continue };
			for member in LshBuckets::<T>::get((id, band), key) {
				if member == dataset || !checked.insert(member) {
					continue;
				}
				if let Some(other) = T::Datasets::summary(member) {
					ensure!(sketch_similarity(&other.sketch, sketch) <= threshold, Error::<T>::NearDuplicate);
				}
			}
		}
		Ok(())
	}

	/// Files member `dataset` under each of its bands.
	///
	/// # Errors
	/// - [`Error::BucketFull`] if a band already holds `MaxBucketLen` members.
	pub(crate) fn add_to_buckets(id: DataNetId, dataset: DatasetId, sketch: &[u32]) -> DispatchResult {
		for band in 0..LSH_BANDS {
			let Some(key) = lsh_band_key(sketch, band) else { continue };
			LshBuckets::<T>::try_mutate((id, band), key, |bucket| bucket.try_push(dataset))
				.map_err(|_| Error::<T>::BucketFull)?;
		}
		Ok(())
	}

	/// Takes member `dataset` out of its bands.
	pub(crate) fn remove_from_buckets(id: DataNetId, dataset: DatasetId, sketch: &[u32]) {
		for band in 0..LSH_BANDS {
			let Some(key) = lsh_band_key(sketch, band) else { continue };
			LshBuckets::<T>::mutate_exists((id, band), key, |bucket| {
				if let Some(members) = bucket {
					members.retain(|m| *m != dataset);
					if members.is_empty() {
						*bucket = None;
					}
				}
			});
		}
	}
}
