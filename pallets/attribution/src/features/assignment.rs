//! Drawing servers and committees from the active validators, deterministically from on-chain randomness
//! every node agrees on: the request id and the parent block hash.

use alloc::vec::Vec;
use codec::Encode;
use openledger_primitives::staking::ValidatorSet;
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash};

use crate::*;

impl<T: Config> Pallet<T> {
	/// A request's seed: blake2-256 of its id and the parent block hash.
	pub(crate) fn request_seed(id: RequestId) -> H256 {
		BlakeTwo256::hash_of(&(b"ol/request", id, frame_system::Pallet::<T>::parent_hash()))
	}

	/// The active validators except those in `excluded`. Every active validator registered a worker key
	/// (`validate` requires one), so none is filtered out here: reading each one's key would cost a storage
	/// proof per validator on every request. One whose key vanished simply cannot answer and times out.
	fn servable(excluded: &[T::AccountId]) -> Vec<T::AccountId> {
		T::Validators::active_validators().into_iter().filter(|v| !excluded.contains(v)).collect()
	}

	/// The server for a request's `assignment`-th draw (0 first), not one of `excluded`.
	pub(crate) fn draw_server(seed: H256, assignment: u8, excluded: &[T::AccountId]) -> Option<T::AccountId> {
		draw(Self::servable(excluded), 1, BlakeTwo256::hash_of(&(seed, b"server", assignment))).into_iter().next()
	}

	/// Up to `size` validators other than `server` for `round`, drawn with the parent block hash mixed in so
	/// that a challenge committee is not known before the challenge.
	pub(crate) fn draw_committee(seed: H256, round: Round, server: &T::AccountId, size: u32) -> Committee<T> {
		let seed = BlakeTwo256::hash_of(&(seed, round, frame_system::Pallet::<T>::parent_hash()));
		let members = draw(Self::servable(core::slice::from_ref(server)), size as usize, seed);
		Committee::<T>::truncate_from(members)
	}
}

/// `count` distinct items of `items` in a seeded random order (a partial Fisher–Yates shuffle).
fn draw<A: Encode>(mut items: Vec<A>, count: usize, seed: H256) -> Vec<A> {
	let count = count.min(items.len());
	for i in 0..count {
		let remaining = items.len().saturating_sub(i) as u64;
		let roll = BlakeTwo256::hash_of(&(seed, i as u32));
		let mut word = [0u8; 8];
		word.copy_from_slice(roll.as_bytes().get(..8).unwrap_or(&[0u8; 8]));
		let offset = u64::from_le_bytes(word).checked_rem(remaining).unwrap_or(0) as usize;
		items.swap(i, i.saturating_add(offset));
	}
	items.truncate(count);
	items
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn draw_is_a_seeded_sample_without_repeats() {
		let items: Vec<u32> = (0..10).collect();
		let first = draw(items.clone(), 4, H256::repeat_byte(1));
		assert_eq!(first, draw(items.clone(), 4, H256::repeat_byte(1)));
		assert_eq!(first.len(), 4);
		let mut sorted = first.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), 4);
		assert_ne!(first, draw(items.clone(), 4, H256::repeat_byte(2)));
		assert_eq!(draw(items.clone(), 20, H256::zero()).len(), 10);
		assert!(draw(Vec::<u32>::new(), 3, H256::zero()).is_empty());
	}

	#[test]
	fn every_item_can_be_drawn_first() {
		let mut seen = std::collections::BTreeSet::new();
		for seed in 0..200u8 {
			seen.extend(draw((0..5u32).collect(), 1, H256::repeat_byte(seed)));
		}
		assert_eq!(seen.len(), 5);
	}
}
