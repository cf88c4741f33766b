//! The encoder's projections on gemm directly ([`crate::matmul::product`]): candle fills every product with
//! zeros that gemm then overwrites; here gemm writes the output once. Weights come transposed, `(in, out)`:
//! gemm packs the weight for every product, and from that layout it copies whole vectors instead of gathering
//! each element (as for the decoder's weights, `generate::llama::weight`).

use crate::{matmul::product, simd::contiguous};
use candle::{CpuStorage, CustomOp2, Layout, Shape, Tensor};

/// `x · weight` for `x` of `(rows, in)` and `weight` of `(in, out)` (the stored `(out, in)` transposed): a
/// projection without its bias.
struct Projection;

impl CustomOp2 for Projection {
	fn name(&self) -> &'static str {
		"projection"
	}

	fn cpu_fwd(
		&self,
		x: &CpuStorage,
		x_layout: &Layout,
		weight: &CpuStorage,
		weight_layout: &Layout,
	) -> candle::Result<(CpuStorage, Shape)> {
		let (rows, inputs) = x_layout.shape().dims2()?;
		let (weight_inputs, outputs) = weight_layout.shape().dims2()?;
		if inputs == 0 || inputs != weight_inputs {
			candle::bail!("projection: {rows}×{inputs} input for a {weight_inputs}×{outputs} weight");
		}
		let (x, weight) = (contiguous(x, x_layout, "projection")?, contiguous(weight, weight_layout, "projection")?);
		let len = rows.saturating_mul(outputs);
		if x.len() != rows.saturating_mul(inputs) || weight.len() != outputs.saturating_mul(inputs) {
			candle::bail!("projection: buffers of {} and {} elements", x.len(), weight.len());
		}
		let mut out: Vec<f32> = Vec::with_capacity(len);
		// SAFETY: out has room for rows × outputs (row stride outputs); x is rows × inputs (row stride inputs);
		// weight is inputs × outputs with row stride outputs; the lengths are checked above
		// and the buffers do not overlap. gemm writes every element of the product (it does not read dst), so
		// all `len` elements are initialised before the length is set.
		unsafe {
			product(
				rows,
				outputs,
				inputs,
				out.as_mut_ptr(),
				outputs,
				x.as_ptr(),
				inputs,
				1,
				weight.as_ptr(),
				outputs,
				1,
			);
			out.set_len(len);
		}
		Ok((CpuStorage::F32(out), Shape::from_dims(&[rows, outputs])))
	}
}

/// `x · weight` (f32, CPU, no gradient): `x` of `(rows, in)`, `weight` of `(in, out)`.
pub(super) fn projection(x: &Tensor, weight: &Tensor) -> candle::Result<Tensor> {
	x.contiguous()?.apply_op2_no_bwd(&weight.contiguous()?, &Projection)
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	#[test]
	fn projection_is_candles_matmul_by_the_weight_and_shapes_are_checked() {
		let dev = Device::Cpu;
		let x = Tensor::from_vec(
			(0..7 * 19).map(|i| ((i * 31) % 17) as f32 / 4.0 - 2.0).collect::<Vec<_>>(),
			(7, 19),
			&dev,
		)
		.unwrap();
		let w = Tensor::from_vec(
			(0..5 * 19).map(|i| ((i * 13) % 11) as f32 / 3.0 - 1.5).collect::<Vec<_>>(),
			(5, 19),
			&dev,
		)
		.unwrap();
		let w = w.t().unwrap().contiguous().unwrap();
		let ours = projection(&x, &w).unwrap().to_vec2::<f32>().unwrap();
		let theirs = x.matmul(&w).unwrap().to_vec2::<f32>().unwrap();
		for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
			assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} against {b}");
		}
		assert!(projection(&x, &w.narrow(0, 0, 18).unwrap()).is_err());
		assert!(projection(&x.reshape((7, 19, 1)).unwrap(), &w).is_err());
	}
}
