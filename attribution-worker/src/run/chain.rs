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
		path = "openledger_primitives::dataset::DataNetView<A, B, C>",
		with = "::subxt::utils::Static<::openledger_primitives::dataset::DataNetView<A, B, C>>"
	),
	substitute_type(
		path = "openledger_primitives::validation::ValidationReport",
		with = "::subxt::utils::Static<::openledger_primitives::validation::ValidationReport>"
	),
	substitute_type(
		path = "openledger_primitives::attribution::Round",
		with = "::subxt::utils::Static<::openledger_primitives::attribution::Round>"
	),
	substitute_type(
		path = "openledger_primitives::attribution::view::DeclineReason",
		with = "::subxt::utils::Static<::openledger_primitives::attribution::DeclineReason>"
	)
)]
pub mod runtime {}

/// The metadata the client was generated from (and cargo rebuilds the client when it changes: the macro's read is
/// not tracked).
const METADATA: &[u8] = include_bytes!("../../metadata/openledger.scale");

/// The runtime this worker was built for.
pub const SPEC_NAME: &str = "openledger";

/// The pallets whose calls, events, storage and constants the worker uses, and the runtime APIs it calls. A
/// runtime whose metadata hashes the same over these serves the worker exactly as the one it was generated from,
/// whatever else an upgrade changed (subxt's `is_codegen_valid_for` would compare every pallet).
const PALLETS: [&str; 6] = ["Attribution", "DataNets", "Datasets", "Models", "Validation", "ValidatorStaking"];
const RUNTIME_APIS: [&str; 3] = ["AttributionApi", "DataNetsApi", "ModelsApi"];

/// The hash of what the worker uses of `metadata`.
fn used_hash(metadata: &subxt::Metadata) -> [u8; 32] {
	metadata.hasher().only_these_pallets(&PALLETS).only_these_runtime_apis(&RUNTIME_APIS).hash()
}

/// The node runs a runtime whose calls, events, storage or runtime APIs differ, in what the worker uses, from
/// those it was generated from. Not a transient failure: the worker stops rather than sign calls the runtime would
/// misread.
#[derive(Debug, thiserror::Error)]
#[error(
	"the node runs `{SPEC_NAME}` spec version {spec_version}{since}, whose calls, events or runtime APIs differ from \
	 those this worker was built for: upgrade the worker to the release of that runtime",
	since = at_block.map(|n| format!(" (since block {n})")).unwrap_or_default()
)]
pub struct IncompatibleRuntime {
	pub spec_version: u32,
	/// The first block of the upgraded runtime, when the worker saw the upgrade happen.
	pub at_block: Option<u64>,
}

/// The node runs another chain's runtime (another spec name). Not a transient failure: the worker stops.
#[derive(Debug, thiserror::Error)]
#[error("the node at {url} runs runtime `{spec}`, not `{SPEC_NAME}`: this worker cannot serve it")]
pub struct ForeignRuntime {
	pub url: String,
	pub spec: String,
}

/// Whether `metadata` serves the worker as the metadata it was generated from does.
pub fn serves_this_worker(metadata: &subxt::Metadata) -> Result<bool> {
	let built_for = subxt::Metadata::decode_from(METADATA).context("the shipped metadata does not decode")?;
	Ok(used_hash(metadata) == used_hash(&built_for))
}

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
	/// The runtime's spec version last checked to serve this worker (`check_runtime_at`).
	checked_spec: u32,
}

/// A client at one block.
pub type AtBlock = subxt::client::ClientAtBlock<PolkadotConfig, subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>>;

