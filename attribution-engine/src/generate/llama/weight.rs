//! A projection's base weight as the products read it: dense f32 stored transposed, in the protocol's bf16
//! arithmetic, or quantised.

use crate::matmul::{
	bf16::{round_tensor as round_to_bf16, Bf16Kernel, PackedBf16},
	projection, Threads,
};
use candle::{quantized::QMatMul, CpuStorage, CustomOp1, Layout, Module, Shape, Tensor};
use std::sync::{Arc, OnceLock};

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
	/// `Wᵀ`, `(in, out)`, contiguous: f32 products.
	Dense(Tensor),
	/// bf16 products (`openledger_primitives::attribution::ProductArithmetic::Bf16`) on `kernel`, from `packed`
	/// (half the f32 weight's memory; the f32 weight is dropped). `unpacked` is `Wᵀ` in f32 from the packed
	/// operands, made the first time training needs it: its gradients go through candle's matmul, whose sums
	/// are candle's (a gradient is not part of what committees compare).
	Bf16 { packed: Arc<PackedBf16>, kernel: Bf16Kernel, unpacked: Arc<OnceLock<Tensor>> },
	Quantized(QMatMul),
}

impl BaseWeight {
	/// A dense weight from `w`, `(out, in)`.
	pub(super) fn dense(w: &Tensor) -> candle::Result<Self> {
		Ok(Self::Dense(w.t()?.contiguous()?))
	}

	pub(super) fn is_dense(&self) -> bool {
		matches!(self, Self::Dense(_) | Self::Bf16 { .. })
	}

	/// `x` `(…, in)` through the weight: `(…, out)`. A dense product multiplies all leading rows as one matrix,
	/// on every thread of the pool.
	pub(super) fn forward(&self, x: &Tensor) -> candle::Result<Tensor> {
		let (width, out) = match self {
			Self::Dense(t) => t.dims2()?,
			Self::Bf16 { packed, .. } => (packed.inputs(), packed.outputs()),
			Self::Quantized(q) => return q.forward(x),
		};
		let mut dims = x.dims().to_vec();
		let rows = x.elem_count().checked_div(width).unwrap_or(0);
		let x = x.reshape((rows, width))?;
		// Inference writes the product once (`crate::matmul`); training keeps candle's differentiable matmul.
		let y = match self {
			Self::Dense(t) if x.track_op() => x.matmul(t)?,
			Self::Dense(t) => projection(&x, t, Threads::Pool)?,
			Self::Bf16 { packed, unpacked, .. } if x.track_op() => {
				let weight = match unpacked.get() {
					Some(w) => w.clone(),
					None => {
						let w = Tensor::from_vec(packed.unpack(), (width, out), x.device())?;
						unpacked.get_or_init(|| w).clone()
					},
				};
				round_to_bf16(&x)?.matmul(&weight)?
			},
			Self::Bf16 { packed, kernel, .. } => {
				x.contiguous()?.apply_op1_no_bwd(&Bf16Projection(packed.clone(), Threads::Pool, *kernel))?
			},
			Self::Quantized(q) => q.forward(&x)?,
		};
		if let Some(last) = dims.last_mut() {
			*last = out;
		}
		y.reshape(dims)
	}

	/// Makes a dense weight multiply in bf16 on `kernel` (rounding and packing it); a quantised weight is left as
	/// it is. Returns whether the weight multiplies in bf16.
	pub(super) fn use_bf16(&mut self, kernel: Bf16Kernel) -> candle::Result<bool> {
		let (packed, unpacked) = match self {
			Self::Dense(t) => {
				let (inputs, outputs) = t.dims2()?;
				let packed = PackedBf16::pack(&t.flatten_all()?.to_vec1::<f32>()?, inputs, outputs)?;
				(Arc::new(packed), Arc::new(OnceLock::new()))
			},
			Self::Bf16 { packed, unpacked, .. } => (packed.clone(), unpacked.clone()),
			Self::Quantized(_) => return Ok(false),
		};
		*self = Self::Bf16 { packed, kernel, unpacked };
		Ok(true)
	}
}

/// `x · W` in bf16 ([`PackedBf16`]) on a kernel.
struct Bf16Projection(Arc<PackedBf16>, Threads, Bf16Kernel);

