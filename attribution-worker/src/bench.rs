//! `attribution-worker bench quality|speed`: attribution quality on a synthetic DataNet, and speed as ratios
//! against Python references (sentence-transformers, faiss) measured in the same run.

use crate::{
	engine_args::AnswerArgs,
	loading::{load_embedder, load_generator},
	Ablation, Common,
};
use anyhow::{Context, Result};
use attribution_engine::{
	attribute::{AblationMode, AttributionConfig, Engine},
	chunk::{chunk_text, ChunkParams},
	evaluate::{question::appears_in, report::{leaks_format, QUOTE_RANK_PENALTIES}},
	generate::{answer_form::ends_sentence, choose_quote, AnswerForm},
	index::{store::build_index, VectorIndex},
	synthetic, SimdLevel,
};
use clap::Subcommand;
use serde_json::{json, Value};
use std::{
	collections::BTreeSet,
	io::Write,
	path::{Path, PathBuf},
	process::Command,
	time::Instant,
};

/// Committee members that recompute each answer's attribution: the chain's default `committee_size`
/// (governance can change it). Used for the sustained-throughput figure.
const COMMITTEE: u32 = openledger_primitives::attribution::DEFAULT_COMMITTEE_SIZE;
/// The embedding goal (docs/BENCHMARKS.md): at least this many times sentence-transformers' texts/s, same run.
const EMBEDDING_GOAL_RATIO: f64 = 1.2;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
	/// Precision@1 of the top-credited dataset and the deletion test, on a synthetic formulary DataNet.
	Quality {
		#[arg(long, default_value_t = 40)]
		datasets: usize,
		/// Probe questions asked (spread over all datasets).
		#[arg(long, default_value_t = 40)]
		probes: usize,
		#[arg(long, default_value_t = 7)]
		seed: u64,
		#[arg(long, value_enum, default_value_t = Ablation::Exact)]
		ablation: Ablation,
		#[command(flatten)]
		answer: AnswerArgs,
	},
	/// Attribution on PubMedQA: retrieval recall, gold recovery, top-k log-probability drop and the linear
	/// datamodeling score for every method and baseline, on a tuning part and a held-out part (validator mode).
	#[command(name = "pubmedqa")]
	PubMedQa(crate::bench_pubmedqa::PubMedQaArgs),
	/// Influence of training examples on a fine-tuned model's answers: the DataInf sentence-transformation
	/// protocol (ten classes × 90 training / 10 test, one LoRA fine-tune), ROC-AUC and recall per estimator.
	#[command(name = "datainf")]
	DataInf(crate::bench_datainf::DataInfArgs),
	/// Whether the validation score tells useful datasets from useless ones: PubMedQA DataNets with probe sets,
	/// each offered the probe questions' abstracts, off-topic prose, a copied member, a shuffled member and
	/// malformed rows.
	Validation(crate::bench_validation::ValidationArgs),
	/// Whether an answer was read from its context: each grounding signal's ROC-AUC for telling right answers
	/// from wrong ones on a synthetic formulary, and what each threshold keeps and declines.
	Grounding(crate::bench_grounding::GroundingArgs),
	/// Whether workers on different CPUs (AVX-512 or AVX2 kernels) or thread counts agree: attributes another
	/// run's answers and reports every vector's L1 distance against the chain's tolerance.
	Agreement(crate::bench_agreement::AgreementArgs),
	/// The protocol's bf16 products alone, at the generator's projection shapes: every kernel this CPU runs
	/// (`vdpbf16ps`, the portable kernel at each SIMD level) as a share of what its instructions allow.
	Products(crate::bench_products::ProductsArgs),
	/// Many LoRA adapters on one base model: tokens/s with random adapters against one adapter, cold-load
	/// latency and memory per cached adapter.
	#[command(name = "openlora")]
	OpenLora(crate::bench_openlora::OpenLoraArgs),
	/// Embeddings/s, exact top-10, generation tokens/s and end-to-end attribution time, with reference ratios.
	Speed {
		/// Python with sentence-transformers and faiss (scripts/bench-worker.sh sets it up).
		#[arg(long)]
		python: Option<PathBuf>,
		/// Rows of the top-k benchmark.
		#[arg(long, default_value_t = 100_000)]
		rows: usize,
		/// Queries per top-k batch.
		#[arg(long, default_value_t = 64)]
		queries: usize,
		/// Texts embedded.
		#[arg(long, default_value_t = 512)]
		texts: usize,
		/// Where inputs for the reference are written.
		#[arg(long, default_value = "target/bench-worker")]
		work_dir: PathBuf,
		/// Only these parts (embeddings, topk, generation, attribution); all by default.
		#[arg(long, value_delimiter = ',')]
		only: Vec<String>,
	},
}

