//! `models_model`: a registered model, the runtime API's view as it is.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::model::{ModelId, ModelView, ModelsApi};
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

use super::{api_error, Reader};

#[rpc(server, namespace = "models")]
pub trait ModelsRpc {
	/// A registered model: base model, adapter, the DataNet version and datasets it was trained on, fee.
	#[method(name = "model")]
	fn model(&self, id: ModelId, at: Option<H256>) -> RpcResult<Option<ModelView<AccountId, Balance, BlockNumber>>>;
}

/// Serves [`ModelsRpcServer`] from a client.
pub struct Models<C>(Reader<C>);

impl<C: HeaderBackend<Block>> Models<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self(Reader::new(client))
	}
}

impl<C> ModelsRpcServer for Models<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsApi<Block, AccountId, Balance, BlockNumber>,
{
	fn model(&self, id: ModelId, at: Option<H256>) -> RpcResult<Option<ModelView<AccountId, Balance, BlockNumber>>> {
		self.0.api().model(self.0.at(at), id).map_err(api_error)
	}
}
