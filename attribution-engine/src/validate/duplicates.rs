//! Row-level near duplicates: two rows are duplicates when their word sets share at least
//! [`DUPLICATE_PERCENT`] % (Jaccard similarity). Word *sets*, so reordering or shuffling a row's words does not
//! hide it. Candidates are found by MinHash banding ([`BANDS`] bands of [`ROWS_PER_BAND`] values: a pair at
//! 80 % is a candidate with probability 1 − (1 − 0.8⁴)¹⁶ ≈ 0.9998), then every candidate pair is checked
//! exactly, so no pair below the threshold is ever reported.

use super::row_text::jaccard_percent;
use std::collections::HashMap;

/// Word-set similarity (%) at which two rows are the same row.
pub const DUPLICATE_PERCENT: usize = 80;
/// MinHash bands.
pub const BANDS: usize = 16;
/// MinHash values per band.
pub const ROWS_PER_BAND: usize = 4;
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

fn band_keys(words: &[u64]) -> [u64; BANDS] {
	let mut minima = [u64::MAX; BANDS * ROWS_PER_BAND];
	for &w in words {
		for (i, m) in (0u64..).zip(minima.iter_mut()) {
			let h = (w ^ i.wrapping_mul(MIX)).wrapping_mul(MIX).rotate_left(29).wrapping_mul(MIX);
			if h < *m {
				*m = h;
			}
		}
	}
	let mut keys = [0u64; BANDS];
	for (key, band) in keys.iter_mut().zip(minima.chunks(ROWS_PER_BAND)) {
		*key = band.iter().fold(0xcbf2_9ce4_8422_2325u64, |acc, v| (acc ^ v).wrapping_mul(0x0100_0000_01b3));
	}
	keys
}

/// Word sets already seen, searchable for near duplicates.
#[derive(Default)]
pub struct SeenRows<'a> {
	rows: Vec<&'a [u64]>,
	buckets: HashMap<(usize, u64), Vec<usize>>,
}

impl<'a> SeenRows<'a> {
	/// Whether a row already added has at least [`DUPLICATE_PERCENT`] % of `words` in common.
	pub fn contains_near(&self, words: &[u64]) -> bool {
		if words.is_empty() {
			return false;
		}
		band_keys(words).iter().enumerate().any(|(band, key)| {
			self.buckets.get(&(band, *key)).is_some_and(|rows| {
				rows.iter()
					.any(|&r| self.rows.get(r).is_some_and(|seen| jaccard_percent(seen, words) >= DUPLICATE_PERCENT))
			})
		})
	}

	pub fn add(&mut self, words: &'a [u64]) {
		if words.is_empty() {
			return;
		}
		let row = self.rows.len();
		self.rows.push(words);
		for (band, key) in band_keys(words).into_iter().enumerate() {
			self.buckets.entry((band, key)).or_default().push(row);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::super::row_text::RowText;
	use super::*;

	#[test]
	fn shuffled_and_lightly_edited_rows_are_found_and_unrelated_ones_are_not() {
		let member = RowText::read(
			"Aspirin at low dose lowered the rate of stroke in older patients with atrial fibrillation over two years",
		);
		let shuffled = RowText::read(
			"years two over fibrillation atrial with patients older in stroke of rate the lowered dose low at Aspirin",
		);
		let edited = RowText::read(
			"Aspirin at low dose lowered the rate of stroke in elderly patients with atrial fibrillation over two years",
		);
		let other = RowText::read("Warfarin doubled the bleeding risk in a cohort of dialysis patients over one year");
		let mut seen = SeenRows::default();
		seen.add(&member.words);
		assert!(seen.contains_near(&shuffled.words));
		assert!(seen.contains_near(&edited.words), "{}", jaccard_percent(&member.words, &edited.words));
		assert!(!seen.contains_near(&other.words));
		assert!(!seen.contains_near(&[]));
	}

	#[test]
	fn banding_misses_no_duplicate_among_many_rows() {
		// 500 rows of 30 distinct pseudo-random words; each copied with 2 words changed (Jaccard 30/34 ≈ 88 %).
		let mut state = 7u64;
		let mut next = || {
			state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
			state
		};
		let rows: Vec<Vec<u64>> = (0..500)
			.map(|_| {
				let mut w: Vec<u64> = (0..30).map(|_| next()).collect();
				w.sort_unstable();
				w
			})
			.collect();
		let mut seen = SeenRows::default();
		for r in &rows {
			seen.add(r);
		}
		for r in &rows {
			let mut copy = r.clone();
			copy[0] = next();
			copy[1] = next();
			copy.sort_unstable();
			assert!(seen.contains_near(&copy));
			let fresh: Vec<u64> = {
				let mut w: Vec<u64> = (0..30).map(|_| next()).collect();
				w.sort_unstable();
				w
			};
			assert!(!seen.contains_near(&fresh));
		}
	}
}
