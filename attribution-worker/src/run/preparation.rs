//! Getting models ready: a DataNet version's content fetched, checked and indexed, a model's engine built and
//! kept. The background queue ([`super::background`]) does this ahead of time; a request for a model that is not
//! ready yet does it on the spot.

use std::{
	path::PathBuf,
	sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use anyhow::Result;
use openledger_primitives::model::ModelStatus;
use attribution_engine::{
	attribute::{Corpus, Engine},
	generate::openlora::AdapterSource,
	train::influence::Influence,
	EngineConfig, IndexConfig,
};

use super::{
	background::{Done, Job},
	content::Content,
	engines::{EngineCache, Footprint, Shared},
	metrics::Metrics,
	models::SharedModels,
};
use crate::{
	loading::{corpus_on, ensure_index},
	Common,
};

/// What identifies a corpus: a DataNet version and the datasets of it a model credits (content on chain never
/// changes, so equal keys mean equal texts and indexes).
type CorpusKey = (u32, u32, Vec<u64>);

impl Footprint for Engine {
	fn shared_part(&self) -> (usize, usize) {
		(Arc::as_ptr(&self.corpus) as usize, self.corpus.memory_bytes())
	}
}

/// Builds and keeps the worker's engines; shared by the block loop and the background queue.
#[derive(Clone)]
pub struct Engines {
	pub content: Content,
	pub common: Common,
	/// The embedder and the base generator with its adapter cache, shared by every engine.
	pub models: Arc<SharedModels>,
	pub metrics: Metrics,
	pub data_dir: PathBuf,
	cache: Arc<Mutex<EngineCache<Engine>>>,
	corpora: Arc<Mutex<Shared<CorpusKey, Corpus>>>,
}

impl Engines {
	/// Engines over `content`, at most `max_engines` kept.
	pub fn new(
		content: Content,
		common: Common,
		models: Arc<SharedModels>,
		metrics: Metrics,
		max_engines: usize,
		engine_memory: usize,
	) -> Self {
		let data_dir = content.data_dir.clone();
		let cache = Arc::new(Mutex::new(EngineCache::new(max_engines, engine_memory)));
		Self { content, common, models, metrics, data_dir, cache, corpora: Arc::default() }
	}

	fn cache(&self) -> MutexGuard<'_, EngineCache<Engine>> {
		// A panic while holding the lock leaves a plain map behind: still usable.
		self.cache.lock().unwrap_or_else(PoisonError::into_inner)
	}

	/// Does one background job.
	pub async fn run(&self, job: Job) -> Result<Done> {
		match job {
			Job::Index { datanet, version } => self.index(datanet, version).await.map(|()| Done::Ran),
			Job::Prepare { model } => {
				if self.content.model(model).await?.status == ModelStatus::Retired {
					tracing::debug!("model {model} was retired before it was prepared; skipped");
					return Ok(Done::Skipped);
				}
				self.get(model).await.map(|_| Done::Ran)
			},
			// The queue's runner hands these to the validation duty (`Worker::new`).
			Job::Validate(assignment) => anyhow::bail!("{assignment:?} is not an engine job"),
		}
	}

	/// Drops `model`'s engine (a retired model: a request it still owes an answer rebuilds it).
	pub fn forget(&self, model: u32) {
		let mut cache = self.cache();
		cache.remove(model);
		self.metrics.engines.set(cache.len() as u64);
	}

	/// Fetches, checks and indexes a new DataNet version, so the models built on it load quickly.
	pub async fn index(&self, datanet: u32, version: u32) -> Result<()> {
		let Some(manifest) = self.content.prepare_version(datanet, version).await? else {
			tracing::info!("DataNet {datanet} version {version} has no datasets; nothing to index");
			return Ok(());
		};
		let (common, config) = (self.common.clone(), IndexConfig::new(manifest, self.data_dir.join("indexes")));
		let models = self.models.clone();
		let chunks = tokio::task::spawn_blocking(move || -> Result<usize> {
			let (embedder, embedder_id) = models.embedder()?;
			let (_, stored) = ensure_index(&common, &config, &embedder, &embedder_id)?;
			Ok(stored.index.len())
		})
		.await??;
		tracing::info!("indexed DataNet {datanet} version {version}: {chunks} chunks");
		Ok(())
	}

	/// The engine for `model`: its content fetched, checked and indexed, its adapter applied, on first use.
	pub async fn get(&self, model: u32) -> Result<Arc<Engine>> {
		if let Some(engine) = self.cache().get(model) {
			return Ok(engine);
		}
		let info = self.content.model(model).await?;
		let prepared = self.content.prepare_model(&info).await?;
		tracing::info!(
			"loading model {model}: DataNet {} version {} ({} datasets){}{}",
			info.datanet,
			info.version,
			info.datasets.len(),
			info.adapter.map(|hash| format!(", LoRA adapter {hash:?}")).unwrap_or_default(),
			if prepared.influence.is_some() { ", influence sketches" } else { "" }
		);
		// The protocol's defaults: every committee member recomputes with the same chunking and knobs.
		let config = EngineConfig::new(prepared.manifest, prepared.index_dir);
		let (common, models, corpora) = (self.common.clone(), self.models.clone(), self.corpora.clone());
		let adapter = info.adapter.zip(prepared.adapter).map(|(hash, path)| AdapterSource { hash, path });
		let influence = prepared.influence;
		let key: CorpusKey = (info.datanet, info.version, info.datasets.clone());
		let engine = tokio::task::spawn_blocking(move || -> Result<Engine> {
			let ((embedder, embedder_id), adapters) = (models.embedder()?, models.adapters()?);
			let shared = corpora.lock().unwrap_or_else(PoisonError::into_inner).get(&key);
			let corpus = match shared {
				Some(corpus) => corpus,
				None => {
					let corpus = Arc::new(corpus_on(&common, &config, &embedder, &embedder_id)?);
					corpora.lock().unwrap_or_else(PoisonError::into_inner).insert(key, &corpus);
					corpus
				},
			};
			let engine = Engine::on_corpus(embedder, adapters.base().clone(), corpus, config.attribution)?;
			let engine = match adapter {
				Some(source) => engine.with_adapter(adapters, source),
				None => engine,
			};
			let engine = match influence {
				Some(path) => engine.with_influence(Arc::new(Influence::load(&path)?)),
				None => engine,
			};
			// Load the adapter now: one that does not fit the base model is refused here, by name.
			engine.model()?;
			Ok(engine)
		})
		.await??;
		self.models.observe(&self.metrics);
		let engine = Arc::new(engine);
		{
			let mut cache = self.cache();
			for evicted in cache.insert(model, engine.clone()) {
				tracing::debug!(
					"model {evicted}'s engine evicted (--max-engines, --engine-memory-mb); rebuilt on its next request"
				);
			}
			self.metrics.engines.set(cache.len() as u64);
		}
		tracing::info!("model {model} ready");
		Ok(engine)
	}
}
