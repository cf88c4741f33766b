//! An index saved per DataNet version, with the version root it was built from.
//!
//! File layout: magic `OLIDX\0\x01\0`, u64 LE header length, header JSON ([`IndexHeader`]), the vectors as
//! f32 LE (rows × dim), then the SHA-256 of everything before it. Files are written to a temporary name,
//! synced and renamed, so a crash never leaves a half-written index under the real name; a truncated or
//! altered file fails its checksum on load.
//!
//! [`build_index`] embeds only what changed: datasets whose content hash and chunking are unchanged since the
//! previous version's index are copied from it.

use super::VectorIndex;
use crate::{
	chunk::{chunk_text, ChunkId, ChunkParams},
	datanet::DataNetVersion,
	embed::Embedder,
	error::{IoContext, Result, WorkerError},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
	io::Write,
	path::{Path, PathBuf},
};

const MAGIC: &[u8; 8] = b"OLIDX\0\x01\0";

/// A number no other save in this process has used, for temporary file names.
fn next_save() -> u64 {
	static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
	SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Which rows belong to which dataset, and the content they were computed from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DatasetRows {
	pub dataset: u64,
	pub content_hash: String,
	pub first_row: usize,
	pub rows: usize,
}

/// Everything in an index file but the vectors.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexHeader {
	pub datanet: u32,
	pub version: u32,
	/// The DataNet version root (0x hex) the index was built from.
	pub root: String,
	/// Identity of the embedder (hash of its weights, or a name for test models).
	pub embedder: String,
	pub dim: usize,
	pub chunking: ChunkParams,
	pub datasets: Vec<DatasetRows>,
	pub ids: Vec<ChunkId>,
}

/// A loaded (or freshly built) index with its header.
#[derive(Clone, Debug)]
pub struct StoredIndex {
	pub header: IndexHeader,
	pub index: VectorIndex,
}

/// What [`build_index`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildStats {
	pub datasets_embedded: usize,
	pub datasets_reused: usize,
	pub chunks_embedded: usize,
	pub chunks_reused: usize,
}

/// `<dir>/datanet-<id>/v<version>.olidx`
pub fn index_path(dir: &Path, datanet: u32, version: u32) -> PathBuf {
	dir.join(format!("datanet-{datanet}")).join(format!("v{version}.olidx"))
}

/// The newest saved version of `datanet` below `version`, if any.
pub fn previous_index_path(dir: &Path, datanet: u32, version: u32) -> Option<PathBuf> {
	(0..version).rev().map(|v| index_path(dir, datanet, v)).find(|p| p.is_file())
}

impl StoredIndex {
	/// Writes the index atomically (temporary file, fsync, rename).
	///
	/// # Errors
	/// [`WorkerError::Io`] naming the file.
	pub fn save(&self, path: &Path) -> Result<()> {
		if let Some(dir) = path.parent() {
			std::fs::create_dir_all(dir).at(dir)?;
		}
		let header = serde_json::to_vec(&self.header)
			.map_err(|e| WorkerError::InvalidIndex { path: path.to_path_buf(), message: e.to_string() })?;
		let mut bytes = Vec::with_capacity(
			header.len().saturating_add(self.index.vectors().len().saturating_mul(4)).saturating_add(64),
		);
		bytes.extend_from_slice(MAGIC);
		bytes.extend_from_slice(&u64::try_from(header.len()).unwrap_or(u64::MAX).to_le_bytes());
		bytes.extend_from_slice(&header);
		for v in self.index.vectors() {
			bytes.extend_from_slice(&v.to_le_bytes());
		}
		let digest = Sha256::digest(&bytes);
		bytes.extend_from_slice(&digest);
		// Two jobs may save the same version at once (indexing it and preparing a model on it): each writes its
		// own temporary file, and the rename makes either complete file the index.
		let tmp = path.with_extension(format!("olidx.{}.{}.tmp", std::process::id(), next_save()));
		{
			let mut file = std::fs::File::create(&tmp).at(&tmp)?;
			file.write_all(&bytes).at(&tmp)?;
			file.sync_all().at(&tmp)?;
		}
		std::fs::rename(&tmp, path).at(path)
	}

