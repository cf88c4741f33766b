//! Influence of single training examples on a test example, for a LoRA fine-tune, by the estimators the DataInf
//! paper (Kwon et al., ICLR 2024) compares — scored the same way: higher means the training example helped the
//! test example more.
//!
//! With `gᵢ` the loss gradient of training example i and `v` the test example's, both split into the LoRA
//! weight matrices `l` (each `A` and each `B` of every adapted projection):
//! * **gradient dot product** (the paper's "Hessian-free", TracIn with one checkpoint): `Σₗ vₗ·gᵢₗ`;
//! * **DataInf**: `Σₗ vₗᵀ Ĥₗ⁻¹ gᵢₗ` with the closed-form inverse of the damped empirical Fisher
//!   `Ĥₗ⁻¹ v = (1/(nλₗ)) Σⱼ (v − (v·gⱼ)/(λₗ + ‖gⱼ‖²) gⱼ)` and `λₗ = 0.1 · mean over j and entries of gⱼₗ²`
//!   (the paper's layer-wise damping);
//! * **sketched cosine**: the product's influence sketches ([`super::influence`]) per example: the cosine of
//!   the two gradients' CountSketches;
//! * **centred sketched cosine**: the product's crediting rule ([`centred_cosines`]) with every training
//!   example as its own dataset: the cosine of the test sketch with the training sketch's unit direction minus
//!   the mean unit direction of all training examples — what every example teaches alike (the template, the
//!   answer format) removed.
//! * **gradient cosine**: `v·gᵢ / (‖v‖‖gᵢ‖)` on the full gradients (no sketch): the dot product without the pull
//!   of long examples (LESS, Xia et al. 2024, selects data by it);
//! * **centred gradient cosine**: both sides' unit gradients minus the mean unit training gradient, then their
//!   cosine — the direction every training example shares removed from the test gradient as well, so an
//!   example is not credited for how much of the shared direction it carries.

use super::{
	examples::Example,
	influence::{centred_cosines, cosine, Differentiable, Sketcher},
};
use crate::{
	error::{Result, WorkerError},
	generate::{lora::LoraAdapter, Generator},
};
use candle::{Device, Tensor};
use std::collections::BTreeMap;

/// Per-example gradients, one `(examples, parameters)` matrix per LoRA weight matrix.
pub struct Gradients {
	pub blocks: Vec<Tensor>,
	pub examples: usize,
}

impl Differentiable<'_> {
	/// `example`'s loss gradient, one flat vector per LoRA weight matrix (in the adapter's order).
	///
	/// # Errors
	/// Tensor failures.
	pub fn gradients(&self, example: &Example) -> Result<Vec<Vec<f32>>> {
		let loss = super::example_loss(self.generator.model(), example, true)?;
		let grads = loss.backward()?;
		self.vars
			.iter()
			.map(|var| {
				let tensor = var.as_tensor();
				match grads.get(tensor) {
					Some(grad) => Ok(grad.flatten_all()?.to_vec1::<f32>()?),
					None => Ok(vec![0f32; tensor.elem_count()]),
				}
			})
			.collect()
	}
}

/// The gradients of `examples` at `adapter`, stacked per weight matrix. `progress` gets (done, total).
///
/// # Errors
/// As [`Differentiable::new`]; no examples; tensor failures.
pub fn gradients(
	generator: &mut Generator,
	adapter: &LoraAdapter,
	examples: &[Example],
	progress: &mut dyn FnMut(usize, usize),
) -> Result<Gradients> {
	if examples.is_empty() {
		return Err(WorkerError::InvalidInput("no examples to take gradients of".into()));
	}
	let model = Differentiable::new(generator, adapter)?;
	let mut columns: Vec<Vec<f32>> = Vec::new();
	for (i, example) in examples.iter().enumerate() {
		let grads = model.gradients(example)?;
		if columns.is_empty() {
			columns = grads.iter().map(|g| Vec::with_capacity(g.len().saturating_mul(examples.len()))).collect();
		}
		for (column, grad) in columns.iter_mut().zip(grads) {
			column.extend(grad);
		}
		progress(i.saturating_add(1), examples.len());
	}
	let n = examples.len();
	let blocks = columns
		.into_iter()
		.map(|c| {
			let d = c.len() / n;
			Ok(Tensor::from_vec(c, (n, d), &Device::Cpu)?)
		})
		.collect::<Result<Vec<_>>>()?;
	Ok(Gradients { blocks, examples: n })
}

