//! The node's JSON-RPC: Substrate's standard methods (system, chain, state, author are added by
//! sc-service) plus the ones registered here.
//!
//! This chain's reads are the runtime APIs' views (`openledger_primitives::{dataset, model, rewards,
//! attribution}`) served as they are: their JSON form is their serde form, defined once beside them (see
//! `openledger_primitives::json`). The node adds only what the runtime cannot do: serving inline datasets' bytes
//! from its indexed transaction data.

mod attribution;
mod datanets;
mod models;
mod rewards;

use std::sync::Arc;

use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use openledger_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use sc_client_api::BlockBackend;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_core::H256;

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
		+ openledger_primitives::dataset::DataNetsApi<Block, AccountId, Balance, BlockNumber>
		+ openledger_primitives::model::ModelsApi<Block, AccountId, Balance, BlockNumber>
		+ openledger_primitives::rewards::RewardsApi<Block, AccountId, Balance>
		+ openledger_primitives::attribution::AttributionApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
{
	use attribution::AttributionRpcServer;
	use datanets::DataNetsRpcServer;
	use models::ModelsRpcServer;
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use rewards::RewardsRpcServer;
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(datanets::DataNets::new(client.clone()).into_rpc())?;
	module.merge(models::Models::new(client.clone()).into_rpc())?;
	module.merge(rewards::Rewards::new(client.clone()).into_rpc())?;
	module.merge(attribution::Attribution::new(client).into_rpc())?;
	Ok(module)
}

/// A client the read methods call runtime APIs through, at `at` or the best block.
pub(crate) struct Reader<C> {
	client: Arc<C>,
}

impl<C: HeaderBackend<Block>> Reader<C> {
	pub(crate) fn new(client: Arc<C>) -> Self {
		Self { client }
	}

	/// The block to read at: `at`, or the best block.
	pub(crate) fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C: ProvideRuntimeApi<Block>> Reader<C> {
	pub(crate) fn api(&self) -> sp_api::ApiRef<'_, C::Api> {
		self.client.runtime_api()
	}
}

impl<C> Reader<C> {
	pub(crate) fn client(&self) -> &C {
		&self.client
	}
}

/// A JSON-RPC error with this node's code and message.
pub(crate) fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

/// A failed runtime API call.
pub(crate) fn api_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(1, format!("runtime API call failed: {e}"))
}
