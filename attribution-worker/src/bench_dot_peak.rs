//! How fast one core multiplies and adds in registers, with no memory in the way: f32 fused multiply-adds on
//! the widest vectors `gemm` uses here, and — where the CPU has AVX512-BF16 — bf16 dot products
//! (`vdpbf16ps`: pairs of bf16 products added into f32). Their ratio is how much faster a bf16 GEMM of the same
//! efficiency as the f32 one could run, which bounds what lower precision could buy attribution on this machine.

use attribution_engine::SimdLevel;
use serde::Serialize;
use std::time::Instant;

/// Dependent chains per loop: enough independent accumulators to cover the FMA latency on every x86 core.
const CHAINS: usize = 12;
/// Loop trips per timing: ≈ 4 · 10⁸ f32 multiply-adds on AVX-512, a few milliseconds.
const TRIPS: usize = 2_000_000;

/// Multiply-add throughput of one core, in billions per second.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DotPeak {
	/// f32 fused multiply-adds (16 lanes on AVX-512, 8 on AVX2).
	pub f32_gmacs: f64,
	/// bf16 multiply-adds accumulated in f32 (`vdpbf16ps`: 32 per instruction), where the CPU has AVX512-BF16.
	pub bf16_gmacs: Option<f64>,
}

impl DotPeak {
	/// bf16 multiply-adds per f32 one, where the CPU has them.
	pub fn bf16_speedup(&self) -> Option<f64> {
		self.bf16_gmacs.map(|b| b / self.f32_gmacs)
	}
}

/// Best of five timings of `kernel`, in billions of multiply-adds per second. The input goes through
/// `black_box` inside every timing, so the compiler can neither fold the loop nor reuse an earlier call's result
/// (without it, an AVX2 build hoisted the pure call out of the timed region and reported 10⁷ GMAC/s).
fn best_rate(macs_per_trip: usize, kernel: impl Fn(f32) -> f32) -> f64 {
	let x = 0.25f32;
	std::hint::black_box(kernel(std::hint::black_box(x)));
	let mut best = f64::INFINITY;
	for _ in 0..5 {
		let t = Instant::now();
		std::hint::black_box(kernel(std::hint::black_box(x)));
		best = best.min(t.elapsed().as_secs_f64());
	}
	(macs_per_trip * TRIPS) as f64 / best / 1e9
}

#[cfg(target_arch = "x86_64")]
mod x86 {
	use super::{CHAINS, TRIPS};
	use std::arch::x86_64::*;

	/// `CHAINS` accumulators × 16 lanes, `TRIPS` times; returns a sum so nothing is optimised away.
	#[target_feature(enable = "avx512f")]
	pub(super) fn f32_avx512(x: f32) -> f32 {
		let (a, b) = (_mm512_set1_ps(x), _mm512_set1_ps(1.0 - x));
		let mut acc = [_mm512_setzero_ps(); CHAINS];
		for _ in 0..TRIPS {
			for c in &mut acc {
				*c = _mm512_fmadd_ps(a, b, *c);
			}
		}
		acc.iter().map(|c| _mm512_reduce_add_ps(*c)).sum()
	}

	#[target_feature(enable = "avx2,fma")]
	pub(super) fn f32_avx2(x: f32) -> f32 {
		let (a, b) = (_mm256_set1_ps(x), _mm256_set1_ps(1.0 - x));
		let mut acc = [_mm256_setzero_ps(); CHAINS];
		for _ in 0..TRIPS {
			for c in &mut acc {
				*c = _mm256_fmadd_ps(a, b, *c);
			}
		}
		let mut lanes = [0f32; 8];
		let mut total = 0f32;
		for c in &acc {
			// SAFETY: `lanes` holds exactly one 256-bit vector; the store is unaligned.
			unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *c) };
			total += lanes.iter().sum::<f32>();
		}
		total
	}

	/// `CHAINS` accumulators × 16 lanes × 2 bf16 products, `TRIPS` times.
	#[target_feature(enable = "avx512f,avx512bf16")]
	pub(super) fn bf16_avx512(x: f32) -> f32 {
		let a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(x), _mm512_set1_ps(x));
		let b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1.0 - x), _mm512_set1_ps(1.0 - x));
		let mut acc = [_mm512_setzero_ps(); CHAINS];
		for _ in 0..TRIPS {
			for c in &mut acc {
				*c = _mm512_dpbf16_ps(*c, a, b);
			}
		}
		acc.iter().map(|c| _mm512_reduce_add_ps(*c)).sum()
	}
}