/// `scores[t][i]` for test `t` and training example `i`, as `f64` rows.
fn rows(t: &Tensor) -> Result<Vec<Vec<f64>>> {
	Ok(t.to_dtype(candle::DType::F64)?.to_vec2::<f64>()?)
}

pub(super) fn check(train: &Gradients, test: &Gradients) -> Result<()> {
	let same = train.blocks.len() == test.blocks.len()
		&& train.blocks.iter().zip(&test.blocks).all(|(a, b)| a.dim(1).ok() == b.dim(1).ok());
	if same {
		Ok(())
	} else {
		Err(WorkerError::InvalidInput("training and test gradients are of different adapters".into()))
	}
}

/// Gradient dot products: `(tests, training examples)`.
///
/// # Errors
/// Gradients of different adapters; tensor failures.
pub fn gradient_dot(train: &Gradients, test: &Gradients) -> Result<Vec<Vec<f64>>> {
	check(train, test)?;
	let mut total = Tensor::zeros((test.examples, train.examples), candle::DType::F32, &Device::Cpu)?;
	for (g, v) in train.blocks.iter().zip(&test.blocks) {
		total = (total + v.matmul(&g.t()?)?)?;
	}
	rows(&total)
}

/// DataInf influence: `(tests, training examples)`, with the damping `λₗ = damping · mean(gₗ²)` (the paper:
/// 0.1).
///
/// # Errors
/// Gradients of different adapters; a damping that is not positive; tensor failures.
pub fn datainf(train: &Gradients, test: &Gradients, damping: f64) -> Result<Vec<Vec<f64>>> {
	check(train, test)?;
	if !(damping.is_finite() && damping > 0.0) {
		return Err(WorkerError::InvalidInput(format!("damping {damping} must be positive")));
	}
	#[allow(clippy::cast_precision_loss)]
	let n = train.examples as f64;
	let mut total = Tensor::zeros((test.examples, train.examples), candle::DType::F64, &Device::Cpu)?;
	for (g, v) in train.blocks.iter().zip(&test.blocks) {
		let (g, v) = (g.to_dtype(candle::DType::F64)?, v.to_dtype(candle::DType::F64)?);
		let squared = g.sqr()?.sum(1)?; // ‖gⱼ‖², (n)
		let lambda = g.sqr()?.mean_all()?.to_scalar::<f64>()? * damping;
		if lambda <= 0.0 {
			continue; // a weight matrix no example moves carries no influence
		}
		let dots = v.matmul(&g.t()?)?; // vₜ·gⱼ, (m, n)
		let weights = (squared + lambda)?.recip()?; // 1/(λ + ‖gⱼ‖²)
		let c = dots.broadcast_mul(&weights.unsqueeze(0)?)?; // (m, n)
		let hvp = ((v * n)? - c.matmul(&g)?)?.affine(1.0 / (n * lambda), 0.0)?; // (m, d)
		total = (total + hvp.matmul(&g.t()?)?)?;
	}
	rows(&total)
}

/// Each example's gradient length over all weight matrices: `(examples)`.
fn norms(grads: &Gradients) -> Result<Tensor> {
	let mut total = Tensor::zeros(grads.examples, candle::DType::F32, &Device::Cpu)?;
	for block in &grads.blocks {
		total = (total + block.sqr()?.sum(1)?)?;
	}
	// A zero gradient stays zero when divided: its length is taken as 1.
	Ok(total.sqrt()?.maximum(f32::MIN_POSITIVE)?)
}

