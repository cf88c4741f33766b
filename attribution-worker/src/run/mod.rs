//! `attribution-worker run`: the worker on chain. It follows finalized blocks, answers the requests assigned to
//! its validator, and — when drawn onto a committee — recomputes the attribution in validator mode, commits,
//! and reveals, inside the windows. Progress is kept on disk (`<data-dir>/progress.json`); the node connection is
//! retried with backoff; Ctrl-C or SIGTERM stops it after the block in hand.

mod address;
mod background;
mod chain;
mod content;
mod duties;
mod engines;
mod fetch;
mod keys;
mod metrics;
mod models;
mod preparation;
mod progress;
mod reads;
mod register;
mod store;
mod submit;
mod validation;

use crate::Common;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

pub use address::check_literal_host;
pub use chain::Chain;
pub use keys::WorkerKey;
pub use register::{register_model, Listing, RegisterArgs, TrainedModel};
pub use submit::{submit_dataset, SubmitArgs};

/// The most MiB fetched for one dataset or adapter unless the operator says otherwise.
pub const DEFAULT_MAX_CONTENT_MB: u64 = 256;

/// How `run` connects and signs.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
	/// The node's WebSocket endpoint.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// The worker key as a seed URI (e.g. `//Alice//worker`); prefer --key-file outside development.
	#[arg(long, conflicts_with = "key_file")]
	pub key: Option<String>,
	/// A file whose first line is the worker key's seed URI.
	#[arg(long)]
	pub key_file: Option<PathBuf>,
	/// Where progress, fetched datasets and indexes are kept.
	#[arg(long, default_value = "worker-data")]
	pub data_dir: PathBuf,
	/// Attempts per dataset or adapter URI before it is reported unreachable.
	#[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
	pub fetch_attempts: u32,
	/// Seconds before the first retry of a URI; each retry waits twice as long (at most 30 s).
	#[arg(long, default_value_t = 1.0)]
	pub fetch_backoff: f64,
	/// Seconds one attempt at a URI may take, connection to last byte.
	#[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3_600))]
	pub fetch_timeout: u64,
	/// The most MiB fetched for one dataset or adapter, whatever the chain declares: larger ones are refused.
	#[arg(long, default_value_t = DEFAULT_MAX_CONTENT_MB, value_parser = clap::value_parser!(u64).range(1..=16_384))]
	pub max_content_mb: u64,
	/// Read `file://` URIs from the chain (development and tests only: anyone can register a path such as
	/// `/etc/passwd` or `/dev/zero`).
	#[arg(long)]
	pub allow_file_uris: bool,
	/// Fetch from loopback, private, link-local and cloud-metadata addresses (development and tests only: anyone
	/// can register a URI that points into the validator's own network).
	#[arg(long)]
	pub allow_private_uris: bool,
	/// Memory for fine-tuned models' LoRA adapters, MiB: every model is served from one base model in memory,
	/// plus its adapter, kept while it fits (least recently used adapters are evicted, and reloaded on use).
	#[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65_536))]
	pub adapter_memory_mb: u64,
	/// Models kept ready to answer (each holds its DataNet version's index in memory); the least recently used is
	/// evicted beyond this and rebuilt from its prepared content on its next request.
	#[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
	pub max_engines: u64,
	/// Memory for the DataNet versions the kept engines answer from (texts, vector and verbatim indexes), MiB;
	/// versions shared by several models count once. The least recently used engines are evicted beyond it; the
	/// engine a request needs is kept even when it alone is larger.
	#[arg(long, default_value_t = 1_024, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
	pub engine_memory_mb: u64,
	/// Background jobs (indexing a new DataNet version, preparing a new model) that may wait; more are dropped
	/// with a warning and done on demand when a request needs them.
	#[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
	pub job_queue: u64,
	/// Background jobs that run at once: a host that never answers holds one slot for up to --job-timeout while
	/// the others go on.
	#[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
	pub job_concurrency: u64,
	/// Seconds one background job may take (fetching, checking and indexing a version or a model).
	#[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
	pub job_timeout: u64,
	/// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9616).
	#[arg(long)]
	pub prometheus: Option<SocketAddr>,
	/// Test only: perturb every vector this worker submits or commits to (a lying worker, to be outvoted).
	#[arg(long, hide = true)]
	pub perturb_weights: bool,
}

/// Runs the worker until Ctrl-C or SIGTERM.
pub fn run(common: &Common, args: &RunArgs) -> Result<()> {
	let key = WorkerKey::from_args(args.key.as_deref(), args.key_file.as_deref(), "the worker key")?;
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.context("starting the async runtime")?;
	runtime.block_on(follow(common.clone(), args.clone(), key))
}

