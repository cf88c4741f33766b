//! BERT's exact GELU, `x · (1 + erf(x / √2)) / 2`, vectorised. candle computes it with a scalar `erf` per
//! element (17 % of embedding time in the profile); here `erf` is Eigen's branch-free rational approximation
//! (exactly ±1 from |x| = 3.92, where `erf` rounds to ±1 in f32), which the compiler turns into SIMD. The AVX-512 and AVX2 copies
//! run exactly the same IEEE operations (Rust never fuses a multiply and an add on its own), so every path
//! gives bit-identical results — a validator's CPU does not change its embeddings.

use crate::simd::{contiguous, widest_simd};
use candle::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

/// Odd numerator coefficients, x¹³ down to x¹ (Eigen's `generic_fast_erf_float`).
const NUMERATOR: [f32; 7] = [
	-2.726_142_3e-10,
	2.770_681_4e-8,
	-2.101_024e-6,
	-5.692_506_4e-5,
	-7.349_906_3e-4,
	-2.954_6e-3,
	-1.609_603_3e-2,
];
/// Even denominator coefficients, x⁸ down to x⁰.
const DENOMINATOR: [f32; 5] = [-1.456_607_2e-5, -2.133_740_6e-4, -1.682_827e-3, -7.373_329e-3, -1.426_474e-2];

#[inline(always)]
fn erf(x: f32) -> f32 {
	let x = x.clamp(-4.0, 4.0);
	let x2 = x * x;
	let p = NUMERATOR.iter().fold(0.0f32, |acc, c| acc * x2 + c) * x;
	let q = DENOMINATOR.iter().fold(0.0f32, |acc, c| acc * x2 + c);
	// From |x| ≈ 3.92 on, erf rounds to ±1 in f32; the rational form is 6e-8 short there, which GELU would
	// multiply by |x| for very negative inputs. A select, so it stays branch-free.
	if x.abs() >= 3.92 {
		1.0f32.copysign(x)
	} else {
		p / q
	}
}

#[inline(always)]
fn gelu_portable(src: &[f32], dst: &mut [f32]) {
	for (d, &x) in dst.iter_mut().zip(src) {
		*d = 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2));
	}
}

#[inline(always)]
fn bias_gelu_portable(src: &[f32], bias: &[f32], dst: &mut [f32]) {
	for ((d, &x), &b) in dst.iter_mut().zip(src).zip(bias) {
		let x = x + b;
		*d = 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2));
	}
}

widest_simd!(gelu_simd, super::gelu_portable, (src: &[f32], dst: &mut [f32]));
widest_simd!(bias_gelu_simd, super::bias_gelu_portable, (src: &[f32], bias: &[f32], dst: &mut [f32]));

/// GELU of every element of `src` into `dst` (the shorter length), on the widest SIMD this CPU has.
pub fn gelu_slice(src: &[f32], dst: &mut [f32]) {
	gelu_simd::widest(src, dst);
}

struct GeluErf;

impl CustomOp1 for GeluErf {
	fn name(&self) -> &'static str {
		"gelu-erf-simd"
	}

	fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let src = contiguous(storage, layout, "gelu")?;
		let mut out = vec![0f32; src.len()];
		gelu_slice(src, &mut out);
		Ok((CpuStorage::F32(out), layout.shape().clone()))
	}
}

/// `x · (1 + erf(x / √2)) / 2` element-wise (f32, contiguous, CPU), for inference (no gradient).
pub fn gelu_erf(x: &Tensor) -> candle::Result<Tensor> {
	x.contiguous()?.apply_op1_no_bwd(&GeluErf)
}

struct BiasGelu;

impl CustomOp2 for BiasGelu {
	fn name(&self) -> &'static str {
		"bias-gelu-erf-simd"
	}

	fn cpu_fwd(&self, x: &CpuStorage, x_layout: &Layout, bias: &CpuStorage, bias_layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let (x, bias) = (contiguous(x, x_layout, "bias-gelu")?, contiguous(bias, bias_layout, "bias-gelu")?);
		let width = bias.len();
		if width == 0 || x_layout.shape().dims().last() != Some(&width) {
			candle::bail!("bias-gelu: bias of {width} for rows of {:?}", x_layout.shape());
		}
		let mut out = vec![0f32; x.len()];
		// Whole rows per task, about 16k elements each.
		let block = (1usize << 14).div_ceil(width).saturating_mul(width);
		out.par_chunks_mut(block).zip(x.par_chunks(block)).for_each(|(dst, src)| {
			for (d, s) in dst.chunks_mut(width).zip(src.chunks(width)) {
				bias_gelu_simd::widest(s, bias, d);
			}
		});
		Ok((CpuStorage::F32(out), x_layout.shape().clone()))
	}
}

