//! The MinHash sketch of a dataset, used to refuse near duplicates (see `dataset::sketch_similarity`).
//!
//! Reference definition (the worker, the JS tooling in `scripts/e2e/lib/sketch.mjs` and any other
//! contributor tooling must match it bit for bit):
//! 1. normalise: ASCII letters lowercased, every run of ASCII whitespace replaced by one space;
//! 2. shingles: every window of [`SHINGLE_LEN`] bytes of the normalised text (the whole text if shorter);
//! 3. for each shingle `s`, `x = u64::from_le_bytes(twox_64(s))`;
//! 4. value `i` of the sketch is the minimum over shingles of
//!    `((x ^ k_i).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32`, with `k_i = u64::from_le_bytes(twox_64(i as u32, LE))`.
//!
//! Empty content gives all `u32::MAX`. Estimated Jaccard similarity of two texts' shingle sets is the share of
//! positions where their sketches agree.

use crate::dataset::SKETCH_LEN;
use sp_crypto_hashing::twox_64;

/// Bytes per shingle.
pub const SHINGLE_LEN: usize = 8;
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

fn normalise(content: &[u8]) -> alloc::vec::Vec<u8> {
	let mut out = alloc::vec::Vec::with_capacity(content.len());
	let mut in_space = false;
	for &byte in content {
		if byte.is_ascii_whitespace() {
			if !in_space {
				out.push(b' ');
			}
			in_space = true;
		} else {
			out.push(byte.to_ascii_lowercase());
			in_space = false;
		}
	}
	out
}

/// The MinHash sketch of `content`.
pub fn minhash_sketch(content: &[u8]) -> [u32; SKETCH_LEN as usize] {
	let keys: [u64; SKETCH_LEN as usize] = core::array::from_fn(|i| u64::from_le_bytes(twox_64(&(i as u32).to_le_bytes())));
	let mut sketch = [u32::MAX; SKETCH_LEN as usize];
	let text = normalise(content);
	if text.is_empty() {
		return sketch;
	}
	let window = SHINGLE_LEN.min(text.len());
	for shingle in text.windows(window) {
		let x = u64::from_le_bytes(twox_64(shingle));
		for (value, key) in sketch.iter_mut().zip(keys.iter()) {
			let h = ((x ^ key).wrapping_mul(MIX) >> 32) as u32;
			if h < *value {
				*value = h;
			}
		}
	}
	sketch
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
	use super::*;
	use crate::dataset::sketch_similarity;
	use sp_runtime::Permill;

	/// Pseudo-random words from a seeded generator: different seeds share few 8-byte shingles.
	fn corpus(seed: u32, words: u32) -> alloc::string::String {
		let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
		let mut text = alloc::string::String::new();
		for _ in 0..words {
			let len = 3 + state % 6;
			for _ in 0..len {
				state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
				text.push((b'a' + ((state >> 16) % 26) as u8) as char);
			}
			text.push(' ');
		}
		text
	}

	#[test]
	fn known_answer_shared_with_the_js_tooling() {
		let sketch = minhash_sketch(b"The quick  brown fox\njumps over the lazy dog");
		assert_eq!(&sketch[..4], &KNOWN_ANSWER);
		assert_eq!(sketch, minhash_sketch(b"the quick brown fox jumps over the lazy dog"), "normalised");
	}

	#[test]
	fn near_copies_agree_and_unrelated_texts_do_not() {
		let original = corpus(1, 400);
		let edited = alloc::format!("{}an edited sentence {}", &original[..200], &original[200..]);
		let other = corpus(2, 400);
		let near = sketch_similarity(&minhash_sketch(original.as_bytes()), &minhash_sketch(edited.as_bytes()));
		let far = sketch_similarity(&minhash_sketch(original.as_bytes()), &minhash_sketch(other.as_bytes()));
		assert!(near > Permill::from_percent(90), "near copy only {near:?}");
		assert!(far < Permill::from_percent(50), "unrelated texts {far:?}");
	}

	#[test]
	fn empty_content_is_all_max() {
		assert_eq!(minhash_sketch(b""), [u32::MAX; SKETCH_LEN as usize]);
		assert_eq!(minhash_sketch(b" \n\t"), minhash_sketch(b" "));
	}

	const KNOWN_ANSWER: [u32; 4] = [131_506_423, 100_114_357, 146_665_177, 265_877_002];
}
