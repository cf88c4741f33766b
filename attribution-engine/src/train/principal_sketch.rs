//! The principal cosine ([`super::principal`]) in the form a fine-tune could serve it, measured by `bench datainf`
//! and **not served** (docs/ATTRIBUTION.md, "Fine-tune influence": on the fine-tuned notes it credits the teaching
//! dataset no better than chance, where the served summed sketches do). Without the training gradients, what a
//! fine-tune would leave beside its adapter is
//! * the **preconditioner**: the training gradients' second moment, one float per LoRA parameter, and its ε
//!   (`damping` times the moment's mean) — step 1 of the principal cosine;
//! * the **mean** of the training examples' preconditioned unit gradients, CountSketched ([`Sketcher`]) — step 2;
//! * the top **principal directions** of the centred sketches, as many as the fine-tune has datasets — step 3,
//!   in the sketch's space (inner products of CountSketches estimate the gradients', so the directions are the
//!   gradients' own up to the sketch's noise);
//! * each **dataset's coordinates**: the mean of its examples' projections.
//!
//! An answer's gradient is preconditioned, scaled to unit length and sketched exactly as the training examples
//! were, centred on the training mean and projected; its credit for dataset `d` is the cosine of its coordinates
//! with `d`'s, negatives set to zero. A fine-tune of a single dataset owes every answer to it (credit 1): centred on
//! its own mean it would have no direction at all.

use super::influence::Sketcher;
use crate::error::{Result, WorkerError};
use nalgebra::DMatrix;
use std::collections::BTreeMap;

/// Step 1: the per-parameter scale `1 / √(moment + ε)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Preconditioner {
	/// Mean squared training gradient of every LoRA parameter, in the adapter's flattening order.
	pub moment: Vec<f32>,
	pub epsilon: f64,
}

/// The training gradients' second moment, one example at a time.
#[derive(Default)]
pub struct MomentAccumulator {
	sum: Vec<f64>,
	examples: usize,
}

impl MomentAccumulator {
	/// Adds one example's gradient (one flat vector per LoRA weight matrix).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] when its length differs from the examples' before.
	pub fn add(&mut self, blocks: &[Vec<f32>]) -> Result<()> {
		let len: usize = blocks.iter().map(Vec::len).sum();
		if self.examples == 0 {
			self.sum = vec![0.0; len];
		} else if len != self.sum.len() {
			return Err(WorkerError::InvalidInput(format!("a gradient of {len} parameters after ones of {}", self.sum.len())));
		}
		for (s, g) in self.sum.iter_mut().zip(blocks.iter().flatten()) {
			*s += f64::from(*g) * f64::from(*g);
		}
		self.examples = self.examples.saturating_add(1);
		Ok(())
	}

	/// The preconditioner of the examples added, ε = `damping` × the mean moment.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] with no examples or a damping that is not positive.
	pub fn finish(self, damping: f64) -> Result<Preconditioner> {
		if self.examples == 0 {
			return Err(WorkerError::InvalidInput("no training gradients to precondition by".into()));
		}
		if !(damping.is_finite() && damping > 0.0) {
			return Err(WorkerError::InvalidInput(format!("damping {damping} must be positive")));
		}
		#[allow(clippy::cast_precision_loss)]
		let n = self.examples as f64;
		#[allow(clippy::cast_possible_truncation)]
		let moment: Vec<f32> = self.sum.iter().map(|s| (s / n) as f32).collect();
		#[allow(clippy::cast_precision_loss)]
		let mean = moment.iter().map(|m| f64::from(*m)).sum::<f64>() / moment.len().max(1) as f64;
		let epsilon = damping * mean;
		Ok(Preconditioner { moment, epsilon: if epsilon > 0.0 { epsilon } else { f64::MIN_POSITIVE } })
	}
}

