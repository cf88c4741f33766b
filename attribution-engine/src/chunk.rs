//! Deterministic, token-based chunking with overlap.
//!
//! A dataset's text is tokenised once with the embedder's word-piece tokenizer (no special tokens, no
//! truncation); windows of `tokens` word pieces advance by `tokens - overlap`. Window edges are moved to word
//! boundaries so no word is cut in half. A chunk is named by (dataset, index, byte range) — stable for the
//! same bytes and parameters, whatever machine computes it.
//!
//! A chunk is also at most [`MAX_CHUNK_BYTES`] long: a window's bytes past it are cut (at a character boundary).
//! The word-piece tokenizer turns any word longer than 100 characters into one `[UNK]`, so without the cut a
//! contributor could make one "word" of a dataset's whole 16 MiB a single chunk — a prompt no generator can take,
//! failing every answer that retrieves it. Ordinary text never reaches the cap (64 word pieces are ≈ 300 bytes of
//! English).

use crate::error::{tokenizer_error, Result, WorkerError};
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;

/// The longest chunk, in bytes.
pub const MAX_CHUNK_BYTES: usize = 1024;

/// Chunking parameters. Part of an index's identity: changing them re-chunks everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkParams {
	/// Word pieces per chunk (before snapping to word boundaries).
	pub tokens: usize,
	/// Word pieces shared by consecutive chunks.
	pub overlap: usize,
}

impl Default for ChunkParams {
	fn default() -> Self {
		Self { tokens: 64, overlap: 16 }
	}
}

/// Stable name of a chunk: which dataset, which window, which bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChunkId {
	pub dataset: u64,
	pub index: u32,
	/// Byte range `[start, end)` in the dataset's content.
	pub start: u32,
	pub end: u32,
}

/// A chunk and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
	pub id: ChunkId,
	pub text: String,
}

/// Splits `text` into overlapping chunks.
///
/// # Errors
/// [`WorkerError::InvalidInput`] for parameters that cannot advance (`overlap >= tokens`) or text longer than
/// 4 GiB; tokenizer failures.
pub fn chunk_text(tokenizer: &Tokenizer, dataset: u64, text: &str, params: ChunkParams) -> Result<Vec<Chunk>> {
	if params.tokens == 0 || params.overlap >= params.tokens {
		return Err(WorkerError::InvalidInput(format!(
			"chunk overlap ({}) must be smaller than chunk size ({})",
			params.overlap, params.tokens
		)));
	}
	if u32::try_from(text.len()).is_err() {
		return Err(WorkerError::InvalidInput(format!("dataset {dataset} is larger than 4 GiB")));
	}
	let mut plain = tokenizer.clone();
	plain.with_truncation(None).map_err(tokenizer_error)?;
	plain.with_padding(None);
	let encoding = plain.encode(text, false).map_err(tokenizer_error)?;
	let offsets = encoding.get_offsets();
	let words = encoding.get_word_ids();
	let n = offsets.len();
	// A token starts a word when its word id differs from its predecessor's.
	let starts_word = |i: usize| -> bool {
		i == 0 || i >= n || words.get(i) != words.get(i.saturating_sub(1)) || words.get(i).is_some_and(|w| w.is_none())
	};
	let step = params.tokens.saturating_sub(params.overlap);
	let mut chunks = Vec::new();
	let mut window = 0usize;
	let mut last_end_token = 0usize;
	while window < n {
		let mut start = window;
		while start < n && !starts_word(start) {
			start = start.saturating_add(1);
		}
		let mut end = window.saturating_add(params.tokens).min(n);
		while end < n && !starts_word(end) {
			end = end.saturating_add(1);
		}
		if start < end && end > last_end_token {
			let byte_start = offsets.get(start).map_or(0, |o| o.0);
			let mut byte_end = offsets.get(end.saturating_sub(1)).map_or(0, |o| o.1);
			if byte_end.saturating_sub(byte_start) > MAX_CHUNK_BYTES {
				byte_end = byte_start.saturating_add(MAX_CHUNK_BYTES);
				while byte_end > byte_start && !text.is_char_boundary(byte_end) {
					byte_end = byte_end.saturating_sub(1);
				}
			}
			if let Some(slice) = text.get(byte_start..byte_end) {
				let index = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
				chunks.push(Chunk {
					id: ChunkId {
						dataset,
						index,
						start: u32::try_from(byte_start).unwrap_or(u32::MAX),
						end: u32::try_from(byte_end).unwrap_or(u32::MAX),
					},
					text: slice.to_owned(),
				});
			}
			last_end_token = end;
		}
		if end >= n {
			break;
		}
		window = window.saturating_add(step);
	}
	Ok(chunks)
}

/// A dataset's chunk root, as its registration records it (`chunk_root`): the Merkle root
/// (`openledger_primitives::content::merkle_root`, the rule content hashes use) of one leaf per chunk, in order —
/// blake2-256 of the chunk's byte range (`start`, `end`, u32 little-endian) followed by its text. With the
/// protocol's [`ChunkParams`] it commits to the exact chunks every worker retrieves and credits, so any chunk can be
/// proven part of a dataset. No chunks (a blank text) is the zero root.
pub fn chunk_root(chunks: &[Chunk]) -> [u8; 32] {
	let leaves: Vec<_> = chunks
		.iter()
		.map(|chunk| {
			let mut leaf = Vec::with_capacity(chunk.text.len().saturating_add(8));
			leaf.extend_from_slice(&chunk.id.start.to_le_bytes());
			leaf.extend_from_slice(&chunk.id.end.to_le_bytes());
			leaf.extend_from_slice(chunk.text.as_bytes());
			openledger_primitives::content::piece_hash(&leaf)
		})
		.collect();
	openledger_primitives::content::merkle_root(&leaves).0
}

#[cfg(test)]
mod tests {
	use super::*;

	fn chunk(index: u32, start: u32, text: &str) -> Chunk {
		let end = start + u32::try_from(text.len()).unwrap();
		Chunk { id: ChunkId { dataset: 9, index, start, end }, text: text.to_owned() }
	}

	#[test]
	fn the_chunk_root_commits_to_every_chunk_its_range_and_order() {
		let chunks = [chunk(0, 0, "aspirin after an infarction"), chunk(1, 20, "an infarction is treated")];
		let root = chunk_root(&chunks);
		assert_eq!(chunk_root(&chunks), root, "deterministic");
		assert_ne!(chunk_root(&[chunks[1].clone(), chunks[0].clone()]), root, "order counts");
		assert_ne!(chunk_root(&chunks[..1]), root, "every chunk counts");
		assert_ne!(chunk_root(&[chunks[0].clone(), chunk(1, 21, "an infarction is treated")]), root, "ranges count");
		// The dataset id is not part of a leaf: the root depends on the content alone, before any id exists.
		let mut renamed = chunks.clone();
		renamed.iter_mut().for_each(|c| c.id.dataset = 10);
		assert_eq!(chunk_root(&renamed), root);
		assert_eq!(chunk_root(&[]), [0; 32]);
	}
}
