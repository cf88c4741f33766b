//! Influence of training data on an answer, TracIn-style: the answer's loss gradient with respect to the LoRA
//! parameters, compared with each dataset's training gradient. Gradients are far too large to store per dataset
//! (every rank-r delta of every adapted projection), so both sides are compressed with the same **CountSketch**:
//! parameter `i` of the flattened gradient is added, with sign `s(i)`, into bucket `h(i)` of a `dim`-vector, where
//! `h` and `s` come from a seeded hash. Inner products of sketches are unbiased estimates of the gradients' inner
//! products. A dataset's sketch is the sum of its examples' sketches at the trained adapter (one checkpoint).
//! An answer's influence credit for dataset `d` is the cosine between its sketch and `d`'s centred direction
//! ([`influence`]), negatives dropped.

use super::{
	example_loss,
	examples::Example,
	principal_sketch::{Preconditioner, PrincipalSketch},
};
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

/// How a fine-tune's influence file credits its answers; the file says which.
#[derive(Clone, Debug)]
pub enum InfluenceModel {
	/// The principal cosine ([`PrincipalSketch`]): what ModelFactory writes since 2026-12-06.
	Principal(PrincipalSketch),
	/// One summed CountSketch per dataset, credited by centred cosine ([`influence`]): files written before.
	SummedSketches { sketches: BTreeMap<u64, Vec<f32>>, sketcher: Sketcher },
}

/// A fine-tuned model's influence file, loaded to credit its answers: what [`crate::attribute::Engine`] folds in
/// as the influence method.
#[derive(Clone, Debug)]
pub struct Influence {
	pub model: InfluenceModel,
}

impl Influence {
	/// Reads `influence.safetensors` in either form ([`save_principal`], [`save_sketches`]).
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] naming the file when it is malformed.
	pub fn load(path: &Path) -> Result<Self> {
		let bytes = std::fs::read(path).map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })?;
		let model = if method_of(path, &bytes)? == PRINCIPAL_METHOD {
			InfluenceModel::Principal(read_principal(path, &bytes)?)
		} else {
			let (sketches, sketcher) = read_sketches(path, &bytes)?;
			InfluenceModel::SummedSketches { sketches, sketcher }
		};
		Ok(Self { model })
	}

	/// The datasets the file credits.
	#[must_use]
	pub fn datasets(&self) -> Vec<u64> {
		match &self.model {
			InfluenceModel::Principal(p) => p.datasets.keys().copied().collect(),
			InfluenceModel::SummedSketches { sketches, .. } => sketches.keys().copied().collect(),
		}
	}

	/// Checks that the file was made for `adapter` (as many LoRA parameters as its second moment has).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] naming both counts.
	pub fn fits(&self, adapter: &LoraAdapter) -> Result<()> {
		let InfluenceModel::Principal(p) = &self.model else { return Ok(()) };
		let parameters: usize = adapter.deltas.values().map(|d| d.a.elem_count().saturating_add(d.b.elem_count())).sum();
		if parameters == p.preconditioner.moment.len() {
			Ok(())
		} else {
			Err(WorkerError::InvalidInput(format!(
				"the influence file is for an adapter of {} parameters, the model's has {parameters}",
				p.preconditioner.moment.len()
			)))
		}
	}

	/// Influence scores of `answer` to `question` by dataset, in millionths: the answer's loss gradient at
	/// `generator`'s adapter (the question alone, as ModelFactory trains), credited as the file says.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a generator without an adapter, loaded quantised, or with an adapter the
	/// file was not made for; tensor failures.
	pub fn scores(&self, generator: &Generator, question: &str, answer: &str) -> Result<BTreeMap<u64, u128>> {
		let adapter = generator.model().lora();
		if adapter.deltas.is_empty() {
			return Err(WorkerError::InvalidInput("influence needs the model's LoRA adapter".into()));
		}
		self.fits(&adapter)?;
		let prompt = generator.rag_prompt(question, &[])?.tokens();
		let mut target = generator.encode(answer.trim())?;
		target.push(generator.end_of_turn());
		let example = Example { dataset: 0, prompt, target };
		let mut copy = generator.clone();
		let model = Differentiable::new(&mut copy, &adapter)?;
		let credit = match &self.model {
			InfluenceModel::Principal(p) => p.credit(&p.preconditioner.sketch(&model.gradients(&example)?, &p.sketcher)?),
			InfluenceModel::SummedSketches { sketches, sketcher } => influence(&model.sketch(&example, sketcher)?, sketches),
		};
		#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
		let micro = |x: f64| (x.max(0.0) * 1e6).round() as u128;
		Ok(credit.into_iter().map(|(d, x)| (d, micro(x))).collect())
	}
}

