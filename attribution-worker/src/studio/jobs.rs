//! Training jobs: one at a time, each on a blocking thread, its progress kept in memory for the page to poll and
//! its files written to `<data-dir>/studio/<job>/` (what `train --out` writes).

use super::{bad_request, lock, parse_json, versions::manifest_path, ApiError, Studio};
use crate::{
	factory::{fine_tune, FineTuned, Stage},
	loading::load_generator,
	Common,
};
use anyhow::{anyhow, Result};
use attribution_engine::{
	datanet::DataNetVersion,
	generate::Generator,
	train::{
		examples::{examples, Example},
		EpochLoss, Progress, TrainConfig,
	},
};
use axum::{
	body::Bytes,
	extract::{Path, State},
	http::StatusCode,
	Json,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	path::PathBuf,
	sync::{Arc, Mutex},
};
use tokio::sync::OwnedMutexGuard;

/// The base model, loaded on first use and kept: whoever holds the lock on it is the one training.
pub struct Trainer {
	common: Common,
	generator: Option<Generator>,
}

impl Trainer {
	/// A trainer that loads the f32 base model from `common`'s models directory when first needed.
	pub fn new(common: Common) -> Self {
		Self { common, generator: None }
	}

	/// The base model, loaded (and its weights verified) if it is not yet.
	pub fn generator(&mut self) -> Result<&mut Generator> {
		match &mut self.generator {
			Some(generator) => Ok(generator),
			slot @ None => Ok(slot.insert(load_generator(&self.common, None)?)),
		}
	}
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
	Queued,
	Training,
	Sketching,
	Done,
	Failed,
}

impl JobState {
	/// The state as the API spells it.
	pub fn name(self) -> &'static str {
		match self {
			Self::Queued => "queued",
			Self::Training => "training",
			Self::Sketching => "sketching",
			Self::Done => "done",
			Self::Failed => "failed",
		}
	}
}

/// A training job as `GET /api/jobs/{id}` reports it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
	pub id: u64,
	pub datanet: u32,
	pub version: u32,
	pub hyperparameters: TrainConfig,
	pub state: JobState,
	/// Examples found in the version (training and validation).
	pub examples: usize,
	pub epoch: usize,
	pub step: usize,
	/// Steps per epoch (training examples).
	pub steps: usize,
	/// The last step's loss.
	pub loss: Option<f64>,
	/// Examples sketched for influence so far.
	pub sketched: usize,
	/// The base model's validation loss (epoch 0), once training is done.
	pub base_validation_loss: Option<f64>,
	/// Each finished epoch's losses.
	pub losses: Vec<EpochLoss>,
	/// The epoch whose adapter was kept, once training is done.
	pub best_epoch: Option<usize>,
	/// The adapter's content hash, once written.
	pub adapter_hash: Option<String>,
	pub error: Option<String>,
	/// The model registered from this job.
	pub model: Option<u32>,
	/// A registration is under way.
	#[serde(skip)]
	pub registering: bool,
}

impl Job {
	fn new(id: u64, datanet: u32, version: u32, hyperparameters: TrainConfig, examples: usize) -> Self {
		Self {
			id,
			datanet,
			version,
			hyperparameters,
			state: JobState::Queued,
			examples,
			epoch: 0,
			step: 0,
			steps: 0,
			loss: None,
			sketched: 0,
			base_validation_loss: None,
			losses: Vec::new(),
			best_epoch: None,
			adapter_hash: None,
			error: None,
			model: None,
			registering: false,
		}
	}

	/// Whether the job still holds the trainer.
	pub fn is_active(&self) -> bool {
		matches!(self.state, JobState::Queued | JobState::Training | JobState::Sketching)
	}

	/// Takes in one report of fine-tuning.
	pub fn record(&mut self, stage: &Stage<'_>) {
		match stage {
			Stage::Training(Progress::Step { epoch, step, steps, loss }) => {
				self.state = JobState::Training;
				(self.epoch, self.step, self.steps, self.loss) = (*epoch, *step, *steps, Some(*loss));
			},
			Stage::Training(Progress::Epoch(losses)) => self.losses.push(losses.clone()),
			Stage::Sketching { done, .. } => {
				self.state = JobState::Sketching;
				self.sketched = *done;
			},
		}
	}

	/// Records how fine-tuning ended.
	pub fn finish(&mut self, outcome: Result<FineTuned>) {
		match outcome {
			Ok(tuned) => {
				self.state = JobState::Done;
				self.base_validation_loss = Some(tuned.trained.base_validation);
				self.losses = tuned.trained.losses;
				self.best_epoch = Some(tuned.trained.best_epoch);
				self.adapter_hash = tuned.summary["adapter"]["contentHash"].as_str().map(str::to_owned);
			},
			Err(e) => self.fail(format!("{e:#}")),
		}
	}

	/// Marks the job failed with `error`.
	pub fn fail(&mut self, error: String) {
		self.state = JobState::Failed;
		self.error = Some(error);
	}
}

/// The jobs of this run of the studio, by id.
pub struct Jobs {
	next_id: u64,
	jobs: BTreeMap<u64, Job>,
}

impl Jobs {
	/// No jobs yet; the first gets id `first_id` (ids of earlier runs' directories are not reused).
	pub fn starting_at(first_id: u64) -> Self {
		Self { next_id: first_id.max(1), jobs: BTreeMap::new() }
	}

	/// Adds a queued job; returns its id.
	pub fn create(&mut self, datanet: u32, version: u32, hyperparameters: TrainConfig, examples: usize) -> u64 {
		let id = self.next_id;
		self.next_id = id.saturating_add(1);
		self.jobs.insert(id, Job::new(id, datanet, version, hyperparameters, examples));
		id
	}

