//! `attribution-worker register-model`: registers what `train` produced as a model on chain — the base model,
//! the adapter's content hash, the DataNet version and datasets it was trained on, the hashes of its
//! hyper-parameters and influence sketches — with a fee per answer and metadata naming where workers fetch the
//! adapter (`adapterUri`) and, optionally, the sketches (`influenceUri`). Everything is checked against the files
//! first: nothing is registered for an adapter or sketches that do not hash to what training.json records.
//! The studio (`attribution-worker studio`) registers through the same [`TrainedModel`].

use super::{
	content::MAX_ADAPTER_BYTES,
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
use std::path::{Path, PathBuf};
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
	/// Where the influence sketches can be fetched (recorded as `influenceUri` in the metadata when given).
	#[arg(long)]
	pub influence_uri: Option<String>,
	/// A name shown in the model's metadata.
	#[arg(long, default_value = "")]
	pub name: String,
}

/// How a model is offered: its fee, its name and where its files are published.
#[derive(Debug, Clone)]
pub struct Listing {
	/// Fee per answer, in plancks.
	pub fee: u128,
	/// Shown in the metadata as `name`.
	pub name: String,
	/// Where workers fetch the adapter (`adapterUri`).
	pub adapter_uri: String,
	/// Where the influence sketches are published (`influenceUri`), if anywhere.
	pub influence_uri: Option<String>,
}

impl Listing {
	/// The model's metadata: `{"name", "adapterUri"}`, plus `"influenceUri"` when there is one.
	pub fn metadata(&self) -> Result<Vec<u8>> {
		let mut metadata = serde_json::json!({ "name": self.name, "adapterUri": self.adapter_uri });
		if let (Some(uri), Some(fields)) = (&self.influence_uri, metadata.as_object_mut()) {
			fields.insert("influenceUri".into(), uri.clone().into());
		}
		Ok(serde_json::to_vec(&metadata)?)
	}
}

/// training.json, as `train` writes it (the fields a registration needs).
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

/// A directory `train` wrote, whose adapter and sketches hash to what its training.json records.
pub struct TrainedModel {
	training: Training,
}

impl TrainedModel {
	/// Reads `dir`'s training.json and re-hashes the adapter and the sketches it names.
	///
	/// # Errors
	/// A missing or malformed training.json, a missing file, or a file that does not hash to what training.json
	/// records (`… hashes to …, training.json says …: nothing registered`).
	pub fn read(dir: &Path) -> Result<Self> {
		let path = dir.join("training.json");
		let bytes = std::fs::read(&path).with_context(|| format!("{}", path.display()))?;
		let training: Training =
			serde_json::from_slice(&bytes).with_context(|| format!("{} is not what `train` writes", path.display()))?;
		check_hash(dir, &training.adapter)?;
		check_hash(dir, &training.influence)?;
		ensure!(
			training.influence.content_hash == training.influence_hash,
			"training.json's influence hashes disagree"
		);
		Ok(Self { training })
	}

	/// The DataNet id and version the model was trained on.
	pub fn datanet_version(&self) -> (u32, u32) {
		(self.training.datanet, self.training.version)
	}

	/// The adapter's content hash.
	pub fn adapter_hash(&self) -> H256 {
		self.training.adapter.content_hash
	}

	/// Registers the model on chain at `node`, signed (and its deposit paid) by `owner`; returns the model id.
	///
	/// # Errors
	/// The node is unreachable or runs another runtime, the registration fails (e.g. the owner cannot pay the
	/// deposit), or no `ModelRegistered` event was emitted.
	pub async fn register(&self, node: &str, owner: &WorkerKey, listing: &Listing) -> Result<u32> {
		let training = &self.training;
		let chain = Chain::connect(node).await?;
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
			listing.fee,
			BoundedVec(listing.metadata()?),
		);
		let events = chain.submit(&call, owner).await?;
		match events.find_first::<runtime::models::events::ModelRegistered>() {
			Some(event) => Ok(event?.model),
			None => bail!("the registration was included but no ModelRegistered event was emitted"),
		}
	}
}

