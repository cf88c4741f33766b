//! Checking an attribution against the request's model.

use frame_support::pallet_prelude::*;
use openledger_primitives::{model::ModelRegistry, rewards::ALL_BASIS_POINTS};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks that `weights` is canonical — strictly ascending datasets, no zero entry, summing to 10 000 —
	/// and credits only datasets of `model`'s manifest.
	///
	/// # Errors
	/// - [`Error::WeightsNotWhole`], [`Error::DuplicateOrUnsortedDataset`], [`Error::ZeroWeight`],
	///   [`Error::DatasetNotInModel`].
	pub(crate) fn check_attribution(
		model: openledger_primitives::model::ModelId,
		weights: &Weights<T>,
	) -> DispatchResult {
		ensure!(weights.iter().all(|(_, bps)| *bps > 0), Error::<T>::ZeroWeight);
		ensure!(
			weights.windows(2).all(|pair| matches!(pair, [(a, _), (b, _)] if a < b)),
			Error::<T>::DuplicateOrUnsortedDataset
		);
		let total: u32 = weights.iter().map(|(_, bps)| u32::from(*bps)).sum();
		ensure!(total == ALL_BASIS_POINTS, Error::<T>::WeightsNotWhole);
		let datasets: alloc::vec::Vec<_> = weights.iter().map(|(dataset, _)| *dataset).collect();
		ensure!(T::Models::credits_all(model, &datasets), Error::<T>::DatasetNotInModel);
		Ok(())
	}
}
