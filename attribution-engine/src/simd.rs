//! Element-wise kernels the compiler vectorises, shared by the encoder and the decoder: Cephes' `expf`
//! (range reduction by ln 2, a degree-5 polynomial, the power of two written into the exponent bits), sums
//! over sixteen fixed lanes, the row softmax, and [`widest_simd!`], which compiles one portable routine for
//! AVX-512, AVX2 and the baseline and runs the widest copy the CPU has. Every copy runs the same IEEE
//! operations in the same order (Rust never fuses a multiply and an add on its own, and the lanes are fixed
//! whatever the register width), so every path gives bit-identical results: a validator's CPU does not
//! change its outputs.

use candle::{CpuStorage, Layout};
use std::sync::atomic::{AtomicU8, Ordering};

/// The widest vector instructions the engine's own kernels may use — the element-wise kernels, the portable
/// bf16 tile, `vdpbf16ps` and the index's dot products — whatever more the CPU has. Every path gives the same
/// bits, so a limit changes speed only: it is how one machine measures what an older CPU of its kind would do
/// (gemm's f32 kernels follow the build instead: `--no-default-features` leaves out its AVX-512 ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
	/// No vector extension beyond the target's baseline (SSE2 on x86-64).
	Baseline,
	/// AVX2 (with FMA where a kernel needs it).
	Avx2,
	/// AVX-512F (and AVX512-BF16 where the CPU has it).
	Avx512,
}

/// The limit [`limit_simd`] set, as `SimdLevel as u8`; no limit until then.
static LIMIT: AtomicU8 = AtomicU8::new(SimdLevel::Avx512 as u8);

/// Limits the engine's kernels to `level` for the rest of the process (a command-line option sets it once).
pub fn limit_simd(level: SimdLevel) {
	LIMIT.store(level as u8, Ordering::Relaxed);
}

/// Runs `work` with the engine's kernels limited to `level`, then puts back the limit it found — on every path
/// out of `work`, an early return through `?` and a panic included — so that a caller comparing levels (a bench,
/// a test) cannot leave the rest of the process on a narrower path than it asked for.
pub fn with_simd_limit<T>(level: SimdLevel, work: impl FnOnce() -> T) -> T {
	struct Restore(u8);
	impl Drop for Restore {
		fn drop(&mut self) {
			LIMIT.store(self.0, Ordering::Relaxed);
		}
	}
	let _restore = Restore(LIMIT.swap(level as u8, Ordering::Relaxed));
	work()
}

/// True when the limit allows kernels of `level` (whether the CPU has them is checked where they run).
#[inline]
pub(crate) fn allows(level: SimdLevel) -> bool {
	level as u8 <= LIMIT.load(Ordering::Relaxed)
}

/// The widest level this CPU has within the limit: what the engine's kernels run.
pub fn simd_level() -> SimdLevel {
	#[cfg(target_arch = "x86_64")]
	{
		if allows(SimdLevel::Avx512) && std::arch::is_x86_feature_detected!("avx512f") {
			return SimdLevel::Avx512;
		}
		if allows(SimdLevel::Avx2) && std::arch::is_x86_feature_detected!("avx2") {
			return SimdLevel::Avx2;
		}
	}
	SimdLevel::Baseline
}

/// Below this `exp` underflows f32's normal range; the result is 0 (as the softmax of a masked score).
pub(crate) const EXP_LOWEST: f32 = -87.336_54;
/// Above this, `x · log₂e` would round to 128 and overflow the exponent: inputs are clamped here.
pub(crate) const EXP_HIGHEST: f32 = 88.376_26;
/// 1.5 · 2²³: adding it rounds to the nearest integer, which then sits in the low mantissa bits.
const ROUNDING: f32 = 12_582_912.0;
/// ln 2 in two parts (Cephes' C1 + C2), so `x − n · ln 2` loses no bits.
const LN2_HIGH: f32 = 0.693_359_4;
const LN2_LOW: f32 = -2.121_944_4e-4;
/// Cephes' `expf` polynomial, highest degree first.
const POLYNOMIAL: [f32; 6] = [1.987_569_1e-4, 1.398_2e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5];
/// Lanes of the fixed-order sums (one AVX-512 register, two AVX2 registers).
const LANES: usize = 16;

