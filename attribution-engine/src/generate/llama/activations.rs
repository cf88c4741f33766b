//! The decoder's exponentials, vectorised: the attention softmax and the SwiGLU gate (`silu(gate) · up`).
//! candle computes both with a scalar `expf` per element (6 % of attribution time in the profile) and the
//! gate in two passes (SiLU, then the product). Here both run on [`crate::simd`]'s `exp` and fixed-lane sums,
//! compiled for every SIMD width with bit-identical results.

use candle::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};
use crate::simd::{contiguous, exp, softmax_row, widest_simd};
use rayon::prelude::*;

#[inline(always)]
fn swiglu_portable(gate: &[f32], up: &[f32], dst: &mut [f32]) {
	for ((d, &g), &u) in dst.iter_mut().zip(gate).zip(up) {
		*d = g / (1.0 + exp(-g)) * u;
	}
}

widest_simd!(swiglu_slice, super::swiglu_portable, (gate: &[f32], up: &[f32], dst: &mut [f32]));

/// Rows per parallel task: enough elements that a task outweighs its scheduling.
fn rows_per_task(row: usize) -> usize {
	(1usize << 14).checked_div(row).unwrap_or(1).max(1)
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
	use crate::simd::{EXP_HIGHEST, EXP_LOWEST};
	use candle::Device;

	fn grid() -> Vec<f32> {
		(-12_000..=12_000)
			.map(|i| i as f32 / 100.0)
			.chain([f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, -1e-30, 0.0, EXP_LOWEST, EXP_HIGHEST])
			.collect()
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
	fn every_simd_path_of_the_gate_is_bit_identical_to_the_portable_code() {
		let xs: Vec<f32> = grid().into_iter().filter(|x| x.is_finite()).collect();
		let up: Vec<f32> = xs.iter().map(|x| 0.25 + x.sin()).collect();
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		let mut glu = vec![0f32; xs.len()];
		swiglu_portable(&xs, &up, &mut glu);
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("avx2") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX2 (checked just above).
				unsafe { swiglu_slice::avx2(&xs, &up, &mut out) };
				assert_eq!(bits(&glu), bits(&out), "swiglu on AVX2");
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX-512F (checked just above).
				unsafe { swiglu_slice::avx512(&xs, &up, &mut out) };
				assert_eq!(bits(&glu), bits(&out), "swiglu on AVX-512");
			}
		}
		let mut out = vec![0f32; xs.len()];
		swiglu_slice::widest(&xs, &up, &mut out);
		assert_eq!(bits(&glu), bits(&out));
	}
}
