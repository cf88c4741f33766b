//! The end of each BERT sub-layer, `LayerNorm(x + bias + residual)`, as one pass per row: candle adds the
//! projection's bias, then the residual, then normalises — three passes and two allocations of the whole
//! hidden state. The sums run over [`crate::simd`]'s sixteen fixed lanes, and the variance is taken about the
//! mean (two passes over a row in the cache), so it is exact where candle's `E[x²] − mean²` cancels.

use crate::simd::{contiguous, lane_sum, widest_simd};
use candle::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

/// A layer norm that first adds a projection's bias and the residual stream.
pub(crate) struct ResidualNorm {
	bias: Vec<f32>,
	weight: Vec<f32>,
	shift: Vec<f32>,
	eps: f32,
}

impl ResidualNorm {
	/// `bias` of the projection before it; `weight` and `shift` (γ and β) of the norm, all the hidden width.
	pub(super) fn new(bias: &Tensor, weight: &Tensor, shift: &Tensor, eps: f64) -> candle::Result<Self> {
		let (bias, weight, shift) = (bias.to_vec1::<f32>()?, weight.to_vec1::<f32>()?, shift.to_vec1::<f32>()?);
		if bias.is_empty() || bias.len() != weight.len() || bias.len() != shift.len() {
			candle::bail!("norm: bias {}, weight {}, shift {}", bias.len(), weight.len(), shift.len());
		}
		Ok(Self { bias, weight, shift, eps: eps as f32 })
	}

	/// `LayerNorm(x + bias + residual)` over the last dimension; `x` and `residual` of the same shape.
	pub(super) fn forward(&self, x: &Tensor, residual: &Tensor) -> candle::Result<Tensor> {
		x.contiguous()?.apply_op2_no_bwd(&residual.contiguous()?, self)
	}
}

#[inline(always)]
fn residual_norm_portable(x: &[f32], residual: &[f32], norm: &ResidualNorm, dst: &mut [f32]) {
	for (((d, &x), &r), &b) in dst.iter_mut().zip(x).zip(residual).zip(&norm.bias) {
		*d = (x + b) + r;
	}
	let n = dst.len() as f32;
	let mean = lane_sum(dst) / n;
	for d in dst.iter_mut() {
		*d -= mean;
	}
	let mut squares = [0f32; 16];
	for chunk in dst.chunks(16) {
		for (s, &d) in squares.iter_mut().zip(chunk) {
			*s += d * d;
		}
	}
	let variance = lane_sum(&squares) / n;
	let inverse = 1.0 / (variance + norm.eps).sqrt();
	for ((d, &w), &s) in dst.iter_mut().zip(&norm.weight).zip(&norm.shift) {
		*d = *d * inverse * w + s;
	}
}

widest_simd!(residual_norm_row, super::residual_norm_portable, (x: &[f32], residual: &[f32], norm: &super::ResidualNorm, dst: &mut [f32]));

