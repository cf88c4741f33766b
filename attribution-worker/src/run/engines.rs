//! The engines a worker keeps between requests, least recently used evicted first. Anyone can register models
//! (and retire them to get the deposit back), so the worker keeps a bounded number (`--max-engines`); an evicted
//! model's engine is rebuilt from its prepared content on its next request. Engines over the same datasets share
//! one corpus (texts, vector and verbatim indexes: [`Shared`]), kept while any engine holds it.

use std::{
	collections::HashMap,
	hash::Hash,
	sync::{Arc, Weak},
};

/// Values shared by key while anyone holds them: built once and handed out again as long as a holder keeps one
/// alive; freed with its last holder (so the engines' LRU bounds these too), and built again on the next use.
#[derive(Debug)]
pub struct Shared<K, T> {
	entries: HashMap<K, Weak<T>>,
}

impl<K: Eq + Hash, T> Default for Shared<K, T> {
	fn default() -> Self {
		Self { entries: HashMap::new() }
	}
}

impl<K: Eq + Hash, T> Shared<K, T> {
	/// `key`'s value, if some holder still keeps it.
	pub fn get(&self, key: &K) -> Option<Arc<T>> {
		self.entries.get(key).and_then(Weak::upgrade)
	}

	/// Shares `value` under `key`, forgetting the keys whose values are gone.
	pub fn insert(&mut self, key: K, value: &Arc<T>) {
		self.entries.retain(|_, held| held.strong_count() > 0);
		self.entries.insert(key, Arc::downgrade(value));
	}

	/// How many keys are remembered.
	#[cfg(test)]
	fn len(&self) -> usize {
		self.entries.len()
	}
}

/// What a kept value costs in memory: the part it may share with other values (named by its address, counted
/// once however many values hold it) and that part's size in bytes.
pub trait Footprint {
	fn shared_part(&self) -> (usize, usize);
}

/// At most `capacity` values by model id, and values whose shared parts together take at most `budget` bytes;
/// least recently used evicted first.
#[derive(Debug)]
pub struct EngineCache<T> {
	capacity: usize,
	budget: usize,
	clock: u64,
	entries: HashMap<u32, (Arc<T>, u64)>,
}

impl<T: Footprint> EngineCache<T> {
	/// A cache of at most `capacity` (at least 1) values within `budget` bytes.
	pub fn new(capacity: usize, budget: usize) -> Self {
		Self { capacity: capacity.max(1), budget, clock: 0, entries: HashMap::new() }
	}

	/// Model `model`'s value, now the most recently used.
	pub fn get(&mut self, model: u32) -> Option<Arc<T>> {
		self.clock = self.clock.saturating_add(1);
		let clock = self.clock;
		self.entries.get_mut(&model).map(|(value, used)| {
			*used = clock;
			value.clone()
		})
	}

	/// Keeps `value` for `model`; returns the models evicted to make room, least recently used first: while more
	/// than `capacity` are kept, or their shared parts take more than the budget. The value just kept is never
	/// evicted (a request needs it now), even when it alone is over the budget.
	pub fn insert(&mut self, model: u32, value: Arc<T>) -> Vec<u32> {
		self.clock = self.clock.saturating_add(1);
		self.entries.insert(model, (value, self.clock));
		let mut evicted = Vec::new();
		while self.entries.len() > self.capacity || self.bytes() > self.budget {
			let oldest = self.entries.iter().filter(|(id, _)| **id != model).min_by_key(|(_, (_, used))| *used);
			let Some(id) = oldest.map(|(id, _)| *id) else { break };
			self.entries.remove(&id);
			evicted.push(id);
		}
		evicted
	}

	/// Drops `model`'s value, if kept.
	pub fn remove(&mut self, model: u32) {
		self.entries.remove(&model);
	}

	/// How many values are kept.
	pub fn len(&self) -> usize {
		self.entries.len()
	}

	/// The bytes the kept values' shared parts take, each part counted once.
	pub fn bytes(&self) -> usize {
		let parts: HashMap<usize, usize> = self.entries.values().map(|(value, _)| value.shared_part()).collect();
		parts.values().fold(0, |sum, bytes| sum.saturating_add(*bytes))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_shared_value_is_reused_while_held_and_forgotten_with_its_last_holder() {
		let mut shared: Shared<(u32, u32), String> = Shared::default();
		let first = Arc::new("version 1 of DataNet 0".to_owned());
		shared.insert((0, 1), &first);
		let again = shared.get(&(0, 1)).expect("held by `first`");
		assert!(Arc::ptr_eq(&first, &again), "the same value, not a copy");
		drop((first, again));
		assert_eq!(shared.get(&(0, 1)), None, "freed with its last holder");
		// Dead entries are forgotten when the next value comes, so the map stays as small as what is held.
		let other = Arc::new("version 2".to_owned());
		shared.insert((0, 2), &other);
		assert_eq!(shared.len(), 1);
	}

	/// An engine stand-in: which corpus it holds and that corpus's size.
	#[derive(Debug, PartialEq)]
	struct Held(&'static str, usize, usize);

	impl Footprint for Held {
		fn shared_part(&self) -> (usize, usize) {
			(self.1, self.2)
		}
	}

	const UNLIMITED: usize = usize::MAX;

	#[test]
	fn the_least_recently_used_engine_is_evicted_and_the_cache_never_grows_past_its_capacity() {
		let mut cache = EngineCache::new(2, UNLIMITED);
		let held = |name| Arc::new(Held(name, 0, 1));
		assert!(cache.insert(1, held("one")).is_empty());
		assert!(cache.insert(2, held("two")).is_empty());
		assert_eq!(cache.get(1).map(|v| v.0), Some("one")); // 2 is now the least recently used
		assert_eq!(cache.insert(3, held("three")), vec![2]);
		assert_eq!(cache.get(2), None);
		assert!(cache.insert(3, held("three again")).is_empty(), "replacing evicts nothing");
		for model in 10..1_000 {
			cache.insert(model, held("many"));
			assert!(cache.len() <= 2);
		}
		assert_eq!(cache.get(999).map(|v| v.0), Some("many"));
		cache.remove(999);
		assert_eq!(cache.get(999), None, "a retired model's engine is dropped");
		assert_eq!(cache.len(), 1);
	}

	#[test]
	fn engines_are_evicted_to_keep_their_corpora_within_the_memory_budget_a_shared_corpus_counted_once() {
		// Corpus 1 is 600 bytes and shared by models 1 and 2; corpus 2 is 500; the budget is 1 000.
		let mut cache = EngineCache::new(64, 1_000);
		assert!(cache.insert(1, Arc::new(Held("a", 1, 600))).is_empty());
		assert!(cache.insert(2, Arc::new(Held("b", 1, 600))).is_empty(), "the shared corpus is counted once");
		assert_eq!(cache.bytes(), 600);
		assert_eq!(cache.insert(3, Arc::new(Held("c", 2, 500))), vec![1, 2], "both holders of corpus 1 go");
		assert_eq!(cache.bytes(), 500);
		// One engine over the whole budget is still kept: its request needs it.
		assert_eq!(cache.insert(4, Arc::new(Held("d", 3, 5_000))), vec![3]);
		assert_eq!(cache.len(), 1);
		assert!(cache.get(4).is_some());
	}
}
