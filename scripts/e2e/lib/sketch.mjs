// MinHash sketch, exactly as primitives/src/sketch.rs defines it (see the definition there).
import { xxhashAsU8a } from '@polkadot/util-crypto';
import { u8aToBigInt } from '@polkadot/util';

export const SKETCH_LEN = 64;
export const SHINGLE_LEN = 8;
const MIX = 0x9E3779B97F4A7C15n;
const MASK64 = (1n << 64n) - 1n;

const le64 = (bytes) => u8aToBigInt(bytes, { isLe: true });
const KEYS = Array.from({ length: SKETCH_LEN }, (_, i) => {
  const index = new Uint8Array(4);
  new DataView(index.buffer).setUint32(0, i, true);
  return le64(xxhashAsU8a(index, 64));
});

function normalise(content) {
  const out = [];
  let inSpace = false;
  for (const byte of content) {
    const isSpace = byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d;
    if (isSpace) {
      if (!inSpace) out.push(0x20);
      inSpace = true;
    } else {
      out.push(byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte);
      inSpace = false;
    }
  }
  return Uint8Array.from(out);
}

/** The 64-value MinHash sketch of `content` (a Uint8Array). */
export function minhashSketch(content) {
  const sketch = new Array(SKETCH_LEN).fill(0xffffffff);
  const text = normalise(content);
  if (text.length === 0) return sketch;
  const window = Math.min(SHINGLE_LEN, text.length);
  for (let start = 0; start + window <= text.length; start++) {
    const x = le64(xxhashAsU8a(text.subarray(start, start + window), 64));
    for (let i = 0; i < SKETCH_LEN; i++) {
      const h = Number((((x ^ KEYS[i]) * MIX) & MASK64) >> 32n);
      if (h < sketch[i]) sketch[i] = h;
    }
  }
  return sketch;
}
