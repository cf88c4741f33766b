//! A projection's base weight as the products read it: dense f32 stored transposed, or quantised.

use crate::matmul::{projection, Threads};
use candle::{quantized::QMatMul, Module, Tensor};

/// The base weight of a projection `y = x · Wᵀ` (`W` is `(out, in)`, as GGUF stores it).
///
/// Dense weights are kept as `Wᵀ`, `(in, out)` and contiguous. `gemm` (under candle's matmul) computes a
/// row-major product as its transpose, so the weight becomes its left operand, which it packs for every product
/// into panels of output features. Read from `W` that packing gathers every element on its own (row stride
/// `in`); read from `Wᵀ` it copies whole vectors. In a profile of exact leave-one-out attribution the gathering
/// took 18 % of the time. For two rows or more the kernel, its blocking and the order of every sum are the same
/// either way, so the products are bit-identical to `x · W.t()` (tested below). A single row goes to `gemm`'s
/// matrix–vector path, which sums in an order that follows the layout: equally deterministic, not the same bits.
#[derive(Clone, Debug)]
pub(super) enum BaseWeight {
	/// `Wᵀ`, `(in, out)`, contiguous.
	Dense(Tensor),
	Quantized(QMatMul),
}

impl BaseWeight {
	/// A dense weight from `w`, `(out, in)`.
	pub(super) fn dense(w: &Tensor) -> candle::Result<Self> {
		Ok(Self::Dense(w.t()?.contiguous()?))
	}

	pub(super) fn is_dense(&self) -> bool {
		matches!(self, Self::Dense(_))
	}

	/// `x` `(…, in)` through the weight: `(…, out)`. A dense product multiplies all leading rows as one matrix,
	/// on every thread of the pool.
	pub(super) fn forward(&self, x: &Tensor) -> candle::Result<Tensor> {
		match self {
			Self::Dense(t) => {
				let (width, out) = t.dims2()?;
				let mut dims = x.dims().to_vec();
				let rows = x.elem_count().checked_div(width).unwrap_or(0);
				let x = x.reshape((rows, width))?;
				// Inference writes the product once (`crate::matmul`); training keeps candle's differentiable matmul.
				let y = if x.track_op() { x.matmul(t)? } else { projection(&x, t, Threads::Pool)? };
				if let Some(last) = dims.last_mut() {
					*last = out;
				}
				y.reshape(dims)
			},
			Self::Quantized(q) => q.forward(x),
		}
	}

	/// The dense weight rounded to bf16 (kept in f32); a quantised weight is left as it is. Returns whether it
	/// was rounded.
	pub(super) fn round_to_bf16(&mut self) -> candle::Result<bool> {
		if let Self::Dense(t) = self {
			*t = super::layer::round_to_bf16(t)?;
			return Ok(true);
		}
		Ok(false)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	fn bits(t: &Tensor) -> Vec<u32> {
		t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
	}

	/// The shapes of SmolLM2-135M's projections and logits, at row counts of a short and a long answer's
	/// scoring and a packed leave-one-out pass (products large enough for gemm's threads and blocking).
	#[test]
	fn a_transposed_dense_weight_multiplies_bit_for_bit_as_the_weight_read_transposed() {
		let device = Device::Cpu;
		for (out, width) in [(576, 576), (192, 576), (1536, 576), (576, 1536), (4096, 576)] {
			let w = Tensor::randn(0f32, 1.0, (out, width), &device).unwrap();
			let weight = BaseWeight::dense(&w).unwrap();
			for rows in [2, 37, 700] {
				let x = Tensor::randn(0f32, 1.0, (1, rows, width), &device).unwrap();
				let ours = weight.forward(&x).unwrap();
				let theirs = QMatMul::Tensor(w.clone()).forward(&x).unwrap();
				assert_eq!(ours.dims(), &[1, rows, out]);
				assert_eq!(bits(&ours), bits(&theirs), "{rows} rows through ({out}, {width})");
			}
		}
	}

	#[test]
	fn only_a_dense_weight_is_rounded_to_bf16() {
		let device = Device::Cpu;
		let w = Tensor::new(&[[1.0f32 + f32::EPSILON, 2.0], [3.0, 4.0]], &device).unwrap();
		let mut dense = BaseWeight::dense(&w).unwrap();
		assert!(dense.round_to_bf16().unwrap());
		let x = Tensor::new(&[[1.0f32, 0.0]], &device).unwrap();
		assert_eq!(dense.forward(&x).unwrap().to_vec2::<f32>().unwrap(), vec![vec![1.0, 3.0]]);
		let quantized = candle::quantized::QTensor::quantize(
			&Tensor::zeros((2, 32), candle::DType::F32, &device).unwrap(),
			candle::quantized::GgmlDType::Q8_0,
		)
		.unwrap();
		let mut quantized = BaseWeight::Quantized(QMatMul::from_qtensor(quantized).unwrap());
		assert!(!quantized.round_to_bf16().unwrap());
		assert!(!quantized.is_dense() && dense.is_dense());
	}
}