fn check_hash(dir: &Path, file: &HashedFile) -> Result<()> {
	let path = dir.join(&file.file);
	let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
	ensure!(
		bytes.len() as u64 <= MAX_ADAPTER_BYTES,
		"{} is {} bytes, more than workers fetch ({MAX_ADAPTER_BYTES}): lower the rank or the targets; nothing registered",
		path.display(),
		bytes.len()
	);
	let actual = H256(content_hash(&bytes).0);
	ensure!(
		actual == file.content_hash,
		"{} hashes to {actual:?}, training.json says {:?}: nothing registered",
		path.display(),
		file.content_hash
	);
	Ok(())
}

/// Registers the model; prints its id.
pub fn register_model(args: &RegisterArgs) -> Result<()> {
	let trained = TrainedModel::read(&args.trained)?;
	let owner = WorkerKey::from_uri(&args.owner)?;
	let listing = Listing {
		fee: args.fee,
		name: args.name.clone(),
		adapter_uri: args.adapter_uri.clone(),
		influence_uri: args.influence_uri.clone(),
	};
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
	let model = runtime.block_on(trained.register(&args.node, &owner, &listing))?;
	let (datanet, version) = trained.datanet_version();
	println!("registered model {model} (DataNet {datanet} version {version}, adapter {:?})", trained.adapter_hash());
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn listing(influence_uri: Option<&str>) -> Listing {
		Listing {
			fee: 1,
			name: "cardio".into(),
			adapter_uri: "http://host/files/1/adapter.safetensors".into(),
			influence_uri: influence_uri.map(str::to_owned),
		}
	}

	#[test]
	fn the_metadata_names_the_influence_sketches_only_when_published() {
		let without: serde_json::Value = serde_json::from_slice(&listing(None).metadata().unwrap()).unwrap();
		assert_eq!(
			without,
			serde_json::json!({"name": "cardio", "adapterUri": "http://host/files/1/adapter.safetensors"})
		);
		let with: serde_json::Value =
			serde_json::from_slice(&listing(Some("http://host/files/1/influence.safetensors")).metadata().unwrap())
				.unwrap();
		assert_eq!(with["influenceUri"], "http://host/files/1/influence.safetensors");
		assert_eq!(with["adapterUri"], "http://host/files/1/adapter.safetensors");
	}

	#[test]
	fn a_tampered_adapter_is_refused_before_anything_is_registered() {
		let dir = tempfile::tempdir().unwrap();
		let hash = |bytes: &[u8]| format!("0x{}", hex::encode(content_hash(bytes).0));
		std::fs::write(dir.path().join("adapter.safetensors"), b"adapter").unwrap();
		std::fs::write(dir.path().join("influence.safetensors"), b"sketches").unwrap();
		let zero = format!("0x{}", "00".repeat(32));
		let training = serde_json::json!({
			"baseModel": zero, "datanet": 1, "version": 2, "datasets": [1, 2], "hyperparametersHash": zero,
			"influenceHash": hash(b"sketches"),
			"adapter": { "file": "adapter.safetensors", "contentHash": hash(b"adapter") },
			"influence": { "file": "influence.safetensors", "contentHash": hash(b"sketches") },
		});
		std::fs::write(dir.path().join("training.json"), training.to_string()).unwrap();
		let trained = TrainedModel::read(dir.path()).unwrap();
		assert_eq!(trained.datanet_version(), (1, 2));

		std::fs::write(dir.path().join("adapter.safetensors"), b"adapteR").unwrap();
		let error = TrainedModel::read(dir.path()).err().unwrap().to_string();
		assert!(error.contains("adapter.safetensors hashes to") && error.ends_with("nothing registered"), "{error}");

		// An adapter larger than any worker fetches (it could never be served) is refused as well.
		let huge = vec![0u8; usize::try_from(MAX_ADAPTER_BYTES).unwrap() + 1];
		std::fs::write(dir.path().join("adapter.safetensors"), &huge).unwrap();
		let training = serde_json::json!({
			"baseModel": zero, "datanet": 1, "version": 2, "datasets": [1, 2], "hyperparametersHash": zero,
			"influenceHash": hash(b"sketches"),
			"adapter": { "file": "adapter.safetensors", "contentHash": hash(&huge) },
			"influence": { "file": "influence.safetensors", "contentHash": hash(b"sketches") },
		});
		std::fs::write(dir.path().join("training.json"), training.to_string()).unwrap();
		let error = TrainedModel::read(dir.path()).err().unwrap().to_string();
		assert!(error.contains("more than workers fetch") && error.ends_with("nothing registered"), "{error}");
	}
}
