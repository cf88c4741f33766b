//! `attribution-worker bench grounding`: can the worker tell an answer it read from its context from one it
//! did not? Every answer is scored with and without its context ([`Grounding`]) on three sets:
//! - formulary probes asked of the synthetic formulary, each answer checked for its probe's fact (right / wrong);
//! - **off-topic**: real PubMedQA questions asked of the formulary, which cannot answer them (all should be
//!   declined);
//! - **on-topic**: the same kind of questions asked of the PubMedQA DataNet, when retrieval put the question's own
//!   abstract in the context (few should be declined).
//!
//! The report gives each signal's ROC-AUC for telling right formulary answers from wrong and from off-topic ones
//! and, per threshold, the share of each set declined.

use crate::{engine_args::AnswerArgs, Common};
use anyhow::{Context, Result};
use attribution_engine::{
	attribute::{
		grounding::{Grounding, GroundingRule},
		Answered, AttributionConfig, Engine,
	},
	evaluate::{
		pubmedqa::{self, Grouping},
		stats::roc_auc,
	},
	synthetic,
};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use std::{collections::BTreeSet, io::Write, path::PathBuf, time::Instant};

#[derive(Args, Debug, Clone)]
pub struct GroundingArgs {
	#[arg(long, default_value_t = 40)]
	pub datasets: usize,
	/// Probe questions asked (spread over all datasets).
	#[arg(long, default_value_t = 40)]
	pub probes: usize,
	#[arg(long, default_value_t = 7)]
	pub seed: u64,
	/// PubMedQA questions asked of the formulary (off-topic: nothing there answers them).
	#[arg(long, default_value_t = 20)]
	pub off_topic: usize,
	/// PubMedQA questions asked of the PubMedQA DataNet (10 abstracts a dataset).
	#[arg(long, default_value_t = 20)]
	pub on_topic: usize,
	/// The first PubMedQA item asked (items are spread over the file from here): another start is another sample.
	#[arg(long, default_value_t = 0)]
	pub pubmedqa_start: usize,
	/// Formulary questions about drugs the formulary does not list (they read like answerable ones).
	#[arg(long, default_value_t = 0)]
	pub absent: usize,
	/// The PubMedQA file (default: the copy shipped with the worker).
	#[arg(long)]
	pub data: Option<PathBuf>,
	/// Writes one JSON line per answer here.
	#[arg(long)]
	pub records: Option<PathBuf>,
	#[command(flatten)]
	pub answer: AnswerArgs,
}

/// One answer and its grounding.
#[derive(Serialize)]
struct Row {
	/// `formulary`, `absent`, `off-topic` or `on-topic`.
	set: &'static str,
	question: String,
	answer: String,
	correct: bool,
	/// Where the answer should come from is in the context: the probe's fact in the best chunk (formulary), the
	/// question's own abstract retrieved (on-topic).
	source_in_context: bool,
	grounding: Grounding,
	gain_per_token: f64,
	confidence: f64,
	/// Whether the protocol's rule ([`GroundingRule::PROTOCOL`]) declines it.
	declined_by_rule: bool,
	/// Whether the rule with the base model's confidence threshold ([`GroundingRule::WITH_CONFIDENCE`]) does.
	declined_with_confidence: bool,
}

/// Most probes one run asks (each costs a generation and two scoring passes).
const MAX_PROBES: usize = 500;

