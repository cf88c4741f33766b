//! DataNet versions, the vector index (exact and int8), its store and incremental builds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{
	chunk::{ChunkId, ChunkParams},
	datanet::{DataNetVersion, Dataset},
	index::{
		store::{build_index, index_path, StoredIndex},
		VectorIndex,
	},
	WorkerError,
};
use proptest::prelude::*;

fn id(row: usize) -> ChunkId {
	ChunkId { dataset: row as u64 % 7, index: row as u32, start: 0, end: 1 }
}

fn brute(vectors: &[f32], dim: usize, query: &[f32], k: usize) -> Vec<usize> {
	let mut scored: Vec<(usize, f32)> = vectors
		.chunks(dim)
		.enumerate()
		.map(|(i, v)| (i, v.iter().zip(query).map(|(a, b)| a * b).sum::<f32>()))
		.collect();
	// -0.0 and +0.0 are one score (the kernels may round a zero product either way): ties go to the lower row.
	scored.sort_by(|a, b| (b.1 + 0.0).total_cmp(&(a.1 + 0.0)).then(a.0.cmp(&b.0)));
	scored.into_iter().take(k).map(|s| s.0).collect()
}

#[test]
fn a_zero_score_ties_whatever_its_sign() {
	// One dimension, a zero query: every score is a zero, -0.0 for negative rows in a plain sum.
	let data = vec![-0.5f32, 0.25, 0.0];
	let index = VectorIndex::from_parts(1, (0..3).map(id).collect(), data.clone()).unwrap();
	let hits = index.search(&[0.0], 1).unwrap();
	assert_eq!(hits[0].iter().map(|h| h.row).collect::<Vec<_>>(), vec![0]);
	assert_eq!(brute(&data, 1, &[0.0], 1), vec![0]);
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(48))]
	#[test]
	fn exact_search_matches_brute_force(
		rows in 1usize..2600,
		dim in 1usize..40,
		k in 1usize..12,
		seed in any::<u64>(),
	) {
		let data = support::seeded((rows, dim), seed, 1.0).flatten_all().unwrap().to_vec1::<f32>().unwrap();
		// Quantise values so ties are common: the tie-break (lower row first) must hold.
		let data: Vec<f32> = data.iter().map(|x| (x * 4.0).round() / 4.0).collect();
		let queries = support::seeded((3, dim), seed ^ 1, 1.0).flatten_all().unwrap().to_vec1::<f32>().unwrap();
		let queries: Vec<f32> = queries.iter().map(|x| (x * 4.0).round() / 4.0).collect();
		let index = VectorIndex::from_parts(dim, (0..rows).map(id).collect(), data.clone()).unwrap();
		let hits = index.search(&queries, k).unwrap();
		for (q, h) in queries.chunks(dim).zip(&hits) {
			let got: Vec<usize> = h.iter().map(|h| h.row).collect();
			prop_assert_eq!(got, brute(&data, dim, q, k));
		}
	}
}

#[test]
fn int8_search_rescored_returns_exact_scores_and_high_recall() {
	let (rows, dim) = (5000, 48);
	let data = support::seeded((rows, dim), 3, 1.0).flatten_all().unwrap().to_vec1::<f32>().unwrap();
	let queries = support::seeded((20, dim), 4, 1.0).flatten_all().unwrap().to_vec1::<f32>().unwrap();
	let mut index = VectorIndex::from_parts(dim, (0..rows).map(id).collect(), data.clone()).unwrap();
	let exact = index.search(&queries, 10).unwrap();
	let approx = index.search_int8(&queries, 10, 4).unwrap();
	let mut same = 0;
	for (e, a) in exact.iter().zip(&approx) {
		same += a.iter().filter(|h| e.iter().any(|x| x.row == h.row)).count();
	}
	assert!(same as f64 / 200.0 >= 0.95, "int8 recall {same}/200");
	// Rescored scores are exact inner products.
	for (qi, a) in approx.iter().enumerate() {
		let q = &queries[qi * dim..(qi + 1) * dim];
		for h in a {
			let exact: f32 = attribution_engine::index::dot_f32(q, index.vector(h.row).unwrap());
			assert_eq!(h.score, exact);
		}
	}
}

#[test]
fn wrong_widths_are_refused() {
	let mut index = VectorIndex::new(4);
	assert!(matches!(index.push(id(0), &[1.0, 2.0]), Err(WorkerError::InvalidInput(_))));
	assert!(matches!(index.search(&[1.0, 2.0, 3.0], 3), Err(WorkerError::InvalidInput(_))));
	assert!(VectorIndex::from_parts(4, vec![id(0)], vec![0.0; 3]).is_err());
}

