//! Retrieval credit: KNN-Shapley values of the retrieved chunks, in integer arithmetic.
//!
//! The utility of a set S of chunks for a query is the K-nearest-neighbour utility
//! `U(S) = (1/K) Σ_{j ∈ top-K(S)} u_j`, where `u_j` is chunk j's relevance (its cosine similarity, clipped at
//! 0, in millionths). Its Shapley values have a closed form (Jia et al., 2019, "Efficient task-specific data
//! valuation for nearest neighbor algorithms", Theorem 1), with the relevance in place of the label match:
//! with chunks sorted by decreasing similarity α₁ … α_N,
//! `s(α_N) = u(α_N) / N` and `s(α_i) = s(α_{i+1}) + (u(α_i) − u(α_{i+1})) / K · min(K, i) / i`.
//! Values are computed in fixed point (i128, 10⁻¹² units) with a fixed operation order, so every validator
//! gets the same integers from the same similarities.

/// Fixed-point scale of Shapley values.
pub const SCALE: i128 = 1_000_000_000_000;

/// Relevance of a similarity, in millionths, clipped to [0, 1].
pub fn relevance_micros(similarity: f32) -> i128 {
	#[allow(clippy::cast_possible_truncation)]
	let micros = (f64::from(similarity.clamp(0.0, 1.0)) * 1e6).round() as i128;
	micros
}

/// KNN-Shapley values (fixed point, `SCALE × micros`) of `relevances` given in decreasing-similarity order.
pub fn knn_shapley(relevances: &[i128], k: usize) -> Vec<i128> {
	let n = relevances.len();
	let mut values = vec![0i128; n];
	if n == 0 || k == 0 {
		return values;
	}
	let k = i128::try_from(k).unwrap_or(i128::MAX);
	let mut next = relevances.last().copied().unwrap_or(0).saturating_mul(SCALE) / i128::try_from(n).unwrap_or(1);
	if let Some(last) = values.last_mut() {
		*last = next;
	}
	for i in (0..n.saturating_sub(1)).rev() {
		let rank = i128::try_from(i.saturating_add(1)).unwrap_or(i128::MAX); // 1-based position α_i
		let diff = relevances
			.get(i)
			.copied()
			.unwrap_or(0)
			.saturating_sub(relevances.get(i.saturating_add(1)).copied().unwrap_or(0));
		let step = diff.saturating_mul(SCALE).saturating_mul(k.min(rank)) / k.saturating_mul(rank);
		next = next.saturating_add(step);
		if let Some(v) = values.get_mut(i) {
			*v = next;
		}
	}
	values
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Brute-force Shapley values of the KNN utility, by enumerating all subsets.
	fn brute(relevances: &[f64], k: usize) -> Vec<f64> {
		let n = relevances.len();
		let utility = |mask: u32| -> f64 {
			let mut members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
			members.sort(); // already in similarity order
			members.iter().take(k).map(|&i| relevances[i]).sum::<f64>() / k as f64
		};
		let fact = |m: usize| (1..=m).product::<usize>() as f64;
		(0..n)
			.map(|i| {
				let mut v = 0.0;
				for mask in 0..(1u32 << n) {
					if mask & (1 << i) != 0 {
						continue;
					}
					let s = mask.count_ones() as usize;
					let w = fact(s) * fact(n - s - 1) / fact(n);
					v += w * (utility(mask | (1 << i)) - utility(mask));
				}
				v
			})
			.collect()
	}

	#[test]
	fn closed_form_matches_subset_enumeration() {
		let rel = [0.91, 0.80, 0.80, 0.42, 0.30, 0.05, 0.0];
		for k in [1, 2, 3, 5] {
			let exact = brute(&rel, k);
			let ints: Vec<i128> = rel.iter().map(|&r| relevance_micros(r as f32)).collect();
			let fast = knn_shapley(&ints, k);
			for (e, f) in exact.iter().zip(&fast) {
				let f = *f as f64 / SCALE as f64 / 1e6;
				assert!((e - f).abs() < 1e-6, "k={k}: {e} vs {f}");
			}
		}
	}

	#[test]
	fn values_sum_to_the_utility_of_everything() {
		let rel: Vec<i128> = [900_000, 700_000, 650_000, 100_000].into();
		let v = knn_shapley(&rel, 2);
		let total: i128 = v.iter().sum();
		let utility = (900_000 + 700_000) * SCALE / 2;
		assert!((total - utility).abs() <= 4, "{total} vs {utility}");
	}
}
