//! Drawing validators for a duty (an answer, a review, a validation) from seeded randomness: one rule for every
//! pallet that draws, so a committee is as unsteerable wherever it is drawn.

use alloc::vec::Vec;
use codec::Encode;
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash};

/// The randomness draws are seeded with: every block's randomness so far, hashed together (the attribution
/// pallet mixes BABE's VRF output of each parent block into it in `on_initialize`).
pub trait DrawEntropy {
	/// The entropy as of this block.
	fn entropy() -> H256;
}

/// `count` distinct items of `items` in a seeded random order (a partial Fisher–Yates shuffle).
pub fn draw<A: Encode>(mut items: Vec<A>, count: usize, seed: H256) -> Vec<A> {
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
	#![allow(clippy::unwrap_used)]
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
