//! Prometheus metrics, served at `http://<addr>/metrics` by Substrate's own endpoint.

use anyhow::Result;
use std::net::SocketAddr;
use substrate_prometheus_endpoint::{
	exponential_buckets, register, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts, Registry, U64,
};

/// What the worker counts.
#[derive(Clone)]
pub struct Metrics {
	/// Requests answered (answers submitted and included).
	pub served: Counter<U64>,
	/// Requests declined (no grounded answer, or a prompt the model cannot take).
	pub declined: Counter<U64>,
	/// Commitments and reveals submitted.
	pub committed: Counter<U64>,
	pub revealed: Counter<U64>,
	/// Reveals sent while an answer or an attribution was being computed (they would have waited for it).
	pub early_reveals: Counter<U64>,
	/// Duties that failed, by kind (`serve`, `commit`, `reveal`, `content`: fetching, checking or indexing).
	pub failures: CounterVec<U64>,
	/// Background jobs by outcome (`done`, `skipped`, `superseded`, `failed`, `dropped`).
	pub jobs: CounterVec<U64>,
	/// Retries of dataset and adapter URIs.
	pub fetch_retries: Counter<U64>,
	/// Seconds from seeing a request to its answer being included.
	pub answer_seconds: Histogram,
	/// Models kept ready to answer (`--max-engines` at most).
	pub engines: Gauge<U64>,
	/// The last finalized block handled.
	pub block: Gauge<U64>,
	/// OpenLoRA: adapters in the cache, the bytes they hold, loads (misses) and evictions.
	pub adapters_cached: Gauge<U64>,
	pub adapter_cache_bytes: Gauge<U64>,
	pub adapter_loads: Counter<U64>,
	pub adapter_evictions: Counter<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self> {
		Ok(Self {
			served: register(Counter::new("openledger_worker_requests_served_total", "Answers submitted")?, registry)?,
			declined: register(
				Counter::new("openledger_worker_requests_declined_total", "Requests declined: no grounded answer")?,
				registry,
			)?,
			committed: register(
				Counter::new("openledger_worker_commitments_total", "Commitments submitted")?,
				registry,
			)?,
			revealed: register(Counter::new("openledger_worker_reveals_total", "Reveals submitted")?, registry)?,
			early_reveals: register(
				Counter::new(
					"openledger_worker_reveals_during_work_total",
					"Reveals sent while an answer or attribution was being computed",
				)?,
				registry,
			)?,
			failures: register(
				CounterVec::new(Opts::new("openledger_worker_failures_total", "Duties that failed"), &["kind"])?,
				registry,
			)?,
			jobs: register(
				CounterVec::new(Opts::new("openledger_worker_jobs_total", "Background jobs by outcome"), &["outcome"])?,
				registry,
			)?,
			fetch_retries: register(
				Counter::new("openledger_worker_fetch_retries_total", "Retries of dataset and adapter URIs")?,
				registry,
			)?,
			answer_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new("openledger_worker_answer_seconds", "Seconds from request to answer included")
						.buckets(exponential_buckets(0.5, 2.0, 10)?),
				)?,
				registry,
			)?,
			engines: register(Gauge::new("openledger_worker_engines", "Models kept ready to answer")?, registry)?,
			block: register(
				Gauge::new("openledger_worker_finalized_block", "Last finalized block handled")?,
				registry,
			)?,
			adapters_cached: register(
				Gauge::new("openledger_worker_adapters_cached", "LoRA adapters in the OpenLoRA cache")?,
				registry,
			)?,
			adapter_cache_bytes: register(
				Gauge::new("openledger_worker_adapter_cache_bytes", "Bytes of LoRA deltas in the OpenLoRA cache")?,
				registry,
			)?,
			adapter_loads: register(
				Counter::new("openledger_worker_adapter_loads_total", "LoRA adapters loaded into the cache")?,
				registry,
			)?,
			adapter_evictions: register(
				Counter::new("openledger_worker_adapter_evictions_total", "LoRA adapters evicted over the budget")?,
				registry,
			)?,
		})
	}

	/// Counts a failed duty.
	pub fn failed(&self, kind: &str) {
		self.failures.with_label_values(&[kind]).inc();
	}
}

/// Serves `registry` at `addr` until the process ends.
pub fn serve(addr: SocketAddr, registry: Registry) {
	tokio::spawn(async move {
		if let Err(e) = substrate_prometheus_endpoint::init_prometheus(addr, registry).await {
			tracing::error!("prometheus endpoint on {addr} failed: {e}");
		}
	});
}
