//! What an [`Engine`] is built from, with no command line and no chain: where a DataNet version and its index
//! are, how the version is chunked, and the attribution knobs. The CLI (`ask`, `attribute`) and the chain
//! client (`run`) both fill in an [`EngineConfig`], and both reuse or build indexes by the same rule
//! ([`IndexConfig::ensure`]).

use crate::{
	attribute::{AttributionConfig, Corpus, Engine},
	chunk::ChunkParams,
	datanet::DataNetVersion,
	embed::Embedder,
	error::Result,
	generate::Generator,
	index::store::{build_index, index_path, previous_index_path, BuildStats, StoredIndex},
};
use std::{path::PathBuf, sync::Arc};

/// Where a DataNet version's manifest and its saved index are, and how the version is chunked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexConfig {
	/// The version's manifest (`datanet.json`).
	pub manifest: PathBuf,
	/// Directory holding indexes, one file per DataNet version.
	pub index_dir: PathBuf,
	pub chunking: ChunkParams,
}

impl IndexConfig {
	/// The protocol's chunking ([`ChunkParams::default`]): what every validator indexes with, so committees
	/// recompute attributions over the same chunks.
	pub fn new(manifest: PathBuf, index_dir: PathBuf) -> Self {
		Self { manifest, index_dir, chunking: ChunkParams::default() }
	}

	/// The version the manifest describes, its datasets read and checked.
	///
	/// # Errors
	/// A malformed manifest or an unreadable, empty or non-UTF-8 dataset.
	pub fn version(&self) -> Result<DataNetVersion> {
		DataNetVersion::load(&self.manifest)
	}

	/// Where `version`'s index is saved.
	pub fn path(&self, version: &DataNetVersion) -> PathBuf {
		index_path(&self.index_dir, version.datanet, version.version)
	}

	/// Embeds `version` — only the datasets that changed since the previous version's saved index — and saves
	/// the index. `progress` gets (chunks embedded, chunks to embed).
	///
	/// # Errors
	/// Chunking or embedding failures, or the index cannot be written.
	pub fn build(
		&self,
		version: &DataNetVersion,
		embedder: &Embedder,
		embedder_id: &str,
		progress: &mut dyn FnMut(usize, usize),
	) -> Result<(StoredIndex, BuildStats)> {
		let previous = previous_index_path(&self.index_dir, version.datanet, version.version)
			.and_then(|path| StoredIndex::load(&path).ok());
		let (stored, stats) = build_index(embedder, embedder_id, version, self.chunking, previous.as_ref(), progress)?;
		stored.save(&self.path(version))?;
		Ok((stored, stats))
	}

	/// `version`'s saved index if it was built from the same content, embedder and chunking; else a new one
	/// ([`IndexConfig::build`]).
	///
	/// # Errors
	/// As [`IndexConfig::build`], when a new index is needed.
	pub fn ensure(
		&self,
		version: &DataNetVersion,
		embedder: &Embedder,
		embedder_id: &str,
		progress: &mut dyn FnMut(usize, usize),
	) -> Result<StoredIndex> {
		let path = self.path(version);
		let saved = StoredIndex::load_for(&path, version, embedder_id).ok();
		match saved.filter(|stored| stored.header.chunking == self.chunking) {
			Some(stored) => Ok(stored),
			None => Ok(self.build(version, embedder, embedder_id, progress)?.0),
		}
	}
}

/// Everything an [`Engine`] is configured by besides its models.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
	pub index: IndexConfig,
	pub attribution: AttributionConfig,
}

impl EngineConfig {
	/// The protocol's defaults ([`IndexConfig::new`], [`AttributionConfig::default`]): what a validator's worker
	/// serves and recomputes with.
	pub fn new(manifest: PathBuf, index_dir: PathBuf) -> Self {
		Self { index: IndexConfig::new(manifest, index_dir), attribution: AttributionConfig::default() }
	}

	/// An engine over `version` (the one [`IndexConfig::version`] loads) on models already loaded; its index is
	/// reused or built as [`IndexConfig::ensure`] does.
	///
	/// # Errors
	/// As [`IndexConfig::ensure`] and [`Engine::new`].
	pub fn build(
		&self,
		version: DataNetVersion,
		embedder: Arc<Embedder>,
		embedder_id: &str,
		generator: Generator,
		progress: &mut dyn FnMut(usize, usize),
	) -> Result<Engine> {
		let corpus = self.corpus(version, &embedder, embedder_id, progress)?;
		Engine::on_corpus(embedder, generator, Arc::new(corpus), self.attribution)
	}

	/// `version` with its index (reused or built as [`IndexConfig::ensure`] does) and its verbatim index: what
	/// every engine over these datasets can share.
	///
	/// # Errors
	/// As [`IndexConfig::ensure`] and [`Corpus::new`].
	pub fn corpus(
		&self,
		version: DataNetVersion,
		embedder: &Embedder,
		embedder_id: &str,
		progress: &mut dyn FnMut(usize, usize),
	) -> Result<Corpus> {
		let stored = self.index.ensure(&version, embedder, embedder_id, progress)?;
		Corpus::new(version, stored)
	}
}
