//! Rank correlation, a paired test and bootstrap intervals: small, exact and seeded.

use crate::rng::SplitMix64;

/// Ranks from 1, ties sharing their average rank.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
	let mut order: Vec<usize> = (0..values.len()).collect();
	order.sort_by(|&a, &b| values.get(a).unwrap_or(&0.0).total_cmp(values.get(b).unwrap_or(&0.0)));
	let mut ranks = vec![0.0; values.len()];
	let mut i = 0;
	while i < order.len() {
		let value = order.get(i).and_then(|&o| values.get(o)).copied().unwrap_or(0.0);
		let mut j = i;
		while order.get(j.saturating_add(1)).and_then(|&o| values.get(o)).is_some_and(|v| *v == value) {
			j = j.saturating_add(1);
		}
		// Positions i..=j (0-based) share rank (i + j)/2 + 1.
		#[allow(clippy::cast_precision_loss)]
		let rank = (i.saturating_add(j)) as f64 / 2.0 + 1.0;
		for o in order.get(i..=j).unwrap_or_default() {
			if let Some(r) = ranks.get_mut(*o) {
				*r = rank;
			}
		}
		i = j.saturating_add(1);
	}
	ranks
}

/// Pearson correlation; NaN when either side is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
	let n = a.len().min(b.len());
	if n < 2 {
		return f64::NAN;
	}
	#[allow(clippy::cast_precision_loss)]
	let nf = n as f64;
	let (ma, mb) = (a.iter().take(n).sum::<f64>() / nf, b.iter().take(n).sum::<f64>() / nf);
	let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
	for (x, y) in a.iter().zip(b) {
		let (dx, dy) = (x - ma, y - mb);
		sab += dx * dy;
		saa += dx * dx;
		sbb += dy * dy;
	}
	if saa == 0.0 || sbb == 0.0 {
		return f64::NAN;
	}
	sab / (saa * sbb).sqrt()
}

/// Spearman's rank correlation (Pearson on average ranks); NaN when either side is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
	pearson(&average_ranks(a), &average_ranks(b))
}

