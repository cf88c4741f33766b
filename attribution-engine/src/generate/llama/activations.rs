//! The decoder's exponentials, vectorised: the attention softmax and the SwiGLU gate (`silu(gate) · up`).
//! candle computes both with a scalar `expf` per element (6 % of attribution time in the profile) and the
//! gate in two passes (SiLU, then the product). Here `exp` is Cephes' `expf` (range reduction by ln 2, a
//! degree-5 polynomial, the power of two written into the exponent bits), which the compiler turns into SIMD.
//! As in [`crate::embed::gelu`], the AVX-512 and AVX2 copies run exactly the same IEEE operations, and sums
//! run over sixteen fixed lanes whatever the register width, so every path gives bit-identical results.

use candle::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

/// Below this `exp` underflows f32's normal range; the result is 0 (as the softmax of a masked score).
const EXP_LOWEST: f32 = -87.336_54;
/// Above this, `x · log₂e` would round to 128 and overflow the exponent: inputs are clamped here.
const EXP_HIGHEST: f32 = 88.376_26;
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
fn exp(x: f32) -> f32 {
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
fn lane_sum(xs: &[f32]) -> f32 {
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
fn lane_max(xs: &[f32]) -> f32 {
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

#[inline(always)]
fn softmax_portable(src: &[f32], dst: &mut [f32]) {
	let max = lane_max(src);
	for (d, &s) in dst.iter_mut().zip(src) {
		*d = exp(s - max);
	}
	let sum = lane_sum(dst);
	for d in dst.iter_mut() {
		*d /= sum;
	}
}

#[inline(always)]
fn swiglu_portable(gate: &[f32], up: &[f32], dst: &mut [f32]) {
	for ((d, &g), &u) in dst.iter_mut().zip(gate).zip(up) {
		*d = g / (1.0 + exp(-g)) * u;
	}
}

/// A module `$module` with `$portable` compiled three times — for AVX-512F (`avx512`), for AVX2 (`avx2`) and
/// for the baseline — and `widest`, which runs the widest copy this CPU has. Every copy is the same code, so the
/// same IEEE operations (Rust never fuses a multiply and an add on its own).
macro_rules! widest_simd {
	($module:ident, $portable:path, ($($arg:ident: $ty:ty),*)) => {
		mod $module {
			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx512f")]
			pub(super) fn avx512($($arg: $ty),*) {
				$portable($($arg),*)
			}

			#[cfg(target_arch = "x86_64")]
			#[target_feature(enable = "avx2")]
			pub(super) fn avx2($($arg: $ty),*) {
				$portable($($arg),*)
			}

			pub(super) fn widest($($arg: $ty),*) {
				#[cfg(target_arch = "x86_64")]
				{
					if std::arch::is_x86_feature_detected!("avx512f") {
						// SAFETY: the CPU has AVX-512F (checked just above).
						return unsafe { avx512($($arg),*) };
					}
					if std::arch::is_x86_feature_detected!("avx2") {
						// SAFETY: the CPU has AVX2 (checked just above).
						return unsafe { avx2($($arg),*) };
					}
				}
				$portable($($arg),*)
			}
		}
	};
}

widest_simd!(softmax_row, super::softmax_portable, (src: &[f32], dst: &mut [f32]));
widest_simd!(swiglu_slice, super::swiglu_portable, (gate: &[f32], up: &[f32], dst: &mut [f32]));

/// Rows per parallel task: enough elements that a task outweighs its scheduling.
fn rows_per_task(row: usize) -> usize {
	(1usize << 14).checked_div(row).unwrap_or(1).max(1)
}

fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> candle::Result<&'a [f32]> {
	let CpuStorage::F32(data) = storage else {
		candle::bail!("{op}: f32 tensors only");
	};
	let Some((start, end)) = layout.contiguous_offsets() else {
		candle::bail!("{op}: contiguous tensors only");
	};
	data.get(start..end).ok_or_else(|| candle::Error::msg(format!("{op}: layout outside the storage")))
}

struct SoftmaxLastDim;

impl CustomOp1 for SoftmaxLastDim {
	fn name(&self) -> &'static str {
		"softmax-last-dim-simd"
	}

	fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let src = contiguous(storage, layout, "softmax")?;
		let row = layout.shape().dims().last().copied().unwrap_or(1).max(1);
		let mut out = vec![0f32; src.len()];
		let block = rows_per_task(row).saturating_mul(row);
		out.par_chunks_mut(block).zip(src.par_chunks(block)).for_each(|(dst, src)| {
			for (d, s) in dst.chunks_mut(row).zip(src.chunks(row)) {
				softmax_row::widest(s, d);
			}
		});
		Ok((CpuStorage::F32(out), layout.shape().clone()))
	}
}

/// Softmax over the last dimension (f32, CPU), for inference (no gradient).
pub(super) fn softmax_last_dim(x: &Tensor) -> candle::Result<Tensor> {
	x.contiguous()?.apply_op1_no_bwd(&SoftmaxLastDim)
}

struct SwiGlu;

