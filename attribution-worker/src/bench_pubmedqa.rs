//! `attribution-worker bench pubmedqa`: attribution on real questions nobody here wrote. PubMedQA abstracts
//! become the datasets of one DataNet, each question is answered and attributed by the served engine in
//! validator mode, and every method (and the baselines) is scored by retrieval recall, gold recovery, the top-k
//! log-probability drop and the linear datamodeling score over all 2^k context subsets — on a declared tuning
//! part and, separately, on the held-out rest.

use crate::{
	engine_args::AnswerArgs,
	loading::{load_embedder, load_generator},
	Common,
};
use anyhow::{bail, Context, Result};
use attribution_engine::{
	attribute::{combine::MethodWeights, AttributionConfig, Engine},
	chunk::ChunkParams,
	evaluate::{
		pubmedqa::{self, Grouping, Item},
		question::{evaluate, Record},
		report::{part, PartReport},
		tuning::{choose_weights, weight_grid, GridRow, WEIGHT_CHANGE_P},
	},
	index::store::build_index,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::{
	collections::BTreeSet,
	io::{BufRead, Write},
	path::{Path, PathBuf},
	time::Instant,
};

/// The tuning part: the first 100 items by PubMed id.
pub(crate) const DEFAULT_TUNE: usize = 100;

#[derive(Args, Debug, Clone)]
pub struct PubMedQaArgs {
	/// Questions in the PubMedQA format (a JSON object of items with QUESTION, CONTEXTS, MESHES,
	/// final_decision). Default: the 500 expert-labelled items shipped with the worker.
	#[arg(long)]
	pub data: Option<PathBuf>,
	/// How abstracts are grouped into datasets: `fixed:N` (N consecutive abstracts by PubMed id) or `mesh`.
	#[arg(long, default_value = "fixed:10", value_parser = parse_grouping)]
	pub grouping: Grouping,
	/// The first N items by PubMed id are the tuning part (methods and weights were chosen on it); the rest is
	/// held out and reported separately.
	#[arg(long, default_value_t = DEFAULT_TUNE)]
	pub tune: usize,
	/// Questions asked per part (spread evenly over the part); all by default.
	#[arg(long)]
	pub limit: Option<usize>,
	/// Which parts to ask: tune, held-out or both.
	#[arg(long, default_value = "both", value_parser = ["tune", "held-out", "both"])]
	pub part: String,
	/// Append each question's record (JSON lines) here; questions already in the file are not asked again,
	/// so an interrupted run resumes.
	#[arg(long)]
	pub records: Option<PathBuf>,
	/// Only compute the report from the records file (no model is loaded).
	#[arg(long, requires = "records")]
	pub report_only: bool,
	/// Weights of the combined vectors, `retrieval,ablation,verbatim` (default: the protocol's).
	#[arg(long, value_parser = parse_weights)]
	pub weights: Option<MethodWeights>,
	/// Draw quality against cost per method (PNG).
	#[arg(long)]
	pub plot: Option<PathBuf>,
	#[command(flatten)]
	pub answer: AnswerArgs,
	/// Only answer (and retrieve): measure the answers, not attribution — for choosing how answers are
	/// produced, at a fraction of the cost.
	#[arg(long)]
	pub answers_only: bool,
}

fn parse_grouping(s: &str) -> Result<Grouping, String> {
	match s.split_once(':') {
		_ if s == "mesh" => Ok(Grouping::Mesh),
		Some(("fixed", n)) => match n.parse::<usize>() {
			Ok(n) if n > 0 => Ok(Grouping::Fixed(n)),
			_ => Err(format!("fixed:N needs a positive N, not {n:?}")),
		},
		_ => Err(format!("{s:?}: expected fixed:N or mesh")),
	}
}

fn parse_weights(s: &str) -> Result<MethodWeights, String> {
	let parts: Vec<u32> =
		s.split(',').map(|p| p.trim().parse::<u32>()).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
	match parts.as_slice() {
		[retrieval, ablation, verbatim] if retrieval + ablation + verbatim > 0 => {
			Ok(MethodWeights { retrieval: *retrieval, ablation: *ablation, verbatim: *verbatim, influence: 0 })
		},
		_ => Err(format!("{s:?}: expected three non-negative weights retrieval,ablation,verbatim, not all 0")),
	}
}

/// The default question file: the PubMedQA items shipped beside the worker's sources.
pub(crate) fn default_data() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("data/pubmedqa/pqal_500.json")
}

