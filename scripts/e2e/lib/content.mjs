// Content addressing, as in primitives/src/content.rs: 64 KiB pieces hashed with blake2-256, a binary
// Merkle tree whose inner nodes hash 0x01 ‖ left ‖ right, odd nodes promoted unchanged.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat, u8aToHex, hexToU8a } from '@polkadot/util';

export const PIECE_SIZE = 64 * 1024;

export function pieces(content) {
  const out = [];
  for (let i = 0; i < content.length; i += PIECE_SIZE) out.push(content.subarray(i, i + PIECE_SIZE));
  return out;
}

export const pieceHash = (piece) => blake2AsU8a(piece, 256);

export function merkleRoot(leaves) {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? blake2AsU8a(u8aConcat([1], level[i], level[i + 1]), 256) : level[i]);
    }
    level = next;
  }
  return level[0];
}

export const contentHash = (content) => u8aToHex(merkleRoot(pieces(content).map(pieceHash)));

/** The root of a DataNet version from its datasets' content hashes (hex), in any order. */
export function versionRoot(contentHashes) {
  const sorted = [...contentHashes].sort();
  return u8aToHex(merkleRoot(sorted.map((h) => hexToU8a(h))));
}