pub fn run(common: &Common, command: BenchCommand) -> Result<()> {
	match command {
		BenchCommand::Quality { datasets, probes, seed, ablation, answer } => {
			quality(common, datasets, probes, seed, ablation.into(), answer)
		},
		BenchCommand::OpenLora(args) => crate::bench_openlora::run(common, &args),
		BenchCommand::PubMedQa(args) => crate::bench_pubmedqa::run(common, &args),
		BenchCommand::DataInf(args) => crate::bench_datainf::run(common, &args),
		BenchCommand::Validation(args) => crate::bench_validation::run(common, &args),
		BenchCommand::Grounding(args) => crate::bench_grounding::run(common, &args),
		BenchCommand::Agreement(args) => crate::bench_agreement::run(common, &args),
		BenchCommand::Products(args) => crate::bench_products::run(common, &args),
		BenchCommand::Speed { python, rows, queries, texts, work_dir, only } => {
			speed(common, python, rows, queries, texts, &work_dir, &only)
		},
	}
}

pub(crate) fn synthetic_engine(common: &Common, datasets: usize, seed: u64) -> Result<(Engine, Vec<synthetic::Probe>)> {
	let net = synthetic::formulary(datasets, seed)?;
	let (embedder, id) = load_embedder(common)?;
	let (stored, _) = build_index(&embedder, &id, &net.version, ChunkParams::default(), None, &mut |_, _| {})?;
	let generator = load_generator(common, None)?;
	let engine = Engine::new(embedder, generator, net.version, stored, AttributionConfig::default())?;
	Ok((engine, net.probes))
}

