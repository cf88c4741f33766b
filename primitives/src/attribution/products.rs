//! The arithmetic of the products behind an attribution. Committee members recompute an answer's attribution
//! and the chain compares their vectors within a tolerance, so every honest worker must multiply the same way:
//! measured on the shipped model, bf16-rounded products move a vector by up to 292 bps of the 500 bps
//! tolerance against f32 ones (docs/BENCHMARKS.md), while two kernels of one arithmetic agree to a few bps.

/// How the generator's dense projections multiply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductArithmetic {
	/// f32 operands, f32 sums.
	F32,
	/// Both operands rounded to bf16 ([`bf16_bits`]), their products (exact in f32) summed in f32. The order of
	/// the sums is the kernel's own: AVX512-BF16's `vdpbf16ps`, or an f32 GEMM over the rounded operands on
	/// CPUs without it. Those differ by f32 rounding of the sums only.
	Bf16,
}

/// The arithmetic every worker computes an attribution with: bf16 operands halve the cost of the products
/// (twice the multiply-adds per instruction) and keep answer quality (docs/BENCHMARKS.md).
pub const ATTRIBUTION_PRODUCTS: ProductArithmetic = ProductArithmetic::Bf16;

/// `x` rounded to bf16 — to nearest, ties to even, as IEEE 754 and the `half` crate round — given as its 16
/// bits (the upper half of an f32's). A NaN stays a (quiet) NaN; infinities stay infinite.
#[inline]
pub fn bf16_bits(x: f32) -> u16 {
	let bits = x.to_bits();
	let upper = bits.wrapping_shr(16);
	// Adding 0x7fff, plus one when the kept half is odd, carries into it exactly when the dropped half is
	// above one half, or equal to it with an odd kept half. A finite x is at most 0xff7f_ffff, so no overflow.
	let rounded = bits.wrapping_add(0x7fff_u32.wrapping_add(upper & 1)).wrapping_shr(16);
	// Written as a select, not a branch, so loops over it vectorise.
	(if x.is_nan() { upper | 0x0040 } else { rounded }) as u16
}

/// The f32 a bf16 value stands for (exact).
#[inline]
pub fn bf16_to_f32(bits: u16) -> f32 {
	f32::from_bits(u32::from(bits).wrapping_shl(16))
}

/// `x` rounded to bf16, as an f32.
#[inline]
pub fn round_to_bf16(x: f32) -> f32 {
	bf16_to_f32(bf16_bits(x))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rounding_is_to_nearest_with_ties_to_even() {
		// 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: the even one (1) wins; 1 + 3·2⁻⁸ rounds up to 1 + 2⁻⁶.
		assert_eq!(round_to_bf16(1.0 + f32::powi(2.0, -8)), 1.0);
		assert_eq!(round_to_bf16(1.0 + 3.0 * f32::powi(2.0, -8)), 1.0 + f32::powi(2.0, -6));
		// Just above halfway rounds up; just below rounds down.
		assert_eq!(round_to_bf16(f32::from_bits(0x3f80_8001)), f32::from_bits(0x3f81_0000));
		assert_eq!(round_to_bf16(f32::from_bits(0x3f80_7fff)), 1.0);
		assert_eq!(round_to_bf16(-2.5), -2.5);
		assert_eq!(bf16_bits(f32::MAX), 0x7f80, "the largest finite f32 rounds to infinity");
		assert_eq!(round_to_bf16(f32::INFINITY), f32::INFINITY);
		assert_eq!(round_to_bf16(f32::NEG_INFINITY), f32::NEG_INFINITY);
		assert!(round_to_bf16(f32::NAN).is_nan());
		assert!(round_to_bf16(f32::from_bits(0x7fff_ffff)).is_nan(), "a NaN never carries into infinity");
		assert_eq!(round_to_bf16(0.0).to_bits(), 0);
		assert_eq!(round_to_bf16(-0.0).to_bits(), 0x8000_0000);
	}

	#[test]
	fn a_value_already_in_bf16_is_kept_and_the_error_is_at_most_half_an_ulp() {
		let mut state = 0x2545_f491_u32;
		for _ in 0..100_000 {
			state ^= state.wrapping_shl(13);
			state ^= state.wrapping_shr(17);
			state ^= state.wrapping_shl(5);
			let x = f32::from_bits(state);
			if !x.is_finite() || x.abs() > 1e38 || x.abs() < 1e-37 {
				continue;
			}
			let r = round_to_bf16(x);
			assert_eq!(round_to_bf16(r), r);
			let ulp = f32::from_bits((r.abs().to_bits() & 0x7f80_0000).wrapping_sub(7 << 23)).max(f32::MIN_POSITIVE);
			assert!(((x - r).abs() as f64) <= f64::from(ulp) / 2.0 * (1.0 + 1e-6), "{x} → {r}");
		}
	}
}
