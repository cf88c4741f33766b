//! Influence of training data on an answer, TracIn-style: the answer's loss gradient with respect to the LoRA
//! parameters, compared with each dataset's training gradient. Gradients are far too large to store per dataset
//! (every rank-r delta of every adapted projection), so both sides are compressed with the same **CountSketch**:
//! parameter `i` of the flattened gradient is added, with sign `s(i)`, into bucket `h(i)` of a `dim`-vector, where
//! `h` and `s` come from a seeded hash. Inner products of sketches are unbiased estimates of the gradients' inner
//! products. A dataset's sketch is the sum of its examples' sketches at the trained adapter (one checkpoint).
//! An answer's influence credit for dataset `d` is the cosine between its sketch and `d`'s centred direction
//! ([`influence`]), negatives dropped.

use super::{example_loss, examples::Example};
use crate::{
	error::{Result, WorkerError},
	generate::{
		lora::{LoraAdapter, LoraDelta},
		Generator,
	},
};
use crate::rng::mix;
use candle::{Tensor, Var};
use std::{collections::BTreeMap, path::Path};

/// Width of the sketches.
pub const SKETCH_DIM: usize = 1024;

/// The seeded CountSketch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sketcher {
	pub dim: usize,
	pub seed: u64,
}

impl Sketcher {
	/// Adds the sketch of `values` (parameters `offset..offset + len` of the flattened gradient) into `into`.
	pub(super) fn add(&self, values: &[f32], offset: usize, into: &mut [f32]) {
		let dim = into.len().max(1) as u64;
		for (i, value) in values.iter().enumerate() {
			let h = mix(self.seed ^ (offset.wrapping_add(i) as u64));
			let bucket = usize::try_from(h % dim).unwrap_or(0);
			let signed = if h >> 63 == 0 { *value } else { -*value };
			if let Some(slot) = into.get_mut(bucket) {
				*slot += signed;
			}
		}
	}
}

/// An adapter whose deltas are variables, installed in a generator, so loss gradients reach them.
pub struct Differentiable<'a> {
	pub(super) generator: &'a mut Generator,
	pub(super) vars: Vec<Var>,
}

impl<'a> Differentiable<'a> {
	/// Installs `adapter` in `generator` as variables (the generator keeps it until dropped and cleared).
	///
	/// # Errors
	/// A quantised base model ([`WorkerError::InvalidInput`]); the adapter's shape errors.
	pub fn new(generator: &'a mut Generator, adapter: &LoraAdapter) -> Result<Self> {
		if !generator.model().is_dense() {
			return Err(WorkerError::InvalidInput("gradients need the f32 base model (drop --quantized)".into()));
		}
		let mut vars = Vec::new();
		let mut deltas = BTreeMap::new();
		for (key, delta) in &adapter.deltas {
			let (a, b) = (Var::from_tensor(&delta.a)?, Var::from_tensor(&delta.b)?);
			deltas.insert(
				*key,
				LoraDelta { a: a.as_tensor().clone(), b: b.as_tensor().clone(), scale: delta.scale },
			);
			vars.extend([a, b]);
		}
		generator.model_mut().apply_lora(&LoraAdapter { deltas }, Path::new("<influence>"))?;
		Ok(Self { generator, vars })
	}

	/// The sketch of `example`'s loss gradient.
	///
	/// # Errors
	/// Tensor failures.
	pub fn sketch(&self, example: &Example, sketcher: &Sketcher) -> Result<Vec<f32>> {
		let loss = example_loss(self.generator.model(), example, true)?;
		let grads = loss.backward()?;
		let mut sketch = vec![0f32; sketcher.dim];
		let mut offset = 0usize;
		for var in &self.vars {
			let tensor: &Tensor = var.as_tensor();
			let count = tensor.elem_count();
			if let Some(grad) = grads.get(tensor) {
				sketcher.add(&grad.flatten_all()?.to_vec1::<f32>()?, offset, &mut sketch);
			}
			offset = offset.saturating_add(count);
		}
		Ok(sketch)
	}
}

impl Drop for Differentiable<'_> {
	fn drop(&mut self) {
		self.generator.model_mut().clear_lora();
	}
}

/// Each dataset's training-gradient sketch: the sum of its examples' sketches at `adapter`.
///
/// # Errors
/// As [`Differentiable::new`] and [`Differentiable::sketch`].
pub fn dataset_sketches(
	generator: &mut Generator,
	adapter: &LoraAdapter,
	examples: &[Example],
	sketcher: &Sketcher,
	progress: &mut dyn FnMut(usize, usize),
) -> Result<BTreeMap<u64, Vec<f32>>> {
	let model = Differentiable::new(generator, adapter)?;
	let mut sketches: BTreeMap<u64, Vec<f32>> = BTreeMap::new();
	for (i, example) in examples.iter().enumerate() {
		let sketch = model.sketch(example, sketcher)?;
		let sum = sketches.entry(example.dataset).or_insert_with(|| vec![0f32; sketcher.dim]);
		for (s, x) in sum.iter_mut().zip(&sketch) {
			*s += x;
		}
		progress(i.saturating_add(1), examples.len());
	}
	Ok(sketches)
}

