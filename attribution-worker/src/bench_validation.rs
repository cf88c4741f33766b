//! `attribution-worker bench validation`: whether the validation score tells a useful dataset from useless ones,
//! on data nobody here wrote. Each trial is a DataNet of PubMedQA abstracts (JSON Lines, required field `text`)
//! with a probe set of questions whose abstracts are not in it (reference answer: the abstract's conclusion), and
//! seven proposals: the probe questions' own abstracts (useful); a quarter of them among other new abstracts
//! (partly useful); new abstracts that answer none of the probes (on-topic, unhelpful); prose on another subject
//! (off-topic, the Python licence's history); a member re-packaged (its rows in reverse order); a member with
//! every row's words shuffled; and the useful rows malformed (the required field renamed).

use crate::{
	bench_pubmedqa::default_data,
	loading::{load_embedder, load_generator},
	Common,
};
use anyhow::{ensure, Context, Result};
use attribution_engine::{
	attribute::{corpus::Corpus, AttributionConfig},
	chunk::ChunkParams,
	datanet::{DataNetVersion, Dataset},
	evaluate::pubmedqa::{self, Item},
	index::store::build_index,
	rows::ContentType,
	validate::{probes::MAX_PROBES, DataNetRules, Validator},
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use openledger_primitives::validation::{ValidationReport, DEFAULT_REPORT_TOLERANCE};
use serde_json::{json, Value};
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Instant};

#[derive(Args, Debug, Clone)]
pub struct ValidationArgs {
	/// A PubMedQA-format file (default: the shipped 500 questions).
	#[arg(long)]
	pub data: Option<PathBuf>,
	/// Trials, each on its own items (a DataNet, a probe set and five proposals).
	#[arg(long, default_value_t = 5)]
	pub trials: usize,
	/// Member datasets per DataNet.
	#[arg(long, default_value_t = 4)]
	pub members: usize,
	/// Abstracts per member dataset, and probe questions per DataNet.
	#[arg(long, default_value_t = 8)]
	pub size: usize,
	/// Off-topic prose: paragraphs of at least 20 words are its rows (default: the shipped Python licence).
	#[arg(long)]
	pub off_topic: Option<PathBuf>,
	/// Another run's `--json` output (same options; another machine, build or thread count): every report is
	/// compared with its counterpart there, and the largest differences are printed against the tolerance
	/// validators' reports are compared with.
	#[arg(long)]
	pub against: Option<PathBuf>,
}

/// The proposals of every trial.
pub const CASES: [&str; 7] =
	["useful", "useful_quarter", "on_topic_unhelpful", "off_topic", "member_copy", "shuffled_member", "malformed"];

fn jsonl(rows: impl Iterator<Item = String>, field: &str) -> String {
	rows.map(|text| json!({ field: text }).to_string() + "\n").collect()
}

/// A deterministic shuffle of a row's words (xorshift seeded by the row's position).
fn shuffled(text: &str, seed: u64) -> String {
	let mut words: Vec<&str> = text.split_whitespace().collect();
	let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	for i in (1..words.len()).rev() {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		words.swap(i, (state % (i as u64 + 1)) as usize);
	}
	words.join(" ")
}

