//! Matrix products on gemm (the crate candle's CPU matmul runs on), called directly where candle's matmul costs
//! more than the product: strided operands read in place (the encoder's attention), outputs that need no zero
//! fill (its projections), and score blocks of the exact index.

/// `dst (m × n, row stride dst_rs) = lhs (m × k) · rhs (k × n)` on gemm, single-threaded (the caller's texts,
/// batches or blocks are the parallel unit).
///
/// # Safety
/// Every element each matrix's strides reach must lie in its buffer, and `dst` must overlap neither input.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn product(
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
			gemm::Parallelism::None,
		);
	}
}
