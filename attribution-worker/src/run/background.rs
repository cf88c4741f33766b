//! The background queue: getting content ready off the block loop. Fetching, checking and indexing a DataNet
//! version, and loading a newly registered model, take as long as the content's hosts and sizes make them —
//! anyone's URI, anyone's size. Jobs wait in a bounded queue and run a few at a time (`--job-concurrency`), each
//! under a deadline (`--job-timeout`), so one hanging host delays at most one slot, and answering, committing and
//! revealing (the duties with windows, and slashes when missed) never wait on any of it. A request for a model
//! that is not ready yet prepares it on the spot.
//!
//! A DataNet version whose DataNet already has a newer version queued is skipped as superseded: a curator who
//! approves hundreds of datasets in a few blocks creates hundreds of versions, and only the newest is worth
//! indexing ahead of time (a model on an older one prepares it when it is registered or asked).

use std::{
	collections::HashMap,
	future::Future,
	sync::{Arc, Mutex, PoisonError},
	time::Duration,
};

use anyhow::Result;
use tokio::sync::{mpsc, Semaphore};

use super::metrics::Metrics;

/// A background job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
	/// Fetch, check and index a new DataNet version's datasets.
	Index { datanet: u32, version: u32 },
	/// Fetch and check a newly registered model's content and adapter and load it, so its first request is
	/// answered in time.
	Prepare { model: u32 },
	/// Measure a proposal for its validation committee and commit to the report (`super::validation`).
	Validate(super::validation::Assignment),
}

/// What became of a job that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
	/// It did its work.
	Ran,
	/// There was nothing left to do (a model retired before its turn came).
	Skipped,
}

/// How the queue runs.
#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
	/// Jobs that may wait; more are dropped with a warning (and done on demand when a request needs them).
	pub capacity: usize,
	/// Jobs that run at once.
	pub concurrency: usize,
	/// How long one job may run.
	pub timeout: Duration,
}

/// The queue of background jobs.
#[derive(Clone)]
pub struct Background {
	sender: mpsc::Sender<Job>,
	metrics: Metrics,
	/// The newest version queued for each DataNet.
	newest: Arc<Mutex<HashMap<u32, u32>>>,
}

impl Background {
	/// Starts the queue; `run` does one job.
	pub fn start<R, F>(run: R, limits: QueueLimits, metrics: Metrics) -> Self
	where
		R: Fn(Job) -> F + Send + Sync + 'static,
		F: Future<Output = Result<Done>> + Send + 'static,
	{
		let (sender, mut receiver) = mpsc::channel::<Job>(limits.capacity.max(1));
		let newest: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
		let slots = Arc::new(Semaphore::new(limits.concurrency.max(1)));
		let (run, queued, job_metrics) = (Arc::new(run), newest.clone(), metrics.clone());
		tokio::spawn(async move {
			while let Some(job) = receiver.recv().await {
				// Closed only when the queue is dropped, and then nothing is left to run.
				let Ok(slot) = slots.clone().acquire_owned().await else { return };
				if let Job::Index { datanet, version } = job {
					let newer = queued.lock().unwrap_or_else(PoisonError::into_inner).get(&datanet).copied();
					if newer.is_some_and(|newer| newer > version) {
						job_metrics.jobs.with_label_values(&["superseded"]).inc();
						tracing::debug!("{job:?} skipped: a newer version of DataNet {datanet} is queued");
						continue;
					}
				}
				let (run, metrics) = (run.clone(), job_metrics.clone());
				tokio::spawn(async move {
					let outcome = match tokio::time::timeout(limits.timeout, run(job)).await {
						Ok(Ok(Done::Ran)) => "done",
						Ok(Ok(Done::Skipped)) => "skipped",
						Ok(Err(e)) => {
							tracing::warn!("{job:?} failed: {e:#}");
							"failed"
						},
						Err(_) => {
							tracing::warn!("{job:?} failed: timed out after {:?} (--job-timeout)", limits.timeout);
							"failed"
						},
					};
					if outcome == "failed" {
						metrics.failed("content");
					}
					metrics.jobs.with_label_values(&[outcome]).inc();
					drop(slot);
				});
			}
		});
		Self { sender, metrics, newest }
	}

