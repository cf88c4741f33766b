//! The registry as the attribution pallet sees it.

use openledger_primitives::{
	dataset::DatasetId,
	model::{ModelId, ModelRegistry, ServingTerms},
};

use crate::*;

impl<T: Config> ModelRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn terms(model: ModelId) -> Option<ServingTerms<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(model).map(|m| ServingTerms {
			owner: m.owner,
			fee: m.fee,
			datanet: m.manifest.datanet,
			version: m.manifest.version,
			active: m.status == ModelStatus::Active,
		})
	}

	/// One read; the manifest is sorted, so each dataset is a binary search.
	fn credits_all(model: ModelId, datasets: &[DatasetId]) -> bool {
		Models::<T>::get(model)
			.is_some_and(|m| datasets.iter().all(|d| m.manifest.datasets.binary_search(d).is_ok()))
	}
}
