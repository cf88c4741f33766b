//! The validation duty: when the chain draws this worker's validator onto a proposal's validation committee
//! (`Validation.ValidationCommitteeDrawn`), the background queue measures the proposed dataset against the DataNet
//! version and its probe set (`attribution_engine::validate`, docs/VALIDATION.md), keeps the report on disk, and
//! commits to it; when the job's reveal phase starts (`ReportRevealStarted`) the block loop reveals it.
//!
//! Everything it reads is checked like any other content: the proposal and the probe set are fetched through the
//! worker's fetcher (size cap, timeouts, private addresses refused) and checked against their content hashes. A
//! proposal that is malformed, empty or not UTF-8 is not an error: its report says so (decoded lossily, the same
//! way by every worker). The measured baseline of a DataNet version is kept for the next proposal to it.

use std::{
	collections::{BTreeMap, HashMap},
	path::PathBuf,
	sync::{Arc, Mutex, PoisonError},
};

use anyhow::{Context, Result};
use attribution_engine::{
	attribute::Corpus,
	validate::{proposal_text, Baseline, DataNetRules, Validator},
	EngineConfig,
};
use openledger_primitives::{
	dataset::DataNetView,
	validation::{report_commitment, ValidationReport},
};
use sp_core::crypto::AccountId32 as SpAccountId;
use subxt::utils::AccountId32;

use super::{
	background::Done,
	chain::runtime,
	content::{metadata_field, Content},
	keys::WorkerKey,
	metrics::Metrics,
	models::SharedModels,
	store::write_atomically,
};
use crate::{loading::corpus_on, Common};

/// A validation job as the committee's draw announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
	pub job: u64,
	pub datanet: u32,
	pub dataset: u64,
	pub version: u32,
}

/// The DataNet a proposal is measured against: its version's members plus the probe set, indexed, and what its
/// probe set gets without the proposal. The rules (content type, required fields, description) are not kept: they
/// are read with the policy for every proposal, since curators may change them within a version.
struct Measured {
	corpus: Arc<Corpus>,
	baseline: Baseline,
}

/// Which DataNet state a baseline belongs to: the version and the probe set (curators may change it).
type BaselineKey = (u32, u32, Option<u64>);

/// Baselines kept: one per DataNet is what a burst of proposals to it needs.
const MAX_BASELINES: usize = 8;

/// Runs the validation duty; shared by the block loop (reveals) and the background queue (measuring).
#[derive(Clone)]
pub struct Validations {
	content: Content,
	common: Common,
	models: Arc<SharedModels>,
	metrics: Metrics,
	key: WorkerKey,
	validator: AccountId32,
	baselines: Arc<Mutex<HashMap<BaselineKey, Arc<Measured>>>>,
	/// Held while a baseline is measured: proposals to a new version that arrive together wait for one baseline
	/// instead of each measuring their own.
	measuring: Arc<tokio::sync::Mutex<()>>,
	reports: ReportStore,
}

impl Validations {
	pub fn new(
		content: Content,
		common: Common,
		models: Arc<SharedModels>,
		metrics: Metrics,
		key: WorkerKey,
		validator: AccountId32,
	) -> Result<Self> {
		let reports = ReportStore::load(content.data_dir.join("validation-reports.json"))?;
		Ok(Self {
			content,
			common,
			models,
			metrics,
			key,
			validator,
			baselines: Arc::default(),
			measuring: Arc::default(),
			reports,
		})
	}

	/// Measures the proposal of `assignment` and commits to its report, if the job still waits for this
	/// validator's commitment.
	pub async fn run(&self, assignment: Assignment) -> Result<Done> {
		let Assignment { job, datanet, dataset, version } = assignment;
		if !self.awaits_commitment(job).await? {
			tracing::debug!("validation job {job} no longer waits for our commitment; skipped");
			return Ok(Done::Skipped);
		}
		let report = match self.reports.get(job) {
			Some(report) => report,
			None => {
				let report = self.measure(datanet, dataset, version).await?;
				self.reports.insert(job, report)?;
				report
			},
		};
		let validator = SpAccountId::new(self.validator.0);
		let hash = report_commitment(job, &validator, &report, &self.salt(job));
		let call = runtime::tx().validation().commit_report(job, subxt::utils::H256(hash.0));
		self.content.chain.submit(&call, &self.key).await?;
		self.metrics.committed.inc();
		tracing::info!(
			"validation job {job}: committed to dataset {dataset}'s report for DataNet {datanet} version {version} \
			 (score {} for its rows parsed)",
			report.score(report.rows_parsed).score
		);
		Ok(Done::Ran)
	}

	/// Reveals the report committed to for `job`, if there is one; forgets it either way once the job has moved
	/// on.
	pub async fn reveal(&self, job: u64) -> Result<()> {
		let Some(report) = self.reports.get(job) else { return Ok(()) };
		let call = runtime::tx().validation().reveal_report(job, subxt::utils::Static(report), self.salt(job));
		let sent = self.content.chain.submit(&call, &self.key).await;
		self.reports.remove(job)?;
		sent?;
		self.metrics.revealed.inc();
		tracing::info!("validation job {job}: revealed the report");
		Ok(())
	}

