//! A DataNet version as the worker sees it: the approved datasets' bytes, checked and hashed the way the
//! chain does (`openledger_primitives::content`), and the version root that commits to them.
//!
//! Outside the chain a version is described by a manifest (`datanet.json`):
//! `{"datanet": 1, "version": 2, "datasets": [{"id": 7, "name": "…", "owner": "…", "path": "a.txt"}]}`
//! with paths relative to the manifest.

use crate::error::{IoContext, Result, WorkerError};
use openledger_primitives::content::{content_hash, version_root};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One dataset entry of a manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestDataset {
	pub id: u64,
	#[serde(default)]
	pub name: String,
	#[serde(default)]
	pub owner: String,
	pub path: PathBuf,
}

/// A DataNet version manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
	pub datanet: u32,
	pub version: u32,
	pub datasets: Vec<ManifestDataset>,
}

/// A dataset's text with its on-chain content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
	pub id: u64,
	pub name: String,
	pub owner: String,
	pub path: PathBuf,
	pub content_hash: [u8; 32],
	pub text: String,
}

/// The datasets of one DataNet version, sorted by id, and the version root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataNetVersion {
	pub datanet: u32,
	pub version: u32,
	pub datasets: Vec<Dataset>,
	pub root: [u8; 32],
}

impl Dataset {
	/// Checks bytes as dataset text: non-empty UTF-8.
	///
	/// # Errors
	/// [`WorkerError::EmptyDataset`], [`WorkerError::NotUtf8`].
	pub fn from_bytes(id: u64, name: String, owner: String, path: PathBuf, bytes: Vec<u8>) -> Result<Self> {
		if bytes.iter().all(u8::is_ascii_whitespace) {
			return Err(WorkerError::EmptyDataset { dataset: id, path });
		}
		let hash = content_hash(&bytes).0;
		let text = String::from_utf8(bytes).map_err(|e| WorkerError::NotUtf8 {
			dataset: id,
			path: path.clone(),
			offset: e.utf8_error().valid_up_to(),
		})?;
		Ok(Self { id, name, owner, path, content_hash: hash, text })
	}
}

impl DataNetVersion {
	/// Assembles a version from datasets (sorted by id; duplicate ids refused).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for duplicate dataset ids or no datasets.
	pub fn new(datanet: u32, version: u32, mut datasets: Vec<Dataset>) -> Result<Self> {
		if datasets.is_empty() {
			return Err(WorkerError::InvalidInput(format!("DataNet {datanet} version {version} has no datasets")));
		}
		datasets.sort_by_key(|d| d.id);
		if let Some(w) = datasets.windows(2).find(|w| w.first().map(|d| d.id) == w.get(1).map(|d| d.id)) {
			return Err(WorkerError::InvalidInput(format!(
				"dataset {} appears twice in DataNet {datanet} version {version}",
				w.first().map_or(0, |d| d.id)
			)));
		}
		let hashes: Vec<_> = datasets.iter().map(|d| sp_core_h256(d.content_hash)).collect();
		let root = version_root(&hashes).0;
		Ok(Self { datanet, version, datasets, root })
	}

	/// Reads a manifest and every dataset it lists.
	///
	/// # Errors
	/// [`WorkerError::InvalidManifest`], [`WorkerError::Io`], and the dataset errors of
	/// [`Dataset::from_bytes`] — each naming the file.
	pub fn load(manifest_path: &Path) -> Result<Self> {
		let bytes = std::fs::read(manifest_path).at(manifest_path)?;
		let manifest: Manifest = serde_json::from_slice(&bytes)
			.map_err(|e| WorkerError::InvalidManifest { path: manifest_path.to_path_buf(), message: e.to_string() })?;
		let dir = manifest_path.parent().unwrap_or(Path::new("."));
		let datasets = manifest
			.datasets
			.into_iter()
			.map(|d| {
				let path = dir.join(&d.path);
				let bytes = std::fs::read(&path).at(&path)?;
				Dataset::from_bytes(d.id, d.name, d.owner, path, bytes)
			})
			.collect::<Result<Vec<_>>>()?;
		Self::new(manifest.datanet, manifest.version, datasets).map_err(|e| match e {
			WorkerError::InvalidInput(message) => {
				WorkerError::InvalidManifest { path: manifest_path.to_path_buf(), message }
			},
			other => other,
		})
	}

	/// The dataset with this id.
	pub fn dataset(&self, id: u64) -> Option<&Dataset> {
		self.datasets.binary_search_by_key(&id, |d| d.id).ok().and_then(|i| self.datasets.get(i))
	}

	/// The version root as 0x-prefixed hex (as the chain's RPC prints it).
	pub fn root_hex(&self) -> String {
		format!("0x{}", hex::encode(self.root))
	}
}

fn sp_core_h256(bytes: [u8; 32]) -> sp_core::H256 {
	sp_core::H256(bytes)
}
