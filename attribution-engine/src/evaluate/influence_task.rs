//! The DataInf protocol on the sentence-transformation task ([`super::transformations`]): one LoRA fine-tune of
//! the generator on every class (ModelFactory's trainer, as served), every training and test example's LoRA
//! gradient at the trained adapter, and each estimator ([`crate::train::datainf`]) scored per test example by
//! ROC-AUC with the same class's training examples as positives and by their recall among the top
//! `train_per_class` — the paper's two measures. Also the product's own use of influence: the test answer's
//! credit over the class datasets from summed sketches ([`crate::train::influence::influence`]), and beside it by
//! the principal cosine in a servable form ([`crate::train::principal_sketch`]), scored by how often the top
//! dataset is the test example's class.

use super::{
	stats::{bootstrap_mean, recall_at, roc_auc, Estimate},
	transformations::task,
};
use crate::{
	error::Result,
	generate::Generator,
	train::{
		datainf::{
			centred_gradient_cosine, centred_sketched_cosine, datainf, gradient_cosine, gradient_dot, gradients,
			sketched_cosine, sketches, Gradients,
		},
		examples::examples,
		influence::{influence, Sketcher, SKETCH_DIM},
		principal::principal_cosines,
		principal_sketch::{cosine, MomentAccumulator, Preconditioner, PrincipalSketch},
		train, Progress, TrainConfig,
	},
};
use serde::Serialize;
use std::{collections::BTreeMap, time::Instant};

/// The task's size and the fine-tune.
#[derive(Clone, Debug, Serialize)]
pub struct InfluenceTaskConfig {
	pub classes: usize,
	pub train_per_class: usize,
	pub test_per_class: usize,
	pub seed: u64,
	pub training: TrainConfig,
	/// DataInf's damping factor (the paper: 0.1); also the principal-subspace estimator's ε factor.
	pub damping: f64,
}

/// One estimator's scores over the test examples.
#[derive(Clone, Debug, Serialize)]
pub struct EstimatorQuality {
	/// Mean ROC-AUC with a 95 % bootstrap interval, and its standard deviation over test examples.
	pub auc: Estimate,
	pub auc_sd: f64,
	/// Mean recall of same-class examples among the top `train_per_class`, and its standard deviation.
	pub recall: Estimate,
	pub recall_sd: f64,
}

/// Everything the protocol measures.
#[derive(Clone, Debug, Serialize)]
pub struct InfluenceTaskReport {
	pub config: InfluenceTaskConfig,
	pub train_examples: usize,
	pub test_examples: usize,
	/// Mean loss (nats per target token) of the test examples before and after the fine-tune: whether the
	/// model learnt the task at all.
	pub test_loss_base: f64,
	pub test_loss_tuned: f64,
	pub best_epoch: usize,
	pub estimators: BTreeMap<&'static str, EstimatorQuality>,
	/// The principal cosine ([`principal_cosines`]) at other ranks than the estimator's (the number of training
	/// datasets): how much the choice of rank matters. `rank ≥ training examples` keeps every direction.
	pub principal_by_rank: Vec<(usize, EstimatorQuality)>,
	/// Share of test examples whose top-credited class dataset, by the product's served influence (summed,
	/// centred sketches), is their own class.
	pub product_class_precision_at_1: Estimate,
	/// The same by the principal cosine in the form a fine-tune could serve it ([`PrincipalSketch`], not served).
	pub principal_sketch_class_precision_at_1: Estimate,
	pub train_s: f64,
	pub gradients_s: f64,
	pub scores_s: f64,
}

/// What the protocol reports as it goes: a stage name, done and total.
pub type TaskProgress<'a> = &'a mut dyn FnMut(&str, usize, usize);