/// The `method` metadata of a principal influence file.
pub const PRINCIPAL_METHOD: &str = "principal cosine of preconditioned LoRA loss gradients, countsketched";

fn invalid(path: &Path, message: impl ToString) -> WorkerError {
	WorkerError::InvalidModel { path: path.to_path_buf(), message: message.to_string() }
}

fn method_of(path: &Path, bytes: &[u8]) -> Result<String> {
	let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| invalid(path, e))?;
	Ok(header.metadata().as_ref().and_then(|m| m.get("method")).cloned().unwrap_or_default())
}

/// Writes a [`PrincipalSketch`] as safetensors: `moment` (one float per LoRA parameter), `mean` (the sketch
/// width), `directions` (rank × width) and `coordinates` (datasets × rank) when the rank is not 0; the dataset ids,
/// ε (exactly, as text), the rank, the sketch seed and the method are in the metadata.
///
/// # Errors
/// [`WorkerError::InvalidModel`] naming the file if it cannot be written.
pub fn save_principal(path: &Path, p: &PrincipalSketch) -> Result<()> {
	p.check()?;
	let cpu = &candle::Device::Cpu;
	let rank = p.directions.len();
	let mut tensors = vec![
		("moment", Tensor::from_slice(&p.preconditioner.moment, p.preconditioner.moment.len(), cpu)?),
		("mean", Tensor::from_slice(&p.mean, p.mean.len(), cpu)?),
	];
	if rank > 0 {
		let directions: Vec<f32> = p.directions.iter().flatten().copied().collect();
		let coordinates: Vec<f32> = p.datasets.values().flatten().copied().collect();
		tensors.push(("directions", Tensor::from_vec(directions, (rank, p.sketcher.dim), cpu)?));
		tensors.push(("coordinates", Tensor::from_vec(coordinates, (p.datasets.len(), rank), cpu)?));
	}
	let ids: Vec<String> = p.datasets.keys().map(u64::to_string).collect();
	let metadata = std::collections::HashMap::from([
		("datasets".to_owned(), ids.join(",")),
		("seed".to_owned(), p.sketcher.seed.to_string()),
		("epsilon".to_owned(), p.preconditioner.epsilon.to_string()),
		("rank".to_owned(), rank.to_string()),
		("method".to_owned(), PRINCIPAL_METHOD.to_owned()),
	]);
	safetensors::tensor::serialize_to_file(tensors, Some(metadata), path).map_err(|e| invalid(path, e))
}

