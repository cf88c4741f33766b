//! The DataNet versions a worker kept (`<data-dir>/datanets/<datanet>/<version>/datanet.json`, approved datasets
//! only): what the studio offers to train on.

use super::Studio;
use attribution_engine::datanet::Manifest;
use axum::{extract::State, Json};
use serde::Serialize;
use std::{
	path::{Path, PathBuf},
	str::FromStr,
};

/// A DataNet version on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeptVersion {
	pub datanet: u32,
	pub version: u32,
	/// Approved datasets in the version.
	pub datasets: usize,
}

/// Where the worker keeps a version's manifest.
pub fn manifest_path(data_dir: &Path, datanet: u32, version: u32) -> PathBuf {
	data_dir.join("datanets").join(datanet.to_string()).join(version.to_string()).join("datanet.json")
}

/// Every version with a readable manifest under `data_dir`, by DataNet then version.
pub fn kept_versions(data_dir: &Path) -> Vec<KeptVersion> {
	let mut kept = Vec::new();
	for (datanet, dir) in numbered_dirs(&data_dir.join("datanets")) {
		for (version, _) in numbered_dirs(&dir) {
			let path = manifest_path(data_dir, datanet, version);
			match std::fs::read(&path)
				.map_err(|e| e.to_string())
				.and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).map_err(|e| e.to_string()))
			{
				Ok(manifest) => kept.push(KeptVersion { datanet, version, datasets: manifest.datasets.len() }),
				Err(e) => tracing::debug!("{}: {e}; not offered", path.display()),
			}
		}
	}
	kept.sort_by_key(|v| (v.datanet, v.version));
	kept
}

/// The subdirectories of `dir` named by a number.
pub fn numbered_dirs<N: FromStr>(dir: &Path) -> Vec<(N, PathBuf)> {
	let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
	entries
		.filter_map(|entry| entry.ok())
		.filter(|entry| entry.path().is_dir())
		.filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path())))
		.collect()
}

/// `GET /api/versions`: the kept versions.
pub async fn list(State(studio): State<Studio>) -> Json<Vec<KeptVersion>> {
	Json(kept_versions(&studio.data_dir))
}