fn sd(values: &[f64]) -> f64 {
	#[allow(clippy::cast_precision_loss)]
	let n = values.len().max(1) as f64;
	let mean = values.iter().sum::<f64>() / n;
	(values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

fn quality(scores: &[Vec<f64>], train_class: &[usize], test_class: &[usize], k: usize) -> EstimatorQuality {
	let (mut aucs, mut recalls) = (Vec::new(), Vec::new());
	for (row, class) in scores.iter().zip(test_class) {
		let positive: Vec<bool> = train_class.iter().map(|c| c == class).collect();
		aucs.push(roc_auc(row, &positive));
		recalls.push(recall_at(row, &positive, k));
	}
	EstimatorQuality {
		auc: bootstrap_mean(&aucs, 2000, 1),
		auc_sd: sd(&aucs),
		recall: bootstrap_mean(&recalls, 2000, 2),
		recall_sd: sd(&recalls),
	}
}

fn mean_loss(generator: &Generator, examples: &[crate::train::examples::Example]) -> Result<f64> {
	let mut total = 0.0;
	for e in examples {
		total += f64::from(crate::train::example_loss(generator.model(), e, false)?.to_scalar::<f32>()?);
	}
	#[allow(clippy::cast_precision_loss)]
	Ok(total / examples.len().max(1) as f64)
}

/// Runs the protocol with `generator` (the f32 base model; left without an adapter).
///
/// # Errors
/// The task's, training's and the estimators' errors.
pub fn run(generator: &mut Generator, config: &InfluenceTaskConfig, progress: TaskProgress) -> Result<InfluenceTaskReport> {
	let task = task(config.classes, config.train_per_class, config.test_per_class, config.seed)?;
	let train_examples = examples(generator, &task.train_version, config.training.max_tokens)?;
	let test_examples = examples(generator, &task.test_version, config.training.max_tokens)?;
	let class_of = |e: &crate::train::examples::Example| usize::try_from(e.dataset.saturating_sub(1)).unwrap_or(0);
	let train_class: Vec<usize> = train_examples.iter().map(class_of).collect();
	let test_class: Vec<usize> = test_examples.iter().map(class_of).collect();
	let test_loss_base = mean_loss(generator, &test_examples)?;

	let t = Instant::now();
	let trained = train(generator, &train_examples, &config.training, &mut |p| {
		if let Progress::Step { epoch, step, steps, .. } = p {
			progress(&format!("training, epoch {epoch}"), *step, *steps);
		}
	})?;
	let train_s = t.elapsed().as_secs_f64();
	generator.model_mut().apply_lora(&trained.adapter, std::path::Path::new("<datainf>"))?;
	let test_loss_tuned = mean_loss(generator, &test_examples);
	generator.model_mut().clear_lora();
	let test_loss_tuned = test_loss_tuned?;

	let t = Instant::now();
	let n_train = train_examples.len();
	let mut all = train_examples;
	all.extend(test_examples);
	let grads = gradients(generator, &trained.adapter, &all, &mut |done, total| progress("gradients", done, total))?;
	let (train_grads, test_grads) = split(&grads, n_train)?;
	let gradients_s = t.elapsed().as_secs_f64();

	let t = Instant::now();
	let k = config.train_per_class;
	let sketcher = Sketcher { dim: SKETCH_DIM, seed: config.seed };
	let mut estimators = BTreeMap::new();
	estimators.insert("gradient_dot", quality(&gradient_dot(&train_grads, &test_grads)?, &train_class, &test_class, k));
	estimators
		.insert("datainf", quality(&datainf(&train_grads, &test_grads, config.damping)?, &train_class, &test_class, k));
	estimators.insert("gradient_cosine", quality(&gradient_cosine(&train_grads, &test_grads)?, &train_class, &test_class, k));
	estimators.insert(
		"centred_gradient_cosine",
		quality(&centred_gradient_cosine(&train_grads, &test_grads)?, &train_class, &test_class, k),
	);
	// The rank is the number of datasets the fine-tune learnt from — fixed before any AUC was seen on a run it is
	// reported on (docs/ATTRIBUTION.md) — with the sweep beside it.
	let classes = config.classes;
	let ranks = [classes, (classes / 2).max(1), classes.saturating_mul(2), classes.saturating_mul(3), n_train];
	let mut by_rank: Vec<(usize, EstimatorQuality)> = principal_cosines(&train_grads, &test_grads, config.damping, &ranks)?
		.iter()
		.zip(ranks)
		.map(|(scores, rank)| (rank, quality(scores, &train_class, &test_class, k)))
		.collect();
	let principal = by_rank.remove(0);
	estimators.insert("principal_cosine", principal.1);
	estimators.insert(
		"sketched_cosine",
		quality(&sketched_cosine(&train_grads, &test_grads, &sketcher)?, &train_class, &test_class, k),
	);
	estimators.insert(
		"centred_sketched_cosine",
		quality(&centred_sketched_cosine(&train_grads, &test_grads, &sketcher)?, &train_class, &test_class, k),
	);
	// The principal influence in its servable form, fitted on the training examples, each test answer credited by
	// dataset; and per example, the cosine of its coordinates with each training example's (the principal cosine
	// in the sketch's space: what the sketch costs against `principal_cosine`).
	let Servable { model: servable, train_rows, test_sketches } =
		servable_principal(&train_grads, &test_grads, &train_class, sketcher, config.damping)?;
	let train_coords: Vec<Vec<f64>> = train_rows.iter().map(|(_, row)| servable.coordinates(row)).collect();
	let sketch_scores: Vec<Vec<f64>> = test_sketches
		.iter()
		.map(|sketch| {
			let coords = servable.coordinates(sketch);
			train_coords.iter().map(|g| cosine(&coords, g)).collect()
		})
		.collect();
	estimators.insert("principal_sketch_cosine", quality(&sketch_scores, &train_class, &test_class, k));
	let top_is_own = |credit: &[(u64, f64)], class: usize| {
		let top = credit.iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0))).map(|(d, _)| *d);
		if top == Some(class as u64) { 1.0 } else { 0.0 }
	};
	let principal_hits: Vec<f64> =
		test_sketches.iter().zip(&test_class).map(|(sketch, class)| top_is_own(&servable.credit(sketch), *class)).collect();
	// The product as served: sketches summed per class dataset, the test answer credited by centred cosine.
	let mut sums: BTreeMap<u64, Vec<f32>> = BTreeMap::new();
	for (sketch, class) in sketches(&train_grads, &sketcher)?.iter().zip(&train_class) {
		let sum = sums.entry(*class as u64).or_insert_with(|| vec![0f32; sketcher.dim]);
		sum.iter_mut().zip(sketch).for_each(|(s, x)| *s += x);
	}
	let hits: Vec<f64> = sketches(&test_grads, &sketcher)?
		.iter()
		.zip(&test_class)
		.map(|(sketch, class)| top_is_own(&influence(sketch, &sums), *class))
		.collect();
	let scores_s = t.elapsed().as_secs_f64();
	Ok(InfluenceTaskReport {
		config: config.clone(),
		train_examples: n_train,
		test_examples: test_class.len(),
		test_loss_base,
		test_loss_tuned,
		best_epoch: trained.best_epoch,
		estimators,
		principal_by_rank: by_rank,
		product_class_precision_at_1: bootstrap_mean(&hits, 2000, 3),
		principal_sketch_class_precision_at_1: bootstrap_mean(&principal_hits, 2000, 4),
		train_s,
		gradients_s,
		scores_s,
	})
}

