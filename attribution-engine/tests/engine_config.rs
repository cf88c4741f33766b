//! Engines and indexes built from an `EngineConfig`: an index is saved and reused while its content, embedder
//! and chunking are current, rebuilt otherwise, and the engine attributes over it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{attribute::AttributionConfig, chunk::ChunkParams, EngineConfig};
use std::{path::Path, sync::Arc};

/// A two-dataset DataNet version on disk; returns its manifest.
fn write_version(dir: &Path) -> std::path::PathBuf {
	std::fs::write(dir.join("a.txt"), "Zorvatin treats fever. The standard adult dose of zorvatin is 40 mg daily.")
		.unwrap();
	std::fs::write(dir.join("b.txt"), "Melquizole treats cough. The most common side effect of melquizole is pain.")
		.unwrap();
	let manifest = dir.join("datanet.json");
	std::fs::write(
		&manifest,
		r#"{"datanet": 4, "version": 1, "datasets": [{"id": 1, "path": "a.txt"}, {"id": 2, "path": "b.txt"}]}"#,
	)
	.unwrap();
	manifest
}

#[test]
fn an_index_is_saved_reused_while_current_and_rebuilt_for_other_chunking() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(&dir.path().join("bert"));
	let mut config = EngineConfig::new(write_version(dir.path()), dir.path().join("indexes")).index;
	assert_eq!(config.chunking, ChunkParams::default());
	let version = config.version().unwrap();
	let mut calls = 0;
	let built = config.ensure(&version, &embedder, "tiny-bert", &mut |_, _| calls += 1).unwrap();
	assert!(calls > 0 && config.path(&version).is_file());
	calls = 0;
	let reused = config.ensure(&version, &embedder, "tiny-bert", &mut |_, _| calls += 1).unwrap();
	assert_eq!((calls, &reused.header), (0, &built.header), "a current index is reused, not rebuilt");
	let _ = config.ensure(&version, &embedder, "other-embedder", &mut |_, _| calls += 1).unwrap();
	assert!(calls > 0, "another embedder rebuilds");
	config.chunking = ChunkParams { tokens: 12, overlap: 4 };
	let rechunked = config.ensure(&version, &embedder, "other-embedder", &mut |_, _| {}).unwrap();
	assert_eq!(rechunked.header.chunking, config.chunking);
	assert!(rechunked.index.len() > built.index.len());
}

#[test]
fn an_engine_config_builds_an_engine_that_attributes() {
	attribution_engine::validator_mode();
	let dir = tempfile::tempdir().unwrap();
	let embedder = Arc::new(support::load_tiny_embedder(&dir.path().join("bert")));
	let mut config = EngineConfig::new(write_version(dir.path()), dir.path().join("indexes"));
	config.attribution = AttributionConfig { k: 2, candidates: 3, max_new_tokens: 8, ..Default::default() };
	let version = config.index.version().unwrap();
	let engine =
		config.build(version, embedder, "tiny-bert", support::tiny_generator(dir.path()), &mut |_, _| {}).unwrap();
	assert_eq!(engine.config, config.attribution);
	let attribution = engine.attribute("What is the dose of zorvatin?", "40 mg daily").unwrap();
	assert_eq!(attribution.weights.iter().map(|w| w.1).sum::<u32>(), 10_000);
}