pub fn run(common: &Common, args: &ValidationArgs) -> Result<()> {
	ensure!((1..=20).contains(&args.trials), "--trials {} is outside 1–20", args.trials);
	ensure!((1..=16).contains(&args.members), "--members {} is outside 1–16", args.members);
	ensure!((1..=MAX_PROBES).contains(&args.size), "--size {} is outside 1–{MAX_PROBES}", args.size);
	let started = Instant::now();
	let data = args.data.clone().unwrap_or_else(default_data);
	let items: Vec<Item> = pubmedqa::load(&data)?.into_iter().filter(|i| i.long_answer.is_some()).collect();
	// Each trial: its members and probes from the front of the list, its unhelpful abstracts from the back.
	let per_trial = args.members.saturating_add(1).saturating_mul(args.size);
	ensure!(
		items.len() >= per_trial.saturating_add(args.size).saturating_mul(args.trials),
		"{} has {} items with a conclusion; {} trials of {per_trial} + {} need more",
		data.display(),
		items.len(),
		args.trials,
		args.size
	);
	let off_topic_path = args
		.off_topic
		.clone()
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/off-topic/python-license.txt"));
	let off_topic_text =
		std::fs::read_to_string(&off_topic_path).with_context(|| format!("reading {}", off_topic_path.display()))?;
	let paragraphs: Vec<String> = off_topic_text
		.split("\n\n")
		.map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
		.filter(|p| p.split_whitespace().count() >= 20)
		.collect();
	ensure!(
		paragraphs.len() >= args.size,
		"{} has {} paragraphs of 20 words; need {}",
		off_topic_path.display(),
		paragraphs.len(),
		args.size
	);

	let (embedder, embedder_id) = load_embedder(common)?;
	let embedder = Arc::new(embedder);
	let validator = Validator {
		embedder: embedder.clone(),
		generator: load_generator(common, None)?,
		config: AttributionConfig::default(),
	};
	let rules = |probe: u64| DataNetRules {
		content_type: ContentType::Jsonl,
		required: vec!["text".into()],
		probe_dataset: Some(probe),
		description: None,
	};
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new((args.trials * CASES.len()) as u64) };
	bar.set_style(
		ProgressStyle::with_template("validating [{bar:30}] {pos}/{len} proposals {msg}")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	let mut results: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
	let mut separations = Vec::new();
	for trial in 0..args.trials {
		let slice = items.get(trial * per_trial..(trial + 1) * per_trial).context("trial items")?;
		let (member_items, probe_items) = slice.split_at(args.members * args.size);
		let mut datasets = Vec::new();
		for (m, group) in member_items.chunks(args.size).enumerate() {
			let text = jsonl(group.iter().map(|i| i.abstract_text.clone()), "text");
			datasets.push(Dataset::from_bytes(
				m as u64 + 1,
				format!("members {m}"),
				String::new(),
				format!("m{m}.jsonl").into(),
				text.into_bytes(),
			)?);
		}
		let probe_id = args.members as u64 + 1;
		let probe_text: String = probe_items
			.iter()
			.map(|i| json!({ "question": i.question, "answer": i.long_answer }).to_string() + "\n")
			.collect();
		datasets.push(Dataset::from_bytes(
			probe_id,
			"probes".into(),
			String::new(),
			"probes.jsonl".into(),
			probe_text.into_bytes(),
		)?);
		let version = DataNetVersion::new(1, 1, datasets)?;
		let (index, _) = build_index(&embedder, &embedder_id, &version, ChunkParams::default(), None, &mut |_, _| {})?;
		let corpus = Arc::new(Corpus::new(version, index)?);
		let back = items.len() - (trial + 1) * args.size;
		let unhelpful: Vec<String> = items
			.get(back..back + args.size)
			.context("unhelpful items")?
			.iter()
			.map(|i| i.abstract_text.clone())
			.collect();
		let quarter = args.size.div_ceil(4);
		let partly: Vec<String> = probe_items
			.iter()
			.take(quarter)
			.map(|i| i.abstract_text.clone())
			.chain(unhelpful.iter().skip(quarter).cloned())
			.collect();
		let first_member: Vec<String> = member_items.iter().take(args.size).map(|i| i.abstract_text.clone()).collect();
		let proposals = [
			jsonl(probe_items.iter().map(|i| i.abstract_text.clone()), "text"),
			jsonl(partly.into_iter(), "text"),
			jsonl(unhelpful.iter().cloned(), "text"),
			jsonl(paragraphs.iter().cycle().skip(trial * args.size).take(args.size).cloned(), "text"),
			jsonl(first_member.iter().rev().cloned(), "text"),
			jsonl(first_member.iter().enumerate().map(|(r, t)| shuffled(t, r as u64 + 1)), "text"),
			jsonl(probe_items.iter().map(|i| i.abstract_text.clone()), "body"),
		];
		let baseline = validator.baseline(&corpus, &rules(probe_id))?;
		let mut scores = BTreeMap::new();
		for (case, proposal) in CASES.iter().zip(&proposals) {
			bar.set_message(format!("trial {} {case}", trial + 1));
			let validation = validator.validate(&corpus, &rules(probe_id), &baseline, proposal)?;
			let declared = u32::try_from(args.size).unwrap_or(u32::MAX);
			let score = validation.report.score(declared);
			scores.insert(*case, score.score);
			results.entry(case).or_default().push(json!({
				"trial": trial, "report": validation.report, "score": score, "seconds": validation.seconds,
			}));
			bar.inc(1);
		}
		let useful = scores.get("useful").copied().unwrap_or(0);
		// Against every case that adds nothing the probes need (the partly useful one is graded between).
		let best_other = scores.iter().filter(|(c, _)| !c.starts_with("useful")).map(|(_, s)| *s).max().unwrap_or(0);
		separations.push(i32::from(useful) - i32::from(best_other));
	}
	bar.finish_and_clear();
	let summary: BTreeMap<&str, Value> = results
		.iter()
		.map(|(case, runs)| {
			let scores: Vec<f64> = runs.iter().filter_map(|r| r["score"]["score"].as_f64()).collect();
			let reports: Vec<ValidationReport> =
				runs.iter().filter_map(|r| serde_json::from_value(r["report"].clone()).ok()).collect();
			let mean =
				|f: &dyn Fn(&ValidationReport) -> f64| reports.iter().map(f).sum::<f64>() / reports.len().max(1) as f64;
			(
				*case,
				json!({
					"score": summary_of(&scores),
					"relevance_bps": mean(&|r| f64::from(r.relevance_bps)),
					"answer_gain_millinats": mean(&|r| f64::from(r.answer_gain_millinats)),
					"support_gain_bps": mean(&|r| f64::from(r.support_gain_bps)),
					"usable_rows": mean(&|r| f64::from(r.usable_rows())),
					"seconds": summary_of(&runs.iter().filter_map(|r| r["seconds"].as_f64()).collect::<Vec<_>>()),
				}),
			)
		})
		.collect();
	let agreement = match &args.against {
		Some(path) => Some(agreement(&results, path)?),
		None => None,
	};
	let report = json!({
		"data": data.display().to_string(), "trials": args.trials, "members": args.members, "size": args.size,
		"cases": summary,
		"agreement": agreement,
		"separation": { "per_trial": separations, "min": separations.iter().min() },
		"runs": results,
		"seconds": started.elapsed().as_secs_f64(),
	});
	if common.json {
		println!("{report}");
	} else {
		println!("validation: {}", serde_json::to_string_pretty(&report)?);
	}
	Ok(())
}