/// Example `i`'s gradient, one flat vector per LoRA weight matrix.
fn example_blocks(grads: &Gradients, i: usize) -> Result<Vec<Vec<f32>>> {
	grads.blocks.iter().map(|b| Ok(b.get(i)?.to_vec1::<f32>()?)).collect()
}

/// The principal influence a fine-tune on the training examples could write, with what it was fitted on.
struct Servable {
	model: PrincipalSketch,
	/// `(class, preconditioned sketch)` of each training example.
	train_rows: Vec<(u64, Vec<f32>)>,
	/// Each test example's preconditioned sketch.
	test_sketches: Vec<Vec<f32>>,
}

/// [`Servable`] for `train` (preconditioned by its second moment) and `test`.
fn servable_principal(
	train: &Gradients,
	test: &Gradients,
	train_class: &[usize],
	sketcher: Sketcher,
	damping: f64,
) -> Result<Servable> {
	let mut moments = MomentAccumulator::default();
	for i in 0..train.examples {
		moments.add(&example_blocks(train, i)?)?;
	}
	let pre: Preconditioner = moments.finish(damping)?;
	let rows = train_class
		.iter()
		.enumerate()
		.map(|(i, class)| Ok((*class as u64, pre.sketch(&example_blocks(train, i)?, &sketcher)?)))
		.collect::<Result<Vec<_>>>()?;
	let tests = (0..test.examples).map(|t| pre.sketch(&example_blocks(test, t)?, &sketcher)).collect::<Result<Vec<_>>>()?;
	Ok(Servable { model: PrincipalSketch::fit(sketcher, pre, &rows)?, train_rows: rows, test_sketches: tests })
}

/// The first `n` examples' gradients and the rest's.
fn split(grads: &Gradients, n: usize) -> Result<(Gradients, Gradients)> {
	let rest = grads.examples.saturating_sub(n);
	let head = grads.blocks.iter().map(|b| Ok(b.narrow(0, 0, n)?)).collect::<Result<Vec<_>>>()?;
	let tail = grads.blocks.iter().map(|b| Ok(b.narrow(0, n, rest)?)).collect::<Result<Vec<_>>>()?;
	Ok((Gradients { blocks: head, examples: n }, Gradients { blocks: tail, examples: rest }))
}
