//! What the worker needs from the chain before it can answer: a DataNet version's datasets and a model's adapter,
//! fetched and checked. A dataset's bytes come from the node (inline datasets, as indexed transaction data) or
//! from its URI; an adapter's from the content store or the URI its model's metadata names
//! (`{"adapterUri": "https://…"}`). Everything must hash to the content hash on chain — a mismatch is refused and
//! never stored or indexed. Checked bytes live in the [`ContentStore`]; a version's datasets are written as a
//! DataNet manifest (`<data-dir>/datanets/<datanet>/<version>/datanet.json`) that the engine indexes like any other.

use super::{
	chain::Chain,
	fetch::Fetcher,
	reads::{DatasetSource, Location, Model},
	store::{write_atomically, ContentStore, HashMismatch},
};
use anyhow::{bail, Context, Result};
use attribution_engine::{
	datanet::{Manifest, ManifestDataset},
	pinned,
};
use sp_core::{
	crypto::{AccountId32, Ss58AddressFormat, Ss58Codec},
	H256,
};
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
};

/// The largest adapter the worker fetches (SmolLM2-135M at rank 64 on every projection is ≈ 40 MiB in f32).
pub const MAX_ADAPTER_BYTES: u64 = 64 << 20;

/// What a model is served from.
#[derive(Debug, Clone)]
pub struct PreparedModel {
	pub manifest: PathBuf,
	/// Where its index is kept: the version's when the model uses the whole version, its own otherwise.
	pub index_dir: PathBuf,
	/// The checked adapter file.
	pub adapter: Option<PathBuf>,
	/// The checked influence sketches, when the model's metadata names an `influenceUri` (or the store has them).
	pub influence: Option<PathBuf>,
}

/// Reads, fetches and checks content for the worker.
#[derive(Clone)]
pub struct Content {
	pub chain: Chain,
	pub fetcher: Fetcher,
	pub store: ContentStore,
	pub data_dir: PathBuf,
	/// What is known of DataNet versions already read.
	pub versions: Arc<Mutex<Versions>>,
}

/// DataNet versions already read and prepared in this process. A version never changes once created, so its
/// members are read and its manifest written once, however many models use it (a block of hundreds of model
/// registrations on one version costs one read per model, not one per model and dataset).
#[derive(Debug, Default)]
pub struct Versions {
	members: HashMap<(u32, u32), Vec<u64>>,
	manifests: HashMap<(u32, u32), PathBuf>,
}

/// The base model this worker runs: the SHA-256 of SmolLM2-135M-Instruct's GGUF file.
pub fn base_model() -> H256 {
	let mut id = [0u8; 32];
	// The pinned hash is 64 hex digits (the engine's unit tests check the pin file); a malformed one would fail
	// the unit test below.
	let _ = hex::decode_to_slice(pinned::base_model_sha256(), &mut id);
	H256(id)
}

impl Content {
	/// Reads a model's record.
	pub async fn model(&self, id: u32) -> Result<Model> {
		self.chain.model(id).await?.with_context(|| format!("model {id} is not registered"))
	}

	/// The datasets of a DataNet version, ascending.
	pub async fn members(&self, datanet: u32, version: u32) -> Result<Vec<u64>> {
		if let Some(members) = self.known_versions().members.get(&(datanet, version)) {
			return Ok(members.clone());
		}
		let members = self.chain.members(datanet, version).await?;
		self.known_versions().members.insert((datanet, version), members.clone());
		Ok(members)
	}

	/// Fetches and checks every dataset of a DataNet version and writes the version's manifest; `None` for a
	/// version without datasets.
	pub async fn prepare_version(&self, datanet: u32, version: u32) -> Result<Option<PathBuf>> {
		if let Some(manifest) = self.known_versions().manifests.get(&(datanet, version)) {
			return Ok(Some(manifest.clone()));
		}
		let members = self.members(datanet, version).await?;
		if members.is_empty() {
			return Ok(None);
		}
		let dir = self.data_dir.join("datanets").join(datanet.to_string()).join(version.to_string());
		let manifest = self.write_manifest(&dir, datanet, version, &members).await?;
		self.known_versions().manifests.insert((datanet, version), manifest.clone());
		Ok(Some(manifest))
	}