impl CustomOp2 for SwiGlu {
	fn name(&self) -> &'static str {
		"swiglu-simd"
	}

	fn cpu_fwd(
		&self,
		gate: &CpuStorage,
		gate_layout: &Layout,
		up: &CpuStorage,
		up_layout: &Layout,
	) -> candle::Result<(CpuStorage, Shape)> {
		if gate_layout.shape() != up_layout.shape() {
			candle::bail!("swiglu: gate {:?} and up {:?} differ", gate_layout.shape(), up_layout.shape());
		}
		let (gate, up) = (contiguous(gate, gate_layout, "swiglu")?, contiguous(up, up_layout, "swiglu")?);
		let mut out = vec![0f32; gate.len()];
		let block = 1 << 14;
		out.par_chunks_mut(block).zip(gate.par_chunks(block)).zip(up.par_chunks(block)).for_each(|((d, g), u)| {
			swiglu_slice::widest(g, u, d);
		});
		Ok((CpuStorage::F32(out), gate_layout.shape().clone()))
	}
}

/// `silu(gate) · up` element-wise in one pass (f32, CPU), for inference (no gradient).
pub(super) fn swiglu(gate: &Tensor, up: &Tensor) -> candle::Result<Tensor> {
	gate.contiguous()?.apply_op2_no_bwd(&up.contiguous()?, &SwiGlu)
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	fn grid() -> Vec<f32> {
		(-12_000..=12_000)
			.map(|i| i as f32 / 100.0)
			.chain([f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, -1e-30, 0.0, EXP_LOWEST, EXP_HIGHEST])
			.collect()
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

	#[test]
	fn softmax_matches_candles_and_gives_masked_scores_zero() {
		let mut xs: Vec<f32> = (0..7 * 37).map(|i| ((i * 7919) % 113) as f32 / 9.0 - 6.0).collect();
		xs[5] = f32::NEG_INFINITY;
		xs[40] = f32::MIN;
		let x = Tensor::from_vec(xs, (7, 37), &Device::Cpu).unwrap();
		let ours = softmax_last_dim(&x).unwrap().to_vec2::<f32>().unwrap();
		let theirs = candle_nn::ops::softmax_last_dim(&x).unwrap().to_vec2::<f32>().unwrap();
		for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
			assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-3), "{a} against {b}");
		}
		assert_eq!(ours[0][5], 0.0);
		assert_eq!(ours[1][3], 0.0);
		for row in &ours {
			assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
		}
	}

	#[test]
	fn swiglu_matches_silu_times_up() {
		let g: Vec<f32> = grid().into_iter().filter(|x| x.is_finite() && x.abs() < 1e30).collect();
		let u: Vec<f32> = g.iter().map(|x| 1.5 - x / 50.0).collect();
		let gate = Tensor::new(g.as_slice(), &Device::Cpu).unwrap();
		let up = Tensor::new(u.as_slice(), &Device::Cpu).unwrap();
		let ours = swiglu(&gate, &up).unwrap().to_vec1::<f32>().unwrap();
		let theirs = (candle_nn::ops::silu(&gate).unwrap() * &up).unwrap().to_vec1::<f32>().unwrap();
		for ((x, a), b) in g.iter().zip(&ours).zip(&theirs) {
			assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-6), "swiglu({x}) = {a}, candle {b}");
		}
	}

	#[test]
	fn every_simd_path_is_bit_identical_to_the_portable_code() {
		let xs: Vec<f32> = grid().into_iter().filter(|x| x.is_finite()).collect();
		let up: Vec<f32> = xs.iter().map(|x| 0.25 + x.sin()).collect();
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		let (mut soft, mut glu) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
		softmax_portable(&xs, &mut soft);
		swiglu_portable(&xs, &up, &mut glu);
		let mut paths = 0;
		#[cfg(target_arch = "x86_64")]
		for (feature, softmax, swiglu) in [
			("avx2", softmax_row::avx2 as unsafe fn(&[f32], &mut [f32]), swiglu_slice::avx2 as unsafe fn(&[f32], &[f32], &mut [f32])),
			("avx512f", softmax_row::avx512, swiglu_slice::avx512),
		] {
			let present = match feature {
				"avx2" => std::arch::is_x86_feature_detected!("avx2"),
				_ => std::arch::is_x86_feature_detected!("avx512f"),
			};
			if !present {
				continue;
			}
			let (mut soft_simd, mut glu_simd) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
			// SAFETY: the CPU has the feature (checked just above).
			unsafe {
				softmax(&xs, &mut soft_simd);
				swiglu(&xs, &up, &mut glu_simd);
			}
			assert_eq!(bits(&soft), bits(&soft_simd), "softmax on {feature}");
			assert_eq!(bits(&glu), bits(&glu_simd), "swiglu on {feature}");
			paths += 1;
		}
		let (mut soft_widest, mut glu_widest) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
		softmax_row::widest(&xs, &mut soft_widest);
		swiglu_slice::widest(&xs, &up, &mut glu_widest);
		assert_eq!(bits(&soft), bits(&soft_widest));
		assert_eq!(bits(&glu), bits(&glu_widest));
		eprintln!("{paths} SIMD paths checked");
	}
}
