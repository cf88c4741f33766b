//! `attribution-worker bench products`: the protocol's bf16 products alone, at the generator's projection shapes,
//! on every kernel this CPU can run (`vdpbf16ps`, and the portable kernel at each SIMD level), each against the
//! multiply-adds one core does in registers (`bench_dot_peak`) times the threads. An attribution's time in
//! `bench speed` mixes these products with attention, packing and scheduling; this separates the kernel's share
//! of the hardware from everything else, and times a kernel change with less noise than a whole attribution.
//! Cases are interleaved round by round, so a host's drift moves all of them alike, and every case must give the
//! same bits as the first (the rule every kernel computes).

use crate::{loading::load_generator, Common};
use anyhow::{bail, Context, Result};
use attribution_engine::{generate::lora::LoraTarget, rng::SplitMix64, simd_level, with_simd_limit, Bf16Kernel, Bf16Weight, SimdLevel};
use clap::Args;
use serde::Serialize;
use std::{io::Write, time::Instant};

/// Most input rows a product may take: 8 192 rows of SmolLM2's widest input are 50 MB of f32, and the
/// generator's context holds fewer tokens.
const MAX_ROWS: usize = 8_192;
/// Most timed rounds (a round at the most rows takes about a second).
const MAX_ROUNDS: usize = 1_000;

#[derive(Args, Debug)]
pub struct ProductsArgs {
	/// Input rows of every product. A masked ablation of `bench speed` feeds ≈ 860 rows (the prompt once, then
	/// the tail and answer once per run); exact leave-one-out ≈ 2 400.
	#[arg(long, default_value_t = 512)]
	pub rows: usize,
	/// Timed rounds after a warm-up one: every case times one decoder layer's projections once per round.
	#[arg(long, default_value_t = 7)]
	pub rounds: usize,
}

/// One kernel at one SIMD level.
#[derive(Clone, Copy, Debug, Serialize)]
struct Case {
	/// `vdpbf16ps`, or `portable` (the same steps in f32 FMAs).
	kernel: &'static str,
	#[serde(serialize_with = "lowercase_debug")]
	simd: SimdLevel,
	#[serde(skip)]
	products: Bf16Kernel,
}

/// A case's timings: one layer's seven projections, per round.
#[derive(Debug, Serialize)]
struct CaseReport {
	#[serde(flatten)]
	case: Case,
	/// Billions of multiply-adds per second over one layer's projections: median, lowest and highest round.
	gmacs_median: f64,
	gmacs_min: f64,
	gmacs_max: f64,
	/// What the kernel's instructions allow on these threads: one core's register-only rate (`vdpbf16ps` for
	/// the native kernel; f32 FMAs at `simd` for the portable one, which spends one FMA per multiply-add),
	/// times the threads. `None` where there is nothing to measure (the baseline).
	peak_gmacs: Option<f64>,
	/// The median as a share of `peak_gmacs`.
	share_of_peak: Option<f64>,
	/// Median milliseconds per projection, in the layer's order (`shapes`).
	median_ms: Vec<f64>,
	/// Median time relative to the first case's, same round (> 1: slower).
	ratio_to_first: f64,
}

/// The shapes `(inputs, outputs)` of one decoder layer's projections, in `LoraTarget::ALL`'s order.
fn layer_shapes(common: &Common) -> Result<Vec<(&'static str, usize, usize)>> {
	let generator = load_generator(common, None)?;
	LoraTarget::ALL
		.iter()
		.map(|&target| {
			let (outputs, inputs) = generator.model().projection_shape(0, target).context("a model without layer 0")?;
			Ok((target.gguf_name(), inputs, outputs))
		})
		.collect()
}

/// Values with a spread like a model's (a sum of uniforms: roughly normal), scaled by `scale`.
fn values(len: usize, seed: u64, scale: f32) -> Vec<f32> {
	let mut rng = SplitMix64(seed);
	(0..len).map(|_| ((0..4).map(|_| rng.unit()).sum::<f64>() - 2.0) as f32 * scale).collect()
}