	fn known_versions(&self) -> std::sync::MutexGuard<'_, Versions> {
		// A panic while holding the lock leaves plain maps behind: still usable.
		self.versions.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
	}

	/// Fetches and checks what `model` needs: its datasets (through its version when it uses all of them) and its
	/// adapter. Refuses a model for another base model.
	pub async fn prepare_model(&self, model: &Model) -> Result<PreparedModel> {
		if model.base_model != base_model() {
			bail!(
				"model {} is built on base model {:?}; this worker runs SmolLM2-135M-Instruct ({:?}) and cannot serve it",
				model.id,
				model.base_model,
				base_model()
			);
		}
		let adapter = match model.adapter {
			Some(hash) => Some(self.model_file(model, hash, "adapterUri", "adapter").await?),
			None => None,
		};
		let influence = self.influence(model).await?;
		let members = self.members(model.datanet, model.version).await?;
		let (manifest, index_dir) = if members == model.datasets {
			let manifest = self
				.prepare_version(model.datanet, model.version)
				.await?
				.with_context(|| format!("model {}: its DataNet version has no datasets", model.id))?;
			(manifest, self.data_dir.join("indexes"))
		} else {
			let dir = self.data_dir.join("models").join(model.id.to_string());
			let manifest = self.write_manifest(&dir, model.datanet, model.version, &model.datasets).await?;
			(manifest, dir.join("index"))
		};
		Ok(PreparedModel { manifest, index_dir, adapter, influence })
	}

	/// Fetches and checks `datasets` and writes their manifest as `version` of `datanet` in `dir` (the validation
	/// duty's: a version's members with the DataNet's probe set).
	pub async fn manifest(&self, dir: &Path, datanet: u32, version: u32, datasets: &[u64]) -> Result<PathBuf> {
		self.write_manifest(dir, datanet, version, datasets).await
	}

	/// Dataset `id`'s checked bytes in the store (fetched unless already there).
	pub async fn dataset_file(&self, id: u64) -> Result<PathBuf> {
		Ok(self.dataset(id).await?.path)
	}

	async fn write_manifest(&self, dir: &Path, datanet: u32, version: u32, datasets: &[u64]) -> Result<PathBuf> {
		let mut entries = Vec::with_capacity(datasets.len());
		for &id in datasets {
			entries.push(self.dataset(id).await?);
		}
		std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		let manifest = Manifest { datanet, version, datasets: entries };
		let path = dir.join("datanet.json");
		write_atomically(&path, &serde_json::to_vec_pretty(&manifest)?)?;
		Ok(path)
	}

	/// A dataset's checked bytes in the store, fetched unless already there.
	async fn dataset(&self, id: u64) -> Result<ManifestDataset> {
		let info = self.chain.dataset(id).await?.with_context(|| format!("dataset {id} is not registered"))?;
		let path = match self.store.get(&info.content_hash) {
			Some(path) => path,
			None => {
				let bytes = self.dataset_bytes(id, &info).await?;
				self.store.put(&info.content_hash, &bytes).map_err(|e| refused(e, &format!("dataset {id}:"), "indexed"))?
			},
		};
		let owner = AccountId32::new(info.owner.0)
			.to_ss58check_with_version(Ss58AddressFormat::custom(openledger_primitives::token::SS58_PREFIX));
		Ok(ManifestDataset { id, name: format!("dataset {id}"), owner, path })
	}

	async fn dataset_bytes(&self, id: u64, info: &DatasetSource) -> Result<Vec<u8>> {
		match &info.location {
			Location::Inline => {
				let cap = self.fetcher.policy().max_bytes;
				if info.bytes > cap {
					bail!("dataset {id}: {} bytes declared, over this worker's --max-content-mb ({cap} bytes)", info.bytes);
				}
				self.chain.inline_content(id, info.pieces, info.bytes).await
			},
			Location::Uri(uri) => self.fetcher.fetch(uri, info.bytes).await.with_context(|| format!("dataset {id}")),
		}
	}

	/// The model's influence sketches, if it has an adapter and either the store holds its `influence_hash` or its
	/// metadata names an `influenceUri`. A model without them is credited without the influence method; one
	/// whose sketches cannot be fetched or do not hash right is refused (validators must all use them or none).
	async fn influence(&self, model: &Model) -> Result<Option<PathBuf>> {
		let hash = model.influence_hash;
		if model.adapter.is_none() || hash == H256::zero() {
			return Ok(None);
		}
		if self.store.get(&hash).is_none() && metadata_field(&model.metadata, "influenceUri").is_none() {
			return Ok(None);
		}
		self.model_file(model, hash, "influenceUri", "influence sketches").await.map(Some)
	}

	/// A file of a model (`what`), checked against `hash`, from the store or the URI its metadata names under
	/// `key`.
	async fn model_file(&self, model: &Model, hash: H256, key: &str, what: &str) -> Result<PathBuf> {
		if let Some(path) = self.store.get(&hash) {
			return Ok(path);
		}
		let uri = metadata_field(&model.metadata, key).with_context(|| {
			format!(
				"model {}: {what} {hash:?} is not in the content store ({}) and the model's metadata names no {key}",
				model.id,
				self.store.root().display()
			)
		})?;
		let bytes = self.fetcher.fetch(&uri, MAX_ADAPTER_BYTES).await.with_context(|| format!("model {}", model.id))?;
		self.store.put(&hash, &bytes).map_err(|e| refused(e, &format!("model {}: {what}", model.id), "loaded"))
	}
}

/// A store error, with a hash mismatch reworded as a refusal of `subject` (which is not `then`: indexed, loaded).
fn refused(error: anyhow::Error, subject: &str, then: &str) -> anyhow::Error {
	match error.downcast::<HashMismatch>() {
		Ok(mismatch) => anyhow::anyhow!("{subject} {mismatch} — refused, not {then}"),
		Err(other) => other,
	}
}

/// The text a metadata JSON object holds under `key` (a model's `adapterUri` or `influenceUri`, a DataNet's
/// `description`), if any.
pub fn metadata_field(metadata: &[u8], key: &str) -> Option<String> {
	let value: serde_json::Value = serde_json::from_slice(metadata).ok()?;
	value.get(key)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_base_model_is_the_pinned_weights_hash() {
		assert_eq!(format!("{:?}", base_model()), format!("0x{}", pinned::base_model_sha256()));
	}

	#[test]
	fn the_adapter_uri_comes_from_json_metadata_only() {
		assert_eq!(
			metadata_field(br#"{"name":"cardio","adapterUri":"https://host/a.safetensors"}"#, "adapterUri").as_deref(),
			Some("https://host/a.safetensors")
		);
		assert_eq!(metadata_field(br#"{"name":"cardio"}"#, "adapterUri"), None);
		assert_eq!(metadata_field(b"plain words", "adapterUri"), None);
		assert_eq!(metadata_field(b"", "adapterUri"), None);
		assert_eq!(metadata_field(&[0xff, 0xfe], "adapterUri"), None);
	}
}
