//! The CLI's error paths: bad input is named, exits non-zero, and leaves no index behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::{Command, Output};

fn worker(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_attribution-worker")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
	String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_dataset_that_is_not_utf8_is_named_and_nothing_is_indexed() {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("good.txt"), "Zorvatin treats fever.").unwrap();
	std::fs::write(dir.path().join("bad.bin"), [0x66, 0x6f, 0xff, 0xfe]).unwrap();
	std::fs::write(
		dir.path().join("datanet.json"),
		r#"{"datanet": 2, "version": 1, "datasets": [{"id": 1, "path": "good.txt"}, {"id": 2, "path": "bad.bin"}]}"#,
	)
	.unwrap();
	let idx = dir.path().join("idx");
	let out = worker(&[
		"index",
		"--manifest",
		dir.path().join("datanet.json").to_str().unwrap(),
		"--index-dir",
		idx.to_str().unwrap(),
	]);
	assert_eq!(out.status.code(), Some(1));
	let err = stderr(&out);
	assert!(err.contains("bad.bin") && err.contains("UTF-8"), "{err}");
	assert!(!idx.exists(), "nothing may be written for a refused version");
}

#[test]
fn empty_datasets_and_missing_files_are_named() {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("empty.txt"), "\n  \n").unwrap();
	std::fs::write(
		dir.path().join("a.json"),
		r#"{"datanet": 2, "version": 1, "datasets": [{"id": 5, "path": "empty.txt"}]}"#,
	)
	.unwrap();
	let out = worker(&["index", "--manifest", dir.path().join("a.json").to_str().unwrap()]);
	assert_eq!(out.status.code(), Some(1));
	assert!(stderr(&out).contains("dataset 5") && stderr(&out).contains("empty"), "{}", stderr(&out));

	let out = worker(&["index", "--manifest", dir.path().join("absent.json").to_str().unwrap()]);
	assert_eq!(out.status.code(), Some(1));
	assert!(stderr(&out).contains("absent.json"), "{}", stderr(&out));
}

#[test]
fn missing_weights_name_the_file_and_how_to_get_them() {
	let dir = tempfile::tempdir().unwrap();
	let out = worker(&["--models-dir", dir.path().to_str().unwrap(), "embed", "hello"]);
	assert_eq!(out.status.code(), Some(1));
	let err = stderr(&out);
	assert!(err.contains("all-minilm-l6-v2/config.json") && err.contains("fetch-models.sh"), "{err}");
}

#[test]
fn corrupt_weights_are_refused_by_hash() {
	let dir = tempfile::tempdir().unwrap();
	let m = dir.path().join("all-minilm-l6-v2");
	std::fs::create_dir_all(&m).unwrap();
	std::fs::write(m.join("config.json"), "{}").unwrap();
	let out = worker(&["--models-dir", dir.path().to_str().unwrap(), "embed", "hello"]);
	assert_eq!(out.status.code(), Some(1));
	let err = stderr(&out);
	assert!(err.contains("config.json") && err.contains("sha256"), "{err}");
}