fn quality(
	common: &Common,
	datasets: usize,
	probes: usize,
	seed: u64,
	ablation: AblationMode,
	answer: AnswerArgs,
) -> Result<()> {
	let (mut engine, all) = synthetic_engine(common, datasets, seed)?;
	engine.config = answer.apply(AttributionConfig { ablation, ..engine.config });
	let stride = (all.len() / probes.max(1)).max(1);
	let chosen: Vec<_> = all.iter().step_by(stride).take(probes).collect();
	let (mut hits, mut correct, mut n, mut hits_when_correct, mut top_states_fact) =
		(0usize, 0usize, 0usize, 0usize, 0usize);
	let (mut flip_top, mut flip_rand, mut drop_top, mut drop_rand, mut top_beats_rand) =
		(0usize, 0usize, 0f64, 0f64, 0usize);
	let (mut leaks, mut at_limit, mut unfinished, mut quoted) = (0usize, 0usize, 0usize, 0usize);
	let (mut fact_in_top_chunk, mut correct_when_in_top_chunk) = (0usize, 0usize);
	// Per rank penalty of quotes (QUOTE_RANK_PENALTIES): right facts, and right facts when the top chunk holds one.
	let mut prior_right = [0usize; QUOTE_RANK_PENALTIES.len()];
	let mut prior_right_in_top = [0usize; QUOTE_RANK_PENALTIES.len()];
	let mut rng = seed ^ 0x5DEE_CE66;
	let started = Instant::now();
	for probe in &chosen {
		let answered = engine.answer(&probe.question, &BTreeSet::new())?;
		let attribution = engine.attribute(&probe.question, &answered.answer)?;
		let Some(top) = attribution.top() else {
			continue;
		};
		n += 1;
		leaks += usize::from(leaks_format(&answered.answer));
		at_limit +=
			usize::from(answered.generation.as_ref().is_some_and(|g| g.tokens.len() >= engine.config.max_new_tokens));
		unfinished += usize::from(!ends_sentence(&answered.answer));
		quoted += usize::from(appears_in(&answered.answer, answered.context.iter().map(|r| r.text.as_str())));
		let answer_lc = answered.answer.to_lowercase();
		let is_correct = answer_lc.contains(&probe.expected.to_lowercase());
		hits += usize::from(top == probe.dataset);
		correct += usize::from(is_correct);
		// The goal for answers: right whenever retrieval put the fact in its best chunk.
		let best_chunk = answered.context.iter().max_by(|a, b| a.similarity.total_cmp(&b.similarity));
		let in_top_chunk = best_chunk.is_some_and(|c| c.text.to_lowercase().contains(&probe.expected.to_lowercase()));
		if in_top_chunk {
			fact_in_top_chunk += 1;
			correct_when_in_top_chunk += usize::from(is_correct);
		}
		if engine.config.answer_form == AnswerForm::Quote {
			let prompt = engine.prompt(&probe.question, &answered.context)?;
			let scored = engine.model()?.quote_scores(&prompt, engine.config.max_new_tokens)?;
			for (i, penalty) in QUOTE_RANK_PENALTIES.iter().enumerate() {
				let chosen = choose_quote(scored.iter().map(|s| (s.gain, s.candidate.rank)), *penalty)
					.and_then(|index| scored.get(index));
				let right = chosen.is_some_and(|s| s.candidate.text.to_lowercase().contains(&probe.expected.to_lowercase()));
				prior_right[i] += usize::from(right);
				prior_right_in_top[i] += usize::from(right && in_top_chunk);
			}
		}
		hits_when_correct += usize::from(is_correct && top == probe.dataset);
		// Whatever the answer says, does the top-credited dataset hold that fact? (A wrong answer copied from
		// another drug's note should be credited to that note.)
		top_states_fact +=
			usize::from(all.iter().any(|p| p.dataset == top && answer_lc.contains(&p.expected.to_lowercase())));
		// Deletion test: remove the top-credited dataset, or a random other one, and see what moves.
		rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
		let others: Vec<u64> = engine.version().datasets.iter().map(|d| d.id).filter(|d| *d != top).collect();
		let random = others.get((rng >> 33) as usize % others.len().max(1)).copied().unwrap_or(top);
		let full = engine.score_answer(&probe.question, &answered.answer, &BTreeSet::new())?;
		let without_top = engine.score_answer(&probe.question, &answered.answer, &[top].into())?;
		let without_rand = engine.score_answer(&probe.question, &answered.answer, &[random].into())?;
		let (dt, dr) = (full - without_top, full - without_rand);
		drop_top += dt;
		drop_rand += dr;
		top_beats_rand += usize::from(dt > dr);
		flip_top += usize::from(engine.answer(&probe.question, &[top].into())?.answer != answered.answer);
		flip_rand += usize::from(engine.answer(&probe.question, &[random].into())?.answer != answered.answer);
		if !common.json {
			eprintln!(
				"{:>3}/{}  top={top:<3} want={:<3} {}  drop(top)={dt:>6.2}  drop(rand)={dr:>6.2}  A: {}",
				n,
				chosen.len(),
				probe.dataset,
				if top == probe.dataset { "✓" } else { "✗" },
				answered.answer
			);
		}
	}
	let nf = n.max(1) as f64;
	let report = json!({
		"datasets": datasets, "probes": n, "seed": seed,
		"precision_at_1": hits as f64 / nf,
		"answer_contains_fact": correct as f64 / nf,
		"precision_at_1_when_answer_correct": hits_when_correct as f64 / (correct.max(1) as f64),
		"top_credited_holds_the_stated_fact": top_states_fact as f64 / nf,
		"answers": {
			"format_leak": leaks as f64 / nf, "hit_token_limit": at_limit as f64 / nf,
			"unfinished": unfinished as f64 / nf, "quoted": quoted as f64 / nf,
			"fact_in_top_retrieved_chunk": fact_in_top_chunk as f64 / nf,
			"correct_when_fact_in_top_chunk": correct_when_in_top_chunk as f64 / (fact_in_top_chunk.max(1) as f64),
		},
		"layout": engine.config.layout, "answer_form": engine.config.answer_form,
		"ablation": engine.config.ablation,
		// The quote each rank penalty would have served (the fact as its chosen sentence states it).
		"quote_rank_prior": QUOTE_RANK_PENALTIES.iter().zip(prior_right.iter().zip(&prior_right_in_top)).map(|(p, (r, t))| json!({
			"penalty": p, "answer_contains_fact": *r as f64 / nf,
			"correct_when_fact_in_top_chunk": *t as f64 / (fact_in_top_chunk.max(1) as f64),
		})).collect::<Vec<_>>(),
		"deletion": {
			"mean_logprob_drop_top": drop_top / nf, "mean_logprob_drop_random": drop_rand / nf,
			"top_drop_exceeds_random": top_beats_rand as f64 / nf,
			"answer_changed_top": flip_top as f64 / nf, "answer_changed_random": flip_rand as f64 / nf,
		},
		"seconds": started.elapsed().as_secs_f64(),
	});
	print_report(common, "quality", &report);
	Ok(())
}

