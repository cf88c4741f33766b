// Content addressing, as in primitives/src/content.rs — the web app's module (app/src/content.mjs), so the tests
// and the page compute the same hashes.
export { PIECE_SIZE, contentHash, merkleRoot, pieceHash, pieces, versionRoot } from '../../../app/src/content.mjs';