impl CustomOp1 for Bf16Projection {
	fn name(&self) -> &'static str {
		"bf16-projection"
	}

	fn cpu_fwd(&self, x: &CpuStorage, layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let (rows, inputs) = layout.shape().dims2()?;
		if inputs != self.0.inputs() {
			candle::bail!("bf16 projection: {rows}×{inputs} input for {} inputs", self.0.inputs());
		}
		let x = crate::simd::contiguous(x, layout, "bf16 projection")?;
		let y = self.0.product(x, rows, self.1, self.2)?;
		Ok((CpuStorage::F32(y), Shape::from_dims(&[rows, self.0.outputs()])))
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
	fn only_a_dense_weight_multiplies_in_bf16_and_both_kernels_round_its_operands() {
		let device = Device::Cpu;
		let w = Tensor::new(&[[1.0f32 + f32::EPSILON, 2.0], [3.0, 4.0]], &device).unwrap();
		// 1 + 2⁻⁹ rounds to 1 in bf16: the product sees 1 · 1 + 0 · 2.
		let x = Tensor::new(&[[1.0f32 + f32::powi(2.0, -9), 0.0], [0.0, 1.0]], &device).unwrap();
		for kernel in [Bf16Kernel::Widest, Bf16Kernel::Portable] {
			let mut dense = BaseWeight::dense(&w).unwrap();
			assert!(dense.use_bf16(kernel).unwrap());
			assert_eq!(dense.forward(&x).unwrap().to_vec2::<f32>().unwrap(), vec![vec![1.0, 3.0], vec![2.0, 4.0]]);
			// Training reads the rounded weight through candle's matmul: the same products here.
			let tracked = candle::Var::from_tensor(&x).unwrap();
			assert_eq!(dense.forward(tracked.as_tensor()).unwrap().to_vec2::<f32>().unwrap(), vec![vec![1.0, 3.0], vec![2.0, 4.0]]);
			assert!(dense.use_bf16(Bf16Kernel::Portable).unwrap(), "a bf16 weight can change its kernel");
			assert!(matches!(&dense, BaseWeight::Bf16 { kernel: Bf16Kernel::Portable, .. }));
		}
		let quantized = candle::quantized::QTensor::quantize(
			&Tensor::zeros((2, 32), candle::DType::F32, &device).unwrap(),
			candle::quantized::GgmlDType::Q8_0,
		)
		.unwrap();
		let mut quantized = BaseWeight::Quantized(QMatMul::from_qtensor(quantized).unwrap());
		assert!(!quantized.use_bf16(Bf16Kernel::Widest).unwrap());
		assert!(!quantized.is_dense());
	}

	/// The f32 kernel rounds with candle's conversion, the native one with the protocol's rule: the same bits.
	#[test]
	fn candles_bf16_conversion_is_the_protocols_rounding() {
		let mut state = 0x9e37_79b9_u32;
		let mut values: Vec<f32> = (0..200_000)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 17;
				state ^= state << 5;
				f32::from_bits(state)
			})
			.filter(|v| !v.is_nan())
			.collect();
		values.extend([0.0, -0.0, f32::MAX, f32::MIN, f32::INFINITY, 1.0 + f32::powi(2.0, -8), f32::from_bits(1)]);
		let ours = round_to_bf16(&Tensor::new(values.as_slice(), &Device::Cpu).unwrap()).unwrap().to_vec1::<f32>().unwrap();
		for (v, r) in values.iter().zip(ours) {
			assert_eq!(r.to_bits(), openledger_primitives::attribution::round_to_bf16(*v).to_bits(), "{v:e}");
		}
	}

	/// Both kernels at SmolLM2's shapes, through the projection op: the same bits.
	#[test]
	fn the_native_and_portable_kernels_compute_the_same_bits_at_smollm2s_shapes() {
		if !crate::matmul::bf16::native_available() {
			eprintln!("skipped: this CPU has no AVX512-BF16");
			return;
		}
		let device = Device::Cpu;
		for (out, width) in [(576, 576), (192, 576), (1536, 576), (576, 1536)] {
			let w = Tensor::randn(0f32, 1.0, (out, width), &device).unwrap();
			let (mut native, mut portable) = (BaseWeight::dense(&w).unwrap(), BaseWeight::dense(&w).unwrap());
			native.use_bf16(Bf16Kernel::Widest).unwrap();
			portable.use_bf16(Bf16Kernel::Portable).unwrap();
			for rows in [1, 37, 300] {
				let x = Tensor::randn(0f32, 1.0, (1, rows, width), &device).unwrap();
				let (a, b) = (native.forward(&x).unwrap(), portable.forward(&x).unwrap());
				assert_eq!(bits(&a), bits(&b), "{rows} rows through ({out}, {width})");
			}
		}
	}
}
