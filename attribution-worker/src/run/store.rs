//! The worker's content store: checked bytes (datasets, adapters) under `<data-dir>/content/<content hash>`, so
//! content shared by several DataNet versions and models is fetched once. Nothing enters it unless it hashes to
//! the content hash the chain records ([`openledger_primitives::content::content_hash`]); an entry that no longer
//! does (a disk error, a hand edit) is dropped and fetched again.

use anyhow::{Context, Result};
use openledger_primitives::content::content_hash;
use sp_core::H256;
use std::path::{Path, PathBuf};

/// Content that does not hash to what the chain records.
#[derive(Debug, thiserror::Error)]
#[error("the content fetched ({length} bytes) hashes to {actual:?}, the chain says {expected:?}")]
pub struct HashMismatch {
	pub length: usize,
	pub expected: H256,
	pub actual: H256,
}

/// Content-addressed files.
#[derive(Debug, Clone)]
pub struct ContentStore {
	root: PathBuf,
}

impl ContentStore {
	/// The store under `data_dir`.
	pub fn new(data_dir: &Path) -> Self {
		Self { root: data_dir.join("content") }
	}

	/// Where the store keeps its files.
	pub fn root(&self) -> &Path {
		&self.root
	}

	fn path(&self, hash: &H256) -> PathBuf {
		self.root.join(hex::encode(hash.0))
	}

	/// The file holding `hash`'s content, if the store has it intact.
	pub fn get(&self, hash: &H256) -> Option<PathBuf> {
		let path = self.path(hash);
		let bytes = std::fs::read(&path).ok()?;
		if content_hash(&bytes) == *hash {
			return Some(path);
		}
		tracing::warn!("{} no longer matches its hash; dropped", path.display());
		let _ = std::fs::remove_file(&path);
		None
	}

	/// Stores `bytes` as `hash`'s content if they hash to it; returns the file.
	///
	/// # Errors
	/// [`HashMismatch`] (nothing is written), or the I/O error.
	pub fn put(&self, hash: &H256, bytes: &[u8]) -> Result<PathBuf> {
		let actual = content_hash(bytes);
		if actual != *hash {
			return Err(HashMismatch { length: bytes.len(), expected: *hash, actual }.into());
		}
		std::fs::create_dir_all(&self.root).with_context(|| format!("creating {}", self.root.display()))?;
		let path = self.path(hash);
		write_atomically(&path, bytes)?;
		Ok(path)
	}
}

/// Writes `bytes` to `path` through a temporary file of its own and a rename, so a reader sees the old file or
/// the whole new one, and two jobs writing the same file at once (indexing a version while preparing a model on
/// it) never interleave.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
	static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
	let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
	let mut name = path.file_name().unwrap_or_default().to_os_string();
	name.push(format!(".{}.{n}.partial", std::process::id()));
	let partial = path.with_file_name(name);
	std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
	std::fs::rename(&partial, path).with_context(|| format!("moving {} into place", partial.display()))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_matching_content_is_stored_and_served() {
		let dir = tempfile::tempdir().unwrap();
		let store = ContentStore::new(dir.path());
		let hash = content_hash(b"aspirin 75 mg");
		assert!(store.get(&hash).is_none());

		let error = store.put(&hash, b"aspirin 750 mg").unwrap_err();
		let mismatch = error.downcast_ref::<HashMismatch>().unwrap();
		assert_eq!((mismatch.expected, mismatch.actual), (hash, content_hash(b"aspirin 750 mg")));
		assert!(store.get(&hash).is_none(), "a mismatch writes nothing");

		let path = store.put(&hash, b"aspirin 75 mg").unwrap();
		assert_eq!(store.get(&hash), Some(path.clone()));
		assert_eq!(std::fs::read(&path).unwrap(), b"aspirin 75 mg");
	}

	#[test]
	fn writers_of_one_file_at_once_never_leave_a_mixed_file() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("datanet.json");
		let contents: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 1 << 20]).collect();
		std::thread::scope(|scope| {
			for bytes in &contents {
				for _ in 0..4 {
					scope.spawn(|| write_atomically(&path, bytes).unwrap());
				}
			}
		});
		let written = std::fs::read(&path).unwrap();
		assert!(contents.contains(&written), "the file is one writer's whole bytes");
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left behind");
	}

	#[test]
	fn a_corrupted_entry_is_dropped() {
		let dir = tempfile::tempdir().unwrap();
		let store = ContentStore::new(dir.path());
		let hash = content_hash(b"statins");
		let path = store.put(&hash, b"statins").unwrap();
		std::fs::write(&path, b"statinz").unwrap();
		assert!(store.get(&hash).is_none());
		assert!(!path.exists());
	}
}