/// Measures one core's peaks (≈ 0.1 s); `None` off x86-64 or without AVX2 + FMA.
pub fn measure() -> Option<DotPeak> {
	// gemm's widest: AVX-512 only in the build that compiles its AVX-512 kernels.
	let f32_gmacs = if cfg!(feature = "avx512") { f32_gmacs_at(SimdLevel::Avx512) } else { None }
		.or_else(|| f32_gmacs_at(SimdLevel::Avx2))?;
	Some(DotPeak { f32_gmacs, bf16_gmacs: bf16_gmacs() })
}

/// One core's f32 fused multiply-adds on `level`'s vectors (billions per second), where the CPU has them; `None`
/// for the baseline (no vector FMA to measure) and off x86-64.
pub fn f32_gmacs_at(level: SimdLevel) -> Option<f64> {
	#[cfg(target_arch = "x86_64")]
	match level {
		SimdLevel::Avx512 if std::arch::is_x86_feature_detected!("avx512f") => {
			// SAFETY: the CPU has AVX-512F (checked just above).
			Some(best_rate(CHAINS * 16, |x| unsafe { x86::f32_avx512(x) }))
		},
		SimdLevel::Avx2 if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") => {
			// SAFETY: the CPU has AVX2 and FMA (checked just above).
			Some(best_rate(CHAINS * 8, |x| unsafe { x86::f32_avx2(x) }))
		},
		_ => None,
	}
	#[cfg(not(target_arch = "x86_64"))]
	{
		let _ = level;
		None
	}
}

/// One core's bf16 multiply-adds on `vdpbf16ps` (billions per second), where the products' kernel runs it: the
/// CPU has AVX512-BF16 and `--max-simd` allows AVX-512.
pub fn bf16_gmacs() -> Option<f64> {
	#[cfg(target_arch = "x86_64")]
	{
		attribution_engine::bf16_native_available().then(|| {
			// SAFETY: the CPU has AVX-512F and AVX512-BF16 (`bf16_native_available` checks both).
			best_rate(CHAINS * 32, |x| unsafe { x86::bf16_avx512(x) })
		})
	}
	#[cfg(not(target_arch = "x86_64"))]
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_probe_measures_a_positive_rate_and_bf16_only_where_the_cpu_has_it() {
		let Some(peak) = measure() else { return };
		// Positive, and physically possible: no core multiplies-adds 10¹² f32 per second (a loop the compiler
		// folded or hoisted out of the timing would report far more).
		assert!(peak.f32_gmacs > 0.1 && peak.f32_gmacs < 1_000.0, "{peak:?}");
		assert!(peak.bf16_gmacs.is_none_or(|b| b > 0.1 && b < 2_000.0), "{peak:?}");
		#[cfg(target_arch = "x86_64")]
		assert_eq!(peak.bf16_gmacs.is_some(), std::arch::is_x86_feature_detected!("avx512bf16"));
		if let Some(speedup) = peak.bf16_speedup() {
			assert!(speedup > 0.0 && speedup.is_finite());
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[test]
	fn every_kernel_computes_its_multiply_adds() {
		// 0.5 · 0.5 added TRIPS times in each lane of each chain: every partial sum is a multiple of its ulp, so exact.
		let expected = |lanes: usize| (CHAINS * lanes) as f32 * TRIPS as f32 * 0.25;
		if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
			// SAFETY: checked just above.
			assert_eq!(unsafe { x86::f32_avx2(0.5) }, expected(8));
		}
		if std::arch::is_x86_feature_detected!("avx512f") {
			// SAFETY: checked just above.
			assert_eq!(unsafe { x86::f32_avx512(0.5) }, expected(16));
		}
		if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16") {
			// SAFETY: checked just above; each lane adds two products per instruction.
			assert_eq!(unsafe { x86::bf16_avx512(0.5) }, expected(32));
		}
	}
}
