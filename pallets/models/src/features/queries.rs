//! Reads for the runtime API: a model as apps and workers read it.

use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::model::{ModelId, ModelView};

use crate::*;

/// A model as the runtime API returns it.
pub type ModelViewOf<T> = ModelView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
	/// Model `id` as apps and workers read it.
	pub fn model_view(id: ModelId) -> Option<ModelViewOf<T>> {
		let model = Models::<T>::get(id)?;
		Some(ModelView {
			id,
			owner: model.owner,
			base_model: model.base_model,
			adapter: model.adapter,
			datanet: model.manifest.datanet,
			version: model.manifest.version,
			datasets: model.manifest.datasets.into_inner(),
			hyperparameters_hash: model.manifest.hyperparameters_hash,
			influence_hash: model.manifest.influence_hash,
			fee: model.fee,
			metadata: model.metadata.into_inner(),
			status: model.status,
			deposit: model.deposit,
			registered_at: model.registered_at,
		})
	}
}