async fn follow(common: Common, args: RunArgs, key: WorkerKey) -> Result<()> {
	let registry = substrate_prometheus_endpoint::Registry::new();
	let metrics = metrics::Metrics::register(&registry)?;
	let adapter_budget = usize::try_from(args.adapter_memory_mb).unwrap_or(usize::MAX);
	let models = Arc::new(models::SharedModels::new(common.clone(), adapter_budget));
	if let Some(addr) = args.prometheus {
		metrics::serve(addr, registry);
	}
	let backoff = Duration::try_from_secs_f64(args.fetch_backoff)
		.ok()
		.filter(|delay| *delay <= Duration::from_secs(30))
		.context("--fetch-backoff must be between 0 and 30 seconds")?;
	let policy = fetch::FetchPolicy {
		attempts: args.fetch_attempts,
		first_delay: backoff,
		attempt_timeout: Duration::from_secs(args.fetch_timeout),
		max_bytes: args.max_content_mb.saturating_mul(1 << 20),
		allow_file: args.allow_file_uris,
		allow_private: args.allow_private_uris,
	};
	let fetcher = fetch::Fetcher::new(policy, Some(metrics.fetch_retries.clone()))?;
	let store = store::ContentStore::new(&args.data_dir);
	let mut progress = progress::Progress::load(&args.data_dir)?;
	let shutdown = shutdown_signal();
	tokio::pin!(shutdown);
	let mut first = true;
	let mut attempt = 0u32;
	loop {
		let chain = tokio::select! {
			_ = &mut shutdown => return stop(&progress, &args),
			connected = Chain::connect(&args.node) => connected,
		};
		let chain = match chain {
			Ok(chain) => chain,
			// A node of another runtime is not a transient failure; anything else (an error that merely mentions
			// the runtime, such as a failed metadata read while the node restarts) is retried.
			Err(e)
				if e.downcast_ref::<chain::IncompatibleRuntime>().is_some() ||
					e.downcast_ref::<chain::ForeignRuntime>().is_some() =>
			{
				return Err(e)
			},
			Err(e) => {
				tracing::warn!("cannot reach the node ({e:#}); retrying");
				chain::backoff(attempt).await;
				attempt = attempt.saturating_add(1);
				continue;
			},
		};
		attempt = 0;
		let validator = match chain.validator_of(&key.account()).await? {
			Some(validator) => validator,
			None if first => bail!(
				"the worker key {} is not registered: the validator must call validatorStaking.validate(commission, <this key>)",
				key.account()
			),
			None => {
				tracing::warn!("the worker key is no longer registered; waiting");
				chain::backoff(5).await;
				continue;
			},
		};
		let genesis = chain.genesis().await?;
		if progress.genesis.as_deref() != Some(genesis.as_str()) {
			// Another chain (or the first run): start at its current finalized block.
			progress = progress::Progress { genesis: Some(genesis), ..Default::default() };
		}
		if first {
			tracing::info!("worker {} serving validator {validator} from {}", key.account(), args.node);
			first = false;
		}
		let content = content::Content {
			chain,
			fetcher: fetcher.clone(),
			store: store.clone(),
			data_dir: args.data_dir.clone(),
			versions: Default::default(),
		};
		let mut worker = duties::Worker::new(
			content,
			key.clone(),
			validator,
			common.clone(),
			metrics.clone(),
			models.clone(),
			duties::WorkerOptions {
				perturb: args.perturb_weights,
				max_engines: usize::try_from(args.max_engines).unwrap_or(usize::MAX),
				engine_memory: usize::try_from(args.engine_memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
				jobs: background::QueueLimits {
					capacity: usize::try_from(args.job_queue).unwrap_or(usize::MAX),
					concurrency: usize::try_from(args.job_concurrency).unwrap_or(1),
					timeout: Duration::from_secs(args.job_timeout),
				},
			},
		)?;
		tokio::select! {
			_ = &mut shutdown => return stop(&progress, &args),
			result = follow_blocks(&mut worker, &mut progress) => {
				match result {
					Err(e) if e.downcast_ref::<chain::IncompatibleRuntime>().is_some() => return Err(e),
					Err(e) => tracing::warn!("lost the node ({e:#}); reconnecting"),
					Ok(()) => {},
				}
			}
		}
	}
}

/// Handles every finalized block after the last one handled, then waits for more; returns on a connection error.
async fn follow_blocks(worker: &mut duties::Worker, progress: &mut progress::Progress) -> Result<()> {
	loop {
		let finalized = worker.chain.finalized().await?;
		let start = progress.last_block.map_or(finalized, |last| last.saturating_add(1));
		for number in start..=finalized {
			worker.chain.check_runtime_at(number).await?;
			worker.handle_block(number, progress).await?;
			progress.last_block = Some(number);
			progress.save(&worker.data_dir)?;
			worker.metrics.block.set(number);
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

fn stop(progress: &progress::Progress, args: &RunArgs) -> Result<()> {
	progress.save(&args.data_dir)?;
	tracing::info!("stopped at block {:?}", progress.last_block);
	Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
	let terminate = async {
		match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
			Ok(mut signal) => {
				signal.recv().await;
			},
			Err(_) => std::future::pending::<()>().await,
		}
	};
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = terminate => {},
	}
}
