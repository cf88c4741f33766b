//! `attribution-worker validate`: the validation report and score a proposed dataset would get from a DataNet
//! version (docs/VALIDATION.md) — what a validator's worker computes, run by a contributor before proposing.

use crate::{engine_args::IndexArgs, loading::engine, Common};
use anyhow::{ensure, Context, Result};
use attribution_engine::{
	attribute::AttributionConfig,
	rows::ContentType,
	validate::{proposal_text, DataNetRules, Validator},
	EngineConfig,
};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Largest proposal read: what a validator's worker fetches for one dataset by default (`run --max-content-mb`).
pub const MAX_PROPOSAL_BYTES: u64 = crate::run::DEFAULT_MAX_CONTENT_MB << 20;

#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
	#[command(flatten)]
	pub index: IndexArgs,
	/// The proposed dataset's file.
	#[arg(long)]
	pub proposal: PathBuf,
	/// The DataNet's content type: text, jsonl or csv (default: from the proposal's extension).
	#[arg(long)]
	pub format: Option<ContentType>,
	/// Fields (JSON Lines) or columns (CSV) every row must have, comma-separated.
	#[arg(long, value_delimiter = ',')]
	pub required: Vec<String>,
	/// The dataset of the version that holds the probe set (JSON Lines of `question` and `answer`).
	#[arg(long)]
	pub probe_dataset: Option<u64>,
	/// What the DataNet is about (relevance is measured against it while the DataNet has no other member).
	#[arg(long)]
	pub description: Option<String>,
	/// Rows the proposal declares (default: the rows that parse).
	#[arg(long)]
	pub declared_rows: Option<u32>,
}

pub fn run(common: &Common, args: &ValidateArgs) -> Result<()> {
	let size = std::fs::metadata(&args.proposal).with_context(|| format!("reading {}", args.proposal.display()))?.len();
	ensure!(
		size <= MAX_PROPOSAL_BYTES,
		"{} is {size} bytes; a dataset is at most {MAX_PROPOSAL_BYTES}",
		args.proposal.display()
	);
	let bytes = std::fs::read(&args.proposal).with_context(|| format!("reading {}", args.proposal.display()))?;
	// Read as validators read it; say where it stops being UTF-8, since those rows will not count.
	if let Err(e) = std::str::from_utf8(&bytes) {
		tracing::warn!(
			"{} is not UTF-8 from byte {}: validators read it with replacement characters, and the rows holding \
			 them are refused or count as another script",
			args.proposal.display(),
			e.valid_up_to()
		);
	}
	let text = proposal_text(&bytes).into_owned();
	let config = EngineConfig { index: (&args.index).into(), attribution: AttributionConfig::default() };
	let engine = engine(common, &config, None, None)?;
	if let Some(probe) = args.probe_dataset {
		ensure!(engine.version().dataset(probe).is_some(), "the version has no dataset {probe} (--probe-dataset)");
	}
	let rules = DataNetRules {
		content_type: args.format.unwrap_or_else(|| ContentType::of_path(&args.proposal)),
		required: args.required.iter().map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect(),
		probe_dataset: args.probe_dataset,
		description: args.description.clone(),
	};
	let validator =
		Validator { embedder: engine.embedder.clone(), generator: engine.generator.clone(), config: engine.config };
	let baseline = validator.baseline(&engine.corpus, &rules)?;
	let validation = validator.validate(&engine.corpus, &rules, &baseline, &text)?;
	let declared = args.declared_rows.unwrap_or(validation.report.rows_parsed);
	let score = validation.report.score(declared);
	if common.json {
		println!("{}", json!({ "validation": validation, "declaredRows": declared, "score": score }));
	} else {
		let r = &validation.report;
		println!(
			"score {} / 100 (usable share {:.1} %, merit {:.1} %)",
			score.score,
			f64::from(score.usable_bps) / 100.0,
			f64::from(score.merit_bps) / 100.0
		);
		println!(
			"rows: {} parsed, {} refused, {} declared; {} empty, {} in another script, {} already in the DataNet, {} repeated",
			r.rows_parsed, r.rows_refused, declared, r.rows_empty, r.rows_other_script, r.rows_in_datanet, r.rows_repeated
		);
		for refused in &validation.first_refused {
			println!("  line {}: {}", refused.line, refused.reason);
		}
		println!(
			"relevance: {:.3} mean similarity to the nearest chunk of the DataNet",
			f64::from(r.relevance_bps) / 1e4
		);
		if r.probes == 0 {
			println!("value: not measured (no probe set)");
		} else {
			println!(
				"value over {} probe questions: {:+.3} nats/token for the reference answers, {:+.3} retrieval support",
				r.probes,
				f64::from(r.answer_gain_millinats) / 1e3,
				f64::from(r.support_gain_bps) / 1e4
			);
		}
		println!("({:.1} s)", validation.seconds);
	}
	Ok(())
}
