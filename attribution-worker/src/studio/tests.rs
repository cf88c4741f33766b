//! The studio's API through its router, without a base model or a chain: everything a request is refused for
//! before either is needed, the version listing, the job files, and a tampered adapter.

use super::{jobs::JobState, lock, router, Studio};
use crate::{factory::ADAPTER_FILE, run::WorkerKey, Common};
use attribution_engine::train::TrainConfig;
use axum::{
	body::{to_bytes, Body},
	http::{Request, StatusCode},
};
use openledger_primitives::content::content_hash;
use serde_json::{json, Value};
use std::path::Path;
use tower::ServiceExt;

struct Fixture {
	dir: tempfile::TempDir,
	studio: Studio,
}

/// A data directory holding DataNet 3 version 2 (two datasets), DataNet 3 version 1 (none) and some clutter.
fn fixture() -> Fixture {
	let dir = tempfile::tempdir().unwrap();
	let version = dir.path().join("datanets/3/2");
	std::fs::create_dir_all(&version).unwrap();
	std::fs::write(version.join("a.txt"), "Q: What is zorbitol?\nA: A fictional drug.\n").unwrap();
	std::fs::write(version.join("b.txt"), "Q: What is quenzide?\nA: Another fictional drug.\n").unwrap();
	let manifest = json!({"datanet": 3, "version": 2, "datasets": [
		{"id": 7, "path": "a.txt"}, {"id": 8, "path": "b.txt"}]});
	std::fs::write(version.join("datanet.json"), manifest.to_string()).unwrap();
	let empty = dir.path().join("datanets/3/1");
	std::fs::create_dir_all(&empty).unwrap();
	std::fs::write(empty.join("datanet.json"), json!({"datanet": 3, "version": 1, "datasets": []}).to_string())
		.unwrap();
	std::fs::create_dir_all(dir.path().join("datanets/notes/1")).unwrap();
	std::fs::create_dir_all(dir.path().join("datanets/4/1")).unwrap();
	// A job directory from an earlier run: new jobs are numbered after it.
	std::fs::create_dir_all(dir.path().join("studio/5")).unwrap();
	let common = no_models(dir.path());
	let owner = WorkerKey::from_uri("//Bob").unwrap();
	let studio = Studio::new(
		dir.path().to_path_buf(),
		"ws://127.0.0.1:1".into(),
		owner,
		"http://studio.test:8090/",
		super::jobs::Trainer::new(common),
	);
	Fixture { dir, studio }
}

/// Options that load no model (nothing here needs one).
fn no_models(dir: &Path) -> Common {
	Common {
		models_dir: Some(dir.join("no-models")),
		threads: Some(1),
		validator: false,
		quantized: false,
		decode_weights: crate::DecodeWeights::Q8,
		products: crate::Products::protocol(),
		max_simd: crate::MaxSimd::Avx512,
		json: true,
	}
}

async fn call(studio: &Studio, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Vec<u8>) {
	let request = Request::builder().method(method).uri(uri);
	let request = match body {
		Some(body) => request.header("content-type", "application/json").body(Body::from(body.to_string())),
		None => request.body(Body::empty()),
	}
	.unwrap();
	let response = router(studio.clone()).oneshot(request).await.unwrap();
	let status = response.status();
	(status, to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec())
}

async fn error_of(studio: &Studio, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
	let (status, bytes) = call(studio, method, uri, body).await;
	let body: Value = serde_json::from_slice(&bytes).unwrap();
	(status, body["error"].as_str().unwrap().to_owned())
}

/// A request to train `datanet`'s `version` with the CLI's default hyper-parameters.
fn job_request(datanet: u32, version: u32) -> Value {
	json!({ "datanet": datanet, "version": version, "hyperparameters": TrainConfig::default() })
}

#[tokio::test]
async fn the_page_has_every_control_a_browser_test_waits_on() {
	let Fixture { studio, dir: _dir } = fixture();
	let (status, body) = call(&studio, "GET", "/", None).await;
	assert_eq!(status, StatusCode::OK);
	let page = String::from_utf8(body).unwrap();
	for id in ["version", "epochs", "start", "status", "losses", "plot", "fee", "name", "register", "model-id", "error"]
	{
		assert!(page.contains(&format!("id=\"{id}\"")), "#{id}");
	}
	assert!(!page.contains("src=\"http"), "no external scripts or styles");
}

#[tokio::test]
async fn the_kept_versions_are_listed_with_their_dataset_counts() {
	let Fixture { studio, dir: _dir } = fixture();
	let (status, body) = call(&studio, "GET", "/api/versions", None).await;
	assert_eq!(status, StatusCode::OK);
	let listed: Value = serde_json::from_slice(&body).unwrap();
	assert_eq!(
		listed,
		json!([{"datanet": 3, "version": 1, "datasets": 0}, {"datanet": 3, "version": 2, "datasets": 2}])
	);
}

