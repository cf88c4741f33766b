//! OpenLoRA: many fine-tuned models served from one base model in memory.
//!
//! A model fine-tuned by ModelFactory differs from the base only by its LoRA adapter (≈ 1.8 MB at rank 8 on
//! `attn_q`/`attn_v`, against ≈ 540 MB for the f32 base or ≈ 100 MB quantised). [`AdapterCache`] keeps one
//! base [`Generator`] and, per adapter, a clone of it carrying that adapter's deltas — the clone shares every
//! base tensor, so it costs only the adapter. Adapters are loaded on first use from their content-addressed
//! file (hash-checked on every load), kept in least-recently-used order, and evicted while the cached
//! adapters' bytes exceed the memory budget. Requests for different adapters are then decoded together with
//! [`Generator::generate_batch`] (rows grouped by adapter; each group adds its low-rank delta to the shared
//! base product), after S-LoRA and Punica.
//!
//! An adapter evicted while a batch still uses it lives until that batch ends (it is reference-counted), so
//! the budget bounds what the cache holds, not what in-flight requests hold.

use super::{lora::LoraAdapter, Generator};
use crate::error::{Result, WorkerError};
use openledger_primitives::content::content_hash;
use sp_core::H256;
use std::{
	path::PathBuf,
	sync::{Arc, Mutex, MutexGuard},
	time::{Duration, Instant},
};

/// Where an adapter's bytes are and the content hash they must have (the hash the chain records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSource {
	pub hash: H256,
	pub path: PathBuf,
}

/// What the cache has done since it was created.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CacheStats {
	pub hits: u64,
	pub misses: u64,
	pub evictions: u64,
	/// Adapters cached now, and the bytes their deltas hold.
	pub cached: usize,
	pub cached_bytes: usize,
	/// Time spent loading on misses (read, hash check, parse, shape check).
	pub load_time: Duration,
}

struct Inner {
	lru: lru::LruCache<H256, Arc<Generator>>,
	bytes: usize,
	stats: CacheStats,
}

/// One base model and the adapters used recently, under a memory budget.
pub struct AdapterCache {
	base: Generator,
	budget: usize,
	inner: Mutex<Inner>,
}

impl AdapterCache {
	/// A cache over `base` (its own adapter, if any, is ignored: adapters replace it) holding at most
	/// `budget_bytes` of adapter deltas.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a zero budget.
	pub fn new(base: Generator, budget_bytes: usize) -> Result<Self> {
		if budget_bytes == 0 {
			return Err(WorkerError::InvalidInput("the adapter memory budget is 0 bytes".into()));
		}
		let lru = lru::LruCache::unbounded();
		Ok(Self { base, budget: budget_bytes, inner: Mutex::new(Inner { lru, bytes: 0, stats: CacheStats::default() }) })
	}

	/// The base model every adapter is applied to.
	pub fn base(&self) -> &Generator {
		&self.base
	}

	/// The memory budget in bytes.
	pub fn budget(&self) -> usize {
		self.budget
	}

	fn lock(&self) -> MutexGuard<'_, Inner> {
		self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
	}

	/// The base model with `source`'s adapter, from the cache or loaded now.
	///
	/// # Errors
	/// [`WorkerError::HashMismatch`] if the file does not hash to `source.hash` (nothing is cached);
	/// [`WorkerError::InvalidModel`] for an unreadable adapter or one that does not fit the base model (another
	/// base model); [`WorkerError::AdapterOverBudget`] for an adapter larger than the whole budget.
	pub fn get(&self, source: &AdapterSource) -> Result<Arc<Generator>> {
		let mut inner = self.lock();
		if let Some(found) = inner.lru.get(&source.hash) {
			let found = found.clone();
			inner.stats.hits = inner.stats.hits.saturating_add(1);
			return Ok(found);
		}
		let started = Instant::now();
		let generator = Arc::new(self.load(source)?);
		let bytes = generator.model().lora_bytes();
		if bytes > self.budget {
			return Err(WorkerError::AdapterOverBudget { path: source.path.clone(), bytes, budget: self.budget });
		}
		while inner.bytes.saturating_add(bytes) > self.budget {
			let Some((_, evicted)) = inner.lru.pop_lru() else { break };
			inner.bytes = inner.bytes.saturating_sub(evicted.model().lora_bytes());
			inner.stats.evictions = inner.stats.evictions.saturating_add(1);
		}
		inner.lru.put(source.hash, generator.clone());
		inner.bytes = inner.bytes.saturating_add(bytes);
		inner.stats.misses = inner.stats.misses.saturating_add(1);
		inner.stats.load_time = inner.stats.load_time.saturating_add(started.elapsed());
		Ok(generator)
	}

	fn load(&self, source: &AdapterSource) -> Result<Generator> {
		let bytes = std::fs::read(&source.path)
			.map_err(|e| WorkerError::Io { path: source.path.clone(), source: e })?;
		let actual = content_hash(&bytes);
		if actual != source.hash {
			return Err(WorkerError::HashMismatch {
				path: source.path.clone(),
				expected: format!("{:?}", source.hash),
				actual: format!("{actual:?}"),
			});
		}
		let adapter = LoraAdapter::from_bytes(&bytes, &source.path)?;
		self.base.with_lora(&adapter, &source.path)
	}

	/// Counters, and what is cached now.
	pub fn stats(&self) -> CacheStats {
		let inner = self.lock();
		CacheStats { cached: inner.lru.len(), cached_bytes: inner.bytes, ..inner.stats.clone() }
	}

	/// True if `hash` is cached (without touching its recency).
	pub fn contains(&self, hash: &H256) -> bool {
		self.lock().lru.contains(hash)
	}
}

/// A budget in MiB as bytes.
pub fn mebibytes(mib: usize) -> usize {
	mib.saturating_mul(1 << 20)
}

