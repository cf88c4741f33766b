//! The models a worker loads once and shares between all its engines: all-MiniLM-L6-v2 for every index and
//! query, and SmolLM2 as the base model of an OpenLoRA adapter cache — every served model is that one base,
//! plus its LoRA adapter if it has one, loaded on first use and evicted under `--adapter-memory-mb`.

use super::metrics::Metrics;
use crate::{
	loading::{load_embedder, load_generator},
	Common,
};
use anyhow::Result;
use attribution_engine::{
	embed::Embedder,
	generate::openlora::{mebibytes, AdapterCache},
};
use std::sync::{Arc, Mutex, PoisonError};

/// Loaded on first use (blocking: call from `spawn_blocking`), then shared.
pub struct SharedModels {
	common: Common,
	adapter_budget: usize,
	embedder: Mutex<Option<(Arc<Embedder>, String)>>,
	adapters: Mutex<Option<Arc<AdapterCache>>>,
}

impl SharedModels {
	/// Nothing loaded yet; adapters will be kept under `adapter_budget_mib`.
	pub fn new(common: Common, adapter_budget_mib: usize) -> Self {
		Self {
			common,
			adapter_budget: mebibytes(adapter_budget_mib),
			embedder: Mutex::new(None),
			adapters: Mutex::new(None),
		}
	}

	/// The embedder and its id (what indexes record).
	///
	/// # Errors
	/// Missing or corrupt weights.
	pub fn embedder(&self) -> Result<(Arc<Embedder>, String)> {
		let mut slot = self.embedder.lock().unwrap_or_else(PoisonError::into_inner);
		if let Some(loaded) = slot.as_ref() {
			return Ok(loaded.clone());
		}
		let (embedder, id) = load_embedder(&self.common)?;
		let loaded = (Arc::new(embedder), id);
		*slot = Some(loaded.clone());
		Ok(loaded)
	}

	/// The adapter cache over the one base generator.
	///
	/// # Errors
	/// Missing or corrupt weights; a zero budget.
	pub fn adapters(&self) -> Result<Arc<AdapterCache>> {
		let mut slot = self.adapters.lock().unwrap_or_else(PoisonError::into_inner);
		if let Some(cache) = slot.as_ref() {
			return Ok(cache.clone());
		}
		let base = load_generator(&self.common, None)?;
		let cache = Arc::new(AdapterCache::new(base, self.adapter_budget)?);
		*slot = Some(cache.clone());
		Ok(cache)
	}

	/// Publishes the adapter cache's state in the metrics.
	pub fn observe(&self, metrics: &Metrics) {
		let Some(cache) = self.adapters.lock().unwrap_or_else(PoisonError::into_inner).clone() else { return };
		let stats = cache.stats();
		metrics.adapters_cached.set(stats.cached as u64);
		metrics.adapter_cache_bytes.set(stats.cached_bytes as u64);
		metrics.adapter_loads.inc_by(stats.misses.saturating_sub(metrics.adapter_loads.get()));
		metrics.adapter_evictions.inc_by(stats.evictions.saturating_sub(metrics.adapter_evictions.get()));
	}
}