/// Cosine of the full gradients, `(tests, training examples)`; with `centred`, both sides' unit gradients minus
/// the mean unit training gradient first.
fn cosines(train: &Gradients, test: &Gradients, centred: bool) -> Result<Vec<Vec<f64>>> {
	check(train, test)?;
	let (train_norms, test_norms) = (norms(train)?.unsqueeze(1)?, norms(test)?.unsqueeze(1)?);
	let mut dots = Tensor::zeros((test.examples, train.examples), candle::DType::F32, &Device::Cpu)?;
	let mut train_sq = Tensor::zeros(train.examples, candle::DType::F32, &Device::Cpu)?;
	let mut test_sq = Tensor::zeros(test.examples, candle::DType::F32, &Device::Cpu)?;
	for (g, v) in train.blocks.iter().zip(&test.blocks) {
		let (mut g, mut v) = (g.broadcast_div(&train_norms)?, v.broadcast_div(&test_norms)?);
		if centred {
			let mean = g.mean_keepdim(0)?;
			g = g.broadcast_sub(&mean)?;
			v = v.broadcast_sub(&mean)?;
		}
		dots = (dots + v.matmul(&g.t()?)?)?;
		train_sq = (train_sq + g.sqr()?.sum(1)?)?;
		test_sq = (test_sq + v.sqr()?.sum(1)?)?;
	}
	let (train_len, test_len) = (train_sq.sqrt()?.maximum(f32::MIN_POSITIVE)?, test_sq.sqrt()?.maximum(f32::MIN_POSITIVE)?);
	rows(&dots.broadcast_div(&test_len.unsqueeze(1)?)?.broadcast_div(&train_len.unsqueeze(0)?)?)
}

/// Cosine of the full gradients: `(tests, training examples)`.
///
/// # Errors
/// Gradients of different adapters; tensor failures.
pub fn gradient_cosine(train: &Gradients, test: &Gradients) -> Result<Vec<Vec<f64>>> {
	cosines(train, test, false)
}

/// Cosine of the unit gradients after the mean unit training gradient is taken from both sides:
/// `(tests, training examples)`.
///
/// # Errors
/// Gradients of different adapters; tensor failures.
pub fn centred_gradient_cosine(train: &Gradients, test: &Gradients) -> Result<Vec<Vec<f64>>> {
	cosines(train, test, true)
}

/// Each example's gradient sketch, as [`Differentiable::sketch`] computes it.
///
/// # Errors
/// Tensor failures.
pub fn sketches(grads: &Gradients, sketcher: &Sketcher) -> Result<Vec<Vec<f32>>> {
	let mut out = vec![vec![0f32; sketcher.dim]; grads.examples];
	let mut offset = 0usize;
	for block in &grads.blocks {
		let d = block.dim(1)?;
		for (row, sketch) in block.to_vec2::<f32>()?.iter().zip(out.iter_mut()) {
			sketcher.add(row, offset, sketch);
		}
		offset = offset.saturating_add(d);
	}
	Ok(out)
}

/// Cosine of the examples' gradient sketches (the product's sketcher): `(tests, training examples)`.
///
/// # Errors
/// Gradients of different adapters; tensor failures.
pub fn sketched_cosine(train: &Gradients, test: &Gradients, sketcher: &Sketcher) -> Result<Vec<Vec<f64>>> {
	check(train, test)?;
	let (train, test) = (sketches(train, sketcher)?, sketches(test, sketcher)?);
	Ok(test.iter().map(|v| train.iter().map(|g| cosine(v, g)).collect()).collect())
}

