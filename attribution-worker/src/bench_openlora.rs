//! `attribution-worker bench openlora`: many LoRA adapters served from one base model.
//!
//! Writes `--adapters` random adapters (ModelFactory's default shape: rank 8 on `attn_q` and `attn_v` of every
//! layer) as content-addressed files, then decodes the same requests twice with batches of `--batch`:
//! every request on one adapter (the reference), and every request on an adapter drawn at random from all of
//! them through an [`AdapterCache`] under `--budget-mb` — cold loads, evictions and per-adapter row groups
//! included in the time. It reports both throughputs and their ratio (goal ≥ 0.7), the same requests decoded
//! one at a time (what batching buys), the cold-load latency of an adapter, and the memory a cached adapter
//! costs (tensor bytes, and the resident-set growth per adapter measured while filling the cache).

use crate::{loading::load_generator, Common};
use anyhow::{ensure, Context, Result};
use attribution_engine::{
	generate::{
		lora::{LoraAdapter, LoraDelta, LoraTarget},
		openlora::{AdapterCache, AdapterSource},
		AnswerForm, Generator, Prompt,
	},
	rng::SplitMix64,
};
use candle::{Device, Tensor};
use indicatif::{ProgressBar, ProgressStyle};
use openledger_primitives::content::content_hash;
use serde_json::{json, Value};
use std::{collections::BTreeMap, sync::Arc, time::Instant};

/// The knobs of the bench.
#[derive(clap::Args, Debug, Clone)]
pub struct OpenLoraArgs {
	/// Adapters registered (written and served).
	#[arg(long, default_value_t = 1000)]
	pub adapters: usize,
	/// Requests decoded per run.
	#[arg(long, default_value_t = 64)]
	pub requests: usize,
	/// Requests decoded together.
	#[arg(long, default_value_t = 8)]
	pub batch: usize,
	/// Tokens generated per request (at most).
	#[arg(long, default_value_t = 24)]
	pub max_new: usize,
	/// Memory budget of the adapter cache, MiB (64 holds 34 default adapters: most requests load one, and the
	/// cache evicts).
	#[arg(long, default_value_t = 64)]
	pub budget_mb: usize,
	/// LoRA rank of the generated adapters.
	#[arg(long, default_value_t = 8)]
	pub rank: usize,
	#[arg(long, default_value_t = 7)]
	pub seed: u64,
	/// Where the adapter files are written.
	#[arg(long, default_value = "target/bench-worker/openlora")]
	pub work_dir: std::path::PathBuf,
}

const QUESTIONS: [(&str, &str); 4] = [
	("What dose of aspirin is used after a heart attack?", "Aspirin 75 mg daily is continued after a myocardial infarction."),
	("How is melquizole stored?", "Melquizole tablets are stored below 25 °C, away from light."),
	("Which drug treats zorvatin fever?", "Zorvatin fever responds to tafrelin 40 mg twice daily."),
	("When is the second dose given?", "The second dose is given four weeks after the first."),
];

/// Uniform in [-bound, bound].
#[allow(clippy::cast_possible_truncation)]
fn uniform(rng: &mut SplitMix64, bound: f64) -> f32 {
	((rng.unit() * 2.0 - 1.0) * bound) as f32
}

fn random_adapter(generator: &Generator, rank: usize, rng: &mut SplitMix64) -> Result<LoraAdapter> {
	let model = generator.model();
	let mut deltas = BTreeMap::new();
	for layer in 0..model.config().num_hidden_layers {
		for target in [LoraTarget::AttnQ, LoraTarget::AttnV] {
			let (out, input) = model.projection_shape(layer, target).context("the base lacks attn_q/attn_v")?;
			#[allow(clippy::cast_precision_loss)]
			let bound = 1.0 / (input as f64).sqrt();
			let a: Vec<f32> = (0..rank.saturating_mul(input)).map(|_| uniform(rng, bound)).collect();
			let b: Vec<f32> = (0..out.saturating_mul(rank)).map(|_| uniform(rng, 0.02)).collect();
			let a = Tensor::from_vec(a, (rank, input), &Device::Cpu)?;
			let b = Tensor::from_vec(b, (out, rank), &Device::Cpu)?;
			#[allow(clippy::cast_precision_loss)]
			let scale = 16.0 / rank as f64;
			deltas.insert((layer, target), LoraDelta { a, b, scale });
		}
	}
	Ok(LoraAdapter { deltas })
}

fn bar(len: usize, template: &str, quiet: bool) -> ProgressBar {
	let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(len as u64) };
	bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
	bar
}