	/// Queues `job`; drops it with a warning when the queue is full.
	pub fn submit(&self, job: Job) {
		if let Job::Index { datanet, version } = job {
			let mut newest = self.newest.lock().unwrap_or_else(PoisonError::into_inner);
			let entry = newest.entry(datanet).or_insert(version);
			*entry = (*entry).max(version);
		}
		if let Err(e) = self.sender.try_send(job) {
			self.metrics.failed("queue");
			self.metrics.jobs.with_label_values(&["dropped"]).inc();
			tracing::warn!("{job:?} dropped: the background queue is full or stopped ({e}); done on demand instead");
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::atomic::{AtomicUsize, Ordering};
	use tokio::sync::Notify;

	fn metrics() -> Metrics {
		Metrics::register(&substrate_prometheus_endpoint::Registry::new()).expect("fresh registry")
	}

	fn count(metrics: &Metrics, outcome: &str) -> u64 {
		metrics.jobs.with_label_values(&[outcome]).get()
	}

	async fn until(what: &str, check: impl Fn() -> bool) {
		for _ in 0..500 {
			if check() {
				return;
			}
			tokio::time::sleep(Duration::from_millis(10)).await;
		}
		panic!("timed out waiting for {what}");
	}

	#[tokio::test]
	async fn a_hanging_job_holds_one_slot_and_the_others_still_run_then_it_times_out() {
		let (metrics, finished) = (metrics(), Arc::new(AtomicUsize::new(0)));
		let done = finished.clone();
		let limits = QueueLimits { capacity: 10, concurrency: 2, timeout: Duration::from_millis(300) };
		let queue = Background::start(
			move |job| {
				let done = done.clone();
				async move {
					if job == (Job::Prepare { model: 0 }) {
						std::future::pending::<()>().await;
					}
					done.fetch_add(1, Ordering::SeqCst);
					Ok(Done::Ran)
				}
			},
			limits,
			metrics.clone(),
		);
		queue.submit(Job::Prepare { model: 0 });
		for model in 1..=5 {
			queue.submit(Job::Prepare { model });
		}
		until("the five other jobs", || finished.load(Ordering::SeqCst) == 5).await;
		assert_eq!(count(&metrics, "failed"), 0, "the hanging job is still within its deadline");
		until("the hanging job's deadline", || count(&metrics, "failed") == 1).await;
		assert_eq!(count(&metrics, "done"), 5);
		assert_eq!(metrics.failures.with_label_values(&["content"]).get(), 1);
	}

	#[tokio::test]
	async fn only_the_newest_queued_version_of_a_datanet_is_indexed() {
		let (metrics, ran) = (metrics(), Arc::new(Mutex::new(Vec::new())));
		let (gate, record) = (Arc::new(Notify::new()), ran.clone());
		let opened = gate.clone();
		let limits = QueueLimits { capacity: 1_000, concurrency: 1, timeout: Duration::from_secs(10) };
		let queue = Background::start(
			move |job| {
				let (record, opened) = (record.clone(), opened.clone());
				async move {
					// The first job waits, so everything after it is queued behind it.
					if job == (Job::Prepare { model: 0 }) {
						opened.notified().await;
					}
					record.lock().unwrap_or_else(PoisonError::into_inner).push(job);
					Ok(Done::Ran)
				}
			},
			limits,
			metrics.clone(),
		);
		queue.submit(Job::Prepare { model: 0 });
		// Hundreds of approvals in a few blocks: versions 1…300 of DataNet 7, and one version of DataNet 8.
		for version in 1..=300 {
			queue.submit(Job::Index { datanet: 7, version });
		}
		queue.submit(Job::Index { datanet: 8, version: 1 });
		queue.submit(Job::Prepare { model: 1 });
		gate.notify_one();
		until("the queue to drain", || ran.lock().unwrap_or_else(PoisonError::into_inner).len() == 4).await;
		tokio::time::sleep(Duration::from_millis(50)).await;
		let ran = ran.lock().unwrap_or_else(PoisonError::into_inner).clone();
		assert_eq!(
			ran,
			vec![
				Job::Prepare { model: 0 },
				Job::Index { datanet: 7, version: 300 },
				Job::Index { datanet: 8, version: 1 },
				Job::Prepare { model: 1 }
			]
		);
		assert_eq!(count(&metrics, "superseded"), 299);
	}

	#[tokio::test]
	async fn a_full_queue_drops_and_counts_instead_of_blocking_the_block_loop() {
		let metrics = metrics();
		let gate = Arc::new(Notify::new());
		let opened = gate.clone();
		let limits = QueueLimits { capacity: 2, concurrency: 1, timeout: Duration::from_secs(10) };
		let queue = Background::start(
			move |_| {
				let opened = opened.clone();
				async move {
					opened.notified().await;
					Ok(Done::Ran)
				}
			},
			limits,
			metrics.clone(),
		);
		for model in 0..10 {
			queue.submit(Job::Prepare { model });
		}
		// The test runtime runs one task at a time, so the queue has not started on any: two wait, eight dropped.
		assert_eq!(count(&metrics, "dropped"), 8);
		assert_eq!(metrics.failures.with_label_values(&["queue"]).get(), count(&metrics, "dropped"));
	}
}