/// Every report of this run against its counterpart (same case, same trial) in another run's output.
fn agreement(results: &BTreeMap<&str, Vec<Value>>, path: &std::path::Path) -> Result<Value> {
	let other: Value = serde_json::from_slice(&std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
		.with_context(|| format!("{} is not a bench validation --json output", path.display()))?;
	let tolerance = DEFAULT_REPORT_TOLERANCE;
	let (mut compared, mut agreeing, mut counts_differ) = (0usize, 0usize, 0usize);
	let (mut relevance, mut answer, mut support) = (0u16, 0u32, 0u16);
	for (case, runs) in results {
		for run in runs {
			let trial = run["trial"].as_u64();
			let Some(theirs) = other["runs"][*case]
				.as_array()
				.and_then(|rs| rs.iter().find(|r| r["trial"].as_u64() == trial))
				.and_then(|r| serde_json::from_value::<ValidationReport>(r["report"].clone()).ok())
			else {
				continue;
			};
			let ours: ValidationReport = serde_json::from_value(run["report"].clone())?;
			compared += 1;
			if ours.agrees_with(&theirs, &tolerance) {
				agreeing += 1;
			}
			let zeroed = |r: &ValidationReport| ValidationReport { relevance_bps: 0, answer_gain_millinats: 0, support_gain_bps: 0, ..*r };
			if zeroed(&ours) != zeroed(&theirs) {
				counts_differ += 1;
			}
			relevance = relevance.max(ours.relevance_bps.abs_diff(theirs.relevance_bps));
			answer = answer.max(ours.answer_gain_millinats.abs_diff(theirs.answer_gain_millinats));
			support = support.max(ours.support_gain_bps.abs_diff(theirs.support_gain_bps));
		}
	}
	ensure!(compared > 0, "{} has no report of the same case and trial", path.display());
	Ok(json!({
		"against": path.display().to_string(), "compared": compared, "agreeing": agreeing,
		"counts_differ": counts_differ,
		"largest_difference": { "relevance_bps": relevance, "answer_gain_millinats": answer, "support_gain_bps": support },
		"tolerance": { "relevance_bps": tolerance.relevance_bps, "answer_gain_millinats": tolerance.answer_gain_millinats,
			"support_gain_bps": tolerance.support_gain_bps },
	}))
}

fn summary_of(xs: &[f64]) -> Value {
	let n = xs.len().max(1) as f64;
	let mean = xs.iter().sum::<f64>() / n;
	let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
	json!({
		"mean": mean, "sd": sd,
		"min": xs.iter().copied().fold(f64::INFINITY, f64::min),
		"max": xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
	})
}