pub fn run(common: &Common, args: &GroundingArgs) -> Result<()> {
	let sizes = [("--probes", args.probes), ("--off-topic", args.off_topic), ("--on-topic", args.on_topic), ("--absent", args.absent)];
	for (name, n) in sizes {
		anyhow::ensure!(n <= MAX_PROBES, "{name} must be at most {MAX_PROBES}");
	}
	let (mut engine, all) = crate::bench::synthetic_engine(common, args.datasets, args.seed)?;
	engine.config = args.answer.apply(engine.config);
	// Spread over the datasets, rotating through the four kinds of question each dataset has (dose, condition,
	// side effect, maker).
	let stride = (all.len() / args.probes.max(1)).max(1);
	let chosen = (0..args.probes.min(all.len())).filter_map(|i| all.get((i * stride + i % 4) % all.len().max(1)));
	let started = Instant::now();
	let mut rows = Vec::new();
	for probe in chosen {
		let answered = engine.answer(&probe.question, &BTreeSet::new())?;
		let expected = probe.expected.to_lowercase();
		let correct = answered.answer.to_lowercase().contains(&expected);
		let best = answered.context.iter().max_by(|a, b| a.similarity.total_cmp(&b.similarity));
		let in_best = best.is_some_and(|c| c.text.to_lowercase().contains(&expected));
		let row = row("formulary", &engine, answered, correct, in_best)?;
		show(common, &row, rows.len());
		rows.push(row);
	}
	// Absent: the same kinds of question about drugs of another formulary that this one does not list.
	let listed: BTreeSet<String> = engine.version().datasets.iter().map(|d| d.name.clone()).collect();
	let other = synthetic::formulary(args.datasets, args.seed ^ 0x00AB_5E17)?;
	let absent = other.probes.iter().enumerate().filter(|(_, p)| {
		other.version.dataset(p.dataset).is_some_and(|d| !listed.contains(&d.name))
	});
	for (_, probe) in absent.filter(|(i, _)| i % 4 == (i / 4) % 4).take(args.absent) {
		let answered = engine.answer(&probe.question, &BTreeSet::new())?;
		let row = row("absent", &engine, answered, false, false)?;
		show(common, &row, rows.len());
		rows.push(row);
	}
	let items = pubmedqa::load(&args.data.clone().unwrap_or_else(crate::bench_pubmedqa::default_data))?;
	let (len, start) = (items.len().max(1), args.pubmedqa_start);
	let spread = |n: usize| {
		let step = len.checked_div(n).unwrap_or(1).max(1);
		(0..n).map(move |i| (start + i * step) % len)
	};
	// Off-topic: PubMedQA questions the formulary cannot answer, spread over the file.
	for item in spread(args.off_topic).filter_map(|i| items.get(i)) {
		let answered = engine.answer(&item.question, &BTreeSet::new())?;
		let row = row("off-topic", &engine, answered, false, false)?;
		show(common, &row, rows.len());
		rows.push(row);
	}
	// On-topic: the same questions asked of their own DataNet; only those whose abstract was retrieved count.
	if args.on_topic > 0 {
		let net = pubmedqa::datanet(&items, Grouping::Fixed(10))?;
		let config = args.answer.apply(AttributionConfig::default());
		let engine = crate::bench_pubmedqa::engine(common, &net.version, config)?;
		for (item, (gold, range)) in spread(args.on_topic).filter_map(|i| items.get(i).zip(net.sources.get(i))) {
			let answered = engine.answer(&item.question, &BTreeSet::new())?;
			let retrieved = answered.context.iter().any(|c| {
				c.chunk.dataset == *gold && (c.chunk.start as usize) < range.end && (c.chunk.end as usize) > range.start
			});
			if !retrieved {
				continue;
			}
			let row = row("on-topic", &engine, answered, false, true)?;
			show(common, &row, rows.len());
			rows.push(row);
		}
	}
	if let Some(path) = &args.records {
		let mut file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
		for row in &rows {
			writeln!(file, "{}", serde_json::to_string(row)?)?;
		}
	}
	let formulary: Vec<&Row> = rows.iter().filter(|r| r.set == "formulary").collect();
	let right_vs_off: Vec<&Row> = rows.iter().filter(|r| (r.set == "formulary" && r.correct) || r.set == "off-topic").collect();
	let count = |set: &str| rows.iter().filter(|r| r.set == set).count();
	let report = json!({
		"datasets": args.datasets, "seed": args.seed,
		"layout": engine.config.layout, "answer_form": engine.config.answer_form,
		"formulary": { "asked": formulary.len(), "right": formulary.iter().filter(|r| r.correct).count() },
		"off_topic": count("off-topic"), "on_topic_with_abstract_retrieved": count("on-topic"),
		"auc_right_vs_wrong": aucs(&formulary),
		"auc_right_vs_off_topic": aucs(&right_vs_off),
		"declined_at": {
			"gain_per_token": sweep(&rows, |r| r.gain_per_token),
			"confidence": sweep(&rows, |r| r.confidence),
		},
"declined_by_the_protocol_rule": by_rule(&rows, |r| r.declined_by_rule),
		"declined_with_confidence": by_rule(&rows, |r| r.declined_with_confidence),
		"rule": GroundingRule::PROTOCOL,
		"declined_below_top_similarity": sweep_at(&rows, |r| f64::from(r.grounding.top_similarity), &SIMILARITIES),
		"seconds": started.elapsed().as_secs_f64(),
	});
	crate::bench::print_report(common, "grounding", &report);
	Ok(())
}

