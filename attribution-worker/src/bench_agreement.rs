//! `attribution-worker bench agreement`: do honest workers on different CPUs (AVX-512 or AVX2 kernels, 1 or 2
//! threads) agree? One run writes the attribution of each question's answer; a second run, on the other
//! machine or build, attributes *the same answers* (`--against`) and reports the L1 distance of every vector in
//! basis points — the chain's own measure (`openledger_primitives::attribution`) — against the tolerance.

use crate::{bench::synthetic_engine, Common};
use anyhow::{Context, Result};
use attribution_engine::{attribute::Engine, evaluate::pubmedqa};
use clap::{Args, ValueEnum};
use openledger_primitives::attribution::{Attribution, Unbounded};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::{
	collections::{BTreeMap, BTreeSet},
	io::Write,
	path::PathBuf,
	time::Instant,
};

#[derive(Copy, Clone, Debug, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
	/// The synthetic formulary of `bench quality` (40 datasets, seed 7), its probe questions.
	Formulary,
	/// PubMedQA's held-out part (questions 101…, the abstracts grouped ten per dataset), as `bench pubmedqa`.
	#[value(name = "pubmedqa")]
	PubMedQa,
}

#[derive(Args, Debug)]
pub struct AgreementArgs {
	#[arg(long, value_enum, default_value_t = Source::Formulary)]
	pub source: Source,
	/// Questions asked.
	#[arg(long, default_value_t = 12)]
	pub items: usize,
	/// Where this run's records go (JSON lines: question, answer, weights).
	#[arg(long)]
	pub records: PathBuf,
	/// Records of another run: its answers are attributed here and the vectors compared.
	#[arg(long)]
	pub against: Option<PathBuf>,
	/// The chain's tolerance (L1, basis points) the distances are compared with.
	#[arg(long, default_value_t = openledger_primitives::attribution::DEFAULT_TOLERANCE_BPS)]
	pub tolerance: u32,
}

#[derive(Serialize, Deserialize)]
struct Record {
	question: String,
	/// The answer attributed: the other run's when `--against` was given, else this run's own.
	answer: String,
	/// This run's own answer to the question (generation can diverge even when attribution agrees).
	own_answer: String,
	weights: Vec<(u64, u32)>,
}

fn vector(weights: &[(u64, u32)]) -> Result<Attribution<Unbounded>> {
	Attribution::from_scores(weights.to_vec()).map_err(|e| anyhow::anyhow!("not an attribution: {e}"))
}

fn questions(common: &Common, source: Source, items: usize) -> Result<(Engine, Vec<String>)> {
	match source {
		Source::Formulary => {
			let (engine, probes) = synthetic_engine(common, 40, 7)?;
			let stride = (probes.len() / items.max(1)).max(1);
			Ok((engine, probes.iter().step_by(stride).take(items).map(|p| p.question.clone()).collect()))
		},
		Source::PubMedQa => {
			let data = crate::bench_pubmedqa::default_data();
			let all = pubmedqa::load(&data)?;
			let net = pubmedqa::datanet(&all, pubmedqa::Grouping::Fixed(10))?;
			let engine = crate::bench_pubmedqa::engine(common, &net.version, Default::default())?;
			let held_out = all.iter().skip(crate::bench_pubmedqa::DEFAULT_TUNE);
			Ok((engine, held_out.take(items).map(|i| i.question.clone()).collect()))
		},
	}
}

pub fn run(common: &Common, args: &AgreementArgs) -> Result<()> {
	let against: BTreeMap<String, Record> = match &args.against {
		Some(path) => std::fs::read_to_string(path)
			.with_context(|| format!("{}", path.display()))?
			.lines()
			.filter(|l| !l.trim().is_empty())
			.map(|l| serde_json::from_str::<Record>(l).map(|r| (r.question.clone(), r)))
			.collect::<Result<_, _>>()
			.with_context(|| format!("{}: not records of bench agreement", path.display()))?,
		None => BTreeMap::new(),
	};
	let (engine, asked) = questions(common, args.source, args.items)?;
	let mut out = std::fs::File::create(&args.records).with_context(|| format!("{}", args.records.display()))?;
	let started = Instant::now();
	let (mut distances, mut same_answers, mut identical) = (Vec::new(), 0usize, 0usize);
	for question in &asked {
		let own_answer = engine.answer(question, &BTreeSet::new())?.answer;
		let other = against.get(question);
		let answer = other.map_or_else(|| own_answer.clone(), |r| r.answer.clone());
		let weights = engine.attribute(question, &answer)?.weights;
		if let Some(other) = other {
			let distance = vector(&weights)?.l1_distance(&vector(&other.weights)?);
			distances.push(distance);
			same_answers += usize::from(other.own_answer == own_answer);
			identical += usize::from(other.weights == weights);
			if !common.json {
				eprintln!("{distance:>5} bps  {}", question.chars().take(70).collect::<String>());
			}
		}
		writeln!(out, "{}", serde_json::to_string(&Record { question: question.clone(), answer, own_answer, weights })?)?;
	}
	let compared = distances.len();
	let max = distances.iter().copied().max();
	let report = json!({
		"source": args.source, "items": asked.len(), "threads": rayon::current_num_threads(),
		"avx512_kernels": cfg!(feature = "avx512") && std::arch::is_x86_feature_detected!("avx512f"),
		"simd": format!("{:?}", attribution_engine::simd_level()).to_lowercase(),
		"vdpbf16ps": common.products.bf16_kernel().is_some_and(attribution_engine::Bf16Kernel::is_native),
		"compared": compared, "tolerance_bps": args.tolerance,
		"max_l1_bps": max, "mean_l1_bps": (compared > 0).then(|| distances.iter().map(|d| f64::from(*d)).sum::<f64>() / compared as f64),
		"vectors_identical": identical, "own_answers_identical": same_answers,
		"all_within_tolerance": max.map(|m| m <= args.tolerance),
		"seconds": started.elapsed().as_secs_f64(),
	});
	crate::bench::print_report(common, "agreement", &report);
	if max.is_some_and(|m| m > args.tolerance) {
		anyhow::bail!("{} of {compared} vectors differ by more than the tolerance", distances.iter().filter(|d| **d > args.tolerance).count());
	}
	Ok(())
}
