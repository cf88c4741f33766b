//! A DataNet version ready to answer from: its datasets' texts, its vector index and its verbatim index. Built
//! once and shared (`Arc`) by every engine answering over the same datasets — a worker serves many models of one
//! DataNet version, and a copy per model would multiply the largest part of its memory by the number of models.

use super::verbatim::VerbatimIndex;
use crate::{datanet::DataNetVersion, error::WorkerError, index::store::StoredIndex, Result};

/// A DataNet version's texts with the indexes built over them.
pub struct Corpus {
	pub version: DataNetVersion,
	pub index: StoredIndex,
	pub verbatim: VerbatimIndex,
	/// [`Corpus::memory_bytes`], counted once.
	memory: usize,
}

impl Corpus {
	/// Joins `version` and its vector index, and builds the verbatim index over its texts.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] if the index was built for another version (its root differs).
	pub fn new(version: DataNetVersion, index: StoredIndex) -> Result<Self> {
		if index.header.root != version.root_hex() {
			return Err(WorkerError::InvalidInput(format!(
				"index built for root {}, DataNet version root is {}",
				index.header.root,
				version.root_hex()
			)));
		}
		let verbatim = VerbatimIndex::build(version.datasets.iter().map(|d| (d.id, d.text.as_str())));
		let texts: usize = version.datasets.iter().map(|d| d.text.len()).sum();
		let vectors = index.index.vectors().len().saturating_mul(std::mem::size_of::<f32>());
		let names = index.index.ids().len().saturating_mul(std::mem::size_of::<crate::chunk::ChunkId>());
		let memory = texts.saturating_add(vectors).saturating_add(names).saturating_add(verbatim.memory_bytes());
		Ok(Self { version, index, verbatim, memory })
	}

	/// About how many bytes it holds in memory: the texts, the vectors and chunk names, the verbatim index.
	pub fn memory_bytes(&self) -> usize {
		self.memory
	}
}
