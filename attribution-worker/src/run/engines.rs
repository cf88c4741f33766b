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

/// At most `capacity` values by model id, least recently used evicted first.
#[derive(Debug)]
pub struct EngineCache<T> {
	capacity: usize,
	clock: u64,
	entries: HashMap<u32, (Arc<T>, u64)>,
}

impl<T> EngineCache<T> {
	/// A cache of at most `capacity` (at least 1) values.
	pub fn new(capacity: usize) -> Self {
		Self { capacity: capacity.max(1), clock: 0, entries: HashMap::new() }
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

	/// Keeps `value` for `model`; returns the model evicted to make room, if any.
	pub fn insert(&mut self, model: u32, value: Arc<T>) -> Option<u32> {
		self.clock = self.clock.saturating_add(1);
		let mut evicted = None;
		if !self.entries.contains_key(&model) && self.entries.len() >= self.capacity {
			evicted = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(id, _)| *id);
			if let Some(id) = evicted {
				self.entries.remove(&id);
			}
		}
		self.entries.insert(model, (value, self.clock));
		evicted
	}

	/// Drops `model`'s value, if kept.
	pub fn remove(&mut self, model: u32) {
		self.entries.remove(&model);
	}

	/// How many values are kept.
	#[cfg(test)]
	fn len(&self) -> usize {
		self.entries.len()
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

	#[test]
	fn the_least_recently_used_engine_is_evicted_and_the_cache_never_grows_past_its_capacity() {
		let mut cache = EngineCache::new(2);
		assert_eq!(cache.insert(1, Arc::new("one")), None);
		assert_eq!(cache.insert(2, Arc::new("two")), None);
		assert_eq!(cache.get(1).as_deref(), Some(&"one")); // 2 is now the least recently used
		assert_eq!(cache.insert(3, Arc::new("three")), Some(2));
		assert_eq!(cache.get(2), None);
		assert_eq!(cache.insert(3, Arc::new("three again")), None, "replacing evicts nothing");
		for model in 10..1_000 {
			cache.insert(model, Arc::new("many"));
			assert!(cache.len() <= 2);
		}
		assert_eq!(cache.get(999).as_deref(), Some(&"many"));
		cache.remove(999);
		assert_eq!(cache.get(999), None, "a retired model's engine is dropped");
		assert_eq!(cache.len(), 1);
	}
}