/// Each signal's ROC-AUC for telling the right answers among `rows` from the others.
fn aucs(rows: &[&Row]) -> serde_json::Value {
	let right: Vec<bool> = rows.iter().map(|r| r.correct).collect();
	let signal = |f: fn(&Row) -> f64| roc_auc(&rows.iter().map(|r| f(r)).collect::<Vec<_>>(), &right);
	json!({
		"gain_per_token": signal(|r| r.gain_per_token),
		"total_gain": signal(|r| r.grounding.with_context - r.grounding.without_context),
		"confidence": signal(|r| r.confidence),
		"top_similarity": signal(|r| f64::from(r.grounding.top_similarity)),
	})
}

/// How many of each set a rule declines.
fn by_rule(rows: &[Row], declined: fn(&Row) -> bool) -> serde_json::Value {
	let mut entry = serde_json::Map::new();
	for (name, member) in SETS {
		let (n, declined) =
			rows.iter().filter(|r| member(r)).fold((0usize, 0usize), |(n, d), r| (n + 1, d + usize::from(declined(r))));
		entry.insert(name.into(), json!({ "asked": n, "declined": declined }));
	}
	serde_json::Value::Object(entry)
}

/// A named set of rows.
type Set = (&'static str, fn(&Row) -> bool);

/// The sets the report counts separately.
const SETS: [Set; 5] = [
	("right", |r| r.set == "formulary" && r.correct),
	("wrong", |r| r.set == "formulary" && !r.correct),
	("absent", |r| r.set == "absent"),
	("off_topic", |r| r.set == "off-topic"),
	("on_topic", |r| r.set == "on-topic"),
];

/// For thresholds on `signal` (answers below one are declined): the share of each set declined — right and
/// wrong formulary answers, off-topic and on-topic questions.
fn sweep(rows: &[Row], signal: fn(&Row) -> f64) -> Vec<serde_json::Value> {
	sweep_at(rows, signal, &THRESHOLDS)
}

/// [`sweep`] at the given thresholds.
fn sweep_at(rows: &[Row], signal: fn(&Row) -> f64, thresholds: &[f64]) -> Vec<serde_json::Value> {
	thresholds
		.iter()
		.map(|&t| {
			let mut entry = serde_json::Map::new();
			entry.insert("threshold".into(), json!(t));
			for (name, member) in SETS {
				let (n, below) = rows
					.iter()
					.filter(|r| member(r))
					.fold((0usize, 0usize), |(n, below), r| (n + 1, below + usize::from(signal(r) < t)));
				entry.insert(name.into(), json!(below as f64 / n.max(1) as f64));
			}
			serde_json::Value::Object(entry)
		})
		.collect()
}

/// The thresholds the sweep reports (nats per token).
const THRESHOLDS: [f64; 15] = [-3.0, -2.5, -2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0];

/// The retrieval similarities the sweep reports.
const SIMILARITIES: [f64; 9] = [0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];

/// One answer's row.
fn row(set: &'static str, engine: &Engine, answered: Answered, correct: bool, source_in_context: bool) -> Result<Row> {
	let grounding = engine.grounding(&answered)?;
	let declines = |rule: GroundingRule| {
		grounding.top_similarity < rule.min_similarity || grounding.confidence() < rule.min_confidence
	};
	Ok(Row {
		declined_by_rule: declines(GroundingRule::PROTOCOL),
		declined_with_confidence: declines(GroundingRule::WITH_CONFIDENCE),
		set,
		question: answered.question,
		answer: answered.answer,
		correct,
		source_in_context,
		gain_per_token: grounding.gain_per_token(),
		confidence: grounding.confidence(),
		grounding,
	})
}

fn show(common: &Common, row: &Row, n: usize) {
	if !common.json {
		eprintln!(
			"{:>3} {:<9} {}  gain/token={:>6.3}  confidence={:>6.3}  similarity={:.3}  A: {}",
			n + 1,
			row.set,
			if row.correct { "✓" } else { "✗" },
			row.gain_per_token,
			row.confidence,
			row.grounding.top_similarity,
			row.answer
		);
	}
}
