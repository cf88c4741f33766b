//! Verbatim credit: long exact word sequences of the answer found in the DataNet, through a suffix array over
//! the DataNet's words. Words are lower-cased alphanumeric runs; datasets are separated by unique sentinels so
//! no match crosses two datasets. Everything is integer, hence bit-exact on every machine.

use std::collections::HashMap;

/// Shortest span (in words) that earns credit.
pub const MIN_SPAN: usize = 3;

/// The DataNet's words and their suffix array.
#[derive(Clone, Debug)]
pub struct VerbatimIndex {
	vocab: HashMap<String, u32>,
	text: Vec<u32>,
	/// Dataset of each position (sentinels included).
	owner: Vec<u64>,
	suffixes: Vec<u32>,
}

/// A matched span of the answer and the datasets it occurs in, with occurrence counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
	pub start: usize,
	pub len: usize,
	pub datasets: Vec<(u64, usize)>,
}

/// Lower-cased alphanumeric words.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
	text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

impl VerbatimIndex {
	/// About how many bytes it holds: four per word position for its text and suffixes, eight for the owner,
	/// and each vocabulary word with a hash-map entry's overhead.
	pub fn memory_bytes(&self) -> usize {
		let positions = self.text.len().saturating_mul(16);
		let vocab: usize = self.vocab.keys().map(|w| w.len().saturating_add(32)).sum();
		positions.saturating_add(vocab)
	}

	/// Builds the index over datasets given as (id, text), in the given order.
	pub fn build<'a>(datasets: impl IntoIterator<Item = (u64, &'a str)>) -> Self {
		let mut vocab: HashMap<String, u32> = HashMap::new();
		let mut text = Vec::new();
		let mut owner = Vec::new();
		let mut sentinel = u32::MAX;
		for (id, body) in datasets {
			for w in words(body) {
				let next = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
				let t = *vocab.entry(w).or_insert(next);
				text.push(t);
				owner.push(id);
			}
			text.push(sentinel);
			owner.push(id);
			sentinel = sentinel.saturating_sub(1);
		}
		let suffixes = suffix_array(&text);
		Self { vocab, text, owner, suffixes }
	}

	/// Words indexed.
	pub fn len(&self) -> usize {
		self.text.len()
	}

	/// True if nothing is indexed.
	pub fn is_empty(&self) -> bool {
		self.text.is_empty()
	}

	/// The suffix-array interval `[lo, hi)` of suffixes starting with `pattern`.
	fn interval(&self, pattern: &[u32]) -> (usize, usize) {
		let suffix = |s: u32| self.text.get(s as usize..).unwrap_or_default();
		let lo = self.suffixes.partition_point(|&s| {
			let suf = suffix(s);
			suf.get(..pattern.len().min(suf.len())).unwrap_or_default() < pattern
		});
		let hi = self.suffixes.partition_point(|&s| {
			let suf = suffix(s);
			suf.get(..pattern.len().min(suf.len())).unwrap_or_default() <= pattern
		});
		(lo, hi.max(lo))
	}

	/// Greedy left-to-right maximal matches of at least [`MIN_SPAN`] words.
	pub fn matches(&self, answer: &str) -> Vec<Span> {
		// A word absent from the DataNet can never match: map it to a value no position holds.
		let query: Vec<u32> =
			words(answer).map(|w| self.vocab.get(&w).copied().unwrap_or(u32::MAX - u32::MAX / 2)).collect();
		let mut spans = Vec::new();
		let mut i = 0usize;
		while i < query.len() {
			let mut len = 0usize;
			let mut best = (0usize, 0usize);
			while i.saturating_add(len) < query.len() {
				let candidate = query.get(i..i.saturating_add(len).saturating_add(1)).unwrap_or_default();
				let (lo, hi) = self.interval(candidate);
				if lo >= hi {
					break;
				}
				len = len.saturating_add(1);
				best = (lo, hi);
			}
			if len >= MIN_SPAN {
				let mut counts: Vec<(u64, usize)> = Vec::new();
				for &s in self.suffixes.get(best.0..best.1).unwrap_or_default() {
					let d = self.owner.get(s as usize).copied().unwrap_or(0);
					match counts.iter_mut().find(|(id, _)| *id == d) {
						Some((_, c)) => *c = c.saturating_add(1),
						None => counts.push((d, 1)),
					}
				}
				counts.sort_unstable();
				spans.push(Span { start: i, len, datasets: counts });
				i = i.saturating_add(len);
			} else {
				i = i.saturating_add(1);
			}
		}
		spans
	}
}

/// Suffix array by prefix doubling (O(n log² n)); ties broken by position, so the result is unique.
pub fn suffix_array(text: &[u32]) -> Vec<u32> {
	let n = text.len();
	let mut sa: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
	let mut rank: Vec<u64> = text.iter().map(|&t| u64::from(t)).collect();
	let mut tmp = vec![0u64; n];
	let mut k = 1usize;
	if n < 2 {
		return sa;
	}
	loop {
		let key = |i: u32, rank: &[u64]| -> (u64, u64) {
			let i = i as usize;
			let second = rank.get(i.saturating_add(k)).map_or(0, |r| r.saturating_add(1));
			(rank.get(i).copied().unwrap_or(0), second)
		};
		sa.sort_unstable_by(|&a, &b| key(a, &rank).cmp(&key(b, &rank)).then(a.cmp(&b)));
		let mut classes = 0u64;
		for w in 0..n {
			if w > 0 {
				let (prev, cur) = (sa.get(w.saturating_sub(1)).copied().unwrap_or(0), sa.get(w).copied().unwrap_or(0));
				if key(prev, &rank) != key(cur, &rank) {
					classes = classes.saturating_add(1);
				}
			}
			if let Some(slot) = sa.get(w).and_then(|&s| tmp.get_mut(s as usize)) {
				*slot = classes;
			}
		}
		std::mem::swap(&mut rank, &mut tmp);
		if classes.saturating_add(1) >= n as u64 {
			break;
		}
		k = k.saturating_mul(2);
	}
	sa
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#[test]
		fn suffix_array_sorts_suffixes(text in proptest::collection::vec(0u32..4, 0..60)) {
			let sa = suffix_array(&text);
			let mut naive: Vec<u32> = (0..text.len() as u32).collect();
			naive.sort_by(|&a, &b| text[a as usize..].cmp(&text[b as usize..]));
			prop_assert_eq!(sa, naive);
		}
	}

	#[test]
	fn finds_spans_in_the_right_dataset() {
		let idx = VerbatimIndex::build([
			(1, "Zorvatin is dosed at 40 mg once daily."),
			(2, "Melquizole treats fungal keratitis; the dose is 200 mg."),
		]);
		let spans = idx.matches("The standard dose: Zorvatin is dosed at 40 mg, taken daily.");
		assert_eq!(spans.len(), 1);
		assert_eq!(spans[0].len, 6); // "zorvatin is dosed at 40 mg"
		assert_eq!(spans[0].datasets, vec![(1, 1)]);
		assert!(idx.matches("nothing here matches at all").is_empty());
	}

	#[test]
	fn spans_never_cross_datasets() {
		let idx = VerbatimIndex::build([(1, "alpha beta gamma"), (2, "delta epsilon zeta")]);
		let spans = idx.matches("alpha beta gamma delta epsilon zeta");
		assert_eq!(
			spans.iter().map(|s| (s.len, s.datasets.clone())).collect::<Vec<_>>(),
			vec![(3, vec![(1, 1)]), (3, vec![(2, 1)])]
		);
	}
}