/// `gelu_erf(x + bias)`, the bias broadcast over the last dimension, in one pass (f32, CPU, no gradient).
pub fn bias_gelu_erf(x: &Tensor, bias: &Tensor) -> candle::Result<Tensor> {
	x.contiguous()?.apply_op2_no_bwd(&bias.contiguous()?, &BiasGelu)
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	fn grid() -> Vec<f32> {
		(-2000..=2000).map(|i| i as f32 / 100.0).chain([f32::MAX, f32::MIN, 1e-30, -1e-30, 0.0]).collect()
	}

	#[test]
	fn matches_candles_scalar_gelu_within_float_error() {
		let xs = grid();
		let x = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap();
		let ours = gelu_erf(&x).unwrap().to_vec1::<f32>().unwrap();
		let theirs = x.gelu_erf().unwrap().to_vec1::<f32>().unwrap();
		for ((x, a), b) in xs.iter().zip(&ours).zip(&theirs) {
			let scale = b.abs().max(1.0);
			assert!((a - b).abs() <= 1e-6 * scale, "gelu({x}) = {a}, candle {b}");
		}
	}

	#[test]
	fn every_simd_path_is_bit_identical_to_the_portable_code() {
		let xs = grid();
		let bias: Vec<f32> = (0..xs.len()).map(|i| (i % 13) as f32 / 7.0 - 1.0).collect();
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		let (mut portable, mut biased) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
		gelu_portable(&xs, &mut portable);
		bias_gelu_portable(&xs, &bias, &mut biased);
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("avx2") {
				let (mut out, mut out_biased) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
				// SAFETY: the CPU has AVX2 (checked just above).
				unsafe {
					gelu_simd::avx2(&xs, &mut out);
					bias_gelu_simd::avx2(&xs, &bias, &mut out_biased);
				}
				assert_eq!(bits(&out), bits(&portable), "gelu on AVX2");
				assert_eq!(bits(&out_biased), bits(&biased), "bias-gelu on AVX2");
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				let (mut out, mut out_biased) = (vec![0f32; xs.len()], vec![0f32; xs.len()]);
				// SAFETY: the CPU has AVX-512F (checked just above).
				unsafe {
					gelu_simd::avx512(&xs, &mut out);
					bias_gelu_simd::avx512(&xs, &bias, &mut out_biased);
				}
				assert_eq!(bits(&out), bits(&portable), "gelu on AVX-512");
				assert_eq!(bits(&out_biased), bits(&biased), "bias-gelu on AVX-512");
			}
		}
	}

	#[test]
	fn bias_gelu_is_gelu_of_the_biased_input() {
		let x = Tensor::new(&[[-1f32, 2.0, 0.25], [0.5, -3.0, 7.0]], &Device::Cpu).unwrap();
		let bias = Tensor::new(&[0.5f32, -1.0, 0.0], &Device::Cpu).unwrap();
		let ours = bias_gelu_erf(&x, &bias).unwrap().to_vec2::<f32>().unwrap();
		let theirs = gelu_erf(&x.broadcast_add(&bias).unwrap()).unwrap().to_vec2::<f32>().unwrap();
		assert_eq!(ours, theirs);
		let wrong = Tensor::new(&[0.5f32, -1.0], &Device::Cpu).unwrap();
		assert!(bias_gelu_erf(&x, &wrong).is_err());
	}

	#[test]
	fn a_strided_input_is_made_contiguous_first() {
		let x = Tensor::new(&[[-1f32, 2.0], [0.5, -3.0]], &Device::Cpu).unwrap().t().unwrap();
		let ours = gelu_erf(&x).unwrap().to_vec2::<f32>().unwrap();
		let theirs = x.gelu_erf().unwrap().to_vec2::<f32>().unwrap();
		for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
			assert!((a - b).abs() < 1e-6);
		}
	}
}