#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
	let clamped = x.clamp(EXP_LOWEST, EXP_HIGHEST);
	let t = clamped * std::f32::consts::LOG2_E + ROUNDING;
	let n = t - ROUNDING;
	let r = (clamped - n * LN2_HIGH) - n * LN2_LOW;
	let p = POLYNOMIAL.iter().fold(0.0f32, |acc, c| acc * r + c);
	let y = p * (r * r) + r + 1.0;
	// t's bits are ROUNDING's plus n; 2ⁿ has exponent bits n + 127.
	let scale = f32::from_bits(t.to_bits().wrapping_sub(ROUNDING.to_bits()).wrapping_add(127) << 23);
	// A select, so the loop stays branch-free; NaN is not below the bound and stays NaN.
	if x < EXP_LOWEST {
		0.0
	} else {
		y * scale
	}
}

/// Sum in sixteen lanes, then the lanes in order: the same operations on every register width.
#[inline(always)]
pub(crate) fn lane_sum(xs: &[f32]) -> f32 {
	let mut lanes = [0f32; LANES];
	let chunks = xs.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (lane, x) in lanes.iter_mut().zip(chunk) {
			*lane += x;
		}
	}
	for (lane, x) in lanes.iter_mut().zip(tail) {
		*lane += x;
	}
	lanes.iter().fold(0.0, |acc, x| acc + x)
}

/// Largest element (−∞ for an empty row). Max is exact, so the order does not matter.
#[inline(always)]
pub(crate) fn lane_max(xs: &[f32]) -> f32 {
	let mut lanes = [f32::NEG_INFINITY; LANES];
	let chunks = xs.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (lane, &x) in lanes.iter_mut().zip(chunk) {
			*lane = if x > *lane { x } else { *lane };
		}
	}
	for (lane, &x) in lanes.iter_mut().zip(tail) {
		*lane = if x > *lane { x } else { *lane };
	}
	lanes.iter().fold(f32::NEG_INFINITY, |acc, &x| if x > acc { x } else { acc })
}

/// The row softmax: [`attention_softmax_portable`] with every key seen and a scale of 1 is this, bit for bit.
#[cfg(test)]
pub(crate) fn softmax_portable(src: &[f32], dst: &mut [f32]) {
	let max = lane_max(src);
	for (d, &s) in dst.iter_mut().zip(src) {
		*d = exp(s - max);
	}
	let sum = lane_sum(dst);
	for d in dst.iter_mut() {
		*d /= sum;
	}
}

/// Softmax of `row[..len]` multiplied by `scale` first, in place; the rest of the row (padded keys) becomes 0.
/// The same operations as scaling, adding a mask of 0 and `f32::MIN`, then [`softmax_portable`].
#[inline(always)]
pub(crate) fn scaled_softmax_prefix_portable(row: &mut [f32], len: usize, scale: f32) {
	let (real, padded) = row.split_at_mut(len.min(row.len()));
	for x in real.iter_mut() {
		*x *= scale;
	}
	let max = lane_max(real);
	for x in real.iter_mut() {
		*x = exp(*x - max);
	}
	let sum = lane_sum(real);
	for x in real.iter_mut() {
		*x /= sum;
	}
	padded.fill(0.0);
}

/// Softmax of one row of raw attention scores `src` into `dst`, over the keys the query sees: the first `len`,
/// except `hidden_start..hidden_end` (an empty range hides none). The same operations as scaling (`x · scale + 0`,
/// candle's affine map), adding a mask of 0 and −∞, then [`softmax_portable`]: visible weights get the same bits,
/// and keys the query does not see get weight 0 — those after `len` without an exponential (half of a causal
/// prompt's scores).
#[inline(always)]
pub(crate) fn attention_softmax_portable(
	src: &[f32],
	dst: &mut [f32],
	len: usize,
	hidden_start: usize,
	hidden_end: usize,
	scale: f32,
) {
	let (seen, after) = dst.split_at_mut(len.min(dst.len()));
	for (j, (x, &s)) in seen.iter_mut().zip(src).enumerate() {
		// A select, so the loop stays branch-free.
		let scaled = s * scale + 0.0;
		*x = if j >= hidden_start && j < hidden_end { f32::NEG_INFINITY } else { scaled };
	}
	let max = lane_max(seen);
	for x in seen.iter_mut() {
		*x = exp(*x - max);
	}
	// The keys after `len` would add zeros to their lanes, which changes no sum.
	let sum = lane_sum(seen);
	for x in seen.iter_mut() {
		*x /= sum;
	}
	after.fill(0.0);
}

