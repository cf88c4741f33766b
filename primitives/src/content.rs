//! Content addressing shared by the chain, the node and the worker.
//!
//! A dataset's bytes are cut into pieces of [`PIECE_SIZE`]; each piece is hashed ([`piece_hash`]) and the
//! dataset's *content hash* is the [`merkle_root`] of its piece hashes. The chain can therefore check every
//! uploaded piece on its own, and a worker that fetched the whole content checks it against the same root.
//! A DataNet version's root is the Merkle root of its approved datasets' content hashes, sorted.
//!
//! A piece hash is the plain blake2-256 of the piece, which is also the key under which the node indexes
//! inline pieces (Substrate transaction indexing), so a worker fetches a piece by the hash the chain stores.
//! Inner nodes hash a `0x01` prefix with their children, so no concatenation of two hashes can pass for a
//! piece.

use sp_core::H256;
use sp_crypto_hashing::blake2_256;

/// Bytes per piece (64 KiB). Inline uploads send one piece per transaction.
pub const PIECE_SIZE: u32 = 64 * 1024;

const NODE_PREFIX: u8 = 0x01;

/// The hash of one piece of content.
pub fn piece_hash(piece: &[u8]) -> H256 {
	H256(blake2_256(piece))
}

fn node_hash(left: &H256, right: &H256) -> H256 {
	let mut buffer = [0u8; 65];
	let (prefix, rest) = buffer.split_at_mut(1);
	let (l, r) = rest.split_at_mut(32);
	prefix.fill(NODE_PREFIX);
	l.copy_from_slice(left.as_bytes());
	r.copy_from_slice(right.as_bytes());
	H256(blake2_256(&buffer))
}

/// The binary Merkle root of `leaves` in the given order. An odd node at the end of a level moves up
/// unchanged; one leaf is its own root; no leaves give the zero hash.
pub fn merkle_root(leaves: &[H256]) -> H256 {
	let mut level: alloc::vec::Vec<H256> = leaves.to_vec();
	while level.len() > 1 {
		level = level
			.chunks(2)
			.map(|pair| match pair {
				[left, right] => node_hash(left, right),
				[single] => *single,
				_ => H256::zero(),
			})
			.collect();
	}
	level.first().copied().unwrap_or_else(H256::zero)
}

/// The number of pieces `bytes` of content are cut into.
pub fn piece_count(bytes: u64) -> u64 {
	bytes.div_ceil(u64::from(PIECE_SIZE))
}

/// The length piece `index` must have in content of `bytes` bytes, or `None` past the end.
pub fn piece_len(bytes: u64, index: u64) -> Option<u32> {
	let start = index.checked_mul(u64::from(PIECE_SIZE))?;
	let remaining = bytes.checked_sub(start).filter(|r| *r > 0)?;
	Some(remaining.min(u64::from(PIECE_SIZE)) as u32)
}

/// The content hash of a whole byte string (what a worker computes after fetching a dataset).
pub fn content_hash(content: &[u8]) -> H256 {
	let leaves: alloc::vec::Vec<H256> = content.chunks(PIECE_SIZE as usize).map(piece_hash).collect();
	merkle_root(&leaves)
}

/// The root of a DataNet version: the Merkle root of its datasets' content hashes in ascending order.
pub fn version_root(content_hashes: &[H256]) -> H256 {
	let mut sorted = content_hashes.to_vec();
	sorted.sort_unstable();
	merkle_root(&sorted)
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
	use super::*;

	#[test]
	fn merkle_root_of_nothing_one_and_three_leaves() {
		let a = piece_hash(b"a");
		let b = piece_hash(b"b");
		let c = piece_hash(b"c");
		assert_eq!(merkle_root(&[]), H256::zero());
		assert_eq!(merkle_root(&[a]), a);
		assert_eq!(merkle_root(&[a, b, c]), node_hash(&node_hash(&a, &b), &c));
		assert_ne!(merkle_root(&[a, b]), merkle_root(&[b, a]), "order matters");
	}

	#[test]
	fn a_leaf_cannot_pass_for_an_inner_node() {
		let a = piece_hash(b"a");
		let b = piece_hash(b"b");
		let mut concatenated = a.as_bytes().to_vec();
		concatenated.extend_from_slice(b.as_bytes());
		assert_ne!(piece_hash(&concatenated), merkle_root(&[a, b]));
	}

	#[test]
	fn content_hash_cuts_pieces_at_piece_size() {
		let content = vec![7u8; PIECE_SIZE as usize * 2 + 10];
		let pieces: Vec<H256> = content.chunks(PIECE_SIZE as usize).map(piece_hash).collect();
		assert_eq!(pieces.len(), 3);
		assert_eq!(content_hash(&content), merkle_root(&pieces));
		assert_eq!(piece_count(content.len() as u64), 3);
		assert_eq!(piece_len(content.len() as u64, 0), Some(PIECE_SIZE));
		assert_eq!(piece_len(content.len() as u64, 2), Some(10));
		assert_eq!(piece_len(content.len() as u64, 3), None);
		assert_eq!(piece_count(0), 0);
	}

	#[test]
	fn version_root_ignores_input_order() {
		let hashes = [piece_hash(b"x"), piece_hash(b"y"), piece_hash(b"z")];
		let mut reversed = hashes;
		reversed.reverse();
		assert_eq!(version_root(&hashes), version_root(&reversed));
	}
}
