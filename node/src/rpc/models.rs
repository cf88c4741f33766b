//! `models_model`: a registered model as JSON, from the runtime API at the best block (or `at`).

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::{
	dataset::{DataNetId, DatasetId, VersionNumber},
	model::{ModelId, ModelsApi},
};
use openledger_runtime::{opaque::Block, BlockNumber, Runtime};
use pallet_models::ModelStatus;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	Bytes, H256,
};

use super::datanets::api_error;

type ModelRecord = pallet_models::Model<Runtime>;

/// A model as JSON (balances as decimal strings, hashes as 0x-hex, accounts as SS58).
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelJson {
	pub id: ModelId,
	pub owner: String,
	pub base_model: H256,
	pub adapter: Option<H256>,
	pub datanet: DataNetId,
	pub version: VersionNumber,
	pub datasets: Vec<DatasetId>,
	pub hyperparameters_hash: H256,
	pub influence_hash: H256,
	pub fee: String,
	pub metadata: Bytes,
	/// `active` or `retired`.
	pub status: &'static str,
	pub deposit: String,
	pub registered_at: BlockNumber,
}

#[rpc(server, namespace = "models")]
pub trait ModelsRpc {
	/// A registered model: base model, adapter, the DataNet version and datasets it was trained on, fee.
	#[method(name = "model")]
	fn model(&self, id: ModelId, at: Option<H256>) -> RpcResult<Option<ModelJson>>;
}

/// Serves [`ModelsRpcServer`] from a client.
pub struct Models<C> {
	client: Arc<C>,
	ss58: Ss58AddressFormat,
}

impl<C> Models<C> {
	pub fn new(client: Arc<C>, ss58_prefix: u16) -> Self {
		Self { client, ss58: Ss58AddressFormat::custom(ss58_prefix) }
	}
}

impl<C> ModelsRpcServer for Models<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsApi<Block, ModelRecord>,
{
	fn model(&self, id: ModelId, at: Option<H256>) -> RpcResult<Option<ModelJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let model = self.client.runtime_api().model(at, id).map_err(api_error)?;
		Ok(model.map(|m| ModelJson {
			id,
			owner: m.owner.to_ss58check_with_version(self.ss58),
			base_model: m.base_model,
			adapter: m.adapter,
			datanet: m.manifest.datanet,
			version: m.manifest.version,
			datasets: m.manifest.datasets.to_vec(),
			hyperparameters_hash: m.manifest.hyperparameters_hash,
			influence_hash: m.manifest.influence_hash,
			fee: m.fee.to_string(),
			metadata: m.metadata.to_vec().into(),
			status: match m.status {
				ModelStatus::Active => "active",
				ModelStatus::Retired => "retired",
			},
			deposit: m.deposit.to_string(),
			registered_at: m.registered_at,
		}))
	}
}
