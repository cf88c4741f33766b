//! The engines a worker keeps between requests, least recently used evicted first. Anyone can register models
//! (and retire them to get the deposit back), so the worker keeps a bounded number (`--max-engines`); an evicted
//! model's engine is rebuilt from its prepared content on its next request.

use std::{collections::HashMap, sync::Arc};

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
	}
}