/// Cosine of two sketches (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
	let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
	for (x, y) in a.iter().zip(b) {
		let (x, y) = (f64::from(*x), f64::from(*y));
		dot += x * y;
		na += x * x;
		nb += y * y;
	}
	if na == 0.0 || nb == 0.0 {
		0.0
	} else {
		dot / (na.sqrt() * nb.sqrt())
	}
}

/// Influence scores of an answer's sketch against every dataset's, by dataset: the cosine with the dataset's
/// **centred** direction (its unit sketch minus the mean unit sketch of all datasets), negatives set to zero.
/// Centring removes what every dataset teaches alike (the answer format, the chat template), which otherwise
/// dominates the gradients and spreads the credit evenly; with a single dataset there is nothing to centre.
pub fn influence(answer: &[f32], datasets: &BTreeMap<u64, Vec<f32>>) -> Vec<(u64, f64)> {
	centred_cosines(answer, datasets).into_iter().map(|(id, c)| (id, c.max(0.0))).collect()
}

/// The cosine of `answer` with each sketch's centred direction (its unit sketch minus the mean unit sketch of
/// all of them), negatives kept: [`influence`] before it drops them.
pub fn centred_cosines(answer: &[f32], datasets: &BTreeMap<u64, Vec<f32>>) -> Vec<(u64, f64)> {
	let unit = |v: &[f32]| {
		let norm = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
		v.iter().map(|x| if norm == 0.0 { 0.0 } else { f64::from(*x) / norm }).collect::<Vec<f64>>()
	};
	let units: Vec<(u64, Vec<f64>)> = datasets.iter().map(|(id, v)| (*id, unit(v))).collect();
	let dim = answer.len();
	let mut mean = vec![0f64; dim];
	if units.len() > 1 {
		for (_, u) in &units {
			for (m, x) in mean.iter_mut().zip(u) {
				*m += x;
			}
		}
		#[allow(clippy::cast_precision_loss)]
		let n = units.len() as f64;
		mean.iter_mut().for_each(|m| *m /= n);
	}
	#[allow(clippy::cast_possible_truncation)]
	let centred = |u: &[f64]| u.iter().zip(&mean).map(|(x, m)| (x - m) as f32).collect::<Vec<f32>>();
	units.iter().map(|(id, u)| (*id, cosine(answer, &centred(u)))).collect()
}

/// A fine-tuned model's training-gradient sketches, loaded to credit its answers: what
/// [`crate::attribute::Engine`] folds in as the influence method.
#[derive(Clone, Debug)]
pub struct Influence {
	pub sketches: BTreeMap<u64, Vec<f32>>,
	pub sketcher: Sketcher,
}

impl Influence {
	/// Reads `influence.safetensors`.
	///
	/// # Errors
	/// As [`load_sketches`].
	pub fn load(path: &Path) -> Result<Self> {
		let (sketches, sketcher) = load_sketches(path)?;
		Ok(Self { sketches, sketcher })
	}

	/// Influence scores of `answer` to `question` by dataset, in millionths: the answer's loss gradient at
	/// `generator`'s adapter, sketched as the training examples were (the question alone, as ModelFactory
	/// trains), against each dataset's sketch ([`influence`]).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a generator without an adapter or loaded quantised; tensor failures.
	pub fn scores(&self, generator: &Generator, question: &str, answer: &str) -> Result<BTreeMap<u64, u128>> {
		let adapter = generator.model().lora();
		if adapter.deltas.is_empty() {
			return Err(WorkerError::InvalidInput("influence needs the model's LoRA adapter".into()));
		}
		let prompt = generator.rag_prompt(question, &[])?.tokens();
		let mut target = generator.encode(answer.trim())?;
		target.push(generator.end_of_turn());
		let example = Example { dataset: 0, prompt, target };
		let mut copy = generator.clone();
		let sketch = Differentiable::new(&mut copy, &adapter)?.sketch(&example, &self.sketcher)?;
		#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
		let micro = |x: f64| (x.max(0.0) * 1e6).round() as u128;
		Ok(influence(&sketch, &self.sketches).into_iter().map(|(d, x)| (d, micro(x))).collect())
	}
}