impl Preconditioner {
	/// Steps 1 and 2 for one gradient: preconditioned, scaled to unit length (a zero gradient stays zero) and
	/// sketched.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] when the gradient is not of the adapter the moment was taken on.
	pub fn sketch(&self, blocks: &[Vec<f32>], sketcher: &Sketcher) -> Result<Vec<f32>> {
		let len: usize = blocks.iter().map(Vec::len).sum();
		if len != self.moment.len() {
			return Err(WorkerError::InvalidInput(format!(
				"the influence file is for an adapter of {} parameters, this one has {len}",
				self.moment.len()
			)));
		}
		let scale: Vec<f64> = self.moment.iter().map(|m| 1.0 / (f64::from(*m) + self.epsilon).sqrt()).collect();
		let length = blocks.iter().flatten().zip(&scale).map(|(g, s)| (f64::from(*g) * s).powi(2)).sum::<f64>().sqrt();
		let length = if length > 0.0 { length } else { 1.0 };
		let mut sketch = vec![0f32; sketcher.dim];
		let (mut offset, mut scales) = (0usize, scale.as_slice());
		for block in blocks {
			let (here, rest) = scales.split_at(block.len().min(scales.len()));
			#[allow(clippy::cast_possible_truncation)]
			let values: Vec<f32> = block.iter().zip(here).map(|(g, s)| (f64::from(*g) * s / length) as f32).collect();
			sketcher.add(&values, offset, &mut sketch);
			offset = offset.saturating_add(block.len());
			scales = rest;
		}
		Ok(sketch)
	}
}

/// Everything a fine-tune would leave to credit its answers by the principal cosine.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalSketch {
	pub sketcher: Sketcher,
	pub preconditioner: Preconditioner,
	/// Mean preconditioned unit training sketch (`sketcher.dim`).
	pub mean: Vec<f32>,
	/// Orthonormal principal directions of the centred training sketches, largest variance first.
	pub directions: Vec<Vec<f32>>,
	/// Each dataset's mean coordinates on `directions`.
	pub datasets: BTreeMap<u64, Vec<f32>>,
}

impl PrincipalSketch {
	/// Steps 2–3 from the training examples' preconditioned sketches (`(dataset, sketch)`), keeping as many
	/// directions as there are datasets (the rank `bench datainf` fixed before measuring it).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] with no rows or rows of another width than the sketcher's.
	pub fn fit(sketcher: Sketcher, preconditioner: Preconditioner, rows: &[(u64, Vec<f32>)]) -> Result<Self> {
		let dim = sketcher.dim;
		if rows.is_empty() || rows.iter().any(|(_, r)| r.len() != dim) {
			return Err(WorkerError::InvalidInput(format!("principal directions need sketches of width {dim}")));
		}
		#[allow(clippy::cast_precision_loss)]
		let n = rows.len() as f64;
		let mut mean = vec![0f64; dim];
		for (_, row) in rows {
			mean.iter_mut().zip(row).for_each(|(m, x)| *m += f64::from(*x) / n);
		}
		let centred = DMatrix::from_fn(rows.len(), dim, |i, j| {
			rows.get(i).and_then(|(_, r)| r.get(j)).map_or(0.0, |x| f64::from(*x)) - mean.get(j).copied().unwrap_or(0.0)
		});
		let datasets: std::collections::BTreeSet<u64> = rows.iter().map(|(d, _)| *d).collect();
		let directions = principal_directions(&centred, datasets.len());
		let coordinates = |i: usize| -> Vec<f64> {
			directions.iter().map(|u| u.iter().zip(centred.row(i).iter()).map(|(a, b)| a * b).sum()).collect()
		};
		let mut sums: BTreeMap<u64, (Vec<f64>, f64)> = BTreeMap::new();
		for (i, (dataset, _)) in rows.iter().enumerate() {
			let (sum, count) = sums.entry(*dataset).or_insert_with(|| (vec![0.0; directions.len()], 0.0));
			sum.iter_mut().zip(coordinates(i)).for_each(|(s, c)| *s += c);
			*count += 1.0;
		}
		#[allow(clippy::cast_possible_truncation)]
		let f32s = |v: &[f64]| v.iter().map(|x| *x as f32).collect::<Vec<f32>>();
		Ok(Self {
			sketcher,
			preconditioner,
			mean: f32s(&mean),
			directions: directions.iter().map(|u| f32s(u)).collect(),
			datasets: sums
				.into_iter()
				.map(|(d, (sum, count))| (d, f32s(&sum.iter().map(|s| s / count).collect::<Vec<f64>>())))
				.collect(),
		})
	}