#[test]
fn datasets_are_checked_and_the_root_is_the_chains() {
	let err =
		Dataset::from_bytes(3, "x".into(), String::new(), "bad.txt".into(), vec![b'o', b'k', 0xFF, 0xFE]).unwrap_err();
	assert!(matches!(err, WorkerError::NotUtf8 { dataset: 3, offset: 2, .. }), "{err}");
	assert!(err.to_string().contains("bad.txt"));
	let err = Dataset::from_bytes(4, "x".into(), String::new(), "empty.txt".into(), b"  \n".to_vec()).unwrap_err();
	assert!(matches!(err, WorkerError::EmptyDataset { dataset: 4, .. }));

	let a = Dataset::from_bytes(2, "b".into(), String::new(), "b".into(), b"beta".to_vec()).unwrap();
	let b = Dataset::from_bytes(1, "a".into(), String::new(), "a".into(), b"alpha".to_vec()).unwrap();
	let v = DataNetVersion::new(5, 2, vec![a.clone(), b.clone()]).unwrap();
	assert_eq!(v.datasets.iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 2]);
	let hashes = [sp_core::H256(b.content_hash), sp_core::H256(a.content_hash)];
	assert_eq!(v.root, openledger_primitives::content::version_root(&hashes).0);
	assert_eq!(b.content_hash, openledger_primitives::content::content_hash(b"alpha").0);
	assert!(matches!(DataNetVersion::new(5, 2, vec![a.clone(), a]), Err(WorkerError::InvalidInput(_))));
	assert!(matches!(DataNetVersion::new(5, 2, vec![]), Err(WorkerError::InvalidInput(_))));
}

#[test]
fn manifests_load_and_name_their_faults() {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("a.txt"), "the drug treats fever").unwrap();
	std::fs::write(
		dir.path().join("datanet.json"),
		r#"{"datanet": 3, "version": 1, "datasets": [{"id": 1, "path": "a.txt"}]}"#,
	)
	.unwrap();
	let v = DataNetVersion::load(&dir.path().join("datanet.json")).unwrap();
	assert_eq!((v.datanet, v.version, v.datasets.len()), (3, 1, 1));
	std::fs::write(
		dir.path().join("bad.json"),
		r#"{"datanet": 3, "version": 1, "datasets": [{"id": 1, "path": "missing.txt"}]}"#,
	)
	.unwrap();
	let err = DataNetVersion::load(&dir.path().join("bad.json")).unwrap_err();
	assert!(err.to_string().contains("missing.txt"), "{err}");
	std::fs::write(dir.path().join("broken.json"), "{").unwrap();
	assert!(matches!(DataNetVersion::load(&dir.path().join("broken.json")), Err(WorkerError::InvalidManifest { .. })));
}

#[test]
fn index_files_round_trip_and_detect_damage() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(&dir.path().join("bert"));
	let version =
		support::tiny_version(&[(1, "zorvatin treats fever and cough"), (2, "melquizole dose is 40 mg daily")]);
	let stored = support::tiny_index(&embedder, &version);
	let path = index_path(dir.path(), 1, 1);
	stored.save(&path).unwrap();
	let loaded = StoredIndex::load_for(&path, &version, "tiny-bert").unwrap();
	assert_eq!(loaded.header, stored.header);
	assert_eq!(loaded.index.vectors(), stored.index.vectors());
	// No temporary file is left behind.
	assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

	// Another version or embedder is refused.
	let other = support::tiny_version(&[(1, "zorvatin treats fever and cough")]);
	assert!(matches!(StoredIndex::load_for(&path, &other, "tiny-bert"), Err(WorkerError::InvalidIndex { .. })));
	assert!(matches!(StoredIndex::load_for(&path, &version, "other"), Err(WorkerError::InvalidIndex { .. })));

	// A flipped byte or a truncation fails the checksum.
	let bytes = std::fs::read(&path).unwrap();
	let mut flipped = bytes.clone();
	flipped[bytes.len() / 2] ^= 1;
	std::fs::write(&path, &flipped).unwrap();
	assert!(matches!(StoredIndex::load(&path), Err(WorkerError::InvalidIndex { .. })));
	std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
	assert!(matches!(StoredIndex::load(&path), Err(WorkerError::InvalidIndex { .. })));
	assert!(matches!(StoredIndex::load(&dir.path().join("none.olidx")), Err(WorkerError::MissingFile { .. })));
}

#[test]
fn a_new_version_only_embeds_what_changed() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = support::load_tiny_embedder(dir.path());
	let v1 = support::tiny_version(&[
		(1, "zorvatin treats fever and cough in adult patients"),
		(2, "melquizole dose is 40 mg daily"),
	]);
	let params = ChunkParams { tokens: 12, overlap: 4 };
	let (first, s1) = build_index(&embedder, "tiny-bert", &v1, params, None, &mut |_, _| {}).unwrap();
	assert_eq!((s1.datasets_embedded, s1.datasets_reused), (2, 0));
	let v2 = support::tiny_version(&[
		(1, "zorvatin treats fever and cough in adult patients"),
		(2, "melquizole dose is 80 mg daily"),
		(3, "tralpril is made by a company"),
	]);
	let (second, s2) = build_index(&embedder, "tiny-bert", &v2, params, Some(&first), &mut |_, _| {}).unwrap();
	assert_eq!((s2.datasets_embedded, s2.datasets_reused), (2, 1));
	// Identical to building from scratch.
	let (fresh, _) = build_index(&embedder, "tiny-bert", &v2, params, None, &mut |_, _| {}).unwrap();
	assert_eq!(second.header, fresh.header);
	assert_eq!(second.index.vectors(), fresh.index.vectors());
	// Other chunking parameters re-embed everything.
	let (_, s3) =
		build_index(&embedder, "tiny-bert", &v2, ChunkParams { tokens: 8, overlap: 2 }, Some(&first), &mut |_, _| {})
			.unwrap();
	assert_eq!(s3.datasets_reused, 0);
}
