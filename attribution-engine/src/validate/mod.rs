//! Data validation: the [`ValidationReport`] a validator's worker computes for a dataset proposed to a DataNet
//! (the report's parts and the score are defined once, in `openledger_primitives::validation`).
//!
//! Counts are exact and the same on every machine (parsing, word hashing, MinHash banding with exact checks);
//! relevance and value go through the DataNet's own embedder and generator, with the engine's answer path
//! (retrieval, layout, prompt), so they agree across validators up to float rounding.

pub mod duplicates;
pub mod probes;
pub mod row_text;

use crate::{
	attribute::{corpus::Corpus, AttributionConfig, Engine, Retrieved},
	datanet::{DataNetVersion, Dataset},
	embed::Embedder,
	error::Result,
	generate::Generator,
	index::store::build_index,
	rows::{parse_rows, ContentType, RefusedRow},
};
use duplicates::SeenRows;
use openledger_primitives::validation::{ValidationReport, BPS};
use probes::Probe;
use row_text::{RowText, Script};
use serde::Serialize;
use std::{collections::BTreeSet, path::PathBuf, sync::Arc, time::Instant};

/// Usable rows whose relevance is measured (evenly spaced over the dataset): embedding every row of a large
/// dataset would cost more than the rest of the validation together.
pub const MAX_RELEVANCE_ROWS: usize = 128;

/// How every worker reads a proposed dataset's bytes: as UTF-8, each invalid sequence replaced by U+FFFD (the rows
/// holding one then count as refused or as another script). Validators and the `validate` command both read
/// proposals through this, so a contributor's prediction is the committee's measurement.
pub fn proposal_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
	String::from_utf8_lossy(bytes)
}

/// What a DataNet asks of its datasets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataNetRules {
	pub content_type: ContentType,
	/// Fields (JSON Lines) or columns (CSV) every row must have.
	pub required: Vec<String>,
	/// The dataset holding the probe set, if any: never retrieved from, compared with or counted as a member.
	pub probe_dataset: Option<u64>,
	/// What the DataNet is about: relevance is measured against it while the DataNet has no other member.
	pub description: Option<String>,
}

/// One probe question's measurements, without and with the proposed dataset.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeGain {
	pub question: String,
	/// Mean log-probability per token of the reference answer.
	pub logp_before: f64,
	pub logp_after: f64,
	/// The best retrieved chunk's cosine similarity to the reference answer.
	pub support_before: f64,
	pub support_after: f64,
	/// Chunks of the proposed dataset among the retrieved ones.
	pub retrieved_from_proposal: usize,
}

/// A validation: the report and what explains it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
	pub report: ValidationReport,
	/// The first refused rows, with their reasons.
	pub first_refused: Vec<RefusedRow>,
	/// The DataNet's script (the one most of its rows are in; Latin when it has none).
	pub script: Script,
	pub probes: Vec<ProbeGain>,
	pub seconds: f64,
}

/// What a DataNet version's probe set gets without any proposal: measured once per version and shared by every
/// proposal validated against it.
#[derive(Clone, Debug)]
pub struct Baseline {
	/// The version root it was measured on.
	pub root: [u8; 32],
	pub probes: Vec<(Probe, ProbeMeasure)>,
}

/// One probe question's measurements over one DataNet version.
#[derive(Clone, Debug)]
pub struct ProbeMeasure {
	/// The retrieved chunks, in prompt order.
	pub context: Vec<crate::chunk::ChunkId>,
	/// Mean log-probability per token of the reference answer.
	pub logp: f64,
	/// The best retrieved chunk's cosine similarity to the reference answer.
	pub support: f64,
}

/// Validates proposals against DataNet versions, with the engine's models and settings.
pub struct Validator {
	pub embedder: Arc<Embedder>,
	pub generator: Generator,
	pub config: AttributionConfig,
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
	let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n.saturating_add(1)));
	if n == 0 {
		0.0
	} else {
		sum / n as f64
	}
}