fn read_principal(path: &Path, bytes: &[u8]) -> Result<PrincipalSketch> {
	let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| invalid(path, e))?;
	let meta = header.metadata().clone().unwrap_or_default();
	let field = |name: &str| meta.get(name).ok_or_else(|| invalid(path, format!("no {name}")));
	let seed: u64 = field("seed")?.parse().map_err(|e| invalid(path, format!("seed: {e}")))?;
	let epsilon: f64 = field("epsilon")?.parse().map_err(|e| invalid(path, format!("epsilon: {e}")))?;
	let rank: usize = field("rank")?.parse().map_err(|e| invalid(path, format!("rank: {e}")))?;
	let ids = dataset_ids(path, &meta)?;
	let tensors = candle::safetensors::load_buffer(bytes, &candle::Device::Cpu).map_err(|e| invalid(path, e))?;
	let vector = |name: &str| -> Result<Vec<f32>> {
		let t = tensors.get(name).ok_or_else(|| invalid(path, format!("no {name} tensor")))?;
		t.to_vec1::<f32>().map_err(|e| invalid(path, format!("{name}: {e}")))
	};
	let matrix = |name: &str, rows: usize| -> Result<Vec<Vec<f32>>> {
		if rank == 0 {
			return Ok(vec![Vec::new(); rows]);
		}
		let t = tensors.get(name).ok_or_else(|| invalid(path, format!("no {name} tensor")))?;
		let m = t.to_vec2::<f32>().map_err(|e| invalid(path, format!("{name}: {e}")))?;
		if m.len() == rows { Ok(m) } else { Err(invalid(path, format!("{name}: {} rows, expected {rows}", m.len()))) }
	};
	let (moment, mean) = (vector("moment")?, vector("mean")?);
	let directions = matrix("directions", rank)?;
	let coordinates = matrix("coordinates", ids.len())?;
	let p = PrincipalSketch {
		sketcher: Sketcher { dim: mean.len(), seed },
		preconditioner: Preconditioner { moment, epsilon },
		mean,
		directions,
		datasets: ids.into_iter().zip(coordinates).collect(),
	};
	p.check().map_err(|e| invalid(path, e))?;
	Ok(p)
}

fn dataset_ids(path: &Path, meta: &std::collections::HashMap<String, String>) -> Result<Vec<u64>> {
	let ids: Vec<u64> = meta
		.get("datasets")
		.map(|s| s.split(',').filter(|x| !x.is_empty()).map(str::parse).collect::<std::result::Result<_, _>>())
		.transpose()
		.map_err(|e| invalid(path, format!("bad dataset id: {e}")))?
		.unwrap_or_default();
	let distinct: std::collections::BTreeSet<&u64> = ids.iter().collect();
	if distinct.len() == ids.len() { Ok(ids) } else { Err(invalid(path, "a dataset id is listed twice")) }
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
	safetensors::tensor::serialize_to_file([("sketches", tensor)], Some(metadata), path).map_err(|e| invalid(path, e))
}

/// Reads what [`save_sketches`] wrote.
///
/// # Errors
/// [`WorkerError::InvalidModel`] naming the file when it is malformed.
pub fn load_sketches(path: &Path) -> Result<(BTreeMap<u64, Vec<f32>>, Sketcher)> {
	let bytes = std::fs::read(path).map_err(|e| invalid(path, e))?;
	read_sketches(path, &bytes)
}