	/// Whether `job` is committing and this validator sits on its committee without having committed.
	async fn awaits_commitment(&self, job: u64) -> Result<bool> {
		let at = self.content.chain.at_best().await?;
		let jobs = at.storage().entry(runtime::storage().validation().jobs())?;
		let Some(record) = jobs.try_fetch((job,)).await?.map(|v| v.decode()).transpose()? else { return Ok(false) };
		if !matches!(record.phase, runtime::runtime_types::pallet_validation::types::JobPhase::Committing { .. }) {
			return Ok(false);
		}
		let committees = at.storage().entry(runtime::storage().validation().committees())?;
		let committee = committees.try_fetch((job,)).await?.map(|v| v.decode()).transpose()?;
		if !committee.is_some_and(|c| c.0.contains(&self.validator)) {
			return Ok(false);
		}
		let votes = at.storage().entry(runtime::storage().validation().votes())?;
		Ok(votes.try_fetch((job, self.validator)).await?.is_none())
	}

	/// The report of `dataset` measured against `version` of `datanet`.
	async fn measure(&self, datanet: u32, dataset: u64, version: u32) -> Result<ValidationReport> {
		let view = self.content.chain.datanet(datanet).await?.with_context(|| format!("DataNet {datanet} is gone"))?;
		let rules = rules(&view);
		let measured = self.measured(&view, version, &rules).await?;
		// A proposal whose content cannot be fetched or does not match its hash has nothing to measure: its report
		// is empty (score 0), as every honest worker's is, rather than no report (which would cost this validator
		// an absence for someone else's bad URI).
		let proposal = match self.content.dataset_file(dataset).await {
			Ok(path) => {
				let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
				proposal_text(&bytes).into_owned()
			},
			Err(e) => {
				tracing::warn!("proposed dataset {dataset} cannot be read ({e:#}): reporting no rows");
				return Ok(ValidationReport::default());
			},
		};
		let models = self.models.clone();
		let report = tokio::task::spawn_blocking(move || -> Result<ValidationReport> {
			let validator = validator(&models)?;
			let validation = validator.validate(&measured.corpus, &rules, &measured.baseline, &proposal)?;
			Ok(validation.report)
		})
		.await??;
		Ok(report)
	}

	/// The DataNet's version, probe set and baseline, measured once and kept.
	async fn measured(
		&self,
		view: &DataNetView<AccountId32, u128, u32>,
		version: u32,
		rules: &DataNetRules,
	) -> Result<Arc<Measured>> {
		let probe_set = rules.probe_dataset;
		let key: BaselineKey = (view.id, version, probe_set);
		let cached = || self.baselines.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
		if let Some(measured) = cached() {
			return Ok(measured);
		}
		let _measuring = self.measuring.lock().await;
		if let Some(measured) = cached() {
			return Ok(measured);
		}
		let mut datasets = self.content.members(view.id, version).await?;
		if let Some(probe) = probe_set.filter(|p| !datasets.contains(p)) {
			datasets.push(probe);
			datasets.sort_unstable();
		}
		let label = format!("{version}-probes-{}", probe_set.map_or_else(|| "none".to_owned(), |p| p.to_string()));
		let dir = self.content.data_dir.join("validation").join(view.id.to_string()).join(label);
		let manifest = self.content.manifest(&dir, view.id, version, &datasets).await?;
		let (common, models, rules) = (self.common.clone(), self.models.clone(), rules.clone());
		let config = EngineConfig::new(manifest, self.content.data_dir.join("indexes"));
		let measured = tokio::task::spawn_blocking(move || -> Result<Measured> {
			let (embedder, embedder_id) = models.embedder()?;
			let corpus = Arc::new(corpus_on(&common, &config, &embedder, &embedder_id)?);
			let baseline = validator(&models)?.baseline(&corpus, &rules)?;
			Ok(Measured { corpus, baseline })
		})
		.await??;
		let measured = Arc::new(measured);
		let mut baselines = self.baselines.lock().unwrap_or_else(PoisonError::into_inner);
		if baselines.len() >= MAX_BASELINES {
			baselines.clear();
		}
		baselines.insert(key, measured.clone());
		tracing::info!(
			"validation baseline of DataNet {} version {version}: {} probe questions",
			view.id,
			measured.baseline.probes.len()
		);
		Ok(measured)
	}

	fn salt(&self, job: u64) -> [u8; 32] {
		self.key.derive_secret(&codec::Encode::encode(&(b"ol/validation", job)))
	}
}

