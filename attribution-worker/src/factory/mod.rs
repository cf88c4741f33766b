//! `attribution-worker train`: ModelFactory from the command line. Fine-tunes a LoRA adapter for SmolLM2 on a
//! DataNet version and writes, into `--out`: the adapter (`adapter.safetensors`), the loss curve (`loss.csv` and
//! `loss.png`), each dataset's training-gradient sketch (`influence.safetensors`, for influence attribution), and
//! `training.json` — the base model, the DataNet version and its datasets, the hyper-parameters, and the content
//! hashes a model registration on chain records. The studio runs the same [`fine_tune`].

mod fine_tune;
mod outputs;
pub(crate) mod plot;

pub use fine_tune::{fine_tune, FineTuned, Stage};
pub use outputs::{ADAPTER_FILE, INFLUENCE_FILE, LOSS_PLOT_FILE};

use crate::{loading::load_generator, Common};
use anyhow::{ensure, Result};
use attribution_engine::{
	datanet::DataNetVersion,
	train::{examples::examples, Progress, TrainConfig},
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// What to fine-tune on and how.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
	/// The DataNet version's manifest (datanet.json; `run` keeps one per version under <data-dir>/datanets).
	#[arg(long)]
	pub manifest: PathBuf,
	/// Directory for the adapter, loss curve and training.json (created; existing files are replaced).
	#[arg(long)]
	pub out: PathBuf,
	/// LoRA rank (1–64).
	#[arg(long, default_value_t = 8)]
	pub rank: usize,
	/// LoRA alpha (the update is scaled by alpha / rank).
	#[arg(long, default_value_t = 16.0)]
	pub alpha: f64,
	/// Projections to adapt in every layer (attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down).
	#[arg(long, value_delimiter = ',', default_value = "attn_q,attn_v")]
	pub targets: Vec<String>,
	/// AdamW learning rate.
	#[arg(long, default_value_t = 2e-3)]
	pub learning_rate: f64,
	/// Most epochs.
	#[arg(long, default_value_t = 4)]
	pub epochs: usize,
	/// Epochs without a better validation loss before stopping early.
	#[arg(long, default_value_t = 2)]
	pub patience: usize,
	/// Seeds initialisation, example order and the validation split.
	#[arg(long, default_value_t = 42)]
	pub seed: u64,
	/// Longest example in tokens.
	#[arg(long, default_value_t = 256)]
	pub max_tokens: usize,
}

impl TrainArgs {
	fn config(&self) -> TrainConfig {
		TrainConfig {
			rank: self.rank,
			alpha: self.alpha,
			targets: self.targets.clone(),
			learning_rate: self.learning_rate,
			epochs: self.epochs,
			patience: self.patience,
			seed: self.seed,
			max_tokens: self.max_tokens,
		}
	}
}

/// Runs `train`.
pub fn run(common: &Common, args: &TrainArgs) -> Result<()> {
	ensure!(!common.quantized, "training needs the f32 base model: drop --quantized");
	let config = args.config();
	config.check()?;
	let version = DataNetVersion::load(&args.manifest)?;
	let mut generator = load_generator(common, None)?;
	let found = examples(&generator, &version, config.max_tokens)?;
	let mut bars = Bars::new(common.json, config.epochs);
	let tuned = fine_tune(&mut generator, &version, &found, &config, &args.out, &mut |stage| bars.show(&stage))?;
	bars.finish();
	let (trained, summary) = (&tuned.trained, &tuned.summary);
	if common.json {
		println!("{summary}");
	} else {
		let best = trained.losses.iter().find(|l| l.epoch == trained.best_epoch);
		println!(
			"trained on DataNet {} v{} ({} examples, {} for validation): validation loss {:.3} → {:.3} (epoch {}{})\n  adapter {} ({})\n  wrote {}",
			version.datanet,
			version.version,
			trained.train_examples,
			trained.validation_examples,
			trained.base_validation,
			best.map_or(trained.base_validation, |l| l.validation),
			trained.best_epoch,
			if trained.stopped_early { ", stopped early" } else { "" },
			args.out.join(ADAPTER_FILE).display(),
			summary["adapter"]["contentHash"].as_str().unwrap_or_default(),
			args.out.join("training.json").display(),
		);
	}
	Ok(())
}

/// Terminal progress: one bar per epoch's steps, then one for the influence sketches (hidden with --json).
struct Bars {
	quiet: bool,
	epochs: usize,
	training: ProgressBar,
	sketching: Option<ProgressBar>,
}

impl Bars {
	fn new(quiet: bool, epochs: usize) -> Self {
		let training = Self::bar(quiet, "epoch {msg} [{bar:30}] {pos}/{len} examples ({per_sec}, eta {eta})");
		Self { quiet, epochs, training, sketching: None }
	}

	fn bar(quiet: bool, template: &str) -> ProgressBar {
		let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
		bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
		bar
	}

	fn show(&mut self, stage: &Stage<'_>) {
		match stage {
			Stage::Training(Progress::Step { epoch, step, steps, loss }) => {
				self.training.set_length(*steps as u64);
				self.training.set_position(*step as u64);
				self.training.set_message(format!("{epoch}/{} loss {loss:.3}", self.epochs));
			},
			Stage::Training(Progress::Epoch(l)) => self
				.training
				.println(format!("epoch {}: train loss {:.4}, validation loss {:.4}", l.epoch, l.train, l.validation)),
			Stage::Sketching { done, total } => {
				let quiet = self.quiet;
				let training = &self.training;
				let bar = self.sketching.get_or_insert_with(|| {
					training.finish_and_clear();
					Self::bar(quiet, "influence sketches [{bar:30}] {pos}/{len} examples ({eta})")
				});
				bar.set_length(*total as u64);
				bar.set_position(*done as u64);
			},
		}
	}

	fn finish(&self) {
		self.training.finish_and_clear();
		if let Some(bar) = &self.sketching {
			bar.finish_and_clear();
		}
	}
}
