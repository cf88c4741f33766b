//! The principal cosine ([`super::principal`]) in the form a fine-tuned model serves it: the training gradients
//! are not kept, so what a fine-tune leaves beside its adapter is
//! * the **preconditioner**: the training gradients' second moment, one float per LoRA parameter, and its ε
//!   (`damping` times the moment's mean) — step 1 of the principal cosine;
//! * the **mean** of the training examples' preconditioned unit gradients, CountSketched ([`Sketcher`]) — step 2;
//! * the top **principal directions** of the centred sketches, as many as the fine-tune has datasets — step 3,
//!   in the sketch's space (inner products of CountSketches estimate the gradients', so the directions are the
//!   gradients' own up to the sketch's noise; `bench datainf` measures what that costs);
//! * each **dataset's coordinates**: the mean of its examples' projections.
//!
//! An answer's gradient is preconditioned, scaled to unit length and sketched exactly as the training examples
//! were, centred on the training mean and projected; its credit for dataset `d` is the cosine of its coordinates
//! with `d`'s, negatives set to zero. A fine-tune of a single dataset owes every answer to it (credit 1): centred on
//! its own mean it would have no direction at all.

use super::{
	examples::Example,
	influence::{Differentiable, Sketcher},
};
use crate::{
	error::{Result, WorkerError},
	generate::{lora::LoraAdapter, Generator},
};
use nalgebra::DMatrix;
use std::collections::BTreeMap;

/// The preconditioner's damping: ε as a share of the training gradients' mean second moment (DataInf's 0.1, the
/// value the principal cosine was measured with).
pub const DAMPING: f64 = 0.1;

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

/// Everything a fine-tune leaves to credit its answers by the principal cosine.
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

	/// Checks what a file may hold: widths that agree, finite numbers, an ε that is positive.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] naming what is wrong.
	pub fn check(&self) -> Result<()> {
		let bad = |what: &str| Err(WorkerError::InvalidInput(format!("principal influence: {what}")));
		let dim = self.sketcher.dim;
		if dim == 0 || self.mean.len() != dim {
			return bad("the mean is not as wide as the sketches");
		}
		if self.directions.iter().any(|u| u.len() != dim) {
			return bad("a direction is not as wide as the sketches");
		}
		if self.directions.len() > dim {
			return bad("more directions than the sketch has dimensions");
		}
		if self.datasets.is_empty() || self.datasets.values().any(|c| c.len() != self.directions.len()) {
			return bad("no datasets, or coordinates that do not match the directions");
		}
		if !(self.preconditioner.epsilon.is_finite() && self.preconditioner.epsilon > 0.0) {
			return bad("ε must be positive");
		}
		let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
		let all_finite = finite(&self.preconditioner.moment)
			&& self.preconditioner.moment.iter().all(|m| *m >= 0.0)
			&& finite(&self.mean)
			&& self.directions.iter().all(|u| finite(u))
			&& self.datasets.values().all(|c| finite(c));
		if !all_finite {
			return bad("a number that is not finite, or a negative moment");
		}
		Ok(())
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
			// The eigenvector's sign is arbitrary: fixed so the largest entry is positive, the file then being the
			// same wherever it is made.
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

/// A fine-tune's principal influence: two passes over `examples`' gradients at `adapter` (the second moment,
/// then each example's preconditioned sketch), then [`PrincipalSketch::fit`]. `progress` gets (done, total) over
/// both passes.
///
/// # Errors
/// As [`Differentiable::new`]; no examples; tensor failures.
pub fn principal_influence(
	generator: &mut Generator,
	adapter: &LoraAdapter,
	examples: &[Example],
	sketcher: Sketcher,
	progress: &mut dyn FnMut(usize, usize),
) -> Result<PrincipalSketch> {
	let model = Differentiable::new(generator, adapter)?;
	let total = examples.len().saturating_mul(2);
	let mut moments = MomentAccumulator::default();
	for (i, example) in examples.iter().enumerate() {
		moments.add(&model.gradients(example)?)?;
		progress(i.saturating_add(1), total);
	}
	let preconditioner = moments.finish(DAMPING)?;
	let mut rows = Vec::with_capacity(examples.len());
	for (i, example) in examples.iter().enumerate() {
		rows.push((example.dataset, preconditioner.sketch(&model.gradients(example)?, &sketcher)?));
		progress(examples.len().saturating_add(i).saturating_add(1), total);
	}
	PrincipalSketch::fit(sketcher, preconditioner, &rows)
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
		m.finish(DAMPING).unwrap()
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
		assert!(MomentAccumulator::default().finish(DAMPING).is_err());
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
			model.check().unwrap();
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

	#[test]
	fn malformed_models_are_refused_by_name() {
		let good = fit(&rows(3, 8), 8);
		good.check().unwrap();
		let mut bad = good.clone();
		bad.mean.pop();
		assert!(bad.check().unwrap_err().to_string().contains("mean"));
		let mut bad = good.clone();
		bad.directions[0][0] = f32::NAN;
		assert!(bad.check().unwrap_err().to_string().contains("finite"));
		let mut bad = good.clone();
		bad.datasets.values_mut().for_each(|c| c.push(1.0));
		assert!(bad.check().unwrap_err().to_string().contains("coordinates"));
		let mut bad = good;
		bad.preconditioner.epsilon = 0.0;
		assert!(bad.check().unwrap_err().to_string().contains("ε"));
		let pre = Preconditioner { moment: vec![1.0], epsilon: 0.1 };
		assert!(PrincipalSketch::fit(Sketcher { dim: 8, seed: 1 }, pre.clone(), &[]).is_err());
		assert!(PrincipalSketch::fit(Sketcher { dim: 8, seed: 1 }, pre, &[(1, vec![1.0; 7])]).is_err());
	}
}
