//! Loading the shipped models and building engines and indexes, with progress on stderr (hidden with `--json`).
//! Every command that needs a model comes here: the CLI's commands, `run`, `train`, `studio` and the benches.

use crate::Common;
use anyhow::Result;
use attribution_engine::{
	attribute::{Corpus, Engine},
	datanet::DataNetVersion,
	embed::Embedder,
	generate::{llama::StepWeights, lora::LoraAdapter, Generator},
	index::store::{BuildStats, StoredIndex},
	models::ModelsDir,
	train::influence::Influence,
	EngineConfig, IndexConfig,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::{path::Path, sync::Arc, time::Duration};

/// The models directory: `--models-dir`, else `$OPENLEDGER_MODELS_DIR` or the default.
pub fn models(common: &Common) -> ModelsDir {
	common.models_dir.clone().map_or_else(ModelsDir::from_env, |root| ModelsDir { root })
}

fn spinner(message: &str, quiet: bool) -> ProgressBar {
	if quiet {
		return ProgressBar::hidden();
	}
	let bar = ProgressBar::new_spinner().with_message(message.to_owned());
	bar.enable_steady_tick(Duration::from_millis(120));
	bar
}

/// all-MiniLM-L6-v2 (weights verified) and the identity indexes record: the pinned weights hash.
pub fn load_embedder(common: &Common) -> Result<(Embedder, String)> {
	let bar = spinner("loading all-MiniLM-L6-v2 (verifying weights)", common.json);
	let files = models(common).minilm();
	let id =
		files.weights.sha256.map_or_else(|| files.weights.path.display().to_string(), |h| format!("minilm-l6-v2:{h}"));
	let embedder = Embedder::load(&files)?;
	bar.finish_and_clear();
	Ok((embedder, id))
}

/// SmolLM2-135M-Instruct (weights verified), with a LoRA adapter applied if given.
pub fn load_generator(common: &Common, adapter: Option<&Path>) -> Result<Generator> {
	let bar = spinner("loading SmolLM2-135M-Instruct (verifying weights)", common.json);
	let mut generator = Generator::load(&models(common).smollm2(), !common.quantized)?;
	generator.model_mut().set_step_weights(match common.decode_weights {
		crate::DecodeWeights::Q8 => StepWeights::Q8_0,
		crate::DecodeWeights::F32 => StepWeights::Loaded,
	});
	if let Some(kernel) = common.products.bf16_kernel() {
		generator.model_mut().use_bf16_products(kernel)?;
	}
	if let Some(path) = adapter {
		let lora = LoraAdapter::load(path)?;
		generator.model_mut().apply_lora(&lora, path)?;
	}
	bar.finish_and_clear();
	Ok(generator)
}

/// A bar for embedding a version's chunks, drawn only once embedding starts (a reused index shows nothing).
struct IndexBar {
	message: String,
	quiet: bool,
	bar: Option<ProgressBar>,
}

impl IndexBar {
	fn new(common: &Common, version: &DataNetVersion) -> Self {
		let message = format!("indexing DataNet {} v{}", version.datanet, version.version);
		Self { message, quiet: common.json, bar: None }
	}

	fn show(&mut self, done: usize, total: usize) {
		let bar = self.bar.get_or_insert_with(|| {
			let bar = if self.quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
			bar.set_style(
				ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} chunks ({per_sec}, eta {eta})")
					.unwrap_or_else(|_| ProgressStyle::default_bar()),
			);
			bar.set_message(self.message.clone());
			bar
		});
		bar.set_length(total as u64);
		bar.set_position(done as u64);
	}

	fn finish(&self) {
		if let Some(bar) = &self.bar {
			bar.finish_and_clear();
		}
	}
}

/// Builds `version`'s index (incrementally over the previous version's) and saves it.
pub fn index_version(
	common: &Common,
	config: &IndexConfig,
	version: &DataNetVersion,
	embedder: &Embedder,
	embedder_id: &str,
) -> Result<(StoredIndex, BuildStats)> {
	let mut bar = IndexBar::new(common, version);
	let built = config.build(version, embedder, embedder_id, &mut |done, total| bar.show(done, total));
	bar.finish();
	Ok(built?)
}

/// The index of the manifest's version, reused if current, else built and saved; returns it with the version.
pub fn ensure_index(
	common: &Common,
	config: &IndexConfig,
	embedder: &Embedder,
	embedder_id: &str,
) -> Result<(DataNetVersion, StoredIndex)> {
	let version = config.version()?;
	let mut bar = IndexBar::new(common, &version);
	let stored = config.ensure(&version, embedder, embedder_id, &mut |done, total| bar.show(done, total));
	bar.finish();
	Ok((version, stored?))
}

/// The manifest's version with its indexes, for engines to share (the worker keeps one per set of datasets).
pub fn corpus_on(common: &Common, config: &EngineConfig, embedder: &Embedder, embedder_id: &str) -> Result<Corpus> {
	let version = config.index.version()?;
	let mut bar = IndexBar::new(common, &version);
	let corpus = config.corpus(version, embedder, embedder_id, &mut |done, total| bar.show(done, total));
	bar.finish();
	Ok(corpus?)
}

/// An engine on models already loaded (the worker shares one embedder and one base generator).
pub fn engine_on(
	common: &Common,
	config: &EngineConfig,
	embedder: Arc<Embedder>,
	embedder_id: &str,
	generator: Generator,
) -> Result<Engine> {
	let version = config.index.version()?;
	let mut bar = IndexBar::new(common, &version);
	let engine = config.build(version, embedder, embedder_id, generator, &mut |done, total| bar.show(done, total));
	bar.finish();
	Ok(engine?)
}

/// An engine with its own models: the base generator with `adapter` applied, and `influence` sketches if given.
pub fn engine(
	common: &Common,
	config: &EngineConfig,
	adapter: Option<&Path>,
	influence: Option<&Path>,
) -> Result<Engine> {
	let (embedder, id) = load_embedder(common)?;
	let generator = load_generator(common, adapter)?;
	let engine = engine_on(common, config, Arc::new(embedder), &id, generator)?;
	Ok(match influence {
		Some(path) => engine.with_influence(Arc::new(Influence::load(path)?)),
		None => engine,
	})
}
