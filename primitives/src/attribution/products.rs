//! The arithmetic of the products behind an attribution. Committee members recompute an answer's attribution
//! and the chain compares their vectors within a tolerance, so every honest worker must multiply the same way:
//! measured on the shipped model, bf16-rounded products move a vector by up to 292 bps of the 500 bps
//! tolerance against f32 ones (docs/BENCHMARKS.md), while two kernels of one arithmetic agree to a few bps.

/// How the generator multiplies over a prompt: its projections, its logits, and attention's scores and weighted
/// values. (Decoding steps, which only generate the answer, are not part of an attribution.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductArithmetic {
	/// f32 operands, f32 sums.
	F32,
	/// Every output `y = Σᵢ xᵢ·wᵢ` exactly as AVX512-BF16's `vdpbf16ps` computes it with one accumulator:
	/// both operands rounded to bf16 with subnormals taken as zero ([`bf16_operand`]), then, starting from +0,
	/// for each pair of inputs `(2p, 2p+1)` in order, [`bf16_pair_step`]. Every kernel that follows it computes
	/// the same bits: a sum order of the kernel's own would not do, because operands rounded to bf16 turn the
	/// last bit of an f32 into a whole bf16 step, and vectors then moved 262 bps apart (docs/BENCHMARKS.md).
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

/// An operand of a bf16 product: `x` rounded to bf16 ([`bf16_bits`]), a subnormal result taken as (signed)
/// zero, as `vdpbf16ps` reads its inputs.
#[inline]
pub fn bf16_operand(x: f32) -> u16 {
	let bits = bf16_bits(x);
	if bits & 0x7f80 == 0 { bits & 0x8000 } else { bits }
}

/// One step of a bf16 product: `acc + x_hi·w_hi`, then `+ x_lo·w_lo`, each a fused multiply-add rounded to
/// nearest f32 with a subnormal result flushed to (signed) zero. `x` and `w` hold two [`bf16_operand`]s each,
/// input `2p` in the low half and `2p+1` in the high half — the order Intel's pseudocode of `vdpbf16ps` gives,
/// which the hardware was measured to follow bit for bit (`attribution-engine`'s tests).
#[inline]
pub fn bf16_pair_step(acc: f32, x: u32, w: u32) -> f32 {
	let high = |v: u32| f32::from_bits(v & 0xffff_0000);
	let low = |v: u32| f32::from_bits(v.wrapping_shl(16));
	let acc = flush_subnormal(fused_multiply_add(high(x), high(w), acc));
	flush_subnormal(fused_multiply_add(low(x), low(w), acc))
}

/// `a·b + c` rounded once. The product of two bf16 values is exact in f32 unless it leaves f32's exponent range,
/// so the f64 sum below rounds once except in that case (the result is then infinite or flushed either way).
#[inline]
fn fused_multiply_add(a: f32, b: f32, c: f32) -> f32 {
	let product = f64::from(a) * f64::from(b);
	// A product of two f32 with 8-bit significands has at most 16 significant bits: exact in f64, and the sum of
	// it and an f32 is exact in f64 unless their exponents lie over 29 bits apart — then the smaller is below
	// half an f32 ulp of the larger and the single rounding to f32 below is still correct.
	(product + f64::from(c)) as f32
}

#[inline]
fn flush_subnormal(v: f32) -> f32 {
	if v.is_subnormal() { 0.0f32.copysign(v) } else { v }
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
	fn an_operand_takes_subnormals_as_zero_and_a_step_adds_the_high_product_first() {
		assert_eq!(bf16_operand(f32::from_bits(0x0001_0000)), 0);
		assert_eq!(bf16_operand(-f32::from_bits(0x0001_0000)), 0x8000);
		assert_eq!(bf16_operand(f32::MIN_POSITIVE), 0x0080);
		assert_eq!(bf16_operand(1.5), 0x3fc0);
		let word = |lo: f32, hi: f32| u32::from(bf16_operand(lo)) | (u32::from(bf16_operand(hi)) << 16);
		assert_eq!(bf16_pair_step(1.0, word(2.0, 3.0), word(5.0, 7.0)), 1.0 + 21.0 + 10.0);
		// Order shows: 2²⁴ + 1 − 2²⁴ loses the 1 when the high product (2²⁴) comes first and keeps it when the
		// low one comes first. The high product first: (1 + 2²⁴) rounds to 2²⁴, then − 2²⁴ gives 0.
		let big = f32::powi(2.0, 24);
		assert_eq!(bf16_pair_step(1.0, word(-1.0, 1.0), word(big, big)), 0.0);
		// A subnormal result is flushed, keeping its sign.
		let tiny = f32::MIN_POSITIVE;
		assert_eq!(bf16_pair_step(0.0, word(0.0, tiny), word(0.0, 0.5)).to_bits(), 0);
		assert_eq!(bf16_pair_step(0.0, word(-tiny, -tiny), word(0.5, 0.5)).to_bits(), 0x8000_0000);
		// −0 + (+0) is +0 under rounding to nearest, as in any IEEE sum.
		assert_eq!(bf16_pair_step(0.0, word(0.0, -tiny), word(0.0, 0.5)).to_bits(), 0);
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
