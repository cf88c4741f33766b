// What a dataset's registration records, computed in JavaScript exactly as the chain and the worker define it
// (one module for the web app and the end-to-end tests; the tests hold it to the Rust reference):
// - content addressing (primitives/src/content.rs): 64 KiB pieces hashed with blake2-256, a binary Merkle tree
//   whose inner nodes hash 0x01 ‖ left ‖ right, odd nodes promoted unchanged;
// - the MinHash sketch (primitives/src/sketch.rs) and the similarity the chain's near-duplicate rule uses
//   (primitives/src/dataset.rs: the share of the 64 values that agree);
// - rows (attribution-engine/src/rows.rs): text paragraphs, JSON Lines objects, CSV records against the header.
import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToBigInt, u8aToHex } from '@polkadot/util';

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

/** The chain's similarity of two sketches, in parts per million (Permill): the share of agreeing values. */
export function sketchSimilarity(a, b) {
  let agreeing = 0;
  for (let i = 0; i < SKETCH_LEN; i++) if (a[i] === b[i]) agreeing++;
  return Math.floor((agreeing * 1_000_000) / SKETCH_LEN);
}

export const CONTENT_TYPES = ['text', 'jsonl', 'csv'];
/** How many refused rows a count names (the rest are only counted), as in rows.rs. */
export const MAX_REPORTED = 10;

/** The content type a file name implies, as `ContentType::of_path`. */
export function contentTypeOf(name) {
  const extension = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase();
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  if (extension === 'csv') return 'csv';
  return 'text';
}

// Rust's `str::lines`: split on \n, drop one trailing \r per line, no empty last line after a final \n.
function lines(text) {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

const jsonKind = (value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * Counts `text`'s rows as `contentType` ('text' | 'jsonl' | 'csv'): `{ contentType, rows, refused,
 * firstRefused: [{ line, reason }] }`, the same counts as the worker's `count_rows`.
 */
export function countRows(text, contentType) {
  const result = { contentType, rows: 0, refused: 0, firstRefused: [] };
  const refuse = (line, reason) => {
    result.refused++;
    if (result.firstRefused.length < MAX_REPORTED) result.firstRefused.push({ line, reason });
  };
  if (contentType === 'text') {
    let inParagraph = false;
    for (const line of lines(text)) {
      const blank = line.trim() === '';
      if (!blank && !inParagraph) result.rows++;
      inParagraph = !blank;
    }
  } else if (contentType === 'jsonl') {
    lines(text).forEach((line, i) => {
      if (line.trim() === '') return;
      let value;
      try {
        value = JSON.parse(line);
      } catch (error) {
        refuse(i + 1, `not JSON (${error.message})`);
        return;
      }
      if (jsonKind(value) === 'object') result.rows++;
      else refuse(i + 1, `a JSON ${jsonKind(value)} where an object belongs`);
    });
  } else if (contentType === 'csv') {
    const records = csvRecords(text);
    if (records.length === 0) return result;
    const columns = records[0].fields.length;
    for (const record of records.slice(1)) {
      if (record.fields.length === columns) result.rows++;
      else refuse(record.line, `${record.fields.length} fields where the header has ${columns}`);
    }
  } else {
    throw new Error(`\`${contentType}\` is not a content type (${CONTENT_TYPES.join(', ')})`);
  }
  return result;
}

/**
 * CSV records as the csv crate reads them (RFC 4180, `"` quotes and `""` escapes, \n or \r\n ends a record
 * outside quotes, empty lines skipped): `[{ line, fields }]`, `line` the record's first line.
 */
export function csvRecords(text) {
  const records = [];
  let fields = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    if (any || fields.length > 0 || field !== '') {
      fields.push(field);
      records.push({ line: start, fields });
    }
    fields = [];
    field = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      // A quote opens a field only at its start; elsewhere it is a character, as csv-core reads it.
      quoted = true;
      any = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      if (!any && fields.length === 0 && field === '') start = line;
      field += c;
      any = true;
    }
  }
  endRecord();
  return records;
}
