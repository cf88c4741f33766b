//! `attribution-worker register-model`: registers what `train` produced as a model on chain — the base model,
//! the adapter's content hash, the DataNet version and datasets it was trained on, the hashes of its
//! hyper-parameters and influence sketches — with a fee per answer and metadata naming where workers fetch the
//! adapter (`adapterUri`). Everything is checked against the files first: nothing is registered for an adapter
//! or sketches that do not hash to what training.json records.

use super::{
	chain::{
		runtime::{self, runtime_types::bounded_collections::bounded_vec::BoundedVec},
		Chain,
	},
	keys::WorkerKey,
};
use anyhow::{bail, ensure, Context, Result};
use clap::Args;
use openledger_primitives::content::content_hash;
use serde::Deserialize;
use std::path::PathBuf;
use subxt::utils::H256;

/// Where the trained model is and how to register it.
#[derive(Args, Debug, Clone)]
pub struct RegisterArgs {
	/// The node's WebSocket endpoint.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// The model owner's key as a seed URI (pays the deposit and receives the owner's share).
	#[arg(long)]
	pub owner: String,
	/// The directory `train` wrote (training.json, adapter.safetensors, influence.safetensors).
	#[arg(long)]
	pub trained: PathBuf,
	/// Fee per answer, in plancks (10^18 per OPEN).
	#[arg(long)]
	pub fee: u128,
	/// Where workers fetch the adapter (https://, or file:// on a single machine).
	#[arg(long)]
	pub adapter_uri: String,
	/// A name shown in the model's metadata.
	#[arg(long, default_value = "")]
	pub name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Training {
	base_model: H256,
	datanet: u32,
	version: u32,
	datasets: Vec<u64>,
	hyperparameters_hash: H256,
	influence_hash: H256,
	adapter: HashedFile,
	influence: HashedFile,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashedFile {
	file: String,
	content_hash: H256,
}

impl RegisterArgs {
	fn check(&self, file: &HashedFile) -> Result<()> {
		let path = self.trained.join(&file.file);
		let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
		let actual = H256(content_hash(&bytes).0);
		ensure!(
			actual == file.content_hash,
			"{} hashes to {actual:?}, training.json says {:?}: nothing registered",
			path.display(),
			file.content_hash
		);
		Ok(())
	}
}

/// Registers the model; prints its id.
pub fn register_model(args: &RegisterArgs) -> Result<()> {
	let path = args.trained.join("training.json");
	let training: Training = serde_json::from_slice(&std::fs::read(&path).with_context(|| format!("{}", path.display()))?)
		.with_context(|| format!("{} is not what `train` writes", path.display()))?;
	args.check(&training.adapter)?;
	args.check(&training.influence)?;
	ensure!(training.influence.content_hash == training.influence_hash, "training.json's influence hashes disagree");
	let owner = WorkerKey::from_uri(&args.owner)?;
	let metadata = serde_json::to_vec(&serde_json::json!({ "name": args.name, "adapterUri": args.adapter_uri }))?;
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
	let model = runtime.block_on(async {
		let chain = Chain::connect(&args.node).await?;
		let manifest = runtime::runtime_types::pallet_models::types::Manifest {
			datanet: training.datanet,
			version: training.version,
			datasets: BoundedVec(training.datasets.clone()),
			hyperparameters_hash: training.hyperparameters_hash,
			influence_hash: training.influence_hash,
		};
		let call = runtime::tx().models().register(
			training.base_model,
			Some(training.adapter.content_hash),
			manifest,
			args.fee,
			BoundedVec(metadata),
		);
		let events = chain.submit(&call, &owner).await?;
		match events.find_first::<runtime::models::events::ModelRegistered>() {
			Some(event) => Ok(event?.model),
			None => bail!("the registration was included but no ModelRegistered event was emitted"),
		}
	})?;
	println!("registered model {model} (DataNet {} version {}, adapter {:?})", training.datanet, training.version, training.adapter.content_hash);
	Ok(())
}