#[tokio::test]
async fn parameters_out_of_range_are_refused_by_name() {
	let Fixture { studio, dir: _dir } = fixture();
	let cases = [
		("epochs", json!(0), "epochs 0 is outside 1–100"),
		("rank", json!(65), "rank 65 is outside 1–64"),
		("learning_rate", json!(0.5), "learning rate 0.5 is outside (0, 0.1]"),
		("targets", json!(["attn_z"]), "unknown target \"attn_z\""),
	];
	for (field, value, expected) in cases {
		let mut request = job_request(3, 2);
		request["hyperparameters"][field] = value;
		let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(request)).await;
		assert_eq!(status, StatusCode::BAD_REQUEST);
		assert!(error.contains(expected), "{error}");
	}
	assert!(lock(&studio.jobs).active().is_none(), "nothing started");
}

#[tokio::test]
async fn malformed_requests_unknown_and_empty_versions_are_refused() {
	let Fixture { studio, dir: _dir } = fixture();
	let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(json!({"datanet": 3}))).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("missing field `version`"), "{error}");
	let mut fractional = job_request(3, 2);
	fractional["hyperparameters"]["epochs"] = json!(2.5);
	let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(fractional)).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("expected usize"), "{error}");

	let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(job_request(9, 1))).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("DataNet 9 version 1 is not in"), "{error}");
	let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(job_request(3, 1))).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("has no datasets"), "{error}");
	assert!(lock(&studio.jobs).get(6).is_none(), "no job was created");
}

#[tokio::test]
async fn a_second_training_while_one_runs_is_a_conflict() {
	let Fixture { studio, dir: _dir } = fixture();
	let id = lock(&studio.jobs).create(3, 2, TrainConfig::default(), 2);
	assert_eq!(id, 6, "numbered after the earlier run's job 5");
	lock(&studio.jobs).get_mut(id).unwrap().state = JobState::Training;
	let _running = studio.trainer.clone().try_lock_owned().unwrap();
	let (status, error) = error_of(&studio, "POST", "/api/jobs", Some(job_request(3, 2))).await;
	assert_eq!(status, StatusCode::CONFLICT);
	assert_eq!(error, "job 6 is still training: one training at a time");

	let (status, body) = call(&studio, "GET", "/api/jobs/6", None).await;
	assert_eq!(status, StatusCode::OK);
	let job: Value = serde_json::from_slice(&body).unwrap();
	assert_eq!((job["state"].as_str(), job["hyperparameters"]["epochs"].as_u64()), (Some("training"), Some(4)));
	assert_eq!(call(&studio, "GET", "/api/jobs/7", None).await.0, StatusCode::NOT_FOUND);
}

/// Writes what `train` writes into job `id`'s directory (enough for a registration) and marks the job done.
fn finished_job(studio: &Studio, dir: &Path) -> u64 {
	let id = lock(&studio.jobs).create(3, 2, TrainConfig::default(), 2);
	let out = dir.join("studio").join(id.to_string());
	std::fs::create_dir_all(&out).unwrap();
	let hash = |bytes: &[u8]| format!("0x{}", hex::encode(content_hash(bytes).0));
	std::fs::write(out.join(ADAPTER_FILE), b"adapter bytes").unwrap();
	std::fs::write(out.join("influence.safetensors"), b"sketches").unwrap();
	let zero = format!("0x{}", "00".repeat(32));
	let training = json!({
		"baseModel": zero, "datanet": 3, "version": 2, "datasets": [7, 8], "hyperparametersHash": zero,
		"influenceHash": hash(b"sketches"),
		"adapter": { "file": ADAPTER_FILE, "contentHash": hash(b"adapter bytes") },
		"influence": { "file": "influence.safetensors", "contentHash": hash(b"sketches") },
	});
	std::fs::write(out.join("training.json"), training.to_string()).unwrap();
	lock(&studio.jobs).get_mut(id).unwrap().state = JobState::Done;
	id
}

