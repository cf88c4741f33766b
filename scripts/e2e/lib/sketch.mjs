// The MinHash sketch, as primitives/src/sketch.rs defines it — the web app's module (app/src/content.mjs), so the
// tests and the page compute the same sketch.
export { SHINGLE_LEN, SKETCH_LEN, minhashSketch, sketchSimilarity } from '../../../app/src/content.mjs';
