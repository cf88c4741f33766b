//! The typed chain client: subxt, generated from the runtime's metadata (`metadata/openledger.scale`, checked
//! against the runtime by `runtime/tests/worker_metadata.rs`). Calls are signed and events and state read through the generated
//! types (reads in `reads.rs`); raw JSON-RPC is used only for what is not runtime state (the node's transaction
//! pool nonce, block hashes, inline dataset content).

use super::reads::Limits;
use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use sp_core::crypto::Ss58Codec;
use std::time::Duration;
use subxt::{
	events::Events,
	rpcs::{client::RpcParams, rpc_params, RpcClient},
	tx::{Payload, TransactionStatus},
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};

/// The runtime's calls, events and storage, generated from its metadata (v16, as the node serves it).
/// The runtime's calls, events, constants and runtime APIs. The views the worker reads and the committee round are
/// decoded into `openledger_primitives`' own types (the chain's, not a generated copy): an attribution in them is
/// checked on decode as it is on chain.
#[subxt::subxt(
	runtime_metadata_path = "metadata/openledger.scale",
	substitute_type(
		path = "openledger_primitives::attribution::view::InferenceView<A, B, C>",
		with = "::subxt::utils::Static<::openledger_primitives::attribution::InferenceView<A, B, C>>"
	),
	substitute_type(
		path = "openledger_primitives::model::ModelView<A, B, C>",
		with = "::subxt::utils::Static<::openledger_primitives::model::ModelView<A, B, C>>"
	),
	substitute_type(
		path = "openledger_primitives::dataset::DatasetView<A, B, C>",
		with = "::subxt::utils::Static<::openledger_primitives::dataset::DatasetView<A, B, C>>"
	),
	substitute_type(
		path = "openledger_primitives::attribution::Round",
		with = "::subxt::utils::Static<::openledger_primitives::attribution::Round>"
	)
)]
pub mod runtime {}

/// Makes cargo rebuild the client when the metadata file changes (the macro's read is not tracked).
const _METADATA: &[u8] = include_bytes!("../../metadata/openledger.scale");

/// The runtime this worker was built for.
pub const SPEC_NAME: &str = "openledger";

/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
	pub api: OnlineClient<PolkadotConfig>,
	pub rpc: RpcClient,
	/// The runtime's limits, read from its metadata when connecting.
	pub limits: Limits,
	/// The client at the best block last read at (see `reads.rs`): building one costs several RPC round trips and
	/// a metadata fetch, so reads within one best block share it.
	pub(super) best: std::sync::Arc<tokio::sync::Mutex<Option<AtBlock>>>,
}

/// A client at one block.
pub type AtBlock = subxt::client::ClientAtBlock<PolkadotConfig, subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>>;

impl Chain {
	/// Connects to `url` and checks that the node runs the runtime this worker was generated from: the same spec
	/// name and metadata compatible with every call and event the worker uses.
	pub async fn connect(url: &str) -> Result<Self> {
		let rpc = RpcClient::from_insecure_url(url).await.with_context(|| format!("connecting to {url}"))?;
		let version: serde_json::Value = rpc.request("state_getRuntimeVersion", rpc_params![]).await?;
		let spec = version.get("specName").and_then(|s| s.as_str()).unwrap_or_default();
		if spec != SPEC_NAME {
			bail!("the node at {url} runs runtime `{spec}`, not `{SPEC_NAME}`: this worker cannot serve it");
		}
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()).await?;
		let at = api.at_current_block().await?;
		if !runtime::is_codegen_valid_for(&at.metadata()) {
			bail!(
				"the node at {url} runs `{SPEC_NAME}` spec version {} whose calls or events differ from those this worker \
				 was built for: rebuild the worker from the same source as the runtime",
				at.spec_version()
			);
		}
		let constants = at.constants();
		let limits = Limits {
			max_weights: constants.entry(runtime::constants().attribution().max_weights())?,
			max_output: constants.entry(runtime::constants().attribution().max_output_len())?,
		};
		Ok(Self { api, rpc, limits, best: Default::default() })
	}

	/// Calls one of the node's JSON-RPC methods.
	pub async fn call<T: DeserializeOwned>(&self, method: &str, params: RpcParams) -> Result<T> {
		self.rpc.request(method, params).await.with_context(|| format!("{method} failed"))
	}

	/// The genesis hash, as 0x-hex.
	pub async fn genesis(&self) -> Result<String> {
		self.call("chain_getBlockHash", rpc_params![0]).await
	}

	/// The latest finalized block's number.
	pub async fn finalized(&self) -> Result<u64> {
		Ok(self.api.at_current_block().await?.block_number())
	}

	/// The events of finalized block `number`.
	pub async fn events_at(&self, number: u64) -> Result<Events<PolkadotConfig>> {
		let at = self.api.at_block(number).await.with_context(|| format!("reading block {number}"))?;
		Ok(at.events().fetch().await?)
	}

	/// The validator that registered `worker` as its worker key, at the latest finalized block.
	pub async fn validator_of(&self, worker: &AccountId32) -> Result<Option<AccountId32>> {
		let at = self.api.at_current_block().await?;
		let entry = at.storage().entry(runtime::storage().validator_staking().worker_owners())?;
		Ok(entry.try_fetch((*worker,)).await?.map(|value| value.decode()).transpose()?)
	}

	/// Signs `call` with `signer`, submits it, and waits until it is in a block; returns its events, or fails with
	/// the runtime's error (`pallet.Error`) if the call failed.
	///
	/// The nonce comes from the node's transaction pool (`system_accountNextIndex`), not from the finalized
	/// state: a worker that submits two answers within the finality lag must not sign both with one nonce.
	pub async fn submit<C: Payload>(
		&self,
		call: &C,
		signer: &super::keys::WorkerKey,
	) -> Result<subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>> {
		let account = sp_core::crypto::AccountId32::new(signer.account().0).to_ss58check_with_version(
			sp_core::crypto::Ss58AddressFormat::custom(openledger_primitives::token::SS58_PREFIX),
		);
		let nonce: u64 = self.call("system_accountNextIndex", rpc_params![account]).await?;
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		let at = self.api.at_current_block().await?;
		let mut progress = at.transactions().sign_and_submit_then_watch(call, signer, params).await?;
		while let Some(status) = progress.next().await {
			match status? {
				TransactionStatus::InBestBlock(block) | TransactionStatus::InFinalizedBlock(block) => {
					return Ok(block.wait_for_success().await?);
				},
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => bail!("the transaction was not included: {message}"),
				_ => {},
			}
		}
		bail!("the node stopped reporting on the transaction")
	}
}

/// Waits `attempt`'s backoff: 1 s, 2 s, 4 s … up to 30 s.
pub async fn backoff(attempt: u32) {
	let seconds = 1u64 << attempt.min(5);
	tokio::time::sleep(Duration::from_secs(seconds.min(30))).await;
}
