//! What this machine allows: peak f32 GEMM throughput and memory read bandwidth, measured in the same run as
//! the workloads, and each workload's FLOPs and bytes — so `bench speed` reports every result also as a share
//! of the hardware's limit (docs/BENCHMARKS.md).

use crate::bench_dot_peak::DotPeak;
use anyhow::Result;
use attribution_engine::generate::{llama::Llama, lora::LoraTarget, Prompt};
use candle::{Device, Tensor};
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// The GEMM kernels candle's matmuls run on this machine (gemm dispatches at run time).
pub fn kernels() -> &'static str {
	#[cfg(target_arch = "x86_64")]
	{
		if cfg!(feature = "avx512") && std::arch::is_x86_feature_detected!("avx512f") {
			return "avx512f";
		}
		if std::arch::is_x86_feature_detected!("fma") {
			return "avx2+fma";
		}
	}
	"other"
}

/// The machine's measured limits.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Limits {
	/// Best f32 GEMM throughput (2 048³, candle's matmul on all worker threads), GFLOP/s.
	pub gemm_gflops: f64,
	/// The same on one thread.
	pub gemm_gflops_one_thread: f64,
	/// Best read bandwidth over a 1 GiB buffer, all worker threads, GB/s.
	pub read_gbps: f64,
	pub kernels: &'static str,
	/// One core's multiply-add peaks in registers, f32 and (where the CPU has AVX512-BF16) bf16.
	pub dot_peak: Option<DotPeak>,
	/// What a bf16 GEMM as efficient as the f32 one would reach: `gemm_gflops` × bf16's multiply-add speedup.
	/// An estimate, not a measured GEMM; `None` without AVX512-BF16.
	pub bf16_gemm_gflops_estimate: Option<f64>,
}

fn best_of(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
	f()?;
	let mut best = f64::INFINITY;
	for _ in 0..reps {
		let t = Instant::now();
		f()?;
		best = best.min(t.elapsed().as_secs_f64());
	}
	Ok(best)
}

/// Side of the square GEMM probed: at 1 024 gemm's two-thread split does not scale on the CI machine (one
/// thread and two give the same ≈ 230 GFLOP/s); at 2 048 two threads reach ≈ 420.
const GEMM_N: usize = 2048;

/// One GEMM of `n³` multiply-adds, timed; candle's matmul with the thread count in force.
fn time_gemm(n: usize) -> Result<f64> {
	let a = Tensor::randn(0f32, 1.0, (n, n), &Device::Cpu)?;
	let b = Tensor::randn(0f32, 1.0, (n, n), &Device::Cpu)?;
	let s = best_of(5, || {
		a.matmul(&b)?;
		Ok(())
	})?;
	Ok(2.0 * (n as f64).powi(3) / s / 1e9)
}

/// Sums `data` in 16 independent lanes (so the compiler keeps it in vector registers and the loop is
/// bound by memory, not by one add's latency).
fn lane_sum(data: &[f32]) -> f32 {
	let mut lanes = [0f32; 16];
	for block in data.chunks_exact(16) {
		for (l, x) in lanes.iter_mut().zip(block) {
			*l += x;
		}
	}
	lanes.iter().sum::<f32>() + data.chunks_exact(16).remainder().iter().sum::<f32>()
}

/// Measures the limits (≈ 5 s).
pub fn measure() -> Result<Limits> {
	let gemm_gflops = time_gemm(GEMM_N)?;
	let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
	// candle splits a matmul over rayon's current pool: inside a one-thread pool it runs on one thread.
	let gemm_gflops_one_thread = pool.install(|| time_gemm(GEMM_N))?;
	let buffer = vec![1f32; 1 << 28];
	let mut sink = 0f32;
	let read_s = best_of(5, || {
		sink += buffer.par_chunks(1 << 20).map(lane_sum).sum::<f32>();
		Ok(())
	})?;
	std::hint::black_box(sink);
	let read_gbps = (buffer.len() * std::mem::size_of::<f32>()) as f64 / read_s / 1e9;
	let dot_peak = crate::bench_dot_peak::measure();
	let bf16_gemm_gflops_estimate = dot_peak.and_then(|p| p.bf16_speedup()).map(|s| s * gemm_gflops);
	Ok(Limits { gemm_gflops, gemm_gflops_one_thread, read_gbps, kernels: kernels(), dot_peak, bf16_gemm_gflops_estimate })
}

