//! `attribution-worker studio`: ModelFactory in the browser. One page (`page.html`) picks a DataNet version the
//! worker kept, sets the LoRA hyper-parameters, trains with live progress and the loss plot, and registers the
//! adapter as a model on chain; a JSON API behind it does the work and publishes the job's files, which become
//! the model's `adapterUri` and `influenceUri`.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the page |
//! | `GET /api/versions` | the DataNet versions under `<data-dir>/datanets` |
//! | `POST /api/jobs` | `{"datanet", "version", "hyperparameters": {…}}` → `{"id"}`: starts training |
//! | `GET /api/jobs/{id}` | the job's state, progress and losses |
//! | `GET /api/jobs/{id}/loss.png` | the loss plot, once done |
//! | `POST /api/jobs/{id}/register` | `{"fee": OPEN, "name"}` → `{"model", "adapterUri"}` |
//! | `GET /files/{job}/{file}` | `adapter.safetensors`, `influence.safetensors`, … |

mod files;
mod guard;
mod jobs;
mod registration;
#[cfg(test)]
mod tests;
mod versions;

use crate::{
	run::{shutdown_signal, WorkerKey},
	Common,
};
use anyhow::{ensure, Context, Result};
use axum::{
	http::StatusCode,
	response::{Html, IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use clap::Args;
use jobs::{Jobs, Trainer};
use serde::de::DeserializeOwned;
use std::{
	net::SocketAddr,
	path::PathBuf,
	sync::{Arc, Mutex, MutexGuard, PoisonError},
};

/// Where the studio finds DataNet versions, where it registers models, and where it listens.
#[derive(Args, Debug, Clone)]
pub struct StudioArgs {
	/// The worker's data directory: versions are read from <data-dir>/datanets, jobs written to <data-dir>/studio.
	#[arg(long, default_value = "worker-data")]
	pub data_dir: PathBuf,
	/// The node's WebSocket endpoint, for registrations.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// The model owner's key as a seed URI (pays each model's deposit and receives the owner's share); prefer
	/// --owner-file outside development.
	#[arg(long, conflicts_with = "owner_file", required_unless_present = "owner_file")]
	pub owner: Option<String>,
	/// A file whose first line is the model owner's seed URI.
	#[arg(long)]
	pub owner_file: Option<PathBuf>,
	/// Address to serve the page and the API on.
	#[arg(long, default_value = "127.0.0.1:8090")]
	pub listen: SocketAddr,
	/// The URL workers reach this studio at; registered adapters are published under it (default: http://<listen>).
	#[arg(long)]
	pub public_url: Option<String>,
	/// Register models whose files are published at a loopback or private address (development only: other
	/// validators' workers cannot fetch from them, and refuse to).
	#[arg(long)]
	pub allow_private_url: bool,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct Studio {
	data_dir: PathBuf,
	node: String,
	owner: WorkerKey,
	public_url: String,
	trainer: Arc<tokio::sync::Mutex<Trainer>>,
	jobs: Arc<Mutex<Jobs>>,
	/// The origins whose pages may change anything (see [`guard`]).
	origins: Arc<Vec<String>>,
	/// Whether models may be registered with files at a non-public address.
	allow_private_url: bool,
}

impl Studio {
	/// A studio over `data_dir`; job ids continue after those of earlier runs' directories.
	pub fn new(data_dir: PathBuf, node: String, owner: WorkerKey, public_url: &str, trainer: Trainer) -> Self {
		let first_id = versions::numbered_dirs::<u64>(&data_dir.join("studio"))
			.into_iter()
			.map(|(id, _)| id.saturating_add(1))
			.max()
			.unwrap_or(1);
		Self {
			data_dir,
			node,
			owner,
			public_url: public_url.trim_end_matches('/').to_owned(),
			trainer: Arc::new(tokio::sync::Mutex::new(trainer)),
			jobs: Arc::new(Mutex::new(Jobs::starting_at(first_id))),
			origins: Arc::new(guard::origin_of(public_url).into_iter().collect()),
			allow_private_url: false,
		}
	}

	/// Also accepts requests from pages served at `addr` (the listening address, and `localhost` for a loopback
	/// one).
	pub fn serving_at(mut self, addr: SocketAddr) -> Self {
		let mut origins = (*self.origins).clone();
		origins.push(format!("http://{addr}"));
		if addr.ip().is_loopback() {
			origins.push(format!("http://localhost:{}", addr.port()));
		}
		self.origins = Arc::new(origins);
		self
	}

	/// Allows registering models whose files are at a non-public address (development).
	pub fn allowing_private_url(mut self, allow: bool) -> Self {
		self.allow_private_url = allow;
		self
	}

	/// Where job `id` writes its files.
	fn job_dir(&self, id: u64) -> PathBuf {
		self.data_dir.join("studio").join(id.to_string())
	}

	/// The public URL of one of job `id`'s files.
	fn file_url(&self, id: u64, file: &str) -> String {
		format!("{}/files/{id}/{file}", self.public_url)
	}
}

/// The page and the API.
pub fn router(studio: Studio) -> Router {
	Router::new()
		.route("/", get(page))
		.route("/api/versions", get(versions::list))
		.route("/api/jobs", post(jobs::start))
		.route("/api/jobs/{id}", get(jobs::status))
		.route("/api/jobs/{id}/loss.png", get(files::loss_plot))
		.route("/api/jobs/{id}/register", post(registration::register))
		.route("/files/{job}/{file}", get(files::published))
		.layer(axum::middleware::from_fn_with_state(studio.clone(), guard::same_origin_json))
		.with_state(studio)
}

async fn page() -> Html<&'static str> {
	Html(include_str!("page.html"))
}

/// Runs the studio until Ctrl-C or SIGTERM. The base model is loaded (and its weights verified) before serving.
pub fn run(common: &Common, args: &StudioArgs) -> Result<()> {
	ensure!(!common.quantized, "training needs the f32 base model: drop --quantized");
	let threads = attribution_engine::set_threads(
		common.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
	);
	tracing::debug!(threads, "thread pool");
	let owner = match (&args.owner, &args.owner_file) {
		(Some(uri), _) => WorkerKey::from_uri(uri).context("--owner")?,
		(None, Some(path)) => WorkerKey::from_file(path).context("--owner-file")?,
		(None, None) => anyhow::bail!("give the model owner's key with --owner or --owner-file"),
	};
	let mut trainer = Trainer::new(common.clone());
	trainer.generator()?;
	let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
	let studio = Studio::new(args.data_dir.clone(), args.node.clone(), owner, &public_url, trainer)
		.allowing_private_url(args.allow_private_url);
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.context("starting the async runtime")?;
	runtime.block_on(async {
		let listener = tokio::net::TcpListener::bind(args.listen)
			.await
			.with_context(|| format!("listening on {}", args.listen))?;
		println!(
			"studio on http://{} (DataNet versions from {}, files published at {public_url})",
			listener.local_addr()?,
			args.data_dir.join("datanets").display()
		);
		let studio = studio.serving_at(listener.local_addr()?);
		axum::serve(listener, router(studio)).with_graceful_shutdown(shutdown_signal()).await.context("serving")
	})
}

/// An API error: a status and a message the page shows, as `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
	status: StatusCode,
	message: String,
}

impl ApiError {
	/// An error with this status.
	pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
		Self { status, message: message.into() }
	}

	/// A failure of the studio itself (500).
	pub fn internal(error: impl std::fmt::Display) -> Self {
		Self::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
	}

	/// No job has this id (404).
	pub fn unknown_job(id: u64) -> Self {
		Self::new(StatusCode::NOT_FOUND, format!("there is no job {id}"))
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.status, Json(serde_json::json!({ "error": self.message }))).into_response()
	}
}

/// A bad request (400), with the cause's whole chain as its message.
pub fn bad_request(error: impl Into<anyhow::Error>) -> ApiError {
	ApiError::new(StatusCode::BAD_REQUEST, format!("{:#}", error.into()))
}

/// A JSON body, or a 400 saying what is wrong with it.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
	serde_json::from_slice(body).map_err(|e| bad_request(anyhow::anyhow!("the request body: {e}")))
}

/// Locks shared state; a panic elsewhere while holding it leaves the data usable (every update is one field).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