pub(crate) fn print_report(common: &Common, name: &str, report: &Value) {
	if common.json {
		println!("{report}");
	} else {
		println!("{name}: {}", serde_json::to_string_pretty(report).unwrap_or_default());
	}
}

/// Seeded unit vectors (normal entries, normalised), row-major.
fn random_unit_vectors(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
	let mut rng = attribution_engine::rng::SplitMix64(seed);
	let mut next = || rng.unit();
	let mut out = Vec::with_capacity(rows * dim);
	for _ in 0..rows {
		let row: Vec<f32> = (0..dim)
			.map(|_| {
				let (u1, u2) = (next().max(1e-12), next());
				((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
			})
			.collect();
		let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
		out.extend(row.iter().map(|x| x / norm));
	}
	out
}

fn write_npy(path: &Path, data: &[f32], rows: usize, cols: usize) -> Result<()> {
	let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
	let unpadded = 10 + header.len() + 1;
	header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
	header.push('\n');
	let mut f = std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("{}", path.display()))?);
	f.write_all(b"\x93NUMPY\x01\x00")?;
	f.write_all(&u16::try_from(header.len())?.to_le_bytes())?;
	f.write_all(header.as_bytes())?;
	for v in data {
		f.write_all(&v.to_le_bytes())?;
	}
	Ok(())
}