	/// Coordinates of a preconditioned sketch (centred on the training mean) on the principal directions.
	#[must_use]
	pub fn coordinates(&self, sketch: &[f32]) -> Vec<f64> {
		self.directions
			.iter()
			.map(|u| {
				u.iter().zip(sketch.iter().zip(&self.mean)).map(|(a, (x, m))| f64::from(*a) * (f64::from(*x) - f64::from(*m))).sum()
			})
			.collect()
	}

	/// The credit of an answer's preconditioned sketch by dataset: the cosine of its coordinates with each
	/// dataset's, negatives set to zero; 1 for the only dataset of a single-dataset fine-tune.
	#[must_use]
	pub fn credit(&self, sketch: &[f32]) -> Vec<(u64, f64)> {
		if self.datasets.len() == 1 {
			return self.datasets.keys().map(|d| (*d, 1.0)).collect();
		}
		let answer = self.coordinates(sketch);
		self.datasets
			.iter()
			.map(|(d, coords)| {
				let coords: Vec<f64> = coords.iter().map(|c| f64::from(*c)).collect();
				(*d, cosine(&answer, &coords).max(0.0))
			})
			.collect()
	}
}

/// The top `rank` principal directions (unit vectors, `dim` wide) of `centred`'s rows, largest variance first,
/// skipping directions without variance: through the `n × n` Gram matrix when there are fewer rows than
/// dimensions (`uₖ = Xᵀwₖ / √λₖ`), else the `dim × dim` covariance.
fn principal_directions(centred: &DMatrix<f64>, rank: usize) -> Vec<Vec<f64>> {
	let (n, dim) = centred.shape();
	let gram = n <= dim;
	let matrix = if gram { centred * centred.transpose() } else { centred.transpose() * centred };
	let eigen = matrix.symmetric_eigen();
	let value = |k: usize| eigen.eigenvalues.get(k).copied().unwrap_or(0.0);
	let mut order: Vec<usize> = (0..eigen.eigenvalues.len()).collect();
	order.sort_by(|a, b| value(*b).total_cmp(&value(*a)).then(a.cmp(b)));
	let top = order.first().map_or(0.0, |k| value(*k));
	order.retain(|k| value(*k) > top * 1e-12 && value(*k) > 0.0);
	order
		.iter()
		.take(rank)
		.map(|k| {
			let column = eigen.eigenvectors.column(*k);
			let u: Vec<f64> = if gram {
				(0..dim).map(|j| (0..n).map(|i| centred[(i, j)] * column[i]).sum::<f64>() / value(*k).sqrt()).collect()
			} else {
				column.iter().copied().collect()
			};
			// The eigenvector's sign is arbitrary: fixed so the largest entry is positive, the directions then being
			// the same wherever they are computed.
			let largest = u.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(0.0);
			if largest < 0.0 { u.iter().map(|x| -x).collect() } else { u }
		})
		.collect()
}

