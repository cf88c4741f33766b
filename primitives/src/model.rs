//! Models as the node, apps and the worker read them.

/// A model's number.
pub type ModelId = u32;

sp_api::decl_runtime_apis! {
	/// Read access to the model registry for the node's `models_model` RPC, polkadot.js
	/// (`api.call.modelsApi.model`) and the worker. `Model` is the runtime's record type.
	pub trait ModelsApi<Model> where Model: codec::Codec {
		/// A model's record.
		fn model(id: ModelId) -> Option<Model>;
	}
}

use crate::dataset::{DataNetId, DatasetId, VersionNumber};

/// What a request for a model's answer needs to know about the model.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServingTerms<AccountId, Balance> {
	/// Who registered the model: paid the model owner's share of each fee.
	pub owner: AccountId,
	/// The fee per inference.
	pub fee: Balance,
	/// The DataNet the model draws on.
	pub datanet: DataNetId,
	/// The version of that DataNet it was registered against.
	pub version: VersionNumber,
	/// Whether it still takes requests (retired models do not).
	pub active: bool,
}

/// The model registry, as the attribution pallet sees it.
pub trait ModelRegistry<AccountId, Balance> {
	/// The terms `model` is served on, `None` if no model has this id.
	fn terms(model: ModelId) -> Option<ServingTerms<AccountId, Balance>>;
	/// Whether every one of `datasets` is in `model`'s manifest (and so in its DataNet version).
	fn credits_all(model: ModelId, datasets: &[DatasetId]) -> bool;
}