/// `log p(token)` under the log-softmax of one row of logits: `(x[token] − max) − ln Σ exp(x − max)`, the sum over
/// the fixed lanes without writing the exponentials anywhere. `out` is NaN for a token outside the row.
#[inline(always)]
pub(crate) fn token_logprob_portable(row: &[f32], token: usize, out: &mut f32) {
	let max = lane_max(row);
	let mut lanes = [0f32; LANES];
	let chunks = row.chunks_exact(LANES);
	let tail = chunks.remainder();
	for chunk in chunks {
		for (lane, &x) in lanes.iter_mut().zip(chunk) {
			*lane += exp(x - max);
		}
	}
	for (lane, &x) in lanes.iter_mut().zip(tail) {
		*lane += exp(x - max);
	}
	let sum = lanes.iter().fold(0.0, |acc, x| acc + x);
	*out = row.get(token).map_or(f32::NAN, |&x| (x - max) - sum.ln());
}

/// The f32 elements of a contiguous CPU tensor (a custom op's input); `op` names the op in the error.
pub(crate) fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> candle::Result<&'a [f32]> {
	let CpuStorage::F32(data) = storage else {
		candle::bail!("{op}: f32 tensors only");
	};
	let Some((start, end)) = layout.contiguous_offsets() else {
		candle::bail!("{op}: contiguous tensors only");
	};
	data.get(start..end).ok_or_else(|| candle::Error::msg(format!("{op}: layout outside the storage")))
}

/// The f32 elements of a contiguous CPU tensor's storage, borrowed without a copy (from
/// `Tensor::storage_and_layout`, whose guard the caller keeps); `op` names the caller in the error.
pub(crate) fn borrowed<'a>(storage: &'a candle::Storage, layout: &Layout, op: &str) -> candle::Result<&'a [f32]> {
	let candle::Storage::Cpu(cpu) = storage else {
		candle::bail!("{op}: CPU tensors only");
	};
	contiguous(cpu, layout, op)
}

/// A module `$module` with `$portable` compiled three times — for AVX-512F (`avx512`), for AVX2 (`avx2`) and
/// for the baseline — and `widest`, which runs the widest copy this CPU has. Every copy is the same code, so the
/// same IEEE operations (Rust never fuses a multiply and an add on its own). [`limit_simd`] caps the copy run.
macro_rules! widest_simd {
	($module:ident, $portable:path, ($($arg:ident: $ty:ty),*)) => {
		pub(crate) mod $module {
			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx512f")]
			pub(crate) fn avx512($($arg: $ty),*) {
				$portable($($arg),*)
			}

			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx2")]
			pub(crate) fn avx2($($arg: $ty),*) {
				$portable($($arg),*)
			}

			pub(crate) fn widest($($arg: $ty),*) {
				#[cfg(target_arch = "x86_64")]
				{
					if $crate::simd::allows($crate::simd::SimdLevel::Avx512) && std::arch::is_x86_feature_detected!("avx512f") {
						// SAFETY: the CPU has AVX-512F (checked just above).
						return unsafe { avx512($($arg),*) };
					}
					if $crate::simd::allows($crate::simd::SimdLevel::Avx2) && std::arch::is_x86_feature_detected!("avx2") {
						// SAFETY: the CPU has AVX2 (checked just above).
						return unsafe { avx2($($arg),*) };
					}
				}
				$portable($($arg),*)
			}
		}
	};
}

pub(crate) use widest_simd;

widest_simd!(scaled_softmax_prefix, super::scaled_softmax_prefix_portable, (row: &mut [f32], len: usize, scale: f32));
widest_simd!(token_logprob, super::token_logprob_portable, (row: &[f32], token: usize, out: &mut f32));
widest_simd!(
	attention_softmax,
	super::attention_softmax_portable,
	(src: &[f32], dst: &mut [f32], len: usize, hidden_start: usize, hidden_end: usize, scale: f32)
);

#[cfg(test)]
mod tests {
	use super::*;

	pub(crate) fn grid() -> Vec<f32> {
		(-12_000..=12_000)
			.map(|i| i as f32 / 100.0)
			.chain([f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, -1e-30, 0.0, EXP_LOWEST, EXP_HIGHEST])
			.collect()
	}

