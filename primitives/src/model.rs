//! Models as the node, apps and the worker read them.

/// A model's number.
pub type ModelId = u32;

sp_api::decl_runtime_apis! {
	/// Read access to the model registry for the node's `attribution_model` RPC, polkadot.js
	/// (`api.call.modelsApi.model`) and the worker. `Model` is the runtime's record type.
	pub trait ModelsApi<Model> where Model: codec::Codec {
		/// A model's record.
		fn model(id: ModelId) -> Option<Model>;
	}
}