/// Writes dataset sketches as safetensors: `sketches` is `(datasets, dim)`, the dataset ids and the sketch seed
/// are in the metadata.
///
/// # Errors
/// [`WorkerError::InvalidModel`] naming the file if it cannot be written.
pub fn save_sketches(path: &Path, sketches: &BTreeMap<u64, Vec<f32>>, sketcher: &Sketcher) -> Result<()> {
	let rows: Vec<f32> = sketches.values().flatten().copied().collect();
	let tensor = Tensor::from_vec(rows, (sketches.len(), sketcher.dim), &candle::Device::Cpu)?;
	let ids: Vec<String> = sketches.keys().map(u64::to_string).collect();
	let metadata = std::collections::HashMap::from([
		("datasets".to_owned(), ids.join(",")),
		("seed".to_owned(), sketcher.seed.to_string()),
		("method".to_owned(), "countsketch of LoRA loss gradients, summed per dataset".to_owned()),
	]);
	safetensors::tensor::serialize_to_file([("sketches", tensor)], Some(metadata), path)
		.map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })
}

/// Reads what [`save_sketches`] wrote.
///
/// # Errors
/// [`WorkerError::InvalidModel`] naming the file when it is malformed.
pub fn load_sketches(path: &Path) -> Result<(BTreeMap<u64, Vec<f32>>, Sketcher)> {
	let invalid = |message: String| WorkerError::InvalidModel { path: path.to_path_buf(), message };
	let bytes = std::fs::read(path).map_err(|e| invalid(e.to_string()))?;
	let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| invalid(e.to_string()))?;
	let meta = header.metadata().clone().unwrap_or_default();
	let seed: u64 = meta.get("seed").and_then(|s| s.parse().ok()).ok_or_else(|| invalid("no seed".into()))?;
	let ids: Vec<u64> = meta
		.get("datasets")
		.map(|s| s.split(',').filter(|x| !x.is_empty()).map(str::parse).collect::<std::result::Result<_, _>>())
		.transpose()
		.map_err(|e| invalid(format!("bad dataset id: {e}")))?
		.unwrap_or_default();
	let tensors = candle::safetensors::load_buffer(&bytes, &candle::Device::Cpu).map_err(|e| invalid(e.to_string()))?;
	let sketches = tensors.get("sketches").ok_or_else(|| invalid("no sketches tensor".into()))?;
	let (rows, dim) = sketches.dims2().map_err(|e| invalid(e.to_string()))?;
	if rows != ids.len() {
		return Err(invalid(format!("{rows} sketches for {} datasets", ids.len())));
	}
	let rows: Vec<Vec<f32>> = sketches.to_vec2().map_err(|e| invalid(e.to_string()))?;
	Ok((ids.into_iter().zip(rows).collect(), Sketcher { dim, seed }))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sketches_preserve_inner_products_roughly_and_are_seeded() {
		let sketcher = Sketcher { dim: 256, seed: 9 };
		let a: Vec<f32> = (0..5_000).map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0).collect();
		let b: Vec<f32> = a.iter().enumerate().map(|(i, x)| if i % 2 == 0 { *x } else { -x }).collect();
		let sketch = |v: &[f32]| {
			let mut s = vec![0f32; sketcher.dim];
			sketcher.add(v, 0, &mut s);
			s
		};
		assert!((cosine(&sketch(&a), &sketch(&a)) - 1.0).abs() < 1e-9);
		let exact = cosine(&a, &b);
		assert!((cosine(&sketch(&a), &sketch(&b)) - exact).abs() < 0.15, "exact {exact}");
		let other = Sketcher { seed: 10, ..sketcher };
		let mut s = vec![0f32; other.dim];
		other.add(&a, 0, &mut s);
		assert_ne!(s, sketch(&a));
	}

	#[test]
	fn negative_influence_counts_as_none() {
		let one = BTreeMap::from([(1, vec![1.0, 0.0])]);
		assert_eq!(influence(&[2.0, 0.0], &one), vec![(1, 1.0)]);
		assert_eq!(influence(&[-2.0, 0.0], &one), vec![(1, 0.0)]);
	}

	#[test]
	fn what_every_dataset_shares_earns_no_credit() {
		// Both datasets point mostly along x (shared); they differ along y and z.
		let datasets = BTreeMap::from([(1, vec![10.0, 1.0, 0.0]), (2, vec![10.0, 0.0, 1.0])]);
		let scores = influence(&[10.0, 1.0, 0.0], &datasets);
		assert!(scores[0].1 > 0.0 && scores[1].1 == 0.0, "{scores:?}");
		let raw = (cosine(&[10.0, 1.0, 0.0], &datasets[&1]), cosine(&[10.0, 1.0, 0.0], &datasets[&2]));
		assert!(raw.1 > 0.95, "without centring both look alike: {raw:?}");
	}
}