	#[test]
	fn a_scoped_limit_is_put_back_on_every_path_out() {
		let limit = || LIMIT.load(Ordering::Relaxed);
		limit_simd(SimdLevel::Avx2);
		assert_eq!(with_simd_limit(SimdLevel::Baseline, limit), SimdLevel::Baseline as u8);
		assert_eq!(limit(), SimdLevel::Avx2 as u8, "after a normal return");
		let early: Result<(), &str> = with_simd_limit(SimdLevel::Baseline, || {
			Err("a product failed")?;
			Ok(())
		});
		assert!(early.is_err());
		assert_eq!(limit(), SimdLevel::Avx2 as u8, "after an early return through ?");
		let panicked = std::panic::catch_unwind(|| with_simd_limit(SimdLevel::Baseline, || panic!("a kernel panicked")));
		assert!(panicked.is_err());
		assert_eq!(limit(), SimdLevel::Avx2 as u8, "after a panic");
		let nested = with_simd_limit(SimdLevel::Avx512, || {
			with_simd_limit(SimdLevel::Baseline, || ());
			limit()
		});
		assert_eq!(nested, SimdLevel::Avx512 as u8, "an inner scope puts back the outer scope's limit");
		assert_eq!(limit(), SimdLevel::Avx2 as u8);
		limit_simd(SimdLevel::Avx512);
	}