	/// Reads and checks an index file.
	///
	/// # Errors
	/// [`WorkerError::MissingFile`], or [`WorkerError::InvalidIndex`] for a bad magic, a failed checksum
	/// (truncated or altered file) or an inconsistent header.
	pub fn load(path: &Path) -> Result<Self> {
		if !path.is_file() {
			return Err(WorkerError::MissingFile {
				path: path.to_path_buf(),
				hint: "build it with `attribution-worker index`",
			});
		}
		let bytes = std::fs::read(path).at(path)?;
		let invalid =
			|message: &str| WorkerError::InvalidIndex { path: path.to_path_buf(), message: message.to_owned() };
		let body_len = bytes.len().checked_sub(32).ok_or_else(|| invalid("truncated"))?;
		let (body, digest) = bytes.split_at(body_len);
		if Sha256::digest(body).as_slice() != digest {
			return Err(invalid("checksum mismatch (truncated or altered file)"));
		}
		if body.get(..8) != Some(MAGIC.as_slice()) {
			return Err(invalid("not an index file (bad magic)"));
		}
		let len_bytes: [u8; 8] = body.get(8..16).and_then(|b| b.try_into().ok()).ok_or_else(|| invalid("truncated"))?;
		let header_len = usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| invalid("header too large"))?;
		let header_end = header_len.checked_add(16).ok_or_else(|| invalid("header too large"))?;
		let header: IndexHeader =
			serde_json::from_slice(body.get(16..header_end).ok_or_else(|| invalid("truncated header"))?)
				.map_err(|e| WorkerError::InvalidIndex { path: path.to_path_buf(), message: e.to_string() })?;
		let raw = body.get(header_end..).unwrap_or_default();
		if raw.len() % 4 != 0 {
			return Err(invalid("vector section is not whole f32s"));
		}
		let vectors: Vec<f32> = raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
		let index = VectorIndex::from_parts(header.dim, header.ids.clone(), vectors)
			.map_err(|e| WorkerError::InvalidIndex { path: path.to_path_buf(), message: e.to_string() })?;
		Ok(Self { header, index })
	}

	/// Loads an index and checks it belongs to `version` and `embedder`.
	///
	/// # Errors
	/// As [`StoredIndex::load`], plus [`WorkerError::InvalidIndex`] when the root or embedder differ.
	pub fn load_for(path: &Path, version: &DataNetVersion, embedder: &str) -> Result<Self> {
		let stored = Self::load(path)?;
		if stored.header.root != version.root_hex() {
			return Err(WorkerError::InvalidIndex {
				path: path.to_path_buf(),
				message: format!(
					"built for root {}, the DataNet version's root is {}",
					stored.header.root,
					version.root_hex()
				),
			});
		}
		if stored.header.embedder != embedder {
			return Err(WorkerError::InvalidIndex {
				path: path.to_path_buf(),
				message: format!("built with embedder {}, this one is {embedder}", stored.header.embedder),
			});
		}
		Ok(stored)
	}

	/// The dataset a row belongs to.
	pub fn dataset_of(&self, row: usize) -> Option<u64> {
		self.header.ids.get(row).map(|id| id.dataset)
	}
}

/// Builds the index of a DataNet version, reusing the rows of unchanged datasets from `previous`.
/// `progress` is called with the number of chunks embedded so far and the total to embed.
///
/// # Errors
/// Chunking, embedding or consistency failures.
pub fn build_index(
	embedder: &Embedder,
	embedder_id: &str,
	version: &DataNetVersion,
	chunking: ChunkParams,
	previous: Option<&StoredIndex>,
	progress: &mut dyn FnMut(usize, usize),
) -> Result<(StoredIndex, BuildStats)> {
	let dim = embedder.dim();
	let reusable =
		previous.filter(|p| p.header.embedder == embedder_id && p.header.chunking == chunking && p.header.dim == dim);
	let mut stats = BuildStats::default();
	// First pass: chunk what must be embedded, so progress knows the total.
	let mut plan = Vec::with_capacity(version.datasets.len());
	for d in &version.datasets {
		let hash = hex::encode(d.content_hash);
		let old = reusable.and_then(|p| p.header.datasets.iter().find(|r| r.dataset == d.id && r.content_hash == hash));
		match old {
			Some(rows) => plan.push((d, hash, Err(rows.clone()))),
			None => plan.push((d, hash, Ok(chunk_text(embedder.tokenizer(), d.id, &d.text, chunking)?))),
		}
	}
	let total: usize = plan.iter().map(|(_, _, p)| p.as_ref().map_or(0, Vec::len)).sum();
	let mut index = VectorIndex::new(dim);
	let mut datasets = Vec::with_capacity(plan.len());
	let mut done = 0usize;
	progress(0, total);
	for (d, hash, work) in plan {
		let first_row = index.len();
		match work {
			Err(rows) => {
				let prev = reusable.map(|p| &p.index);
				for r in rows.first_row..rows.first_row.saturating_add(rows.rows) {
					let (Some(id), Some(v)) = (prev.and_then(|p| p.ids().get(r)), prev.and_then(|p| p.vector(r)))
					else {
						return Err(WorkerError::InvalidInput(format!("previous index lacks row {r}")));
					};
					index.push(*id, v)?;
				}
				stats.datasets_reused = stats.datasets_reused.saturating_add(1);
				stats.chunks_reused = stats.chunks_reused.saturating_add(rows.rows);
			},
			Ok(chunks) => {
				for batch in chunks.chunks(256) {
					let texts: Vec<&str> = batch.iter().map(|c| c.text.as_str()).collect();
					for (c, v) in batch.iter().zip(embedder.embed(&texts)?) {
						index.push(c.id, &v)?;
					}
					done = done.saturating_add(batch.len());
					progress(done, total);
				}
				stats.datasets_embedded = stats.datasets_embedded.saturating_add(1);
				stats.chunks_embedded = stats.chunks_embedded.saturating_add(chunks.len());
			},
		}
		datasets.push(DatasetRows {
			dataset: d.id,
			content_hash: hash,
			first_row,
			rows: index.len().saturating_sub(first_row),
		});
	}
	let header = IndexHeader {
		datanet: version.datanet,
		version: version.version,
		root: version.root_hex(),
		embedder: embedder_id.to_owned(),
		dim,
		chunking,
		datasets,
		ids: index.ids().to_vec(),
	};
	Ok((StoredIndex { header, index }, stats))
}