#[test]
fn compare_applies_the_tolerance() {
	let dir = tempfile::tempdir().unwrap();
	let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
	std::fs::write(&a, "[[1, 6000], [2, 4000]]").unwrap();
	std::fs::write(&b, r#"{"weights": [[1, 5900], [2, 4100]]}"#).unwrap();
	let out = worker(&["--json", "compare", a.to_str().unwrap(), b.to_str().unwrap(), "--tolerance", "200"]);
	assert!(out.status.success(), "{}", stderr(&out));
	let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	assert_eq!(v["l1_distance_bps"], 200);
	let out = worker(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--tolerance", "199"]);
	assert_eq!(out.status.code(), Some(3));
}

#[test]
fn bench_pubmedqa_refuses_bad_question_files_and_options_by_name() {
	let dir = tempfile::tempdir().unwrap();
	let bad = dir.path().join("bad.json");
	std::fs::write(&bad, r#"{"1": {"QUESTION": "Does it?"}}"#).unwrap();
	let out = worker(&["bench", "pubmedqa", "--data", bad.to_str().unwrap()]);
	assert_eq!(out.status.code(), Some(1));
	let err = stderr(&out);
	assert!(err.contains("bad.json") && err.contains("not a PubMedQA file"), "{err}");
	let missing = dir.path().join("missing.json");
	let err = stderr(&worker(&["bench", "pubmedqa", "--data", missing.to_str().unwrap()]));
	assert!(err.contains("missing.json"), "{err}");
	for (flag, value) in
		[("--grouping", "fixed:0"), ("--grouping", "by-year"), ("--weights", "0,0,0"), ("--weights", "1,2")]
	{
		let out = worker(&["bench", "pubmedqa", flag, value]);
		assert_eq!(out.status.code(), Some(2), "{flag} {value}");
		assert!(stderr(&out).contains(flag), "{flag} {value}: {}", stderr(&out));
	}
	// A records file that is not records is named with its line.
	let records = dir.path().join("records.jsonl");
	std::fs::write(&records, "{\"not\": \"a record\"}\n").unwrap();
	let err = stderr(&worker(&["bench", "pubmedqa", "--records", records.to_str().unwrap(), "--report-only"]));
	assert!(err.contains("records.jsonl line 1"), "{err}");
}

#[test]
fn bench_grounding_refuses_sizes_over_its_bound_before_any_work() {
	for flag in ["--probes", "--off-topic", "--on-topic", "--absent"] {
		let out = worker(&["bench", "grounding", flag, "501", "--models-dir", "/nonexistent"]);
		assert_eq!(out.status.code(), Some(1));
		let err = stderr(&out);
		assert!(err.contains(&format!("{flag} must be at most 500")), "{err}");
	}
}

#[test]
fn validate_refuses_oversized_binary_and_missing_proposals_before_loading_anything() {
	let dir = tempfile::tempdir().unwrap();
	let manifest = dir.path().join("datanet.json");
	let huge = dir.path().join("huge.txt");
	std::fs::File::create(&huge).unwrap().set_len((256 << 20) + 1).unwrap();
	let binary = dir.path().join("binary.txt");
	std::fs::write(&binary, [0x61, 0x62, 0xff, 0x00]).unwrap();
	let validate = |proposal: &std::path::Path| {
		// No models directory: anything that got past the proposal's checks would fail on the weights instead.
		let out = Command::new(env!("CARGO_BIN_EXE_attribution-worker"))
			.env("OPENLEDGER_MODELS_DIR", dir.path().join("no-models"))
			.args(["validate", "--manifest", manifest.to_str().unwrap(), "--proposal", proposal.to_str().unwrap()])
			.output()
			.unwrap();
		assert_eq!(out.status.code(), Some(1));
		stderr(&out)
	};
	let err = validate(&huge);
	assert!(err.contains("huge.txt is 268435457 bytes; a dataset is at most 268435456"), "{err}");
	// Not UTF-8: read as validators read it (replacement characters), with a warning naming the first bad byte;
	// here it then stops at the missing weights.
	let err = validate(&binary);
	assert!(err.contains("binary.txt is not UTF-8 from byte 2: validators read it with replacement"), "{err}");
	let err = validate(&dir.path().join("absent.txt"));
	assert!(err.contains("reading") && err.contains("absent.txt"), "{err}");
	// The bench refuses sizes outside its bounds before any work.
	let out = worker(&["bench", "validation", "--trials", "0"]);
	assert!(stderr(&out).contains("--trials 0 is outside 1–20"), "{}", stderr(&out));
}

#[test]
fn products_outside_the_protocols_arithmetic_are_refused_outside_bench_commands() {
	let dir = tempfile::tempdir().unwrap();
	for args in [&["--products", "f32", "embed", "hello"][..], &["embed", "--products=f32", "hello"][..]] {
		let mut all = vec!["--models-dir", dir.path().to_str().unwrap()];
		all.extend_from_slice(args);
		let out = worker(&all);
		assert_eq!(out.status.code(), Some(1), "{args:?}");
		assert!(stderr(&out).contains("--products f32 is a measurement"), "{}", stderr(&out));
	}
	// The protocol's arithmetic on either kernel is allowed anywhere: it gets as far as the missing models.
	for products in ["bf16", "bf16-portable"] {
		let out = worker(&["--models-dir", dir.path().to_str().unwrap(), "--products", products, "embed", "hello"]);
		assert!(!stderr(&out).contains("is a measurement"), "{products}: {}", stderr(&out));
	}
}

#[test]
fn bench_products_refuses_sizes_out_of_bounds_before_loading_anything() {
	// An empty models directory: a refusal that loaded the generator first would name its missing files instead.
	let dir = tempfile::tempdir().unwrap();
	for (rows, rounds) in [("0", "3"), ("8193", "3"), ("100", "0"), ("100", "1001")] {
		let out = worker(&["--models-dir", dir.path().to_str().unwrap(), "bench", "products", "--rows", rows, "--rounds", rounds]);
		assert_eq!(out.status.code(), Some(1), "{rows} × {rounds}");
		let err = stderr(&out);
		assert!(err.contains("takes 1 to 8192 rows and 1 to 1000 rounds"), "{err}");
	}
}