/// The product's centred cosine ([`centred_cosines`]) of each test sketch against every training example's:
/// `(tests, training examples)`.
///
/// # Errors
/// Gradients of different adapters; tensor failures.
pub fn centred_sketched_cosine(train: &Gradients, test: &Gradients, sketcher: &Sketcher) -> Result<Vec<Vec<f64>>> {
	check(train, test)?;
	let train: BTreeMap<u64, Vec<f32>> =
		sketches(train, sketcher)?.into_iter().enumerate().map(|(i, s)| (i as u64, s)).collect();
	Ok(sketches(test, sketcher)?
		.iter()
		.map(|v| centred_cosines(v, &train).into_iter().map(|(_, c)| c).collect())
		.collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
	use super::*;

	fn grads(rows: &[&[f32]]) -> Gradients {
		let d = rows.first().map_or(0, |r| r.len());
		let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
		Gradients { blocks: vec![Tensor::from_vec(flat, (rows.len(), d), &Device::Cpu).unwrap()], examples: rows.len() }
	}

	#[test]
	fn datainf_matches_its_formula_written_out() {
		let train = grads(&[&[1.0, 0.0, 2.0], &[0.5, -1.0, 0.0], &[0.0, 3.0, 1.0]]);
		let test = grads(&[&[1.0, 1.0, 1.0]]);
		let got = datainf(&train, &test, 0.1).unwrap();
		let g = [[1.0, 0.0, 2.0], [0.5, -1.0, 0.0], [0.0, 3.0, 1.0]];
		let v = [1.0, 1.0, 1.0];
		let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
		let lambda = 0.1 * g.iter().flatten().map(|x| x * x).sum::<f64>() / 9.0;
		let mut hvp = [0.0; 3];
		for gj in &g {
			let c = dot(&v, gj) / (lambda + dot(gj, gj));
			for k in 0..3 {
				hvp[k] += (v[k] - c * gj[k]) / (3.0 * lambda);
			}
		}
		for (i, gi) in g.iter().enumerate() {
			assert!((got[0][i] - dot(&hvp, gi)).abs() < 1e-4 * dot(&hvp, gi).abs().max(1.0), "{got:?}");
		}
		assert_eq!(gradient_dot(&train, &test).unwrap(), vec![vec![3.0, -0.5, 4.0]]);
		assert!(datainf(&train, &test, 0.0).is_err());
	}

	#[test]
	fn centring_removes_what_every_training_example_shares() {
		let train = grads(&[&[1.0, 1.0, 0.0, 0.0], &[1.0, 0.0, 1.0, 0.0], &[1.0, 0.0, 0.0, 1.0]]);
		let test = grads(&[&[1.0, 0.0, 1.0, 0.0]]);
		let sketcher = Sketcher { dim: 4096, seed: 3 };
		let raw = &sketched_cosine(&train, &test, &sketcher).unwrap()[0];
		let centred = &centred_sketched_cosine(&train, &test, &sketcher).unwrap()[0];
		// Raw cosines credit the others with the shared half; centred, only the same example is positive.
		assert!(raw[0] > 0.3 && raw[2] > 0.3, "{raw:?}");
		assert!(centred[1] > 0.5 && centred[0] < 0.0 && centred[2] < 0.0, "{centred:?}");
	}

	#[test]
	fn gradient_cosines_match_their_formulas_written_out() {
		let rows = [[3.0f32, 1.0, 0.0, 0.0], [1.0, 0.0, 2.0, 0.0], [2.0, 0.0, 0.0, 2.0]];
		let train = grads(&[&rows[0], &rows[1], &rows[2]]);
		let test = grads(&[&[1.0, 0.0, 1.0, 0.0]]);
		let plain = &gradient_cosine(&train, &test).unwrap()[0];
		let centred = &centred_gradient_cosine(&train, &test).unwrap()[0];
		let unit = |r: &[f32]| {
			let n = r.iter().map(|x| x * x).sum::<f32>().sqrt();
			r.iter().map(|x| x / n).collect::<Vec<f32>>()
		};
		let units: Vec<Vec<f32>> = rows.iter().map(|r| unit(r)).collect();
		let mean: Vec<f32> = (0..4).map(|k| units.iter().map(|u| u[k]).sum::<f32>() / 3.0).collect();
		let minus = |u: &[f32]| u.iter().zip(&mean).map(|(x, m)| x - m).collect::<Vec<f32>>();
		let t = minus(&unit(&[1.0, 0.0, 1.0, 0.0]));
		for i in 0..3 {
			assert!((plain[i] - cosine(&[1.0, 0.0, 1.0, 0.0], &rows[i])).abs() < 1e-5, "{plain:?}");
			assert!((centred[i] - cosine(&t, &minus(&units[i]))).abs() < 1e-5, "{centred:?}");
		}
		// Every training example shares the first coordinate; centred, only the like example stays positive.
		assert!(plain[0] > 0.6 && centred[1] > 0.5 && centred[0] < 0.0 && centred[2] < 0.0, "{centred:?}");
	}

	#[test]
	fn gradients_of_different_adapters_are_refused() {
		let train = grads(&[&[1.0, 0.0]]);
		let test = grads(&[&[1.0, 0.0, 0.0]]);
		assert!(gradient_dot(&train, &test).is_err());
		assert!(datainf(&train, &test, 0.1).is_err());
		assert!(gradient_cosine(&train, &test).is_err());
	}
}