/// Writes the adapters (or reuses files already there with the same seed and rank); returns their sources.
fn write_adapters(common: &Common, args: &OpenLoraArgs, base: &Generator) -> Result<Vec<AdapterSource>> {
	let dir = args.work_dir.join(format!("rank{}-seed{}", args.rank, args.seed));
	std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
	let progress = bar(args.adapters, "writing adapters [{bar:30}] {pos}/{len} ({eta})", common.json);
	let mut sources = Vec::with_capacity(args.adapters);
	for i in 0..args.adapters {
		let path = dir.join(format!("{i:05}.safetensors"));
		if !path.is_file() {
			let mut rng = SplitMix64(args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
			let adapter = random_adapter(base, args.rank, &mut rng)?;
			adapter.save(&path, 16.0, &BTreeMap::from([("bench".to_owned(), format!("adapter {i}"))]))?;
		}
		let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
		sources.push(AdapterSource { hash: content_hash(&bytes), path });
		progress.inc(1);
	}
	progress.finish_and_clear();
	Ok(sources)
}

/// Decodes `prompts` in batches, request `i` on `pick(i)`'s model; returns (tokens generated, seconds).
fn run_batches(
	prompts: &[Prompt],
	batch: usize,
	max_new: usize,
	mut pick: impl FnMut(usize) -> Result<Arc<Generator>>,
) -> Result<(usize, f64)> {
	let started = Instant::now();
	let mut tokens = 0usize;
	for (b, chunk) in prompts.chunks(batch.max(1)).enumerate() {
		let models =
			(0..chunk.len()).map(|i| pick(b.saturating_mul(batch).saturating_add(i))).collect::<Result<Vec<_>>>()?;
		let refs: Vec<&Generator> = models.iter().map(AsRef::as_ref).collect();
		let generated = Generator::generate_batch(&refs, chunk, max_new, AnswerForm::Free)?;
		tokens = generated.iter().map(|g| g.tokens.len()).fold(tokens, usize::saturating_add);
	}
	Ok((tokens, started.elapsed().as_secs_f64()))
}

/// Resident set size of this process, bytes (Linux).
fn resident_bytes() -> Option<usize> {
	let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
	let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
	Some(pages.saturating_mul(4096))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
	#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
	let at = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
	sorted.get(at).copied().unwrap_or(f64::NAN)
}

/// Runs the bench and prints its report.
pub fn run(common: &Common, args: &OpenLoraArgs) -> Result<()> {
	ensure!(args.adapters > 0 && args.requests > 0 && args.batch > 0 && args.max_new > 0, "counts must be positive");
	let base = load_generator(common, None)?;
	let sources = write_adapters(common, args, &base)?;
	let budget = attribution_engine::generate::openlora::mebibytes(args.budget_mb);
	let prompts = (0..args.requests)
		.map(|i| {
			let (question, context) = QUESTIONS.get(i % QUESTIONS.len()).copied().unwrap_or_default();
			Ok(base.rag_prompt(question, &[context])?)
		})
		.collect::<Result<Vec<_>>>()?;

	// Cold loads, one at a time into a fresh cache; the resident set grows by what each cached adapter costs.
	let samples = args.adapters.min(32);
	let cache = AdapterCache::new(base.clone(), budget)?;
	let rss_before = resident_bytes();
	let mut loads = Vec::with_capacity(samples);
	for source in sources.iter().take(samples) {
		let t = Instant::now();
		cache.get(source)?;
		loads.push(t.elapsed().as_secs_f64() * 1e3);
	}
	let rss_growth = rss_before.zip(resident_bytes()).map(|(a, b)| b.saturating_sub(a));
	let stats = cache.stats();
	drop(cache);
	loads.sort_by(f64::total_cmp);
	#[allow(clippy::cast_precision_loss)]
	let per_adapter_rss = rss_growth.map(|g| g as f64 / stats.cached.max(1) as f64);
	let tensor_bytes = stats.cached_bytes.checked_div(stats.cached).unwrap_or(0);

	let progress = bar(3, "decoding {msg} [{bar:10}] {pos}/{len} runs", common.json);
	// Reference: every request on adapter 0, already loaded.
	progress.set_message("one adapter");
	let single = AdapterCache::new(base.clone(), budget)?;
	let first = sources.first().context("no adapters")?;
	single.get(first)?;
	let (single_tokens, single_s) = run_batches(&prompts, args.batch, args.max_new, |_| Ok(single.get(first)?))?;
	progress.inc(1);
	// The same requests unbatched, for what batching buys.
	progress.set_message("one adapter, unbatched");
	let (unbatched_tokens, unbatched_s) = run_batches(&prompts, 1, args.max_new, |_| Ok(single.get(first)?))?;
	progress.inc(1);
	// Every request on a random adapter of all of them, through a cold cache under the budget.
	progress.set_message(format!("{} adapters", sources.len()));
	let mixed = AdapterCache::new(base.clone(), budget)?;
	let mut rng = SplitMix64(args.seed ^ 0x0BE2_1A0D);
	let (mixed_tokens, mixed_s) = run_batches(&prompts, args.batch, args.max_new, |_| {
		let source = sources.get(rng.below(sources.len())).context("no adapters")?;
		Ok(mixed.get(source)?)
	})?;
	progress.finish_and_clear();
	let mixed_stats = mixed.stats();

	#[allow(clippy::cast_precision_loss)]
	let rate = |tokens: usize, seconds: f64| tokens as f64 / seconds.max(1e-9);
	let (single_rate, mixed_rate, unbatched_rate) =
		(rate(single_tokens, single_s), rate(mixed_tokens, mixed_s), rate(unbatched_tokens, unbatched_s));
	let report = json!({
		"adapters": sources.len(),
		"rank": args.rank,
		"targets": ["attn_q", "attn_v"],
		"requests": args.requests,
		"batch": args.batch,
		"max_new_tokens": args.max_new,
		"budget_mib": args.budget_mb,
		"base": if common.quantized { "Q4_1" } else { "f32" },
		"single_adapter": { "tokens": single_tokens, "seconds": single_s, "tokens_per_s": single_rate },
		"single_adapter_unbatched": { "tokens": unbatched_tokens, "seconds": unbatched_s, "tokens_per_s": unbatched_rate },
		"mixed_adapters": {
			"tokens": mixed_tokens, "seconds": mixed_s, "tokens_per_s": mixed_rate,
			"cache_hits": mixed_stats.hits, "cache_misses": mixed_stats.misses, "evictions": mixed_stats.evictions,
			"load_seconds": mixed_stats.load_time.as_secs_f64(),
		},
		"ratio_mixed_to_single": mixed_rate / single_rate.max(1e-9),
		"goal_ratio": 0.7,
		"batching_speedup": single_rate / unbatched_rate.max(1e-9),
		"cold_load_ms": { "samples": loads.len(), "p50": percentile(&loads, 0.5), "p95": percentile(&loads, 0.95),
			"max": loads.last().copied().unwrap_or(f64::NAN) },
		"memory_per_adapter": { "tensor_bytes": tensor_bytes, "resident_bytes": per_adapter_rss,
			"adapters_in_budget": budget.checked_div(tensor_bytes).unwrap_or(0) },
	});
	print(common, &report);
	Ok(())
}

fn print(common: &Common, report: &Value) {
	if common.json {
		println!("{report}");
		return;
	}
	let f = |path: &[&str]| path.iter().fold(report, |v, k| &v[*k]).as_f64().unwrap_or(f64::NAN);
	println!(
		"OpenLoRA: {} adapters (rank {}, attn_q+attn_v), {} requests in batches of {}, ≤ {} tokens each, {} MiB budget",
		report["adapters"], report["rank"], report["requests"], report["batch"], report["max_new_tokens"], report["budget_mib"]
	);
	println!(
		"  one adapter        {:>7.1} tokens/s   (unbatched {:.1} tokens/s: batching ×{:.2})",
		f(&["single_adapter", "tokens_per_s"]),
		f(&["single_adapter_unbatched", "tokens_per_s"]),
		f(&["batching_speedup"])
	);
	println!(
		"  random adapters    {:>7.1} tokens/s   ({} loads, {} hits, {} evictions)",
		f(&["mixed_adapters", "tokens_per_s"]),
		report["mixed_adapters"]["cache_misses"],
		report["mixed_adapters"]["cache_hits"],
		report["mixed_adapters"]["evictions"]
	);
	println!("  ratio              {:>7.2}          (goal ≥ {})", f(&["ratio_mixed_to_single"]), report["goal_ratio"]);
	println!(
		"  cold load          p50 {:.1} ms, p95 {:.1} ms;  memory per cached adapter {:.2} MB of tensors ({:.2} MB resident)",
		f(&["cold_load_ms", "p50"]),
		f(&["cold_load_ms", "p95"]),
		f(&["memory_per_adapter", "tensor_bytes"]) / 1e6,
		f(&["memory_per_adapter", "resident_bytes"]) / 1e6
	);
}
