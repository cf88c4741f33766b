//! `rewards_pending`, `rewards_datasetEarnings`, `rewards_datanetEarnings`: what wallets and apps show of OPEN
//! rewards, the runtime API's views as they are.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::{
	dataset::{DataNetId, DatasetId},
	rewards::{AccountRewards, Earnings, RewardsApi},
};
use openledger_runtime::{opaque::Block, AccountId, Balance};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::Ss58Codec, H256};

use super::{api_error, error, Reader};

#[rpc(server, namespace = "rewards")]
pub trait RewardsRpc {
	/// OPEN an account (SS58) can claim now, and has claimed.
	#[method(name = "pending")]
	fn pending_rewards(&self, account: String, at: Option<H256>) -> RpcResult<AccountRewards<AccountId, Balance>>;

	/// OPEN a dataset has earned over its lifetime, and in how many accepted answers.
	#[method(name = "datasetEarnings")]
	fn dataset_earnings(&self, dataset: DatasetId, at: Option<H256>) -> RpcResult<Earnings<Balance>>;

	/// OPEN a DataNet's datasets have earned together, and in how many accepted answers.
	#[method(name = "datanetEarnings")]
	fn datanet_earnings(&self, datanet: DataNetId, at: Option<H256>) -> RpcResult<Earnings<Balance>>;
}

/// Serves [`RewardsRpcServer`] from a client.
pub struct Rewards<C>(Reader<C>);

impl<C: HeaderBackend<Block>> Rewards<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self(Reader::new(client))
	}
}

impl<C> RewardsRpcServer for Rewards<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RewardsApi<Block, AccountId, Balance>,
{
	fn pending_rewards(&self, account: String, at: Option<H256>) -> RpcResult<AccountRewards<AccountId, Balance>> {
		// Parsed here rather than by serde so that a bad address is refused by name.
		let who = AccountId::from_ss58check(&account)
			.map_err(|e| error(7, format!("'{account}' is not an SS58 account: {e:?}")))?;
		self.0.api().rewards_of(self.0.at(at), who).map_err(api_error)
	}

	fn dataset_earnings(&self, dataset: DatasetId, at: Option<H256>) -> RpcResult<Earnings<Balance>> {
		self.0.api().dataset_earnings(self.0.at(at), dataset).map_err(api_error)
	}

	fn datanet_earnings(&self, datanet: DataNetId, at: Option<H256>) -> RpcResult<Earnings<Balance>> {
		self.0.api().datanet_earnings(self.0.at(at), datanet).map_err(api_error)
	}
}
