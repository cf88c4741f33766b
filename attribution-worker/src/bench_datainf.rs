//! `attribution-worker bench datainf`: how well influence estimators find the training data a fine-tuned model
//! owes an answer to — the DataInf paper's sentence-transformation protocol (ten classes, each a dataset, one
//! LoRA fine-tune), with ROC-AUC and recall per estimator and the product's served influence beside them.

use crate::{loading::load_generator, Common};
use anyhow::{ensure, Result};
use attribution_engine::{
	evaluate::influence_task::{run as run_task, InfluenceTaskConfig},
	train::TrainConfig,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct DataInfArgs {
	/// Transformation classes (datasets), 1–10.
	#[arg(long, default_value_t = 10)]
	pub classes: usize,
	/// Training sentences per class.
	#[arg(long, default_value_t = 90)]
	pub train: usize,
	/// Test sentences per class.
	#[arg(long, default_value_t = 10)]
	pub test: usize,
	/// Fine-tuning epochs (ModelFactory's trainer; a fifth of the examples is its validation split).
	#[arg(long, default_value_t = 1)]
	pub epochs: usize,
	/// Seeds the sentences, the fine-tune and the sketches.
	#[arg(long, default_value_t = 42)]
	pub seed: u64,
	/// DataInf's damping factor; also the principal-subspace estimator's ε, as a share of the training gradients'
	/// mean second moment.
	#[arg(long, default_value_t = 0.1)]
	pub damping: f64,
}

/// Most training / test sentences per class: every example's gradient (≈ 0.5 M floats, 1.8 MB) is kept in memory,
/// so 10 × (200 + 50) examples stay under 5 GB.
pub const MAX_TRAIN_PER_CLASS: usize = 200;
pub const MAX_TEST_PER_CLASS: usize = 50;

/// Refuses, by name and before any work, sizes the machine cannot hold and a damping that is not positive.
fn check(args: &DataInfArgs) -> Result<()> {
	ensure!((1..=10).contains(&args.classes), "--classes {} is outside 1–10", args.classes);
	ensure!((1..=MAX_TRAIN_PER_CLASS).contains(&args.train), "--train {} is outside 1–{MAX_TRAIN_PER_CLASS}", args.train);
	ensure!((1..=MAX_TEST_PER_CLASS).contains(&args.test), "--test {} is outside 1–{MAX_TEST_PER_CLASS}", args.test);
	ensure!(args.damping.is_finite() && args.damping > 0.0, "--damping {} must be positive", args.damping);
	Ok(())
}

pub fn run(common: &Common, args: &DataInfArgs) -> Result<()> {
	ensure!(!common.quantized, "bench datainf fine-tunes the f32 model: drop --quantized");
	check(args)?;
	let config = InfluenceTaskConfig {
		classes: args.classes,
		train_per_class: args.train,
		test_per_class: args.test,
		seed: args.seed,
		training: TrainConfig { epochs: args.epochs, patience: args.epochs, seed: args.seed, ..TrainConfig::default() },
		damping: args.damping,
	};
	config.training.check()?;
	let started = Instant::now();
	let mut generator = load_generator(common, None)?;
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
	bar.set_style(
		ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed} elapsed, {eta} left)")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	let report = run_task(&mut generator, &config, &mut |stage, done, total| {
		if bar.message() != stage {
			bar.set_message(stage.to_owned());
			bar.reset();
		}
		bar.set_length(total as u64);
		bar.set_position(done as u64);
	})?;
	bar.finish_and_clear();
	let mut out = serde_json::to_value(&report)?;
	out["seconds"] = serde_json::json!(started.elapsed().as_secs_f64());
	out["published_llama2_13b"] = serde_json::json!({
		"sentence_transformations": { "gradient_dot": { "auc": 1.000, "recall": 0.988 }, "datainf": { "auc": 1.000, "recall": 0.998 } },
		"math_without_reasoning": { "gradient_dot": { "auc": 0.769, "recall": 0.292 }, "datainf": { "auc": 1.000, "recall": 0.998 } },
	});
	if common.json {
		println!("{out}");
	} else {
		println!("datainf: {}", serde_json::to_string_pretty(&out)?);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sizes_and_damping_out_of_range_are_refused_by_name() {
		let ok = DataInfArgs { classes: 10, train: 90, test: 10, epochs: 1, seed: 1, damping: 0.1 };
		assert!(check(&ok).is_ok());
		let cases = [
			(DataInfArgs { classes: 0, ..ok.clone() }, "--classes"),
			(DataInfArgs { classes: 11, ..ok.clone() }, "--classes"),
			(DataInfArgs { train: 0, ..ok.clone() }, "--train"),
			(DataInfArgs { train: MAX_TRAIN_PER_CLASS + 1, ..ok.clone() }, "--train"),
			(DataInfArgs { test: 1_000_000, ..ok.clone() }, "--test"),
			(DataInfArgs { damping: f64::NAN, ..ok.clone() }, "--damping"),
			(DataInfArgs { damping: -0.1, ..ok.clone() }, "--damping"),
		];
		for (args, name) in cases {
			let error = check(&args).unwrap_err().to_string();
			assert!(error.contains(name), "{error} should name {name}");
		}
	}
}