/// Standard normal upper tail `P(Z > z)`, by the complementary error function (Numerical Recipes' `erfc`
/// Chebyshev fit, relative error < 1.2·10⁻⁷).
pub fn normal_upper_tail(z: f64) -> f64 {
	let x = z / std::f64::consts::SQRT_2;
	let t = 1.0 / (1.0 + 0.5 * x.abs());
	let poly = -x * x - 1.265_512_23
		+ t * (1.000_023_68
			+ t * (0.374_091_96
				+ t * (0.096_784_18
					+ t * (-0.186_288_06
						+ t * (0.278_868_07
							+ t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
	let erfc = t * poly.exp();
	let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
	erfc / 2.0
}

/// Wilcoxon's signed-rank test of paired differences (zeros dropped, ties at average ranks, normal
/// approximation with the tie correction): the one-sided p-value that the differences tend to be positive.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SignedRank {
	/// Non-zero differences.
	pub n: usize,
	/// Sum of the ranks of the positive differences.
	pub w_plus: f64,
	pub z: f64,
	/// One-sided: `P(W⁺ ≥ observed)` under the null of symmetry about 0.
	pub p_greater: f64,
}

pub fn wilcoxon_signed_rank(differences: &[f64]) -> SignedRank {
	let nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0 && d.is_finite()).collect();
	let n = nonzero.len();
	let ranks = average_ranks(&nonzero.iter().map(|d| d.abs()).collect::<Vec<_>>());
	let w_plus: f64 = nonzero.iter().zip(&ranks).filter(|(d, _)| **d > 0.0).map(|(_, r)| r).sum();
	#[allow(clippy::cast_precision_loss)]
	let nf = n as f64;
	let mean = nf * (nf + 1.0) / 4.0;
	// Tie correction: Σ (t³ − t) / 48 over groups of tied |d|.
	let mut sorted = ranks.clone();
	sorted.sort_by(f64::total_cmp);
	let mut tie = 0.0;
	let mut i = 0;
	while i < sorted.len() {
		let mut j = i;
		while sorted.get(j.saturating_add(1)).is_some_and(|r| Some(r) == sorted.get(i)) {
			j = j.saturating_add(1);
		}
		#[allow(clippy::cast_precision_loss)]
		let t = (j.saturating_sub(i).saturating_add(1)) as f64;
		tie += (t * t * t - t) / 48.0;
		i = j.saturating_add(1);
	}
	let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie;
	if n == 0 || variance <= 0.0 {
		return SignedRank { n, w_plus, z: 0.0, p_greater: 1.0 };
	}
	// Continuity correction of ½ towards the mean.
	let z = (w_plus - mean - 0.5 * (w_plus - mean).signum()) / variance.sqrt();
	SignedRank { n, w_plus, z, p_greater: normal_upper_tail(z) }
}

/// Area under the ROC curve of `scores` for telling the `positive` items from the others (the Mann–Whitney
/// statistic, ties counted half); NaN without both kinds.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> f64 {
	let ranks = average_ranks(scores);
	let (mut rank_sum, mut p) = (0.0, 0usize);
	for (r, is) in ranks.iter().zip(positive) {
		if *is {
			rank_sum += r;
			p = p.saturating_add(1);
		}
	}
	let q = scores.len().min(positive.len()).saturating_sub(p);
	if p == 0 || q == 0 {
		return f64::NAN;
	}
	#[allow(clippy::cast_precision_loss)]
	let (p, q) = (p as f64, q as f64);
	(rank_sum - p * (p + 1.0) / 2.0) / (p * q)
}

/// The share of the `k` highest `scores` that are `positive` (ties broken by index).
pub fn recall_at(scores: &[f64], positive: &[bool], k: usize) -> f64 {
	let mut order: Vec<usize> = (0..scores.len()).collect();
	order.sort_by(|&a, &b| scores.get(b).unwrap_or(&0.0).total_cmp(scores.get(a).unwrap_or(&0.0)).then(a.cmp(&b)));
	let hits = order.iter().take(k).filter(|&&i| positive.get(i).copied().unwrap_or(false)).count();
	#[allow(clippy::cast_precision_loss)]
	let share = hits as f64 / k.max(1) as f64;
	share
}

/// A mean with its 95 % percentile-bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
	pub mean: f64,
	pub lo: f64,
	pub hi: f64,
	pub n: usize,
}

/// The mean of the finite `values` and a 95 % bootstrap interval (`reps` resamples, seeded).
pub fn bootstrap_mean(values: &[f64], reps: usize, seed: u64) -> Estimate {
	let xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
	let n = xs.len();
	if n == 0 {
		return Estimate { mean: f64::NAN, lo: f64::NAN, hi: f64::NAN, n };
	}
	#[allow(clippy::cast_precision_loss)]
	let mean_of = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / n as f64;
	let mean = mean_of(&mut xs.iter().copied());
	let mut rng = SplitMix64(seed);
	let mut means: Vec<f64> =
		(0..reps.max(1)).map(|_| mean_of(&mut (0..n).map(|_| xs.get(rng.below(n)).copied().unwrap_or(0.0)))).collect();
	means.sort_by(f64::total_cmp);
	let at = |q: f64| {
		#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
		let i = ((means.len() as f64 - 1.0) * q).round() as usize;
		means.get(i).copied().unwrap_or(f64::NAN)
	};
	Estimate { mean, lo: at(0.025), hi: at(0.975), n }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
	use super::*;

	#[test]
	fn auc_counts_pairs_in_order_and_ties_as_half() {
		assert_eq!(roc_auc(&[0.9, 0.8, 0.1, 0.2], &[true, true, false, false]), 1.0);
		assert_eq!(roc_auc(&[0.1, 0.2, 0.9, 0.8], &[true, true, false, false]), 0.0);
		assert_eq!(roc_auc(&[0.5, 0.5], &[true, false]), 0.5);
		// One of the four positive–negative pairs out of order: 3/4.
		assert_eq!(roc_auc(&[0.9, 0.3, 0.4, 0.1], &[true, true, false, false]), 0.75);
		assert!(roc_auc(&[0.1], &[true]).is_nan());
		assert_eq!(recall_at(&[0.9, 0.3, 0.4, 0.1], &[true, true, false, false], 2), 0.5);
	}

	#[test]
	fn ranks_share_ties() {
		assert_eq!(average_ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
	}

	#[test]
	fn spearman_known_answers() {
		assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 400.0]) - 1.0).abs() < 1e-12);
		assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
		// scipy.stats.spearmanr([1,2,3,4,5],[2,1,4,3,5]) = 0.8
		assert!((spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 1.0, 4.0, 3.0, 5.0]) - 0.8).abs() < 1e-12);
		assert!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
	}

	#[test]
	fn normal_tail_known_answers() {
		assert!((normal_upper_tail(0.0) - 0.5).abs() < 1e-7);
		assert!((normal_upper_tail(1.959_964) - 0.025).abs() < 1e-6);
		assert!((normal_upper_tail(-2.326_348) - 0.99).abs() < 1e-6);
	}

	#[test]
	fn wilcoxon_known_answer() {
		// scipy 1.x: wilcoxon(d, alternative='greater', correction=True, method='approx') on these 10
		// differences gives statistic 48.0, p = 0.020745543693865786.
		let d = [1.5, 2.0, -0.5, 3.0, 0.8, 1.1, -1.2, 2.2, 0.3, 1.9];
		let r = wilcoxon_signed_rank(&d);
		assert_eq!((r.n, r.w_plus), (10, 48.0));
		assert!((r.p_greater - 0.020_745_543_693_865_786).abs() < 1e-6, "{r:?}");
		// No signal: symmetric differences.
		let r = wilcoxon_signed_rank(&[1.0, -1.0, 2.0, -2.0]);
		assert!(r.p_greater > 0.4);
		assert_eq!(wilcoxon_signed_rank(&[0.0, 0.0]).p_greater, 1.0);
	}

	#[test]
	fn bootstrap_interval_holds_the_mean() {
		let xs: Vec<f64> = (0..100).map(f64::from).collect();
		let e = bootstrap_mean(&xs, 1000, 1);
		assert!((e.mean - 49.5).abs() < 1e-12);
		assert!(e.lo < 49.5 && e.hi > 49.5 && e.hi - e.lo < 20.0, "{e:?}");
		assert_eq!(bootstrap_mean(&xs, 1000, 1), e, "seeded");
	}
}
