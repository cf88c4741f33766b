//! Embedder mechanics and chunking, on a tiny self-made BERT.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{
	chunk::{chunk_text, ChunkParams, MAX_CHUNK_BYTES},
	models::WeightFile,
	WorkerError,
};

fn norm(v: &[f32]) -> f32 {
	v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

#[test]
fn embeddings_are_unit_length_and_batching_does_not_change_them() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	let texts = [
		"the drug treats fever",
		"zorvatin dose is 40 mg daily with food",
		"a",
		"what is the most common side effect of melquizole in adult patients",
	];
	let batch = embedder.embed(&texts).unwrap();
	assert_eq!(batch.len(), texts.len());
	for (t, v) in texts.iter().zip(&batch) {
		assert_eq!(v.len(), embedder.dim());
		assert!((norm(v) - 1.0).abs() < 1e-5);
		let alone = embedder.embed_one(t).unwrap();
		let diff = alone.iter().zip(v).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
		assert!(diff < 1e-5, "padding changed {t:?} by {diff}");
	}
	// Same input, same output.
	assert_eq!(embedder.embed(&texts).unwrap(), batch);
}

#[test]
fn long_texts_are_truncated_not_refused() {
	// The second pass repeats the first's shapes and may be handed its freed buffers.
	assert!(support::poison_allocations() || !cfg!(target_env = "gnu"));
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	let long = "the drug treats fever ".repeat(400);
	let v = embedder.embed_one(&long).unwrap();
	assert!((norm(&v) - 1.0).abs() < 1e-5);
	// Truncation at max_tokens: anything after the limit does not matter.
	let longer = format!("{long} melquizole zorvatin");
	assert_eq!(embedder.embed_one(&longer).unwrap(), v);
}

#[test]
fn missing_and_corrupt_weights_name_the_file() {
	let dir = tempfile::tempdir().unwrap();
	let mut files = support::tiny_bert(dir.path());
	files.weights.path = dir.path().join("absent.safetensors");
	let err = attribution_engine::embed::Embedder::load(&files).err().expect("missing weights must fail");
	assert!(matches!(err, WorkerError::MissingFile { .. }));
	assert!(err.to_string().contains("absent.safetensors"), "{err}");

	let pinned = WeightFile { path: dir.path().join("config.json"), sha256: Some("00") };
	let err = pinned.verified().expect_err("hash mismatch must fail");
	assert!(matches!(err, WorkerError::HashMismatch { .. }));
	assert!(err.to_string().contains("config.json"), "{err}");

	// A truncated safetensors file is refused with its name.
	let files = support::tiny_bert(dir.path());
	let bytes = std::fs::read(&files.weights.path).unwrap();
	std::fs::write(&files.weights.path, &bytes[..bytes.len() / 2]).unwrap();
	let err = attribution_engine::embed::Embedder::load(&files).err().expect("truncated weights must fail");
	assert!(err.to_string().contains("model.safetensors"), "{err}");
}

#[test]
fn chunks_are_stable_overlapping_and_cover_the_text() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	let text = "Zorvatin treats fever. The standard adult dose of zorvatin is 40 mg daily. \
		The most common side effect is cough. Store below 25 degrees. Made by a company for patients.";
	let params = ChunkParams { tokens: 10, overlap: 3 };
	let chunks = chunk_text(embedder.tokenizer(), 9, text, params).unwrap();
	assert!(chunks.len() > 2);
	assert_eq!(chunk_text(embedder.tokenizer(), 9, text, params).unwrap(), chunks);
	for (i, c) in chunks.iter().enumerate() {
		assert_eq!(c.id.dataset, 9);
		assert_eq!(c.id.index as usize, i);
		assert_eq!(&text[c.id.start as usize..c.id.end as usize], c.text);
	}
	// Consecutive chunks overlap, and together they cover every byte of the text's words.
	for w in chunks.windows(2) {
		assert!(w[1].id.start < w[0].id.end, "no overlap between {:?} and {:?}", w[0].id, w[1].id);
	}
	assert_eq!(chunks.first().unwrap().id.start, 0);
	assert_eq!(chunks.last().unwrap().id.end as usize, text.trim_end().len());
}

#[test]
fn a_word_as_long_as_the_dataset_is_cut_to_the_longest_chunk_at_a_character_boundary() {
	// One "word" of 300 000 two-byte characters is a single [UNK] word piece: without the cap it would be one
	// 600 kB chunk, more than any generator's prompt can hold.
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	let text = format!("The drug {} treats fever.", "é".repeat(300_000));
	let chunks = chunk_text(embedder.tokenizer(), 4, &text, ChunkParams::default()).unwrap();
	assert!(!chunks.is_empty());
	for c in &chunks {
		assert!(c.text.len() <= MAX_CHUNK_BYTES, "chunk {} holds {} bytes", c.id.index, c.text.len());
		assert_eq!(&text[c.id.start as usize..c.id.end as usize], c.text, "the range names the bytes");
	}
	assert!(chunks.iter().any(|c| c.text.len() > MAX_CHUNK_BYTES - 2), "the long word fills a chunk to the cap");
	assert_eq!(chunks[0].id.start, 0);
	// Ordinary text is not cut.
	let plain = "Zorvatin treats fever. The standard adult dose of zorvatin is 40 mg daily.";
	let whole = chunk_text(embedder.tokenizer(), 4, plain, ChunkParams::default()).unwrap();
	assert_eq!(whole.len(), 1);
	assert_eq!(whole[0].text, plain);
}

#[test]
fn chunk_parameters_that_cannot_advance_are_refused() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	for params in [ChunkParams { tokens: 8, overlap: 8 }, ChunkParams { tokens: 0, overlap: 0 }] {
		assert!(matches!(chunk_text(embedder.tokenizer(), 1, "the drug", params), Err(WorkerError::InvalidInput(_))));
	}
}