	/// The job with this id.
	pub fn get(&self, id: u64) -> Option<&Job> {
		self.jobs.get(&id)
	}

	/// The job with this id, to change.
	pub fn get_mut(&mut self, id: u64) -> Option<&mut Job> {
		self.jobs.get_mut(&id)
	}

	/// The job holding the trainer, if any.
	pub fn active(&self) -> Option<&Job> {
		self.jobs.values().find(|job| job.is_active())
	}
}

/// `POST /api/jobs`'s body.
#[derive(Deserialize)]
struct JobRequest {
	datanet: u32,
	version: u32,
	hyperparameters: TrainConfig,
}

/// `POST /api/jobs`: checks the request, then trains in the background; answers `{"id"}` (202), 400 for a bad
/// request (nothing started), 409 while another job trains.
pub async fn start(State(studio): State<Studio>, body: Bytes) -> Result<(StatusCode, Json<Value>), ApiError> {
	let JobRequest { datanet, version: number, hyperparameters: config } = parse_json(&body)?;
	config.check().map_err(bad_request)?;
	let manifest = manifest_path(&studio.data_dir, datanet, number);
	if !manifest.is_file() {
		return Err(bad_request(anyhow!(
			"DataNet {datanet} version {number} is not in {}: the worker keeps the versions it indexed",
			studio.data_dir.join("datanets").display()
		)));
	}
	let Ok(mut trainer) = studio.trainer.clone().try_lock_owned() else {
		let message = match lock(&studio.jobs).active() {
			Some(job) => format!("job {} is still {}: one training at a time", job.id, job.state.name()),
			None => "another training is starting: one training at a time".into(),
		};
		return Err(ApiError::new(StatusCode::CONFLICT, message));
	};
	let max_tokens = config.max_tokens;
	let (trainer, version, found) = tokio::task::spawn_blocking(move || {
		let (version, found) = prepare(&mut trainer, &manifest, max_tokens)?;
		Ok::<_, ApiError>((trainer, version, found))
	})
	.await
	.map_err(ApiError::internal)??;
	let id = lock(&studio.jobs).create(datanet, number, config.clone(), found.len());
	let out = studio.job_dir(id);
	let jobs = studio.jobs.clone();
	let training = tokio::task::spawn_blocking(move || train_job(trainer, &jobs, id, &version, &found, &config, out));
	let jobs = studio.jobs.clone();
	tokio::spawn(async move {
		if let Err(e) = training.await {
			if let Some(job) = lock(&jobs).get_mut(id) {
				job.fail(format!("training stopped: {e}"));
			}
		}
	});
	Ok((StatusCode::ACCEPTED, Json(json!({ "id": id }))))
}

/// Loads the version and finds its examples: a version without datasets or text is a bad request.
fn prepare(
	trainer: &mut Trainer,
	manifest: &std::path::Path,
	max_tokens: usize,
) -> Result<(DataNetVersion, Vec<Example>), ApiError> {
	let version = DataNetVersion::load(manifest).map_err(bad_request)?;
	let generator = trainer.generator().map_err(ApiError::internal)?;
	let found = examples(generator, &version, max_tokens).map_err(bad_request)?;
	Ok((version, found))
}

/// Runs on a blocking thread, holding the trainer until done.
fn train_job(
	mut trainer: OwnedMutexGuard<Trainer>,
	jobs: &Arc<Mutex<Jobs>>,
	id: u64,
	version: &DataNetVersion,
	found: &[Example],
	config: &TrainConfig,
	out: PathBuf,
) {
	if let Some(job) = lock(jobs).get_mut(id) {
		job.state = JobState::Training;
	}
	let outcome = trainer.generator().and_then(|generator| {
		fine_tune(generator, version, found, config, &out, &mut |stage| {
			if let Some(job) = lock(jobs).get_mut(id) {
				job.record(&stage);
			}
		})
	});
	if let Some(job) = lock(jobs).get_mut(id) {
		job.finish(outcome);
		tracing::info!("job {id}: {}", job.state.name());
	}
}

/// `GET /api/jobs/{id}`: the job's state and progress.
pub async fn status(State(studio): State<Studio>, Path(id): Path<u64>) -> Result<Json<Job>, ApiError> {
	lock(&studio.jobs).get(id).cloned().map(Json).ok_or_else(|| ApiError::unknown_job(id))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_job_follows_training_then_sketching_and_keeps_each_epochs_losses() {
		let mut jobs = Jobs::starting_at(0);
		let id = jobs.create(1, 2, TrainConfig::default(), 13);
		assert_eq!(id, 1, "ids start at 1");
		let job = jobs.get_mut(id).unwrap();
		assert!(job.is_active() && job.state == JobState::Queued);
		job.record(&Stage::Training(&Progress::Step { epoch: 1, step: 3, steps: 11, loss: 2.5 }));
		assert_eq!((job.state, job.epoch, job.step, job.steps, job.loss), (JobState::Training, 1, 3, 11, Some(2.5)));
		let epoch = EpochLoss { epoch: 1, train: 2.4, validation: 2.6 };
		job.record(&Stage::Training(&Progress::Epoch(epoch.clone())));
		job.record(&Stage::Sketching { done: 4, total: 13 });
		assert_eq!((job.state, job.sketched, job.losses.clone()), (JobState::Sketching, 4, vec![epoch]));
		job.finish(Err(anyhow!("out of memory")));
		assert_eq!((job.state, job.error.as_deref()), (JobState::Failed, Some("out of memory")));
		assert!(jobs.active().is_none(), "a failed job frees the trainer");
		assert_eq!(jobs.create(1, 2, TrainConfig::default(), 13), 2);
	}
}
