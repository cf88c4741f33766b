//! `attribution-worker train`: ModelFactory from the command line. Fine-tunes a LoRA adapter for SmolLM2 on a
//! DataNet version and writes, into `--out`: the adapter (`adapter.safetensors`), the loss curve (`loss.csv`),
//! each dataset's training-gradient sketch (`influence.safetensors`, for influence attribution), and
//! `training.json` — the base model, the DataNet version and its datasets, the hyper-parameters, and the content
//! hashes a model registration on chain records.

use crate::{commands, Common};
use anyhow::{ensure, Context, Result};
use attribution_worker::{
	datanet::DataNetVersion,
	generate::Generator,
	models::SMOLLM2_GGUF_SHA256,
	train::{
		examples::{examples, Example},
		influence::{dataset_sketches, save_sketches, Sketcher, SKETCH_DIM},
		train, Progress, TrainConfig, Trained,
	},
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use openledger_primitives::content::content_hash;
use serde_json::json;
use std::{collections::BTreeMap, fmt::Write as _, path::PathBuf};

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
	let mut generator = commands::load_generator(common, None)?;
	let found = examples(&generator, &version, config.max_tokens)?;
	let trained = train_with_progress(common, &mut generator, &found, &config)?;
	let sketcher = Sketcher { dim: SKETCH_DIM, seed: config.seed };
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(found.len() as u64) };
	bar.set_style(
		ProgressStyle::with_template("influence sketches [{bar:30}] {pos}/{len} examples ({eta})")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	let sketches = dataset_sketches(&mut generator, &trained.adapter, &found, &sketcher, &mut |done, _| {
		bar.set_position(done as u64);
	})?;
	bar.finish_and_clear();
	std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
	save_sketches(&args.out.join("influence.safetensors"), &sketches, &sketcher)?;
	let summary = write_outputs(args, &config, &version, &trained)?;
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
			args.out.join("adapter.safetensors").display(),
			summary["adapter"]["contentHash"].as_str().unwrap_or_default(),
			args.out.join("training.json").display(),
		);
	}
	Ok(())
}

fn train_with_progress(
	common: &Common,
	generator: &mut Generator,
	found: &[Example],
	config: &TrainConfig,
) -> Result<Trained> {
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
	bar.set_style(
		ProgressStyle::with_template("epoch {msg} [{bar:30}] {pos}/{len} examples ({per_sec}, eta {eta})")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	let trained = train(generator, found, config, &mut |progress| match progress {
		Progress::Step { epoch, step, steps, loss } => {
			bar.set_length(*steps as u64);
			bar.set_position(*step as u64);
			bar.set_message(format!("{epoch}/{} loss {loss:.3}", config.epochs));
		},
		Progress::Epoch(l) => {
			bar.println(format!("epoch {}: train loss {:.4}, validation loss {:.4}", l.epoch, l.train, l.validation));
		},
	})?;
	bar.finish_and_clear();
	Ok(trained)
}

fn hash_hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(content_hash(bytes).0))
}

/// Writes the adapter, loss.csv and training.json; returns training.json's content.
fn write_outputs(
	args: &TrainArgs,
	config: &TrainConfig,
	version: &DataNetVersion,
	trained: &Trained,
) -> Result<serde_json::Value> {
	std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
	let adapter_path = args.out.join("adapter.safetensors");
	let metadata = BTreeMap::from([
		("base_model".to_owned(), format!("0x{SMOLLM2_GGUF_SHA256}")),
		("datanet".to_owned(), version.datanet.to_string()),
		("version".to_owned(), version.version.to_string()),
		("root".to_owned(), version.root_hex()),
		("targets".to_owned(), config.targets.join(",")),
	]);
	trained.adapter.save(&adapter_path, config.alpha, &metadata)?;
	let adapter_bytes = std::fs::read(&adapter_path).with_context(|| format!("{}", adapter_path.display()))?;

	let mut csv = String::from("epoch,train_loss,validation_loss\n");
	let _ = writeln!(csv, "0,,{:.6}", trained.base_validation);
	for l in &trained.losses {
		let _ = writeln!(csv, "{},{:.6},{:.6}", l.epoch, l.train, l.validation);
	}
	std::fs::write(args.out.join("loss.csv"), csv).context("writing loss.csv")?;

	let hyperparameters = serde_json::to_vec(config)?;
	let influence = std::fs::read(args.out.join("influence.safetensors")).context("reading influence.safetensors")?;
	let summary = json!({
		"baseModel": format!("0x{SMOLLM2_GGUF_SHA256}"),
		"datanet": version.datanet,
		"version": version.version,
		"root": version.root_hex(),
		"datasets": version.datasets.iter().map(|d| d.id).collect::<Vec<_>>(),
		"hyperparameters": config,
		"hyperparametersHash": hash_hex(&hyperparameters),
		"adapter": { "file": "adapter.safetensors", "bytes": adapter_bytes.len(), "contentHash": hash_hex(&adapter_bytes) },
		"influence": { "file": "influence.safetensors", "sketchDim": SKETCH_DIM, "contentHash": hash_hex(&influence) },
		"influenceHash": hash_hex(&influence),
		"examples": { "train": trained.train_examples, "validation": trained.validation_examples },
		"baseValidationLoss": trained.base_validation,
		"losses": trained.losses,
		"bestEpoch": trained.best_epoch,
		"stoppedEarly": trained.stopped_early,
	});
	std::fs::write(args.out.join("training.json"), serde_json::to_vec_pretty(&summary)?).context("writing training.json")?;
	Ok(summary)
}
