//! Checking an attribution against the request's model.

use frame_support::pallet_prelude::*;
use openledger_primitives::{attribution::AttributionError, model::ModelRegistry};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Makes `weights` an [`Attribution`] (the rules live in `openledger_primitives::attribution`) that credits
	/// only datasets of `model`'s manifest.
	///
	/// # Errors
	/// - [`Error::WeightsNotWhole`], [`Error::DuplicateOrUnsortedDataset`], [`Error::ZeroWeight`],
	///   [`Error::TooManyWeights`], [`Error::DatasetNotInModel`].
	pub(crate) fn check_attribution(
		model: openledger_primitives::model::ModelId,
		weights: Weights<T>,
	) -> Result<AttributionOf<T>, DispatchError> {
		let attribution = AttributionOf::<T>::try_from(weights).map_err(Error::<T>::from)?;
		let datasets: alloc::vec::Vec<_> = attribution.datasets().collect();
		ensure!(T::Models::credits_all(model, &datasets), Error::<T>::DatasetNotInModel);
		Ok(attribution)
	}
}

impl<T: Config> From<AttributionError> for Error<T> {
	fn from(error: AttributionError) -> Self {
		match error {
			AttributionError::NotWhole => Error::<T>::WeightsNotWhole,
			AttributionError::DuplicateOrUnsorted => Error::<T>::DuplicateOrUnsortedDataset,
			AttributionError::ZeroWeight => Error::<T>::ZeroWeight,
			AttributionError::TooManyDatasets => Error::<T>::TooManyWeights,
		}
	}
}