/// The kernels this CPU runs within the `--max-simd` limit, widest first: `vdpbf16ps` where it has AVX512-BF16,
/// then the portable kernel at every vector level it has (the baseline only when it has none).
fn cases() -> Vec<Case> {
	let mut cases = Vec::new();
	if attribution_engine::bf16_native_available() {
		cases.push(Case { kernel: "vdpbf16ps", simd: SimdLevel::Avx512, products: Bf16Kernel::Widest });
	}
	// The CPU's levels nest (AVX-512F implies AVX2), so every level up to the widest allowed one runs.
	let widest = simd_level();
	for level in [SimdLevel::Avx512, SimdLevel::Avx2] {
		if level <= widest {
			cases.push(Case { kernel: "portable", simd: level, products: Bf16Kernel::Portable });
		}
	}
	if cases.is_empty() {
		cases.push(Case { kernel: "portable", simd: SimdLevel::Baseline, products: Bf16Kernel::Portable });
	}
	cases
}

/// A SIMD level as `bench speed` prints it (`avx512`, `avx2`, `baseline`).
fn lowercase_debug<S: serde::Serializer>(level: &SimdLevel, serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&format!("{level:?}").to_lowercase())
}

fn median(v: &[f64]) -> f64 {
	let mut v = v.to_vec();
	v.sort_by(f64::total_cmp);
	v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub fn run(common: &Common, args: &ProductsArgs) -> Result<()> {
	if !(1..=MAX_ROWS).contains(&args.rows) || !(1..=MAX_ROUNDS).contains(&args.rounds) {
		bail!("bench products takes 1 to {MAX_ROWS} rows and 1 to {MAX_ROUNDS} rounds, not {} and {}", args.rows, args.rounds);
	}
	let shapes = layer_shapes(common)?;
	let reports = measure(&shapes, args.rows, args.rounds)?;
	let shape_names: Vec<String> = shapes.iter().map(|(n, i, o)| format!("{n} {i}×{o}")).collect();
	let threads = rayon::current_num_threads();
	let mut out = std::io::stdout().lock();
	if common.json {
		let report = serde_json::json!({
			"rows": args.rows, "rounds": args.rounds, "threads": threads, "shapes": shape_names, "cases": reports,
		});
		writeln!(out, "{report}")?;
	} else {
		writeln!(
			out,
			"one decoder layer's projections ({}), {} rows, {threads} threads, {} rounds:",
			shape_names.join(", "),
			args.rows,
			args.rounds
		)?;
		for r in &reports {
			let share = r.share_of_peak.map_or("-".into(), |s| format!("{s:.2}"));
			writeln!(
				out,
				"  {:>9} {:<8} {:>7.1} GMAC/s (rounds {:.1}–{:.1}), share of its peak {share}, time ×{:.2} of the first",
				r.case.kernel,
				format!("{:?}", r.case.simd),
				r.gmacs_median,
				r.gmacs_min,
				r.gmacs_max,
				r.ratio_to_first
			)?;
		}
	}
	Ok(())
}

/// Times one layer's products (`shapes`, `rows` input rows each) on every case, `rounds` times after a warm-up
/// round that also checks every case's bits against the first's. Each case runs under a scoped SIMD limit, so
/// the limit is left as it was found whatever happens.
fn measure(shapes: &[(&str, usize, usize)], rows: usize, rounds: usize) -> Result<Vec<CaseReport>> {
	let weights: Vec<Bf16Weight> = shapes
		.iter()
		.enumerate()
		.map(|(i, &(_, inputs, outputs))| Ok(Bf16Weight::pack(&values(inputs * outputs, 11 + i as u64, 0.04), inputs, outputs)?))
		.collect::<Result<_>>()?;
	let inputs: Vec<Vec<f32>> =
		shapes.iter().enumerate().map(|(i, &(_, inputs, _))| values(rows * inputs, 101 + i as u64, 1.0)).collect();
	let cases = cases();
	let macs: f64 = shapes.iter().map(|&(_, i, o)| (rows * i * o) as f64).sum();
	// times[round][case][shape], in seconds; round 0 is the warm-up and also checks the bits.
	let mut times = vec![vec![vec![0f64; shapes.len()]; cases.len()]; rounds + 1];
	let mut first_outputs: Vec<Vec<u32>> = Vec::new();
	for (round, per_case) in times.iter_mut().enumerate() {
		for (case, case_times) in cases.iter().zip(per_case.iter_mut()) {
			for (s, ((weight, x), time)) in weights.iter().zip(&inputs).zip(case_times.iter_mut()).enumerate() {
				let t = Instant::now();
				let out = with_simd_limit(case.simd, || weight.product(x, rows, case.products))?;
				let out = std::hint::black_box(out);
				*time = t.elapsed().as_secs_f64();
				if round == 0 {
					let bits: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
					match first_outputs.get(s) {
						None => first_outputs.push(bits),
						Some(first) if *first != bits => {
							bail!("{} at {:?} computed other bits than {} for {}", case.kernel, case.simd, cases[0].kernel, shapes[s].0)
						},
						Some(_) => {},
					}
				}
			}
		}
	}
	let threads = rayon::current_num_threads() as f64;
	let totals = |c: usize| -> Vec<f64> { times[1..].iter().map(|round| round[c].iter().sum()).collect() };
	let first = totals(0);
	let reports: Vec<CaseReport> = cases
		.iter()
		.enumerate()
		.map(|(c, &case)| {
			let total = totals(c);
			let rates: Vec<f64> = total.iter().map(|t| macs / t / 1e9).collect();
			let ratios: Vec<f64> = total.iter().zip(&first).map(|(t, f)| t / f).collect();
			let peak_gmacs = match case.kernel {
				"vdpbf16ps" => crate::bench_dot_peak::bf16_gmacs(),
				_ => crate::bench_dot_peak::f32_gmacs_at(case.simd),
			}
			.map(|g| g * threads);
			let gmacs_median = median(&rates);
			CaseReport {
				case,
				gmacs_median,
				gmacs_min: rates.iter().copied().fold(f64::INFINITY, f64::min),
				gmacs_max: rates.iter().copied().fold(0.0, f64::max),
				peak_gmacs,
				share_of_peak: peak_gmacs.map(|p| gmacs_median / p),
				median_ms: (0..shapes.len()).map(|s| 1e3 * median(&times[1..].iter().map(|r| r[c][s]).collect::<Vec<_>>())).collect(),
				ratio_to_first: median(&ratios),
			}
		})
		.collect();
	Ok(reports)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_kernel_this_cpu_runs_is_timed_on_the_same_bits_within_the_limit() {
		let shapes = [("odd", 33, 40), ("wide", 64, 96)];
		let all = measure(&shapes, 9, 2).unwrap();
		let kinds: Vec<(&str, SimdLevel)> = all.iter().map(|r| (r.case.kernel, r.case.simd)).collect();
		assert_eq!(kinds.first().map(|k| k.0 == "vdpbf16ps"), Some(attribution_engine::bf16_native_available()), "{kinds:?}");
		assert!(kinds.iter().filter(|k| k.0 == "portable").count() >= 1, "{kinds:?}");
		for r in &all {
			assert!(r.gmacs_median > 0.0 && r.gmacs_min <= r.gmacs_median && r.gmacs_median <= r.gmacs_max, "{r:?}");
			assert_eq!(r.median_ms.len(), shapes.len());
			assert_eq!(r.peak_gmacs.is_some(), r.case.simd != SimdLevel::Baseline, "{r:?}");
		}
		assert_eq!(all.first().map(|r| r.ratio_to_first), Some(1.0));
		// Under a limit only the levels it allows run, and the limit is left as it was.
		let limited = with_simd_limit(SimdLevel::Avx2, || {
			let limited = measure(&shapes, 9, 1).unwrap();
			#[cfg(target_arch = "x86_64")]
			assert_eq!(simd_level() == SimdLevel::Avx2, std::arch::is_x86_feature_detected!("avx2"));
			limited
		});
		assert!(limited.iter().all(|r| r.case.kernel == "portable" && r.case.simd <= SimdLevel::Avx2), "{limited:?}");
	}
}
