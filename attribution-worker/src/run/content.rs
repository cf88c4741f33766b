//! A model's DataNet content, fetched from the chain and checked: each dataset's bytes come from the node
//! (inline datasets, as indexed transaction data) or from their URI (`file://`), and must hash to the content
//! hash on chain — a mismatch is refused and never indexed. The checked texts are written as a DataNet manifest
//! directory (`<data-dir>/models/<model>/datanet.json`), which the engine indexes like any other.

use super::chain::Chain;
use anyhow::{bail, Context, Result};
use attribution_worker::datanet::{Manifest, ManifestDataset};
use openledger_primitives::content::content_hash;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use subxt::rpcs::rpc_params;

/// The parts of `attribution_model` the worker needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
	pub id: u32,
	pub datanet: u32,
	pub version: u32,
	pub datasets: Vec<u64>,
	pub adapter: Option<String>,
}

/// The parts of `attribution_dataset` the worker needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatasetInfo {
	owner: String,
	content_hash: String,
	source: String,
	uri: Option<String>,
}

/// Reads a model's record.
pub async fn model(chain: &Chain, id: u32) -> Result<ModelInfo> {
	let model: Option<ModelInfo> = chain.call("attribution_model", rpc_params![id]).await?;
	model.with_context(|| format!("model {id} is not registered"))
}

/// Fetches and checks every dataset of `model` and writes them as a manifest directory under `dir`; returns the
/// manifest's path. Datasets already on disk with the right hash are not fetched again.
pub async fn fetch_model_datanet(chain: &Chain, model: &ModelInfo, dir: &Path) -> Result<PathBuf> {
	let root = dir.join("models").join(model.id.to_string());
	std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
	let mut entries = Vec::new();
	for &id in &model.datasets {
		let info: Option<DatasetInfo> = chain.call("attribution_dataset", rpc_params![id]).await?;
		let info = info.with_context(|| format!("dataset {id} of model {} is not registered", model.id))?;
		let file = root.join(format!("dataset-{id}.txt"));
		let expected = parse_hash(&info.content_hash)?;
		let cached = std::fs::read(&file).ok().filter(|bytes| content_hash(bytes).0 == expected);
		if cached.is_none() {
			let bytes = fetch(chain, id, &info).await?;
			let actual = content_hash(&bytes).0;
			if actual != expected {
				bail!(
					"dataset {id}: the content fetched ({} bytes) hashes to 0x{}, the chain says {} — refused, not indexed",
					bytes.len(),
					hex::encode(actual),
					info.content_hash
				);
			}
			std::fs::write(&file, &bytes).with_context(|| format!("writing {}", file.display()))?;
		}
		entries.push(ManifestDataset {
			id,
			name: format!("dataset {id}"),
			owner: info.owner,
			path: PathBuf::from(format!("dataset-{id}.txt")),
		});
	}
	let manifest = Manifest { datanet: model.datanet, version: model.version, datasets: entries };
	let path = root.join("datanet.json");
	std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?)
		.with_context(|| format!("writing {}", path.display()))?;
	Ok(path)
}

/// A dataset's bytes: from the node for inline datasets, from the URI otherwise.
async fn fetch(chain: &Chain, id: u64, info: &DatasetInfo) -> Result<Vec<u8>> {
	if info.source == "inline" {
		let hex: String = chain.call("attribution_datasetContent", rpc_params![id]).await?;
		return decode_hex(&hex).with_context(|| format!("dataset {id}: the node returned malformed content"));
	}
	let uri = info.uri.as_deref().unwrap_or_default();
	match uri.strip_prefix("file://") {
		Some(path) => std::fs::read(path).with_context(|| format!("dataset {id}: reading {uri}")),
		None => bail!("dataset {id}: cannot fetch {uri:?} (this worker reads inline datasets and file:// URIs)"),
	}
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
	Ok(hex::decode(text.trim_start_matches("0x"))?)
}

fn parse_hash(text: &str) -> Result<[u8; 32]> {
	decode_hex(text)?.try_into().map_err(|_| anyhow::anyhow!("{text} is not a 32-byte hash"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hashes_parse_only_at_32_bytes() {
		assert_eq!(parse_hash(&format!("0x{}", "ab".repeat(32))).unwrap(), [0xab; 32]);
		assert!(parse_hash("0xabcd").is_err());
		assert!(parse_hash("0xzz").is_err());
	}
}