impl Chain {
	/// Connects to `url` and checks that the node runs the runtime this worker was generated from: the same spec
	/// name and metadata compatible with every call, event and runtime API the worker uses
	/// ([`serves_this_worker`]); a runtime upgraded since is checked again when it takes effect
	/// ([`Self::check_runtime_at`]).
	pub async fn connect(url: &str) -> Result<Self> {
		let rpc = RpcClient::from_insecure_url(url).await.with_context(|| format!("connecting to {url}"))?;
		let version: serde_json::Value = rpc.request("state_getRuntimeVersion", rpc_params![]).await?;
		let spec = version.get("specName").and_then(|s| s.as_str()).unwrap_or_default();
		if spec != SPEC_NAME {
			return Err(ForeignRuntime { url: url.to_owned(), spec: spec.to_owned() }.into());
		}
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()).await?;
		let at = api.at_current_block().await?;
		if !serves_this_worker(&at.metadata())? {
			return Err(IncompatibleRuntime { spec_version: at.spec_version(), at_block: None }.into());
		}
		let limits = Self::limits_at(&at)?;
		Ok(Self { api, rpc, limits, best: Default::default(), checked_spec: at.spec_version() })
	}

	/// The runtime's limits, from its metadata's constants.
	fn limits_at(at: &AtBlock) -> Result<Limits> {
		let constants = at.constants();
		Ok(Limits {
			max_weights: constants.entry(runtime::constants().attribution().max_weights())?,
			max_output: constants.entry(runtime::constants().attribution().max_output_len())?,
		})
	}

	/// Before the worker acts on finalized block `number`: if the block runs another runtime version than the one
	/// last checked (an upgrade took effect), checks that it still serves this worker and reads its limits again,
	/// so a compatible upgrade goes on without a restart and an incompatible one stops the worker at the block it
	/// starts, before anything is signed against it.
	///
	/// # Errors
	/// [`IncompatibleRuntime`], or the node's failure to answer.
	pub async fn check_runtime_at(&mut self, number: u64) -> Result<()> {
		let at = self.api.at_block(number).await.with_context(|| format!("reading block {number}"))?;
		let spec_version = at.spec_version();
		if spec_version == self.checked_spec {
			return Ok(());
		}
		if !serves_this_worker(&at.metadata())? {
			return Err(IncompatibleRuntime { spec_version, at_block: Some(number) }.into());
		}
		self.limits = Self::limits_at(&at)?;
		tracing::info!(
			"the runtime was upgraded from spec version {} to {spec_version} at block {number}; what this worker uses \
			 is unchanged: serving on (limits {:?})",
			self.checked_spec,
			self.limits
		);
		self.checked_spec = spec_version;
		Ok(())
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
		let nonce = self.next_nonce(signer).await?;
		self.submit_at(call, signer, nonce).await
	}

	/// `signer`'s next nonce, counting the transactions it has in the node's pool.
	pub async fn next_nonce(&self, signer: &super::keys::WorkerKey) -> Result<u64> {
		let account = sp_core::crypto::AccountId32::new(signer.account().0).to_ss58check_with_version(
			sp_core::crypto::Ss58AddressFormat::custom(openledger_primitives::token::SS58_PREFIX),
		);
		self.call("system_accountNextIndex", rpc_params![account]).await
	}

	/// [`Self::submit`] with the nonce given: several transactions of one signer in flight at once, each with its
	/// own nonce (the pool holds a later one until the earlier ones arrive).
	pub async fn submit_at<C: Payload>(
		&self,
		call: &C,
		signer: &super::keys::WorkerKey,
		nonce: u64,
	) -> Result<subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>> {
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		let at = self.api.at_current_block().await?;
		let mut progress = at.transactions().sign_and_submit_then_watch(call, signer, params).await?;
		while let Some(status) = progress.next().await {
			match status? {
				TransactionStatus::InBestBlock(block) | TransactionStatus::InFinalizedBlock(block) => {
					return block.wait_for_success().await.map_err(refused);
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

/// A failed transaction's error, a runtime error named as polkadot.js names it (`dataNets.NearDuplicate`) with its
/// documentation.
fn refused(error: subxt::error::TransactionEventsError) -> anyhow::Error {
	if let subxt::error::TransactionEventsError::ExtrinsicFailed(subxt::error::DispatchError::Module(module)) = &error {
		if let Ok(details) = module.details() {
			let pallet = details.pallet.name();
			let mut name: String = pallet.chars().take(1).flat_map(char::to_lowercase).collect();
			name.push_str(pallet.get(1..).unwrap_or_default());
			return anyhow::anyhow!(
				"the chain refused the transaction: {name}.{} ({})",
				details.variant.name,
				details.variant.docs.join(" ").trim()
			);
		}
	}
	error.into()
}

/// Waits `attempt`'s backoff: 1 s, 2 s, 4 s … up to 30 s.
pub async fn backoff(attempt: u32) {
	let seconds = 1u64 << attempt.min(5);
	tokio::time::sleep(Duration::from_secs(seconds.min(30))).await;
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::{Decode, Encode};
	use subxt::ext::frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};

	/// The shipped metadata with `change` applied to its v16 form.
	fn changed(change: impl FnOnce(&mut subxt::ext::frame_metadata::v16::RuntimeMetadataV16)) -> subxt::Metadata {
		let mut prefixed = RuntimeMetadataPrefixed::decode(&mut &METADATA[..]).unwrap();
		let RuntimeMetadata::V16(ref mut v16) = prefixed.1 else { panic!("the shipped metadata is v16") };
		change(v16);
		subxt::Metadata::decode_from(&prefixed.encode()).unwrap()
	}

	#[test]
	fn an_upgrade_that_leaves_what_the_worker_uses_alone_still_serves_it() {
		assert!(serves_this_worker(&changed(|_| {})).unwrap());
		// A pallet the worker does not use changes (here: the council disappears), and a runtime API it does not
		// call: the worker serves on.
		let upgraded = changed(|m| {
			m.pallets.retain(|p| p.name != "Council");
			m.apis.retain(|api| api.name != "RewardsApi");
		});
		assert!(upgraded.pallet_by_name("Council").is_none());
		assert!(serves_this_worker(&upgraded).unwrap());
		// A limit changes value (not type): the worker serves on and reads it again (`check_runtime_at`).
		let bigger_output = changed(|m| {
			let attribution = m.pallets.iter_mut().find(|p| p.name == "Attribution").unwrap();
			attribution.constants.iter_mut().find(|c| c.name == "MaxOutputLen").unwrap().value = 16_384u32.encode();
		});
		assert!(serves_this_worker(&bigger_output).unwrap());
	}

	#[test]
	fn an_upgrade_that_changes_what_the_worker_uses_is_refused_by_name() {
		// A constant the worker reads changes type.
		let retyped = changed(|m| {
			let attribution = m.pallets.iter_mut().find(|p| p.name == "Attribution").unwrap();
			let pallet_id = attribution.constants.iter().find(|c| c.name == "PalletId").unwrap().ty;
			attribution.constants.iter_mut().find(|c| c.name == "MaxOutputLen").unwrap().ty = pallet_id;
		});
		assert!(!serves_this_worker(&retyped).unwrap());
		// A pallet it follows is gone; a runtime API it calls is gone.
		assert!(!serves_this_worker(&changed(|m| m.pallets.retain(|p| p.name != "Models"))).unwrap());
		assert!(!serves_this_worker(&changed(|m| m.apis.retain(|api| api.name != "AttributionApi"))).unwrap());
		let refused = anyhow::Error::from(IncompatibleRuntime { spec_version: 102, at_block: Some(40) });
		assert!(refused.downcast_ref::<IncompatibleRuntime>().is_some());
		assert!(refused.to_string().contains("spec version 102 (since block 40)"), "{refused}");
	}
}