#[tokio::test]
async fn only_a_finished_untampered_job_with_a_fee_in_open_is_registered() {
	let Fixture { dir, studio } = fixture();
	let fee = || Some(json!({"fee": "1", "name": "zorbitol-lora"}));
	let (status, error) = error_of(&studio, "POST", "/api/jobs/42/register", fee()).await;
	assert_eq!((status, error.as_str()), (StatusCode::NOT_FOUND, "there is no job 42"));

	let id = finished_job(&studio, dir.path());
	lock(&studio.jobs).get_mut(id).unwrap().state = JobState::Sketching;
	let (status, error) = error_of(&studio, "POST", &format!("/api/jobs/{id}/register"), fee()).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert_eq!(error, format!("job {id} is sketching: only a finished training can be registered"));
	lock(&studio.jobs).get_mut(id).unwrap().state = JobState::Done;

	let (status, error) =
		error_of(&studio, "POST", &format!("/api/jobs/{id}/register"), Some(json!({"fee": "1.5 OPEN"}))).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("is not an amount of OPEN"), "{error}");

	let adapter = dir.path().join("studio").join(id.to_string()).join(ADAPTER_FILE);
	std::fs::write(&adapter, b"adapter bytez").unwrap();
	let (status, error) = error_of(&studio, "POST", &format!("/api/jobs/{id}/register"), fee()).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("adapter.safetensors hashes to") && error.ends_with("nothing registered"), "{error}");

	// Untampered, it reaches the chain: here a port nobody listens on.
	std::fs::write(&adapter, b"adapter bytes").unwrap();
	let (status, error) = error_of(&studio, "POST", &format!("/api/jobs/{id}/register"), fee()).await;
	assert_eq!(status, StatusCode::BAD_GATEWAY);
	assert!(error.starts_with("registering on ws://127.0.0.1:1"), "{error}");
	let job = lock(&studio.jobs).get(id).cloned().unwrap();
	assert!(job.model.is_none() && !job.registering);
}

#[tokio::test]
async fn a_job_publishes_its_files_and_nothing_else() {
	let Fixture { dir, studio } = fixture();
	let id = finished_job(&studio, dir.path());
	let (status, body) = call(&studio, "GET", &format!("/files/{id}/{ADAPTER_FILE}"), None).await;
	assert_eq!((status, body.as_slice()), (StatusCode::OK, b"adapter bytes".as_slice()));
	assert_eq!(studio.file_url(id, ADAPTER_FILE), format!("http://studio.test:8090/files/{id}/{ADAPTER_FILE}"));
	for path in [
		format!("/files/{id}/secret.key"),
		format!("/files/{id}/..%2Fdatanets"),
		format!("/api/jobs/{id}/loss.png"),
		"/files/99/adapter.safetensors".into(),
	] {
		assert_eq!(call(&studio, "GET", &path, None).await.0, StatusCode::NOT_FOUND, "{path}");
	}
	assert_eq!(call(&studio, "GET", "/files/x/adapter.safetensors", None).await.0, StatusCode::BAD_REQUEST);
}

/// A raw request with these headers.
async fn raw(studio: &Studio, uri: &str, headers: &[(&str, &str)], body: &str) -> (StatusCode, String) {
	let mut request = Request::builder().method("POST").uri(uri);
	for (name, value) in headers {
		request = request.header(*name, *value);
	}
	let response = router(studio.clone()).oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
	let status = response.status();
	let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
	let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
	(status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn another_sites_page_cannot_start_training_or_register() {
	let Fixture { studio, dir: _dir } = fixture();
	let body = job_request(3, 2).to_string();
	// A form post (no preflight in a browser): refused for its content type, nothing started.
	let (status, error) = raw(&studio, "/api/jobs", &[("content-type", "text/plain")], &body).await;
	assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{error}");
	let (status, _) = raw(&studio, "/api/jobs", &[], &body).await;
	assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
	// JSON from another origin (or a DNS-rebinding name): refused.
	for origin in ["http://evil.test", "http://127.0.0.1.evil.test:8090"] {
		let headers = [("content-type", "application/json"), ("origin", origin)];
		let (status, error) = raw(&studio, "/api/jobs/1/register", &headers, r#"{"fee":"1"}"#).await;
		assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
		assert!(error.contains(origin), "{error}");
	}
	assert!(lock(&studio.jobs).active().is_none(), "nothing started");
	// The studio's own page passes the guard (and gets the API's own answer: no job 1).
	let headers = [("content-type", "application/json; charset=utf-8"), ("origin", "http://studio.test:8090")];
	let (status, _) = raw(&studio, "/api/jobs/1/register", &headers, r#"{"fee":"1"}"#).await;
	assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn files_at_a_private_address_are_not_registered_unless_allowed() {
	let Fixture { studio: _, dir } = fixture();
	let local = Studio::new(
		dir.path().to_path_buf(),
		"ws://127.0.0.1:1".into(),
		WorkerKey::from_uri("//Bob").unwrap(),
		"http://127.0.0.1:8090",
		super::jobs::Trainer::new(no_models(dir.path())),
	);
	let (status, error) = error_of(&local, "POST", "/api/jobs/1/register", Some(json!({"fee": "1"}))).await;
	assert_eq!(status, StatusCode::BAD_REQUEST);
	assert!(error.contains("other validators' workers cannot reach"), "{error}");
	let allowed = local.allowing_private_url(true);
	let (status, _) = error_of(&allowed, "POST", "/api/jobs/1/register", Some(json!({"fee": "1"}))).await;
	assert_eq!(status, StatusCode::NOT_FOUND, "allowed in development: on to the job, which does not exist");
}