/// Runs the Python reference, within the instructions `--max-simd` leaves the engine: PyTorch's ATen and
/// oneDNN kernels, MKL and faiss are held to the same level, so both sides of a ratio run as on that CPU.
fn reference(python: &Path, args: &[&str]) -> Result<Value> {
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/bench_reference.py");
	let mut command = Command::new(python);
	let held = match attribution_engine::simd_level() {
		SimdLevel::Avx512 => &[][..],
		SimdLevel::Avx2 => &[
			("ATEN_CPU_CAPABILITY", "avx2"),
			("ONEDNN_MAX_CPU_ISA", "AVX2"),
			("MKL_ENABLE_INSTRUCTIONS", "AVX2"),
			("FAISS_OPT_LEVEL", "avx2"),
		][..],
		SimdLevel::Baseline => &[
			("ATEN_CPU_CAPABILITY", "default"),
			("ONEDNN_MAX_CPU_ISA", "SSE41"),
			("MKL_ENABLE_INSTRUCTIONS", "SSE4_2"),
			("FAISS_OPT_LEVEL", "generic"),
		][..],
	};
	let out = command
		.envs(held.iter().copied())
		.arg(&script)
		.args(args)
		.output()
		.with_context(|| format!("running {} {}", python.display(), script.display()))?;
	anyhow::ensure!(out.status.success(), "reference failed: {}", String::from_utf8_lossy(&out.stderr));
	let stdout = String::from_utf8_lossy(&out.stdout);
	let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).context("reference printed no JSON")?;
	Ok(serde_json::from_str(line)?)
}