/// Cosine of two vectors (0 when either is zero).
pub(crate) fn cosine(a: &[f64], b: &[f64]) -> f64 {
	let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
	let norms = a.iter().map(|x| x * x).sum::<f64>().sqrt() * b.iter().map(|x| x * x).sum::<f64>().sqrt();
	if norms > 0.0 { dot / norms } else { 0.0 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;

	fn preconditioner(blocks: &[Vec<Vec<f32>>]) -> Preconditioner {
		let mut m = MomentAccumulator::default();
		for b in blocks {
			m.add(b).unwrap();
		}
		m.finish(0.1).unwrap()
	}

	#[test]
	fn the_preconditioned_sketch_is_the_steps_written_out() {
		let grads = vec![vec![vec![1.0, 2.0], vec![0.0, -1.0, 3.0]], vec![vec![0.5, 0.0], vec![2.0, 1.0, -1.0]]];
		let pre = preconditioner(&grads);
		// moment = mean of squares; ε = 0.1 × its mean.
		let moment = [0.625f64, 2.0, 2.0, 1.0, 5.0];
		assert!(pre.moment.iter().zip(moment).all(|(a, b)| (f64::from(*a) - b).abs() < 1e-6));
		assert!((pre.epsilon - 0.1 * moment.iter().sum::<f64>() / 5.0).abs() < 1e-9);
		let sketcher = Sketcher { dim: 8, seed: 3 };
		let flat = [1.0f64, 2.0, 0.0, -1.0, 3.0];
		let scaled: Vec<f64> = flat.iter().zip(moment).map(|(g, m)| g / (m + pre.epsilon).sqrt()).collect();
		let length = scaled.iter().map(|x| x * x).sum::<f64>().sqrt();
		let mut want = vec![0f32; 8];
		sketcher.add(&scaled.iter().map(|x| (x / length) as f32).collect::<Vec<_>>(), 0, &mut want);
		let got = pre.sketch(&grads[0], &sketcher).unwrap();
		assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6), "{got:?} vs {want:?}");
		// A gradient of another adapter is refused by name.
		let error = pre.sketch(&[vec![1.0; 4]], &sketcher).unwrap_err().to_string();
		assert!(error.contains("5 parameters"), "{error}");
		assert!(MomentAccumulator::default().finish(0.1).is_err());
		let mut m = MomentAccumulator::default();
		m.add(&grads[0]).unwrap();
		assert!(m.finish(-1.0).is_err(), "a damping that is not positive");
		let mut m = MomentAccumulator::default();
		m.add(&grads[0]).unwrap();
		assert!(m.add(&[vec![1.0]]).is_err());
	}

	/// Rows of two datasets that differ along a few axes, all sharing a large common part.
	fn rows(n_per: usize, dim: usize) -> Vec<(u64, Vec<f32>)> {
		let mut out = Vec::new();
		for i in 0..n_per {
			for (dataset, axis) in [(7u64, 1usize), (9, 2)] {
				let mut row = vec![0f32; dim];
				row[0] = 5.0;
				row[axis] = 1.0 + (i % 3) as f32 * 0.1;
				row[3 + i % (dim - 3)] += 0.05;
				out.push((dataset, row));
			}
		}
		out
	}

	fn fit(rows: &[(u64, Vec<f32>)], dim: usize) -> PrincipalSketch {
		let pre = Preconditioner { moment: vec![1.0; 4], epsilon: 0.1 };
		PrincipalSketch::fit(Sketcher { dim, seed: 1 }, pre, rows).unwrap()
	}

	#[test]
	fn an_answer_like_one_datasets_examples_is_credited_to_it() {
		for (n_per, dim) in [(3, 16), (20, 6)] {
			// Fewer rows than dimensions (the Gram route), then more (the covariance route).
			let model = fit(&rows(n_per, dim), dim);
			assert_eq!(model.directions.len(), 2);
			let mut like_seven = vec![0f32; dim];
			like_seven[0] = 5.0;
			like_seven[1] = 1.2;
			let credit: BTreeMap<u64, f64> = model.credit(&like_seven).into_iter().collect();
			assert!(credit[&7] > 0.9 && credit[&9] == 0.0, "{n_per} × {dim}: {credit:?}");
		}
	}

	#[test]
	fn directions_are_orthonormal_and_agree_between_the_two_routes() {
		let rows = rows(4, 12);
		// 8 rows in 12 dimensions take the Gram route; the same rows twice (same mean, covariance doubled) outnumber
		// the dimensions and take the covariance route.
		let many: Vec<(u64, Vec<f32>)> = rows.iter().cycle().take(rows.len() * 2).cloned().collect();
		let (gram, cov) = (fit(&rows, 12), fit(&many, 12));
		let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum::<f64>();
		for (i, u) in gram.directions.iter().enumerate() {
			assert!((dot(u, u) - 1.0).abs() < 1e-5);
			for v in gram.directions.iter().skip(i + 1) {
				assert!(dot(u, v).abs() < 1e-5);
			}
		}
		for (u, v) in gram.directions.iter().zip(&cov.directions) {
			assert!((dot(u, v) - 1.0).abs() < 1e-4, "the routes disagree: {u:?} vs {v:?}");
		}
	}

	#[test]
	fn a_single_dataset_fine_tune_owes_it_everything() {
		let one: Vec<(u64, Vec<f32>)> = rows(3, 8).into_iter().filter(|(d, _)| *d == 7).collect();
		let model = fit(&one, 8);
		assert_eq!(model.credit(&[0.0; 8]), vec![(7, 1.0)]);
	}
}