fn read_sketches(path: &Path, bytes: &[u8]) -> Result<(BTreeMap<u64, Vec<f32>>, Sketcher)> {
	let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| invalid(path, e))?;
	let meta = header.metadata().clone().unwrap_or_default();
	let seed: u64 = meta.get("seed").and_then(|s| s.parse().ok()).ok_or_else(|| invalid(path, "no seed"))?;
	let ids = dataset_ids(path, &meta)?;
	let tensors = candle::safetensors::load_buffer(bytes, &candle::Device::Cpu).map_err(|e| invalid(path, e))?;
	let sketches = tensors.get("sketches").ok_or_else(|| invalid(path, "no sketches tensor"))?;
	let (rows, dim) = sketches.dims2().map_err(|e| invalid(path, e))?;
	if rows != ids.len() {
		return Err(invalid(path, format!("{rows} sketches for {} datasets", ids.len())));
	}
	let rows: Vec<Vec<f32>> = sketches.to_vec2().map_err(|e| invalid(path, e))?;
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

	fn principal(datasets: &[u64], rank: usize) -> PrincipalSketch {
		let dim = 4;
		PrincipalSketch {
			sketcher: Sketcher { dim, seed: 5 },
			preconditioner: Preconditioner { moment: vec![0.5, 1.0, 0.25], epsilon: 0.012_345_678_901_234_5 },
			mean: vec![0.1, -0.2, 0.3, 0.0],
			directions: (0..rank).map(|k| (0..dim).map(|j| if j == k { 1.0 } else { 0.0 }).collect()).collect(),
			datasets: datasets.iter().map(|d| (*d, (0..rank).map(|k| *d as f32 - k as f32).collect())).collect(),
		}
	}

	#[test]
	fn a_principal_influence_file_reads_back_exactly_and_says_what_it_is() {
		let dir = tempfile::tempdir().unwrap();
		for (datasets, rank) in [(&[3u64, 8, 11][..], 2), (&[4][..], 0)] {
			let path = dir.path().join(format!("influence-{rank}.safetensors"));
			let p = principal(datasets, rank);
			save_principal(&path, &p).unwrap();
			let loaded = Influence::load(&path).unwrap();
			assert_eq!(loaded.datasets(), datasets.to_vec());
			match loaded.model {
				InfluenceModel::Principal(back) => assert_eq!(back, p),
				InfluenceModel::SummedSketches { .. } => panic!("read as sketches"),
			}
		}
		// Files written before keep crediting as before.
		let old = dir.path().join("old.safetensors");
		let sketcher = Sketcher { dim: 3, seed: 2 };
		save_sketches(&old, &BTreeMap::from([(1, vec![1.0, 0.0, 0.0]), (2, vec![0.0, 1.0, 0.0])]), &sketcher).unwrap();
		assert!(matches!(Influence::load(&old).unwrap().model, InfluenceModel::SummedSketches { .. }));
	}

	#[test]
	fn malformed_principal_files_are_refused_naming_the_file() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("influence.safetensors");
		let p = principal(&[3, 8], 2);
		save_principal(&path, &p).unwrap();
		let bytes = std::fs::read(&path).unwrap();
		let cases: Vec<(&str, Vec<u8>)> = vec![
			("truncated", bytes[..bytes.len() - 9].to_vec()),
			("garbage", b"not a safetensors file at all".to_vec()),
			("duplicate ids", String::from_utf8_lossy(&bytes).replacen("\"3,8\"", "\"3,3\"", 1).into_bytes()),
			("rank", String::from_utf8_lossy(&bytes).replacen("\"rank\":\"2\"", "\"rank\":\"3\"", 1).into_bytes()),
			("epsilon", String::from_utf8_lossy(&bytes).replacen("\"epsilon\":\"0.0", "\"epsilon\":\"-.0", 1).into_bytes()),
		];
		for (what, bad) in cases {
			assert_ne!(bad, bytes, "{what}: the case must change the file");
			std::fs::write(&path, &bad).unwrap();
			let error = Influence::load(&path).unwrap_err().to_string();
			assert!(error.contains("influence.safetensors"), "{what}: {error}");
		}
	}

	#[test]
	fn a_principal_file_fits_only_the_adapter_it_was_made_for() {
		let cpu = &candle::Device::Cpu;
		let delta = |rows: usize| LoraDelta {
			a: Tensor::zeros((1, rows), candle::DType::F32, cpu).unwrap(),
			b: Tensor::zeros((1, 1), candle::DType::F32, cpu).unwrap(),
			scale: 1.0,
		};
		let adapter = |rows: usize| LoraAdapter {
			deltas: BTreeMap::from([((0, crate::generate::lora::LoraTarget::ALL[0]), delta(rows))]),
		};
		let influence = Influence { model: InfluenceModel::Principal(principal(&[3, 8], 2)) };
		influence.fits(&adapter(2)).unwrap();
		let error = influence.fits(&adapter(5)).unwrap_err().to_string();
		assert!(error.contains("3 parameters") && error.contains("has 6"), "{error}");
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