fn median(mut xs: Vec<f64>) -> f64 {
	xs.sort_by(f64::total_cmp);
	xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time_reps(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
	f()?; // warm-up
	let mut times = Vec::with_capacity(reps);
	for _ in 0..reps {
		let t = Instant::now();
		f()?;
		times.push(t.elapsed().as_secs_f64());
	}
	Ok(median(times))
}

fn speed(
	common: &Common,
	python: Option<PathBuf>,
	rows: usize,
	queries: usize,
	n_texts: usize,
	work: &Path,
	only: &[String],
) -> Result<()> {
	let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
	std::fs::create_dir_all(work).with_context(|| format!("{}", work.display()))?;
	let threads = rayon::current_num_threads();
	let python = python.filter(|p| p.exists());
	let simd = attribution_engine::simd_level();
	let mut report = json!({ "threads": threads, "simd": format!("{simd:?}").to_lowercase() });
	// 0. The machine's limits, measured in the same run: every result is also a share of them.
	let limits = crate::bench_limits::measure()?;
	report["limits"] = json!(limits);

	// 1. Embeddings/s on chunk-sized texts of the synthetic DataNet.
	let (embedder, _) = load_embedder(common)?;
	let dim = embedder.dim();
	if run("embeddings") {
		let net = synthetic::formulary(n_texts.max(8), 11)?;
		let mut texts: Vec<String> = Vec::new();
		for d in &net.version.datasets {
			texts.extend(
				chunk_text(embedder.tokenizer(), d.id, &d.text, ChunkParams::default())?.into_iter().map(|c| c.text),
			);
		}
		texts.truncate(n_texts);
		let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
		let embed_s = time_reps(3, || embedder.embed(&refs).map(|_| ()).map_err(Into::into))?;
		let ours = texts.len() as f64 / embed_s;
		let config = embedder.config();
		let mut flops = 0.0;
		for text in &texts {
			let tokens = embedder.tokenizer().encode(text.as_str(), true).map_err(|e| anyhow::anyhow!("{e}"))?.len();
			flops += crate::bench_limits::bert_flops(
				config.hidden_size,
				config.intermediate_size,
				config.num_hidden_layers,
				tokens,
			);
		}
		let gflops = flops / embed_s / 1e9;
		// The most this machine allows in f32: every FLOP at the GEMM peak, nothing else costing time.
		let at_peak = limits.gemm_gflops * 1e9 / (flops / texts.len() as f64);
		report["embeddings"] = json!({ "texts": texts.len(), "ours_per_s": ours, "gflop_per_text": flops / texts.len() as f64 / 1e9,
			"gflops": gflops, "share_of_gemm_peak": gflops / limits.gemm_gflops, "per_s_at_gemm_peak": at_peak });
		if let Some(py) = &python {
			let path = work.join("texts.jsonl");
			let mut f = std::fs::File::create(&path)?;
			for t in &texts {
				writeln!(f, "{}", json!({ "text": t }))?;
			}
			let r = reference(
				py,
				&["embed", "--texts", &path.to_string_lossy(), "--batch-size", "32", "--threads", &threads.to_string()],
			)?;
			let theirs = r["embeddings_per_s"].as_f64().unwrap_or(f64::NAN);
			report["embeddings"]["sentence_transformers_per_s"] = json!(theirs);
			report["embeddings"]["ratio"] = json!(ours / theirs);
			report["embeddings"]["goal_ratio"] = json!(EMBEDDING_GOAL_RATIO);
			report["embeddings"]["ratio_at_gemm_peak"] = json!(at_peak / theirs);
		}
	}

	// 2. Exact top-10 over rows × 384.
	drop(embedder);
	if run("topk") {
		let data = random_unit_vectors(rows, dim, 1);
		let qs = random_unit_vectors(queries, dim, 2);
		let ids: Vec<_> = (0..rows)
			.map(|i| attribution_engine::chunk::ChunkId { dataset: i as u64, index: 0, start: 0, end: 0 })
			.collect();
		let mut index = VectorIndex::from_parts(dim, ids, data.clone())?;
		let mut ours_hits = Vec::new();
		let f32_s = time_reps(5, || {
			ours_hits = index.search(&qs, 10)?;
			Ok(())
		})?;
		let single_s =
			time_reps(5, || index.search(qs.get(..dim).unwrap_or_default(), 10).map(|_| ()).map_err(Into::into))?;
		index.build_int8();
		let mut int8_hits = Vec::new();
		let int8_s = time_reps(5, || {
			int8_hits = index.search_int8(&qs, 10, 4)?;
			Ok(())
		})?;
		let recall = |a: &[Vec<attribution_engine::index::Hit>], b: &[Vec<usize>]| -> f64 {
			let mut same = 0usize;
			let mut total = 0usize;
			for (x, y) in a.iter().zip(b) {
				total += y.len();
				same += x.iter().filter(|h| y.contains(&h.row)).count();
			}
			same as f64 / total.max(1) as f64
		};
		let exact_ids: Vec<Vec<usize>> = ours_hits.iter().map(|r| r.iter().map(|h| h.row).collect()).collect();
		report["topk"] = json!({ "rows": rows, "dim": dim, "queries": queries, "k": 10,
		"ours_f32_s": f32_s, "ours_int8_s": int8_s, "ours_single_query_s": single_s,
		"int8_recall_vs_exact": recall(&int8_hits, &exact_ids) });
		if let Some(py) = &python {
			let (vp, qp, op) = (work.join("vectors.npy"), work.join("queries.npy"), work.join("faiss_ids.json"));
			write_npy(&vp, &data, rows, dim)?;
			write_npy(&qp, &qs, queries, dim)?;
			let r = reference(
				py,
				&[
					"topk",
					"--vectors",
					&vp.to_string_lossy(),
					"--queries",
					&qp.to_string_lossy(),
					"--k",
					"10",
					"--threads",
					&threads.to_string(),
					"--out",
					&op.to_string_lossy(),
				],
			)?;
			let theirs = r["seconds_per_query_batch"].as_f64().unwrap_or(f64::NAN);
			report["topk"]["faiss_flat_ip_s"] = json!(theirs);
			report["topk"]["ratio_f32_to_faiss"] = json!(f32_s / theirs);
			report["topk"]["ratio_int8_to_faiss"] = json!(int8_s / theirs);
			if let Ok(body) = std::fs::read(&op) {
				if let Ok(faiss_ids) = serde_json::from_slice::<Vec<Vec<usize>>>(&body) {
					report["topk"]["agreement_with_faiss"] = json!(recall(&ours_hits, &faiss_ids));
				}
			}
		}
		drop(index);
	}

	// 3. Generation tokens/s and 4. end-to-end attribution with k = 8.
	if run("generation") {
		let generator = load_generator(common, None)?;
		let prompt =
			generator.rag_prompt("Write a long paragraph about how medicines are tested before approval.", &[])?;
		let t = Instant::now();
		let g = generator.generate(&prompt, 64, AnswerForm::Free)?;
		let gen_s = t.elapsed().as_secs_f64();
		let tokens_per_s = g.tokens.len() as f64 / gen_s;
		// Decoding one token reads every weight once: bandwidth-bound, its limit is bandwidth / weight bytes.
		let (weights, bytes_per_weight) = match (common.quantized, generator.model().steps_in_q8_0()) {
			(true, _) => ("Q4_1", 0.625),
			(false, true) => ("Q8_0", 34.0 / 32.0),
			(false, false) => ("f32", 4.0),
		};
		let weight_bytes = crate::bench_limits::decoder_matmul_parameters(generator.model()) as f64 * bytes_per_weight;
		let limit = limits.read_gbps * 1e9 / weight_bytes;
		report["generation"] = json!({ "tokens": g.tokens.len(), "prompt_tokens": prompt.len(), "seconds": gen_s,
		"tokens_per_s": tokens_per_s, "quantized": common.quantized, "step_weights": weights,
		"weight_mb_per_token": weight_bytes / 1e6,
		"bandwidth_limit_tokens_per_s": limit, "share_of_limit": tokens_per_s / limit });
		drop(generator);
	}
	if run("attribution") {
		let (engine, probes) = synthetic_engine(common, 40, 7)?;
		let probe = probes.first().context("no probes")?;
		let mut answer = String::new();
		let answer_s = time_reps(3, || {
			answer = engine.answer(&probe.question, &BTreeSet::new())?.answer;
			Ok(())
		})?;
		let mut engine = engine;
		let contexts = engine.retrieve(&probe.question, engine.config.k, &BTreeSet::new())?;
		let prompt = engine
			.generator
			.rag_prompt(&probe.question, &contexts.iter().map(|r| r.text.as_str()).collect::<Vec<_>>())?;
		let answer_tokens = engine.generator.encode(&answer)?.len();
		let mut modes = serde_json::Map::new();
		for (mode, goal) in [(AblationMode::Exact, 2.5), (AblationMode::Masked, 1.0)] {
			engine.config.ablation = mode;
			let mut last = None;
			let attr_s = time_reps(3, || {
				last = Some(engine.attribute(&probe.question, &answer)?);
				Ok(())
			})?;
			let work = crate::bench_limits::scoring_work(
				engine.generator.model(),
				&prompt,
				answer_tokens,
				matches!(mode, AblationMode::Exact),
			);
			let gflops = work.flops / attr_s / 1e9;
			let at_peak_s = work.flops / (limits.gemm_gflops * 1e9);
			// Every answer is attributed by the worker that served it and again by each committee member.
			let per_answer_s = answer_s + (1.0 + f64::from(COMMITTEE)) * attr_s;
			modes.insert(
				format!("{mode:?}").to_lowercase(),
				json!({ "seconds": attr_s, "goal_seconds": goal, "token_rows": work.rows, "gflop": work.flops / 1e9,
					"gflops": gflops, "share_of_gemm_peak": gflops / limits.gemm_gflops,
					"seconds_at_gemm_peak": at_peak_s, "goal_within_gemm_peak": at_peak_s <= goal,
					"seconds_at_bf16_estimate": limits.bf16_gemm_gflops_estimate.map(|g| work.flops / (g * 1e9)),
					"stages_ms": last.as_ref().map(|a| a.timings), "weights": last.map(|a| a.weights),
					"sustained": { "committee": COMMITTEE, "seconds_per_answer": per_answer_s,
						"answers_per_hour": 3600.0 / per_answer_s } }),
			);
		}
		report["attribution"] = json!({ "k": engine.config.k, "candidates": engine.config.candidates,
		"answer_seconds": answer_s,
		"prompt_tokens": prompt.len(), "answer_tokens": answer_tokens, "modes": modes });
	}
	print_report(common, "speed", &report);
	Ok(())
}
