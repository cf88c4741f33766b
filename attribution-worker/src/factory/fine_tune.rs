//! Fine-tuning one DataNet version into an output directory, reporting progress to the caller: what the
//! `train` command and the studio both run.

use super::outputs::{write_outputs, INFLUENCE_FILE};
use anyhow::{Context, Result};
use attribution_engine::{
	datanet::DataNetVersion,
	generate::Generator,
	train::{
		examples::Example,
		influence::{dataset_sketches, save_sketches, Sketcher, SKETCH_DIM},
		train, Progress, TrainConfig, Trained,
	},
};
use std::path::Path;

/// How far fine-tuning has got.
#[derive(Debug)]
pub enum Stage<'a> {
	/// A training step, or an epoch's losses.
	Training(&'a Progress),
	/// `done` of `total` examples sketched for influence (after training).
	Sketching { done: usize, total: usize },
}

/// What fine-tuning produced.
pub struct FineTuned {
	/// The best epoch's adapter and the loss curve.
	pub trained: Trained,
	/// training.json's content.
	pub summary: serde_json::Value,
}

/// Trains a LoRA adapter on `examples` (drawn from `version`), sketches each dataset's training gradients, and
/// writes the adapter, influence.safetensors, loss.csv, loss.png and training.json into `out` (created; files
/// replaced). `report` hears every step. The generator is left without an adapter, whether or not this succeeds.
///
/// # Errors
/// Parameters out of range, no examples, a quantised base model, tensor failures, and files that cannot be
/// written.
pub fn fine_tune(
	generator: &mut Generator,
	version: &DataNetVersion,
	examples: &[Example],
	config: &TrainConfig,
	out: &Path,
	report: &mut dyn FnMut(Stage<'_>),
) -> Result<FineTuned> {
	let tuned = train_and_sketch(generator, version, examples, config, out, report);
	if tuned.is_err() {
		generator.model_mut().clear_lora();
	}
	tuned
}

fn train_and_sketch(
	generator: &mut Generator,
	version: &DataNetVersion,
	examples: &[Example],
	config: &TrainConfig,
	out: &Path,
	report: &mut dyn FnMut(Stage<'_>),
) -> Result<FineTuned> {
	config.check()?;
	let trained = train(generator, examples, config, &mut |progress| report(Stage::Training(progress)))?;
	let sketcher = Sketcher { dim: SKETCH_DIM, seed: config.seed };
	let sketches = dataset_sketches(generator, &trained.adapter, examples, &sketcher, &mut |done, total| {
		report(Stage::Sketching { done, total });
	})?;
	std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
	save_sketches(&out.join(INFLUENCE_FILE), &sketches, &sketcher)?;
	let summary = write_outputs(out, config, version, &trained)?;
	Ok(FineTuned { trained, summary })
}
