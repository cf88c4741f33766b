//! SplitMix64: a small seeded generator, so training, sketches and benches are reproducible without a global
//! RNG. Its outputs are part of what the chain records (training seeds, CountSketch buckets): never change it.

/// The generator; its state is the `u64` it was seeded with, advanced by the golden-ratio increment per output.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
	/// The next 64 random bits.
	#[allow(clippy::should_implement_trait)]
	pub fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	/// Uniform in [0, 1).
	#[allow(clippy::cast_precision_loss)]
	pub fn unit(&mut self) -> f64 {
		(self.next() >> 11) as f64 / (1u64 << 53) as f64
	}

	/// Uniform in `0..n` (0 for `n` = 0).
	pub fn below(&mut self, n: usize) -> usize {
		usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
	}

	/// Fisher–Yates.
	pub fn shuffle<T>(&mut self, items: &mut [T]) {
		for i in (1..items.len()).rev() {
			let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
			items.swap(i, j);
		}
	}
}

/// A 64-bit hash of `z`: the first output of a generator seeded with `z`.
pub fn mix(z: u64) -> u64 {
	SplitMix64(z).next()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn outputs_are_the_reference_splitmix64() {
		// Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
		let mut rng = SplitMix64(0);
		assert_eq!([rng.next(), rng.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4]);
		assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
	}
}