	#[test]
	fn the_limit_caps_the_kernels_run_and_every_level_gives_the_same_bits() {
		let widest = simd_level();
		let xs: Vec<f32> = grid().into_iter().filter(|x| x.is_finite()).collect();
		let mut runs = Vec::new();
		for level in [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512] {
			limit_simd(level);
			assert_eq!(simd_level(), widest.min(level), "limited to {level:?}");
			assert_eq!(crate::matmul::bf16::native_available(), level == SimdLevel::Avx512 && {
				#[cfg(target_arch = "x86_64")]
				{
					std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16")
				}
				#[cfg(not(target_arch = "x86_64"))]
				{
					false
				}
			});
			let mut out = vec![0f32; xs.len()];
			attention_softmax::widest(&xs, &mut out, 20_000, 700, 1_900, 0.75);
			runs.push(out.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
		}
		assert_eq!(simd_level(), widest, "no limit above what the CPU has");
		assert!(runs.windows(2).all(|w| w.first() == w.last()));
	}

	#[test]
	fn exp_is_within_two_ulp_of_libm_and_saturates_at_both_ends() {
		for x in grid() {
			let (ours, libm) = (exp(x), x.exp());
			if x < EXP_LOWEST {
				assert_eq!(ours, 0.0, "exp({x})");
			} else if x > EXP_HIGHEST {
				assert!(ours.is_finite() && ours > 1e38, "exp({x}) = {ours}");
			} else {
				let ulps = (ours.to_bits() as i64 - libm.to_bits() as i64).abs();
				assert!(ulps <= 2, "exp({x}) = {ours}, libm {libm} ({ulps} ulp)");
			}
		}
		assert!(exp(f32::NAN).is_nan());
	}

	/// Rows of 37 scores, the last `37 − len` of each padded.
	fn scores() -> Vec<f32> {
		(0..7 * 37).map(|i| ((i * 7919) % 113) as f32 / 2.0 - 25.0).collect()
	}

	#[test]
	fn scaled_softmax_of_a_prefix_is_scaling_masking_and_softmax() {
		let scale = 1.0 / 32f32.sqrt();
		for len in [1, 16, 30, 37] {
			let mut ours = scores();
			for row in ours.chunks_mut(37) {
				scaled_softmax_prefix_portable(row, len, scale);
			}
			// What the encoder did before: scale, add 0 or f32::MIN, softmax with libm's exp.
			for (row, raw) in ours.chunks(37).zip(scores().chunks(37)) {
				let masked: Vec<f32> =
					raw.iter().enumerate().map(|(j, s)| s * scale + if j < len { 0.0 } else { f32::MIN }).collect();
				let max = masked.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
				let e: Vec<f32> = masked.iter().map(|x| (x - max).exp()).collect();
				let sum: f32 = e.iter().sum();
				for (j, (a, b)) in row.iter().zip(e.iter().map(|x| x / sum)).enumerate() {
					assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-3), "len {len}, key {j}: {a} against {b}");
					if j >= len {
						assert_eq!(*a, 0.0);
					}
				}
				assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
			}
		}
	}

	#[test]
	fn every_simd_path_of_the_softmaxes_is_bit_identical_to_the_portable_code() {
		let xs: Vec<f32> = grid().into_iter().filter(|x| x.is_finite()).collect();
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		// Every key but a hidden range of the first 20 000 (the rest are after the query).
		let attend = |src: &[f32], dst: &mut [f32]| attention_softmax_portable(src, dst, 20_000, 700, 1_900, 0.75);
		let mut soft = vec![0f32; xs.len()];
		attend(&xs, &mut soft);
		let mut scaled = scores();
		for row in scaled.chunks_mut(37) {
			scaled_softmax_prefix_portable(row, 29, 5.5);
		}
		let run_scaled = |f: &dyn Fn(&mut [f32])| {
			let mut out = scores();
			out.chunks_mut(37).for_each(f);
			out
		};
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("avx2") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX2 (checked just above).
				unsafe { attention_softmax::avx2(&xs, &mut out, 20_000, 700, 1_900, 0.75) };
				assert_eq!(bits(&soft), bits(&out), "attention softmax on AVX2");
				// SAFETY: as above.
				let out = run_scaled(&|row| unsafe { scaled_softmax_prefix::avx2(row, 29, 5.5) });
				assert_eq!(bits(&scaled), bits(&out), "scaled softmax on AVX2");
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX-512F (checked just above).
				unsafe { attention_softmax::avx512(&xs, &mut out, 20_000, 700, 1_900, 0.75) };
				assert_eq!(bits(&soft), bits(&out), "attention softmax on AVX-512");
				// SAFETY: as above.
				let out = run_scaled(&|row| unsafe { scaled_softmax_prefix::avx512(row, 29, 5.5) });
				assert_eq!(bits(&scaled), bits(&out), "scaled softmax on AVX-512");
			}
		}
		let mut out = vec![0f32; xs.len()];
		attention_softmax::widest(&xs, &mut out, 20_000, 700, 1_900, 0.75);
		assert_eq!(bits(&soft), bits(&out));
		let out = run_scaled(&|row| scaled_softmax_prefix::widest(row, 29, 5.5));
		assert_eq!(bits(&scaled), bits(&out));
	}

	#[test]
	fn token_log_probabilities_are_the_log_softmax_and_bit_identical_on_every_path() {
		// A vocabulary-sized row of logits over a wide range, odd length (a tail after the lanes).
		let row: Vec<f32> = (0..49_153u32).map(|i| ((i.wrapping_mul(2_654_435_761) >> 8) % 4_001) as f32 / 100.0 - 25.0).collect();
		let reference = |token: usize| {
			let max = row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(f64::from(x)));
			let sum: f64 = row.iter().map(|&x| (f64::from(x) - max).exp()).sum();
			(f64::from(row[token]) - max) - sum.ln()
		};
		for token in [0, 1, 17, 30_000, 49_152] {
			let mut ours = 0f32;
			token_logprob_portable(&row, token, &mut ours);
			let exact = reference(token);
			assert!((f64::from(ours) - exact).abs() <= 1e-5 * exact.abs().max(1.0), "token {token}: {ours} against {exact}");
			let mut copies = vec![ours];
			#[cfg(target_arch = "x86_64")]
			{
				if std::arch::is_x86_feature_detected!("avx2") {
					let mut out = f32::NAN;
					// SAFETY: the CPU has AVX2 (checked just above).
					unsafe { token_logprob::avx2(&row, token, &mut out) };
					copies.push(out);
				}
				if std::arch::is_x86_feature_detected!("avx512f") {
					let mut out = f32::NAN;
					// SAFETY: the CPU has AVX-512F (checked just above).
					unsafe { token_logprob::avx512(&row, token, &mut out) };
					copies.push(out);
				}
			}
			let mut out = f32::NAN;
			token_logprob::widest(&row, token, &mut out);
			copies.push(out);
			assert!(copies.iter().all(|c| c.to_bits() == ours.to_bits()), "token {token}: {copies:?}");
		}
		let mut out = 0f32;
		token_logprob_portable(&row, row.len(), &mut out);
		assert!(out.is_nan(), "a token outside the row has no probability");
	}
}
