//! The ContextCite surrogate (Cohen-Wang et al., 2024) as a method to compare the product's choice with: `n`
//! random ablations, each source kept with probability ½, and a sparse linear model fitted to the answer's
//! log-probability under them. As in the reference implementation (`context_cite/solver.py`): the masks are
//! standardised, the target is divided by the answer's token count, LASSO with α = 0.01 and an intercept, and
//! the coefficients are mapped back to the unstandardised masks and multiplied by the token count. The
//! reference regresses the summed token logits `log(p/(1−p))`; here the target is the summed token
//! log-probabilities, the same quantity every other method and measure of this module uses.

use crate::{generate::SubsetScores, rng::SplitMix64};

/// LASSO penalty of the reference implementation.
pub const CONTEXTCITE_ALPHA: f64 = 0.01;

/// `n` masks over `sources`, each source kept with probability ½ (seeded).
pub fn random_masks(sources: usize, n: usize, seed: u64) -> Vec<usize> {
	let mut rng = SplitMix64(seed);
	(0..n)
		.map(|_| (0..sources).fold(0usize, |m, i| if rng.next() >> 63 == 1 { m | (1usize << i) } else { m }))
		.collect()
}

/// Fits the surrogate on the `masks` rows of `table`; returns one weight per source (0 for a source that
/// never varied in the sample).
pub fn fit(table: &SubsetScores, masks: &[usize], answer_tokens: usize, alpha: f64) -> Vec<f64> {
	let k = table.contexts;
	let tokens = answer_tokens.max(1) as f64;
	#[allow(clippy::cast_precision_loss)]
	let n = masks.len().max(1) as f64;
	let y: Vec<f64> = masks.iter().map(|m| table.get(*m) / tokens).collect();
	// Standardised columns (population standard deviation, as StandardScaler).
	let column =
		|i: usize| -> Vec<f64> { masks.iter().map(|m| if m & (1usize << i) != 0 { 1.0 } else { 0.0 }).collect() };
	let mut cols = Vec::with_capacity(k);
	let mut scale = Vec::with_capacity(k);
	for i in 0..k {
		let c = column(i);
		let mean = c.iter().sum::<f64>() / n;
		let sd = (c.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
		scale.push(sd);
		cols.push(if sd > 0.0 { c.iter().map(|x| (x - mean) / sd).collect() } else { vec![0.0; c.len()] });
	}
	let coef = lasso(&cols, &y, alpha);
	coef.iter().zip(&scale).map(|(w, s)| if *s > 0.0 { w / s * tokens } else { 0.0 }).collect()
}

/// Coordinate-descent LASSO with an unpenalised intercept, minimising `‖y − b − Xw‖² / 2n + α‖w‖₁`, on
/// centred columns (`cols[j]` is column j), as scikit-learn's `Lasso`. Cyclic order, until the largest
/// coefficient change is below 10⁻¹⁰ or 10 000 sweeps.
pub fn lasso(cols: &[Vec<f64>], y: &[f64], alpha: f64) -> Vec<f64> {
	#[allow(clippy::cast_precision_loss)]
	let n = y.len().max(1) as f64;
	let mean_y = y.iter().sum::<f64>() / n;
	let mut residual: Vec<f64> = y.iter().map(|v| v - mean_y).collect();
	let mut w = vec![0.0; cols.len()];
	let norms: Vec<f64> = cols.iter().map(|c| c.iter().map(|x| x * x).sum::<f64>() / n).collect();
	for _ in 0..10_000 {
		let mut largest = 0.0f64;
		for (j, col) in cols.iter().enumerate() {
			let (Some(&norm), Some(&old)) = (norms.get(j), w.get(j)) else { continue };
			if norm == 0.0 {
				continue;
			}
			// ρ = x_jᵀ(r + x_j w_j) / n
			let rho = col.iter().zip(&residual).map(|(x, r)| x * (r + x * old)).sum::<f64>() / n;
			let new = soft_threshold(rho, alpha) / norm;
			if new != old {
				for (r, x) in residual.iter_mut().zip(col) {
					*r -= x * (new - old);
				}
				if let Some(slot) = w.get_mut(j) {
					*slot = new;
				}
				largest = largest.max((new - old).abs());
			}
		}
		if largest < 1e-10 {
			break;
		}
	}
	w
}

fn soft_threshold(x: f64, t: f64) -> f64 {
	if x > t {
		x - t
	} else if x < -t {
		x + t
	} else {
		0.0
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
	use super::*;

	#[test]
	fn recovers_an_additive_model_and_zeroes_what_does_not_matter() {
		let w = [2.0, 0.0, -1.0, 0.5, 0.0, 3.0];
		let logp = (0..64usize)
			.map(|m| w.iter().enumerate().filter(|(i, _)| m & (1 << i) != 0).map(|(_, x)| x).sum::<f64>() - 20.0)
			.collect();
		let table = SubsetScores { contexts: 6, logp, tokens_fed: 0 };
		let masks = random_masks(6, 64, 3);
		assert!(masks.iter().all(|m| *m < 64));
		let fitted = fit(&table, &masks, 10, CONTEXTCITE_ALPHA);
		for (f, t) in fitted.iter().zip(&w) {
			// The L1 penalty shrinks each weight by about α·tokens/sd ≈ 0.2.
			assert!((f - t).abs() < 0.3, "{fitted:?}");
		}
		assert_eq!(fitted[1], 0.0);
		assert_eq!(fitted[4], 0.0);
		assert_eq!(fit(&table, &masks, 10, CONTEXTCITE_ALPHA), fitted, "deterministic");
	}

	#[test]
	fn lasso_matches_scikit_learn() {
		// scikit-learn 1.x on X = [[1,0],[0,1],[1,1],[0,0],[1,0]], y = [1, 2, 3.5, 0, 1.2]:
		// LinearRegression().coef_ = [1.27142857, 2.22857143], Lasso(alpha=0.1).coef_ = [0.7714284, 1.7285714].
		let x = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]];
		let y = [1.0, 2.0, 3.5, 0.0, 1.2];
		let mean = |j: usize| x.iter().map(|r| r[j]).sum::<f64>() / 5.0;
		let cols: Vec<Vec<f64>> = (0..2).map(|j| x.iter().map(|r| r[j] - mean(j)).collect()).collect();
		let ols = lasso(&cols, &y, 0.0);
		assert!((ols[0] - 1.271_428_57).abs() < 1e-6 && (ols[1] - 2.228_571_43).abs() < 1e-6, "{ols:?}");
		let fitted = lasso(&cols, &y, 0.1);
		assert!((fitted[0] - 0.771_428_4).abs() < 1e-5 && (fitted[1] - 1.728_571_4).abs() < 1e-5, "{fitted:?}");
		assert_eq!(lasso(&cols, &y, 10.0), vec![0.0, 0.0]);
	}
}
