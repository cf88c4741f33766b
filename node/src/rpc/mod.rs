//! The node's JSON-RPC: Substrate's standard methods (system, chain, state, author are added by
//! sc-service) plus the ones registered here.

mod attribution;
mod datanets;
mod models;
mod rewards;

use std::sync::Arc;

use jsonrpsee::RpcModule;
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce, Runtime};
use sc_client_api::BlockBackend;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC methods need from the node.
pub struct FullDeps<C, P> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
}

/// Builds the RPC methods this node adds: `system_accountNextIndex`, `system_dryRun`,
/// `payment_queryInfo`, `payment_queryFeeDetails`, and this chain's reads, one namespace per pallet they serve:
/// `datanets_*` (DataNets, datasets and their indexed content), `models_*`, `rewards_*` and `attribution_*`
/// (inference requests and the answers that credited a dataset).
pub fn create_full<C, P>(deps: FullDeps<C, P>) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ BlockBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ openledger_primitives::dataset::DataNetsApi<
			Block,
			pallet_datanets::DataNet<Runtime>,
			pallet_datasets::DatasetOf<Runtime>,
			BlockNumber,
		> + openledger_primitives::model::ModelsApi<Block, pallet_models::Model<Runtime>>
		+ openledger_primitives::rewards::RewardsApi<Block, AccountId, Balance>
		+ openledger_primitives::attribution::AttributionApi<
			Block,
			pallet_attribution::InferenceView<Runtime>,
			pallet_attribution::DatasetPage,
		>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool } = deps;
	let mut module = RpcModule::new(());
	use attribution::AttributionRpcServer;
	use datanets::DataNetsRpcServer;
	use models::ModelsRpcServer;
	use rewards::RewardsRpcServer;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(datanets::DataNets::new(client.clone(), openledger_primitives::token::SS58_PREFIX).into_rpc())?;
	module.merge(models::Models::new(client.clone(), openledger_primitives::token::SS58_PREFIX).into_rpc())?;
	module.merge(rewards::Rewards::new(client.clone()).into_rpc())?;
	module.merge(attribution::Attribution::new(client, openledger_primitives::token::SS58_PREFIX).into_rpc())?;
	Ok(module)
}