impl Validator {
	/// Validates `proposal` (the dataset's text) against `members` (the DataNet's current version and its index)
	/// under `rules`.
	///
	/// # Errors
	/// Embedding, indexing or model failures. A proposal that is empty or malformed is not an error: its report
	/// says so.
	pub fn validate(
		&self,
		members: &Arc<Corpus>,
		rules: &DataNetRules,
		baseline: &Baseline,
		proposal: &str,
	) -> Result<Validation> {
		if baseline.root != members.version.root {
			return Err(crate::WorkerError::InvalidInput(
				"the baseline was measured on another DataNet version".into(),
			));
		}
		let started = Instant::now();
		let probe_dataset = rules.probe_dataset;
		let is_member = |id: u64| Some(id) != probe_dataset;

		let parsed = parse_rows(proposal, rules.content_type, &rules.required);
		let member_rows: Vec<RowText> = members
			.version
			.datasets
			.iter()
			.filter(|d| is_member(d.id))
			.flat_map(|d| parse_rows(&d.text, rules.content_type, &rules.required).rows)
			.map(|row| RowText::read(&row.text))
			.collect();
		let script = majority_script(&member_rows);
		let mut in_datanet = SeenRows::default();
		for row in &member_rows {
			in_datanet.add(&row.words);
		}

		let own: Vec<RowText> = parsed.rows.iter().map(|row| RowText::read(&row.text)).collect();
		let mut report = ValidationReport {
			rows_parsed: u32::try_from(parsed.counts.rows).unwrap_or(u32::MAX),
			rows_refused: u32::try_from(parsed.counts.refused).unwrap_or(u32::MAX),
			..Default::default()
		};
		let mut seen = SeenRows::default();
		let mut usable = Vec::new();
		for (row, text) in parsed.rows.iter().zip(&own) {
			let count = if text.is_empty() {
				&mut report.rows_empty
			} else if text.script != Some(script) {
				&mut report.rows_other_script
			} else if in_datanet.contains_near(&text.words) {
				&mut report.rows_in_datanet
			} else if seen.contains_near(&text.words) {
				&mut report.rows_repeated
			} else {
				usable.push(row.text.as_str());
				seen.add(&text.words);
				continue;
			};
			*count = count.saturating_add(1);
			seen.add(&text.words);
		}

		report.relevance_bps = self.relevance(members, rules, &usable)?;
		let mut gains = Vec::with_capacity(baseline.probes.len());
		if !baseline.probes.is_empty() {
			gains = self.value(members, probe_dataset, baseline, proposal)?;
			report.probes = u16::try_from(gains.len()).unwrap_or(u16::MAX);
			let answer = mean(gains.iter().map(|g| g.logp_after - g.logp_before));
			let support = mean(gains.iter().map(|g| g.support_after - g.support_before));
			report.answer_gain_millinats =
				(answer * 1_000.0).round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
			report.support_gain_bps =
				(support * f64::from(BPS)).round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
		}
		Ok(Validation {
			report,
			first_refused: parsed.counts.first_refused,
			script,
			probes: gains,
			seconds: started.elapsed().as_secs_f64(),
		})
	}

	/// Mean cosine similarity of (up to [`MAX_RELEVANCE_ROWS`]) usable rows to their nearest member chunk.
	fn relevance(&self, members: &Corpus, rules: &DataNetRules, usable: &[&str]) -> Result<u16> {
		if usable.is_empty() {
			return Ok(0);
		}
		let step = usable.len().div_ceil(MAX_RELEVANCE_ROWS).max(1);
		let sample: Vec<&str> = usable.iter().step_by(step).copied().collect();
		let vectors = self.embedder.embed(&sample)?;
		let index = &members.index;
		let skipped: usize =
			index.header.datasets.iter().filter(|d| Some(d.dataset) == rules.probe_dataset).map(|d| d.rows).sum();
		let has_members = index.index.len() > skipped;
		let nearest: Vec<f64> = if has_members {
			let queries: Vec<f32> = vectors.iter().flatten().copied().collect();
			index
				.index
				.search(&queries, skipped.saturating_add(1))?
				.into_iter()
				.map(|hits| {
					hits.into_iter()
						.find(|h| index.dataset_of(h.row).is_some_and(|d| Some(d) != rules.probe_dataset))
						.map_or(0.0, |h| f64::from(h.score))
				})
				.collect()
		} else if let Some(description) = rules.description.as_deref().filter(|d| !d.trim().is_empty()) {
			let topic = self.embedder.embed_one(description)?;
			vectors.iter().map(|v| f64::from(crate::index::dot_f32(v, &topic))).collect()
		} else {
			// Nothing to be irrelevant to: the first dataset of a DataNet without a description.
			return Ok(u16::try_from(BPS).unwrap_or(u16::MAX));
		};
		let relevance = mean(nearest.into_iter().map(|s| s.max(0.0)));
		Ok((relevance * f64::from(BPS)).round().clamp(0.0, f64::from(BPS)) as u16)
	}