/// FLOPs of a BERT encoder over one text of `n` tokens: the dense layers (2 per multiply-add) and attention's
/// two `n × n` products.
pub fn bert_flops(hidden: usize, intermediate: usize, layers: usize, n: usize) -> f64 {
	let (h, i, l, n) = (hidden as f64, intermediate as f64, layers as f64, n as f64);
	l * (2.0 * n * (4.0 * h * h + 2.0 * h * i) + 4.0 * n * n * h)
}

/// The decoder's weights touched per token: every projection of every layer and the output head.
pub fn decoder_matmul_parameters(model: &Llama) -> usize {
	let config = model.config();
	let layers: usize = (0..config.num_hidden_layers)
		.map(|l| {
			LoraTarget::ALL
				.iter()
				.filter_map(|t| model.projection_shape(l, *t))
				.map(|(o, i)| o.saturating_mul(i))
				.sum::<usize>()
		})
		.sum();
	layers.saturating_add(config.vocab_size.saturating_mul(config.hidden_size))
}

/// Work of scoring an answer under a prompt by exact leave-one-out or masked ablation, as the generator does
/// it (shared prefixes computed once): token rows through the decoder, rows through the output head, and FLOPs.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ScoringWork {
	pub rows: usize,
	pub scored_rows: usize,
	pub flops: f64,
}

/// `exact`: prefix passes over head and contexts, then for the full prompt and each left-out context the rest
/// of the prompt and the answer. Masked: one pass over head and contexts, then `k + 1` passes of tail + answer.
pub fn scoring_work(model: &Llama, prompt: &Prompt, answer_tokens: usize, exact: bool) -> ScoringWork {
	let config = model.config();
	let seg: Vec<usize> = prompt.segments.iter().map(Vec::len).collect();
	let k = prompt.contexts();
	let body: usize = seg.iter().take(k.saturating_add(1)).sum();
	let tail = seg.last().copied().unwrap_or(0);
	let scored = answer_tokens.saturating_sub(1).saturating_add(tail);
	let runs = k.saturating_add(1);
	let rows = if exact {
		// Run i (0 = nothing left out) re-reads the contexts after i.
		let suffixes: usize = (1..=k).map(|i| seg.iter().skip(i.saturating_add(1)).take(k.saturating_sub(i)).sum::<usize>()).sum();
		body.saturating_add(suffixes).saturating_add(runs.saturating_mul(scored))
	} else {
		body.saturating_add(runs.saturating_mul(scored))
	};
	let params = decoder_matmul_parameters(model) as f64;
	let head = (config.vocab_size as f64) * (config.hidden_size as f64);
	let position = (body + tail + answer_tokens) as f64;
	// Every row attends to about the whole prompt: QKᵀ and AV, 2 FLOPs per multiply-add, per layer.
	let attention = 4.0 * position * (config.hidden_size as f64) * (config.num_hidden_layers as f64);
	let scored_rows = runs.saturating_mul(answer_tokens);
	let flops = rows as f64 * (2.0 * (params - head) + attention) + scored_rows as f64 * 2.0 * head;
	ScoringWork { rows, scored_rows, flops }
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn lane_sum_adds_every_element_including_the_tail_blocks() {
		let data: Vec<f32> = (0..70).map(|i| i as f32).collect();
		assert_eq!(lane_sum(&data), (0..70).sum::<i32>() as f32);
	}

	#[test]
	fn bert_flops_count_dense_layers_and_attention() {
		// One layer, h = 2, i = 4, n = 3: dense 2·3·(16 + 16) = 192, attention 4·9·2 = 72.
		assert_eq!(bert_flops(2, 4, 1, 3), 264.0);
	}
}
