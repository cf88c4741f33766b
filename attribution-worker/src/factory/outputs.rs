//! What fine-tuning leaves in its output directory besides the sketches: the adapter, `loss.csv`, `loss.png`,
//! and `training.json` with the content hashes a model registration records.

use super::plot::plot_losses;
use anyhow::{Context, Result};
use attribution_engine::{
	datanet::DataNetVersion,
	pinned,
	train::{influence::SKETCH_DIM, TrainConfig, Trained},
};
use openledger_primitives::content::content_hash;
use serde_json::json;
use std::{collections::BTreeMap, fmt::Write as _, path::Path};

/// The adapter's file name in an output directory.
pub const ADAPTER_FILE: &str = "adapter.safetensors";
/// The influence sketches' file name in an output directory.
pub const INFLUENCE_FILE: &str = "influence.safetensors";
/// The loss plot's file name in an output directory.
pub const LOSS_PLOT_FILE: &str = "loss.png";

fn hash_hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(content_hash(bytes).0))
}

/// Writes the adapter, loss.csv, loss.png and training.json into `out`, where the influence sketches must
/// already be (training.json records their hash); returns training.json's content.
///
/// # Errors
/// A file cannot be written or read back, or the plot cannot be drawn.
pub fn write_outputs(
	out: &Path,
	config: &TrainConfig,
	version: &DataNetVersion,
	trained: &Trained,
) -> Result<serde_json::Value> {
	std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
	let adapter_path = out.join(ADAPTER_FILE);
	let metadata = BTreeMap::from([
		("base_model".to_owned(), format!("0x{}", pinned::base_model_sha256())),
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
	std::fs::write(out.join("loss.csv"), csv).context("writing loss.csv")?;
	plot_losses(&out.join(LOSS_PLOT_FILE), trained.base_validation, &trained.losses)?;

	let hyperparameters = serde_json::to_vec(config)?;
	let influence = std::fs::read(out.join(INFLUENCE_FILE)).context("reading influence.safetensors")?;
	let summary = json!({
		"baseModel": format!("0x{}", pinned::base_model_sha256()),
		"datanet": version.datanet,
		"version": version.version,
		"root": version.root_hex(),
		"datasets": version.datasets.iter().map(|d| d.id).collect::<Vec<_>>(),
		"hyperparameters": config,
		"hyperparametersHash": hash_hex(&hyperparameters),
		"adapter": { "file": ADAPTER_FILE, "bytes": adapter_bytes.len(), "contentHash": hash_hex(&adapter_bytes) },
		"influence": { "file": INFLUENCE_FILE, "sketchDim": SKETCH_DIM, "contentHash": hash_hex(&influence) },
		"influenceHash": hash_hex(&influence),
		"examples": { "train": trained.train_examples, "validation": trained.validation_examples },
		"baseValidationLoss": trained.base_validation,
		"losses": trained.losses,
		"bestEpoch": trained.best_epoch,
		"stoppedEarly": trained.stopped_early,
	});
	std::fs::write(out.join("training.json"), serde_json::to_vec_pretty(&summary)?).context("writing training.json")?;
	Ok(summary)
}
