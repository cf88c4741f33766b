//! `rewards_pending`, `rewards_datasetEarnings`, `rewards_datanetEarnings`: what wallets and
//! apps show of OPEN rewards, from the runtime API at the best block (or `at`).

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use openledger_primitives::{
	dataset::{DataNetId, DatasetId},
	rewards::{Earnings, RewardsApi},
};
use openledger_runtime::{opaque::Block, AccountId, Balance};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::Ss58Codec, H256};

use super::datanets::{api_error, error};

/// An account's rewards (decimal strings: u128 does not fit a JSON number).
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardsJson {
	pub account: String,
	/// Claimable now with `rewards.claim()`.
	pub pending: String,
	/// Claimed over the account's lifetime.
	pub claimed: String,
}

/// A dataset's or DataNet's earnings.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EarningsJson {
	pub total: String,
	pub answers: u64,
}

impl From<Earnings<Balance>> for EarningsJson {
	fn from(e: Earnings<Balance>) -> Self {
		Self { total: e.total.to_string(), answers: e.answers }
	}
}

#[rpc(server, namespace = "rewards")]
pub trait RewardsRpc {
	/// OPEN an account (SS58) can claim now, and has claimed.
	#[method(name = "pending")]
	fn pending_rewards(&self, account: String, at: Option<H256>) -> RpcResult<RewardsJson>;

	/// OPEN a dataset has earned over its lifetime, and in how many accepted answers.
	#[method(name = "datasetEarnings")]
	fn dataset_earnings(&self, dataset: DatasetId, at: Option<H256>) -> RpcResult<EarningsJson>;

	/// OPEN a DataNet's datasets have earned together, and in how many accepted answers.
	#[method(name = "datanetEarnings")]
	fn datanet_earnings(&self, datanet: DataNetId, at: Option<H256>) -> RpcResult<EarningsJson>;
}

/// Serves [`RewardsRpcServer`] from a client.
pub struct Rewards<C> {
	client: Arc<C>,
}

impl<C> Rewards<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> Rewards<C>
where
	C: HeaderBackend<Block>,
{
	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> RewardsRpcServer for Rewards<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RewardsApi<Block, AccountId, Balance>,
{
	fn pending_rewards(&self, account: String, at: Option<H256>) -> RpcResult<RewardsJson> {
		let who = AccountId::from_ss58check(&account)
			.map_err(|e| error(7, format!("'{account}' is not an SS58 account: {e:?}")))?;
		let (pending, claimed) = self.client.runtime_api().rewards_of(self.at(at), who).map_err(api_error)?;
		Ok(RewardsJson { account, pending: pending.to_string(), claimed: claimed.to_string() })
	}

	fn dataset_earnings(&self, dataset: DatasetId, at: Option<H256>) -> RpcResult<EarningsJson> {
		Ok(self.client.runtime_api().dataset_earnings(self.at(at), dataset).map_err(api_error)?.into())
	}

	fn datanet_earnings(&self, datanet: DataNetId, at: Option<H256>) -> RpcResult<EarningsJson> {
		Ok(self.client.runtime_api().datanet_earnings(self.at(at), datanet).map_err(api_error)?.into())
	}
}
