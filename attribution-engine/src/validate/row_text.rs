//! What validators read in one row: its words (for duplicates), its script, and whether it holds any data.

use sp_crypto_hashing::twox_64;

/// Rows with fewer words than this (words of at least two letters or digits) are empty.
pub const MIN_WORDS: usize = 3;
/// Rows whose non-blank characters are less than this share (%) letters are empty (tables of symbols, numbers).
pub const MIN_LETTER_PERCENT: usize = 40;

/// A writing system, as far as telling a DataNet's language family from another goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
	Latin,
	Greek,
	Cyrillic,
	Hebrew,
	Arabic,
	Devanagari,
	/// Chinese, Japanese and Korean.
	Cjk,
	Other,
}

impl Script {
	/// The script of a letter.
	pub fn of(c: char) -> Self {
		match u32::from(c) {
			0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Self::Latin,
			0x370..=0x3FF | 0x1F00..=0x1FFF => Self::Greek,
			0x400..=0x52F => Self::Cyrillic,
			0x590..=0x5FF => Self::Hebrew,
			0x600..=0x6FF | 0x750..=0x77F => Self::Arabic,
			0x900..=0x97F => Self::Devanagari,
			0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF => Self::Cjk,
			_ => Self::Other,
		}
	}
}

/// One row, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowText {
	/// Hashes of the row's distinct words (lower-cased runs of letters and digits), sorted.
	pub words: Vec<u64>,
	/// Words of two or more characters.
	pub long_words: usize,
	/// The script most of its letters are in (`None`: no letters).
	pub script: Option<Script>,
	/// Letters among the non-blank characters, in percent.
	pub letter_percent: usize,
}

impl RowText {
	pub fn read(text: &str) -> Self {
		let mut words = Vec::new();
		let mut long_words = 0usize;
		let mut counts = [0usize; 8];
		let (mut letters, mut visible) = (0usize, 0usize);
		for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
			let lower = word.to_lowercase();
			if lower.chars().nth(1).is_some() {
				long_words = long_words.saturating_add(1);
			}
			words.push(u64::from_le_bytes(twox_64(lower.as_bytes())));
		}
		for c in text.chars().filter(|c| !c.is_whitespace()) {
			visible = visible.saturating_add(1);
			if c.is_alphabetic() {
				letters = letters.saturating_add(1);
				if let Some(n) = counts.get_mut(Script::of(c) as usize) {
					*n = n.saturating_add(1);
				}
			}
		}
		words.sort_unstable();
		words.dedup();
		const ALL: [Script; 8] = [
			Script::Latin,
			Script::Greek,
			Script::Cyrillic,
			Script::Hebrew,
			Script::Arabic,
			Script::Devanagari,
			Script::Cjk,
			Script::Other,
		];
		// Most letters; ties to the earlier script in ALL.
		let script = ALL
			.iter()
			.zip(counts)
			.filter(|(_, n)| *n > 0)
			.max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
			.map(|(s, _)| *s);
		let letter_percent = letters.saturating_mul(100).checked_div(visible).unwrap_or(0);
		Self { words, long_words, script, letter_percent }
	}

	/// Too little text to be data.
	pub fn is_empty(&self) -> bool {
		self.long_words < MIN_WORDS || self.letter_percent < MIN_LETTER_PERCENT
	}
}

/// Jaccard similarity of two sorted, distinct word sets, in percent (rounded down).
pub fn jaccard_percent(a: &[u64], b: &[u64]) -> usize {
	let (mut i, mut j, mut shared) = (0usize, 0usize, 0usize);
	while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
		match x.cmp(y) {
			std::cmp::Ordering::Less => i = i.saturating_add(1),
			std::cmp::Ordering::Greater => j = j.saturating_add(1),
			std::cmp::Ordering::Equal => {
				shared = shared.saturating_add(1);
				i = i.saturating_add(1);
				j = j.saturating_add(1);
			},
		}
	}
	let union = a.len().saturating_add(b.len()).saturating_sub(shared);
	shared.saturating_mul(100).checked_div(union).unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn words_are_case_and_order_blind() {
		let a = RowText::read("The patients, the DRUG and the dose.");
		let b = RowText::read("dose drug patients the and");
		assert_eq!(a.words, b.words);
		assert_eq!(jaccard_percent(&a.words, &b.words), 100);
		let c = RowText::read("the drug and a placebo");
		// shared {the, drug, and} of union {the, patients, drug, and, dose, a, placebo}
		assert_eq!(jaccard_percent(&a.words, &c.words), 42);
		assert_eq!(jaccard_percent(&[], &[]), 0);
	}

	#[test]
	fn scripts_and_empty_rows() {
		assert_eq!(RowText::read("Клинические испытания препарата").script, Some(Script::Cyrillic));
		assert_eq!(RowText::read("臨床試験の結果 trial").script, Some(Script::Cjk));
		assert_eq!(RowText::read("Über die Wirkung").script, Some(Script::Latin));
		assert_eq!(RowText::read("12345 678").script, None);
		assert!(RowText::read("ok a b").is_empty(), "one word of two letters");
		assert!(RowText::read("#### ---- 1234 5678 ==== ab cd ef").is_empty(), "mostly not letters");
		assert!(!RowText::read("Aspirin lowers fever.").is_empty());
	}
}