	/// Asks the probe questions of `members`' probe set (none without one) over `members`.
	///
	/// # Errors
	/// Embedding or model failures.
	pub fn baseline(&self, members: &Arc<Corpus>, rules: &DataNetRules) -> Result<Baseline> {
		let probe_set: Vec<Probe> = rules
			.probe_dataset
			.and_then(|id| members.version.dataset(id))
			.map(|d| probes::probes(&d.text))
			.unwrap_or_default();
		let mut measured = Vec::with_capacity(probe_set.len());
		if !probe_set.is_empty() {
			let engine =
				Engine::on_corpus(self.embedder.clone(), self.generator.clone(), members.clone(), self.config)?;
			let exclude: BTreeSet<u64> = rules.probe_dataset.into_iter().collect();
			for probe in probe_set {
				let context = engine.context(&probe.question, &exclude)?;
				let measure = self.measure(&engine, &probe, &context)?;
				measured.push((probe, measure));
			}
		}
		Ok(Baseline { root: members.version.root, probes: measured })
	}

	/// Asks every probe question of the DataNet with the proposal, against the baseline without it.
	fn value(
		&self,
		members: &Arc<Corpus>,
		probe_dataset: Option<u64>,
		baseline: &Baseline,
		proposal: &str,
	) -> Result<Vec<ProbeGain>> {
		let proposal_id = members.version.datasets.iter().map(|d| d.id).max().unwrap_or(0).saturating_add(1);
		let candidate = Dataset::from_bytes(
			proposal_id,
			"proposal".into(),
			String::new(),
			PathBuf::from("proposal"),
			proposal.as_bytes().to_vec(),
		);
		let after = match candidate {
			Ok(candidate) => {
				let mut datasets = members.version.datasets.clone();
				datasets.push(candidate);
				let version =
					DataNetVersion::new(members.version.datanet, members.version.version.saturating_add(1), datasets)?;
				let header = &members.index.header;
				let (index, _) = build_index(
					&self.embedder,
					&header.embedder,
					&version,
					header.chunking,
					Some(&members.index),
					&mut |_, _| {},
				)?;
				let corpus = Arc::new(Corpus::new(version, index)?);
				Some(Engine::on_corpus(self.embedder.clone(), self.generator.clone(), corpus, self.config)?)
			},
			// An empty or non-UTF-8 proposal adds nothing.
			Err(_) => None,
		};
		let exclude: BTreeSet<u64> = probe_dataset.into_iter().collect();
		let mut gains = Vec::with_capacity(baseline.probes.len());
		for (probe, before) in &baseline.probes {
			let mut gain = ProbeGain {
				question: probe.question.clone(),
				logp_before: before.logp,
				logp_after: before.logp,
				support_before: before.support,
				support_after: before.support,
				retrieved_from_proposal: 0,
			};
			if let Some(after) = &after {
				let context = after.context(&probe.question, &exclude)?;
				gain.retrieved_from_proposal = context.iter().filter(|r| r.chunk.dataset == proposal_id).count();
				// None of the proposal's chunks retrieved: the same prompt as the baseline's, the same numbers.
				if gain.retrieved_from_proposal > 0 {
					let measure = self.measure(after, probe, &context)?;
					(gain.logp_after, gain.support_after) = (measure.logp, measure.support);
				}
			}
			gains.push(gain);
		}
		Ok(gains)
	}

	/// The reference answer's log-probability per token given `context`, and the context's support for it.
	fn measure(&self, engine: &Engine, probe: &Probe, context: &[Retrieved]) -> Result<ProbeMeasure> {
		let answer_tokens = self.generator.encode(&probe.answer)?;
		let prompt = engine.prompt(&probe.question, context)?;
		let logp = engine.model()?.score(&prompt.tokens(), &answer_tokens)?;
		let texts: Vec<&str> = context.iter().map(|r| r.text.as_str()).collect();
		let answer_vector = self.embedder.embed_one(&probe.answer)?;
		let support = self
			.embedder
			.embed(&texts)?
			.iter()
			.map(|v| f64::from(crate::index::dot_f32(v, &answer_vector)))
			.fold(0.0f64, f64::max);
		Ok(ProbeMeasure {
			context: context.iter().map(|r| r.chunk).collect(),
			logp: logp / answer_tokens.len().max(1) as f64,
			support,
		})
	}
}

/// The script most rows are in; Latin when no row has letters.
fn majority_script(rows: &[RowText]) -> Script {
	let mut counts: std::collections::BTreeMap<Script, usize> = std::collections::BTreeMap::new();
	for script in rows.iter().filter_map(|r| r.script) {
		let n = counts.entry(script).or_insert(0);
		*n = n.saturating_add(1);
	}
	counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map_or(Script::Latin, |(s, _)| s)
}