/// Indexes of the items asked in `range`, at most `limit`, spread evenly.
fn chosen(range: std::ops::Range<usize>, limit: Option<usize>) -> Vec<usize> {
	let len = range.len();
	let n = limit.unwrap_or(len).min(len);
	if n == 0 {
		return Vec::new();
	}
	(0..n).map(|i| range.start + i * len / n).collect()
}

fn read_records(path: &Path) -> Result<Vec<Record>> {
	if !path.exists() {
		return Ok(Vec::new());
	}
	let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
	let mut out = Vec::new();
	for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
		let line = line.with_context(|| format!("{}", path.display()))?;
		if line.trim().is_empty() {
			continue;
		}
		out.push(
			serde_json::from_str(&line).with_context(|| format!("{} line {}: not a record", path.display(), n + 1))?,
		);
	}
	Ok(out)
}

pub fn run(common: &Common, args: &PubMedQaArgs) -> Result<()> {
	let data = args.data.clone().unwrap_or_else(default_data);
	let items = pubmedqa::load(&data)?;
	let tune_end = args.tune.min(items.len());
	let mut asked = Vec::new();
	if args.part != "held-out" {
		asked.extend(chosen(0..tune_end, args.limit));
	}
	if args.part != "tune" {
		asked.extend(chosen(tune_end..items.len(), args.limit));
	}
	let mut records = match &args.records {
		Some(path) => read_records(path)?,
		None => Vec::new(),
	};
	let config = args.answer.apply(AttributionConfig::default());
	if !args.report_only {
		if let Some(r) = records.iter().find(|r| r.layout != config.layout || r.answer_form != config.answer_form) {
			bail!(
				"the records were made with layout {:?} and answer form {:?} (PubMed {}), not the requested {:?} \
				 and {:?}: use another records file",
				r.layout,
				r.answer_form,
				r.pubmed_id,
				config.layout,
				config.answer_form
			);
		}
	}
	let net = pubmedqa::datanet(&items, args.grouping)?;
	let started = Instant::now();
	if !args.report_only {
		let done: BTreeSet<String> = records.iter().map(|r| r.pubmed_id.clone()).collect();
		let todo: Vec<usize> =
			asked.iter().copied().filter(|i| items.get(*i).is_some_and(|it| !done.contains(&it.pubmed_id))).collect();
		if !todo.is_empty() {
			let mut engine = engine(common, &net.version, config)?;
			let mut sink = match &args.records {
				Some(path) => Some(
					std::fs::OpenOptions::new()
						.create(true)
						.append(true)
						.open(path)
						.with_context(|| format!("{}", path.display()))?,
				),
				None => None,
			};
			let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(todo.len() as u64) };
			bar.set_style(
				ProgressStyle::with_template(
					"asking PubMedQA [{bar:30}] {pos}/{len} ({elapsed} elapsed, {eta} left) {msg}",
				)
				.unwrap_or_else(|_| ProgressStyle::default_bar()),
			);
			for i in todo {
				let (Some(item), Some(source)) = (items.get(i), net.sources.get(i)) else { continue };
				let record =
					evaluate(&mut engine, item, source, args.answers_only).with_context(|| format!("PubMed {}", item.pubmed_id))?;
				if let Some(f) = sink.as_mut() {
					writeln!(f, "{}", serde_json::to_string(&record)?)?;
					f.flush()?;
				}
				bar.set_message(format!(
					"PubMed {}: {}",
					record.pubmed_id,
					record.answer.chars().take(40).collect::<String>()
				));
				bar.inc(1);
				records.push(record);
			}
			bar.finish_and_clear();
		}
	}
	let weights = args.weights.unwrap_or_default();
	let in_part = |range: std::ops::Range<usize>| -> Vec<&Record> {
		let ids: BTreeSet<&str> =
			items.get(range).unwrap_or_default().iter().map(|i: &Item| i.pubmed_id.as_str()).collect();
		let wanted: BTreeSet<&str> = asked.iter().filter_map(|i| items.get(*i)).map(|i| i.pubmed_id.as_str()).collect();
		records.iter().filter(|r| ids.contains(r.pubmed_id.as_str()) && wanted.contains(r.pubmed_id.as_str())).collect()
	};
	let tune = in_part(0..tune_end);
	let held_out = in_part(tune_end..items.len());
	let report_of = |rs: &[&Record]| -> Option<PartReport> { (!rs.is_empty()).then(|| part(rs, weights)) };
	let (tune_report, held_out_report) = (report_of(&tune), report_of(&held_out));
	if let (Some(path), Some(r)) = (&args.plot, held_out_report.as_ref().or(tune_report.as_ref())) {
		crate::bench_plot::quality_against_cost(path, r)?;
	}
	// The tuning table: every weighting of the combined vector on the tuning part only, best LDS first.
	let mut grid: Vec<GridRow> = weight_grid(&tune, 10);
	let floor = tune_report
		.as_ref()
		.and_then(|r| r.methods.get("retrieval_similarity"))
		.map_or(0.0, |m| m.gold_precision_at_1.mean);
	let chosen = choose_weights(&grid, floor, MethodWeights::default());
	grid.sort_by(|a, b| b.lds.total_cmp(&a.lds).then(b.top_1_drop.total_cmp(&a.top_1_drop)));
	let chunks = ChunkParams::default();
	let report = json!({
		"data": data.display().to_string(), "items": items.len(), "grouping": args.grouping,
		"datasets": net.version.datasets.len(), "chunking": { "tokens": chunks.tokens, "overlap": chunks.overlap },
		"tune_items": format!("the first {tune_end} by PubMed id"),
		"weights": weights, "layout": config.layout, "answer_form": config.answer_form,
		"tune": tune_report, "held_out": held_out_report,
		"tuning": {
			"rule": format!(
				"best candidate: highest LDS among weightings other than retrieval alone whose gold precision@1 on the \
				 tuning part is at least retrieval's rank-1 (if none, the highest precision@1, then LDS); adopted over \
				 the weights in force if its precision@1 is higher, or as high with LDS higher at p < {WEIGHT_CHANGE_P} \
				 (paired Wilcoxon over the tuning questions)"
			),
			"in_force": MethodWeights::default(),
			"retrieval_rank_1": floor, "chosen": chosen, "grid": grid,
		},
		"seconds": started.elapsed().as_secs_f64(),
	});
	if common.json {
		println!("{report}");
	} else {
		println!("pubmedqa: {}", serde_json::to_string_pretty(&report)?);
	}
	Ok(())
}

/// The served engine over the PubMedQA DataNet, with the protocol's attribution settings (answer settings as
/// asked).
pub(crate) fn engine(common: &Common, version: &attribution_engine::datanet::DataNetVersion, config: AttributionConfig) -> Result<Engine> {
	let (embedder, id) = load_embedder(common)?;
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
	bar.set_style(
		ProgressStyle::with_template("indexing abstracts [{bar:30}] {pos}/{len} chunks")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	let (stored, _) = build_index(&embedder, &id, version, ChunkParams::default(), None, &mut |done, total| {
		bar.set_length(total as u64);
		bar.set_position(done as u64);
	})?;
	bar.finish_and_clear();
	let generator = load_generator(common, None)?;
	Ok(Engine::new(embedder, generator, version.clone(), stored, config)?)
}