impl CustomOp2 for ResidualNorm {
	fn name(&self) -> &'static str {
		"bias-residual-layer-norm"
	}

	fn cpu_fwd(
		&self,
		x: &CpuStorage,
		x_layout: &Layout,
		residual: &CpuStorage,
		residual_layout: &Layout,
	) -> candle::Result<(CpuStorage, Shape)> {
		let width = self.bias.len();
		if x_layout.shape() != residual_layout.shape() || x_layout.shape().dims().last() != Some(&width) {
			candle::bail!("norm: x {:?}, residual {:?}, width {width}", x_layout.shape(), residual_layout.shape());
		}
		let (x, residual) = (contiguous(x, x_layout, "norm")?, contiguous(residual, residual_layout, "norm")?);
		let mut out = vec![0f32; x.len()];
		let block = (1usize << 14).div_ceil(width).saturating_mul(width);
		out.par_chunks_mut(block).zip(x.par_chunks(block)).zip(residual.par_chunks(block)).for_each(|((d, x), r)| {
			for ((d, x), r) in d.chunks_mut(width).zip(x.chunks(width)).zip(r.chunks(width)) {
				residual_norm_row::widest(x, r, self, d);
			}
		});
		Ok((CpuStorage::F32(out), x_layout.shape().clone()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	fn rows() -> (Tensor, Tensor, ResidualNorm, candle_nn::LayerNorm, Tensor) {
		let dev = Device::Cpu;
		let width = 37;
		let x: Vec<f32> = (0..5 * width).map(|i| ((i * 7919) % 101) as f32 / 10.0 - 5.0).collect();
		let r: Vec<f32> = (0..5 * width).map(|i| ((i * 104_729) % 89) as f32 / 20.0 + 100.0).collect();
		let b: Vec<f32> = (0..width).map(|i| i as f32 / 37.0 - 0.5).collect();
		let w: Vec<f32> = (0..width).map(|i| 1.0 + i as f32 / 100.0).collect();
		let s: Vec<f32> = (0..width).map(|i| 0.1 - i as f32 / 200.0).collect();
		let (x, r) = (Tensor::from_vec(x, (5, width), &dev).unwrap(), Tensor::from_vec(r, (5, width), &dev).unwrap());
		let (b, w, s) = (Tensor::new(b, &dev).unwrap(), Tensor::new(w, &dev).unwrap(), Tensor::new(s, &dev).unwrap());
		let ours = ResidualNorm::new(&b, &w, &s, 1e-12).unwrap();
		(x, r, ours, candle_nn::LayerNorm::new(w, s, 1e-12), b)
	}

	#[test]
	fn matches_an_f64_reference_and_candles_bias_add_residual_add_and_layer_norm() {
		let (x, r, ours, theirs, b) = rows();
		let got = ours.forward(&x, &r).unwrap().to_vec2::<f32>().unwrap();
		let candle = candle::Module::forward(&theirs, &(x.broadcast_add(&b).unwrap() + &r).unwrap())
			.unwrap()
			.to_vec2::<f32>()
			.unwrap();
		let (xs, rs) = (x.to_vec2::<f32>().unwrap(), r.to_vec2::<f32>().unwrap());
		let (bs, ws, ss) = (ours.bias.clone(), ours.weight.clone(), ours.shift.clone());
		for (((x, r), got), candle) in xs.iter().zip(&rs).zip(&got).zip(&candle) {
			let y: Vec<f64> =
				x.iter().zip(r).zip(&bs).map(|((x, r), b)| f64::from(*x) + f64::from(*b) + f64::from(*r)).collect();
			let mean = y.iter().sum::<f64>() / y.len() as f64;
			let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / y.len() as f64;
			for (j, v) in y.iter().enumerate() {
				let exact = (v - mean) / (var + 1e-12).sqrt() * f64::from(ws[j]) + f64::from(ss[j]);
				assert!((f64::from(got[j]) - exact).abs() < 2e-5, "{} against {exact}", got[j]);
				// candle's one-pass variance, E[x²] − mean², cancels on rows near 100 and loses bits.
				assert!((f64::from(candle[j]) - exact).abs() < 1e-3, "candle {} against {exact}", candle[j]);
			}
		}
	}

	#[test]
	fn every_simd_path_is_bit_identical_and_misshapen_inputs_are_refused() {
		let (x, r, ours, _, _) = rows();
		let (xs, rs) =
			(x.flatten_all().unwrap().to_vec1::<f32>().unwrap(), r.flatten_all().unwrap().to_vec1::<f32>().unwrap());
		let mut portable = vec![0f32; 37];
		residual_norm_portable(&xs[..37], &rs[..37], &ours, &mut portable);
		#[cfg(target_arch = "x86_64")]
		{
			let mut out = vec![0f32; 37];
			if std::arch::is_x86_feature_detected!("avx2") {
				// SAFETY: the CPU has AVX2 (checked just above).
				unsafe { residual_norm_row::avx2(&xs[..37], &rs[..37], &ours, &mut out) };
				assert_eq!(
					out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
					portable.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
				);
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				// SAFETY: the CPU has AVX-512F (checked just above).
				unsafe { residual_norm_row::avx512(&xs[..37], &rs[..37], &ours, &mut out) };
				assert_eq!(
					out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
					portable.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
				);
			}
		}
		assert!(ours.forward(&x, &r.narrow(0, 0, 4).unwrap()).is_err());
		assert!(ours.forward(&x.narrow(1, 0, 36).unwrap(), &r.narrow(1, 0, 36).unwrap()).is_err());
	}
}
