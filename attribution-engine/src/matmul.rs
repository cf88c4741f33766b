//! Matrix products on gemm (the crate candle's CPU matmul runs on), called directly where candle's matmul costs
//! more than the product: strided operands read in place (the encoder's attention), outputs that need no zero
//! fill (both models' projections), and score blocks of the exact index.

pub mod bf16;

use crate::simd::contiguous;
use candle::{CpuStorage, CustomOp2, Layout, Shape, Tensor};

/// The threads one product may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threads {
	/// The calling thread only: the caller runs products side by side.
	One,
	/// Every thread of rayon's pool, as candle's matmul does: one large product at a time.
	Pool,
}

/// `dst (m × n, row stride dst_rs) = lhs (m × k) · rhs (k × n)` on gemm, on `threads`. gemm computes each output
/// tile on one thread in the same order whatever their number, so the result does not depend on it.
///
/// # Safety
/// Every element each matrix's strides reach must lie in its buffer, and `dst` must overlap neither input.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn product(
	threads: Threads,
	m: usize,
	n: usize,
	k: usize,
	dst: *mut f32,
	dst_rs: usize,
	lhs: *const f32,
	lhs_rs: usize,
	lhs_cs: usize,
	rhs: *const f32,
	rhs_rs: usize,
	rhs_cs: usize,
) {
	let stride = |s: usize| isize::try_from(s).unwrap_or(isize::MAX);
	let parallelism = match (threads, rayon::current_num_threads()) {
		(Threads::Pool, n @ 2..) => gemm::Parallelism::Rayon(n),
		_ => gemm::Parallelism::None,
	};
	// SAFETY: the caller's contract.
	unsafe {
		gemm::gemm(
			m,
			n,
			k,
			dst,
			1,
			stride(dst_rs),
			false,
			lhs,
			stride(lhs_cs),
			stride(lhs_rs),
			rhs,
			stride(rhs_cs),
			stride(rhs_rs),
			0.0,
			1.0,
			false,
			false,
			false,
			parallelism,
		);
	}
}

/// `x · weight` for `x` of `(rows, in)` and `weight` of `(in, out)`: a projection whose weight is stored
/// transposed (the layout gemm packs by whole vectors; `generate::llama::weight` says why). gemm writes the
/// output once, where candle's matmul fills it with zeros first.
struct Projection(Threads);

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
		// weight is inputs × outputs with row stride outputs; the lengths are checked above and the buffers do
		// not overlap. gemm writes every element of the product (it does not read dst), so all `len` elements
		// are initialised before the length is set.
		unsafe {
			product(
				self.0,
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

/// `x · weight` (f32, CPU, no gradient) on `threads`: `x` of `(rows, in)`, `weight` of `(in, out)`.
pub(crate) fn projection(x: &Tensor, weight: &Tensor, threads: Threads) -> candle::Result<Tensor> {
	x.contiguous()?.apply_op2_no_bwd(&weight.contiguous()?, &Projection(threads))
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	#[test]
	fn projection_is_candles_matmul_by_the_weight_on_any_threads_and_shapes_are_checked() {
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
		// Every product stays alive until all are compared: one that left part of its output unwritten cannot be
		// handed another's freed buffer holding the right values.
		let theirs = x.matmul(&w).unwrap();
		let ours = [Threads::One, Threads::Pool].map(|threads| projection(&x, &w, threads).unwrap());
		let expected = theirs.to_vec2::<f32>().unwrap();
		for ours in &ours {
			for (a, b) in ours.to_vec2::<f32>().unwrap().iter().flatten().zip(expected.iter().flatten()) {
				assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} against {b}");
			}
		}
		assert!(projection(&x, &w.narrow(0, 0, 18).unwrap(), Threads::One).is_err());
		assert!(projection(&x.reshape((7, 19, 1)).unwrap(), &w, Threads::One).is_err());
	}
}
