//! `attribution_inference` and `attribution_byDataset`: inference requests with their answers, attribution and
//! committee votes, and the answers that credited a dataset — the runtime API's views as they are.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::{
	attribution::{AttributionApi, DatasetAnswers, InferenceView, RequestId},
	dataset::DatasetId,
};
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

use super::{api_error, Reader};

/// An inference request as the runtime reads it.
pub type Inference = InferenceView<AccountId, Balance, BlockNumber>;

#[rpc(server, namespace = "attribution")]
pub trait AttributionRpc {
	/// An inference request: status, model, prompt, answer, attribution and committee votes.
	#[method(name = "inference")]
	fn inference(&self, id: RequestId, at: Option<H256>) -> RpcResult<Option<Inference>>;

	/// The `page`-th page (50 per page, oldest first) of the paid answers that credited `dataset`.
	#[method(name = "byDataset")]
	fn by_dataset(&self, dataset: DatasetId, page: Option<u32>, at: Option<H256>) -> RpcResult<DatasetAnswers>;
}

/// Serves [`AttributionRpcServer`] from a client.
pub struct Attribution<C>(Reader<C>);

impl<C: HeaderBackend<Block>> Attribution<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self(Reader::new(client))
	}
}

impl<C> AttributionRpcServer for Attribution<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AttributionApi<Block, AccountId, Balance, BlockNumber>,
{
	fn inference(&self, id: RequestId, at: Option<H256>) -> RpcResult<Option<Inference>> {
		self.0.api().inference(self.0.at(at), id).map_err(api_error)
	}

	fn by_dataset(&self, dataset: DatasetId, page: Option<u32>, at: Option<H256>) -> RpcResult<DatasetAnswers> {
		self.0.api().by_dataset(self.0.at(at), dataset, page.unwrap_or(0)).map_err(api_error)
	}
}