/// What the DataNet's policy asks of proposals, as the engine takes it. A DataNet whose curators removed its
/// validation policy after the proposal opened its job is measured by the default rules (plain text, no probe set):
/// every honest worker does the same, so the committee still agrees instead of being slashed as absent.
fn rules(view: &DataNetView<AccountId32, u128, u32>) -> DataNetRules {
	let description = description(&view.metadata);
	let Some(policy) = view.validation.as_ref() else {
		tracing::warn!("DataNet {} no longer validates: measuring by the default rules", view.id);
		return DataNetRules { description, ..DataNetRules::default() };
	};
	DataNetRules {
		content_type: policy.content_type,
		required: policy.required_fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
		probe_dataset: policy.probe_set,
		description,
	}
}

/// The protocol's validator: the shared embedder and base generator, the protocol's default settings.
fn validator(models: &SharedModels) -> Result<Validator> {
	let (embedder, _) = models.embedder()?;
	let generator = models.adapters()?.base().clone();
	Ok(Validator { embedder, generator, config: EngineConfig::new(PathBuf::new(), PathBuf::new()).attribution })
}

/// The DataNet's description (its metadata's `description`), measured against while it has no member.
fn description(metadata: &[u8]) -> Option<String> {
	metadata_field(metadata, "description").filter(|d| !d.trim().is_empty())
}

/// Reports committed to and not yet revealed, on disk so that a restarted worker still reveals them.
#[derive(Clone)]
struct ReportStore {
	path: PathBuf,
	reports: Arc<Mutex<BTreeMap<u64, ValidationReport>>>,
}

impl ReportStore {
	fn load(path: PathBuf) -> Result<Self> {
		let reports = match std::fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
			Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
		};
		Ok(Self { path, reports: Arc::new(Mutex::new(reports)) })
	}

	fn get(&self, job: u64) -> Option<ValidationReport> {
		self.reports.lock().unwrap_or_else(PoisonError::into_inner).get(&job).copied()
	}

	fn insert(&self, job: u64, report: ValidationReport) -> Result<()> {
		let mut reports = self.reports.lock().unwrap_or_else(PoisonError::into_inner);
		reports.insert(job, report);
		write_atomically(&self.path, &serde_json::to_vec(&*reports)?)
	}

	fn remove(&self, job: u64) -> Result<()> {
		let mut reports = self.reports.lock().unwrap_or_else(PoisonError::into_inner);
		if reports.remove(&job).is_some() {
			write_atomically(&self.path, &serde_json::to_vec(&*reports)?)?;
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use openledger_primitives::dataset::{ContentType, DataNetStatus, ValidationView};

	#[test]
	fn the_description_comes_from_json_metadata_only() {
		assert_eq!(description(br#"{"description":"cardiology Q&A"}"#).as_deref(), Some("cardiology Q&A"));
		assert_eq!(description(br#"{"description":"  "}"#), None);
		assert_eq!(description(b"not json"), None);
		assert_eq!(description(br#"{"description":7}"#), None);
	}

	fn view(validation: Option<ValidationView<u128>>) -> DataNetView<AccountId32, u128, u32> {
		DataNetView {
			id: 3,
			owner: AccountId32([1; 32]),
			name: b"n".to_vec(),
			metadata: br#"{"description":"neurology"}"#.to_vec(),
			curators: vec![],
			status: DataNetStatus::Open,
			deposit: 0,
			version: 2,
			root: Default::default(),
			dataset_count: 1,
			open_proposals: 1,
			allowed_licences: vec![],
			max_dataset_bytes: 1_000,
			max_datasets: 10,
			contribution_deposit: 0,
			max_proposals_per_day: 0,
			max_bytes_per_day: 0,
			validation,
			created_at: 1,
		}
	}

	#[test]
	fn the_rules_follow_the_policy_and_default_when_it_was_removed() {
		let policy = ValidationView {
			content_type: ContentType::Csv,
			required_fields: vec![b"question".to_vec(), b"answer".to_vec()],
			probe_set: Some(9),
			min_score: 40,
			fee: 5,
		};
		let followed = rules(&view(Some(policy)));
		assert_eq!(followed.content_type, ContentType::Csv);
		assert_eq!(followed.required, vec!["question".to_owned(), "answer".to_owned()]);
		assert_eq!((followed.probe_dataset, followed.description.as_deref()), (Some(9), Some("neurology")));
		let removed = rules(&view(None));
		assert_eq!(removed, DataNetRules { description: Some("neurology".into()), ..DataNetRules::default() });
	}

	#[test]
	fn reports_survive_a_restart_until_revealed() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("reports.json");
		let store = ReportStore::load(path.clone()).unwrap();
		let report = ValidationReport { rows_parsed: 4, relevance_bps: 3_100, ..Default::default() };
		store.insert(9, report).unwrap();
		let reloaded = ReportStore::load(path.clone()).unwrap();
		assert_eq!(reloaded.get(9), Some(report));
		reloaded.remove(9).unwrap();
		assert_eq!(ReportStore::load(path).unwrap().get(9), None);
	}
}
