//! ModelFactory's fine-tuning: a LoRA adapter trained on a DataNet version's examples ([`examples`]) over the
//! f32 base model. `A` starts small and seeded (uniform in ±1/√in), `B` at zero, so training starts exactly at the
//! base model; AdamW updates both on one example per step in a seeded order. After every epoch the mean loss on
//! the validation examples (a seeded fifth of them when there are at least ten, otherwise all) decides: the best
//! epoch's adapter is kept, and training stops after `patience` epochs without improvement.

pub mod examples;
pub mod datainf;
pub mod influence;
pub mod principal;
pub mod principal_sketch;

use crate::{
	rng::SplitMix64,
	error::{Result, WorkerError},
	generate::{
		llama::{KvCache, Llama},
		lora::{LoraAdapter, LoraDelta, LoraTarget},
		Generator,
	},
};
use candle::{Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use examples::Example;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, path::Path};

/// What to train and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
	/// LoRA rank (1–64).
	pub rank: usize,
	/// LoRA alpha; the update is scaled by alpha / rank (0 < alpha ≤ 1024).
	pub alpha: f64,
	/// Projections to adapt, by GGUF name (`attn_q`, `attn_v`, …), in every layer.
	pub targets: Vec<String>,
	/// AdamW learning rate (0 < lr ≤ 0.1).
	pub learning_rate: f64,
	/// Most epochs (1–100).
	pub epochs: usize,
	/// Epochs without a better validation loss before stopping (1–100).
	pub patience: usize,
	/// Seeds the initialisation, the example order and the validation split.
	pub seed: u64,
	/// Longest example in tokens (16–2048); longer targets are cut.
	pub max_tokens: usize,
}

impl Default for TrainConfig {
	fn default() -> Self {
		Self {
			rank: 8,
			alpha: 16.0,
			targets: vec!["attn_q".into(), "attn_v".into()],
			learning_rate: 2e-3,
			epochs: 4,
			patience: 2,
			seed: 42,
			max_tokens: 256,
		}
	}
}

impl TrainConfig {
	/// Checks every parameter's range.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] naming the first parameter out of range.
	pub fn check(&self) -> Result<()> {
		let fail = |message: String| Err(WorkerError::InvalidInput(message));
		if !(1..=64).contains(&self.rank) {
			return fail(format!("rank {} is outside 1–64", self.rank));
		}
		if !(self.alpha.is_finite() && self.alpha > 0.0 && self.alpha <= 1024.0) {
			return fail(format!("alpha {} is outside (0, 1024]", self.alpha));
		}
		if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 0.1) {
			return fail(format!("learning rate {} is outside (0, 0.1]", self.learning_rate));
		}
		if !(1..=100).contains(&self.epochs) {
			return fail(format!("epochs {} is outside 1–100", self.epochs));
		}
		if !(1..=100).contains(&self.patience) {
			return fail(format!("patience {} is outside 1–100", self.patience));
		}
		if !(16..=2048).contains(&self.max_tokens) {
			return fail(format!("max tokens {} is outside 16–2048", self.max_tokens));
		}
		if self.targets.is_empty() {
			return fail("no target projections".into());
		}
		for (i, target) in self.targets.iter().enumerate() {
			if target.parse::<LoraTarget>().is_err() {
				return fail(format!("unknown target {target:?} (one of {})", LoraTarget::names()));
			}
			if self.targets.iter().take(i).any(|t| t == target) {
				return fail(format!("target {target} is named twice"));
			}
		}
		Ok(())
	}
}

/// Mean losses after one epoch (nats per target token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLoss {
	pub epoch: usize,
	pub train: f64,
	pub validation: f64,
}

/// What training reports as it goes.
#[derive(Clone, Debug)]
pub enum Progress {
	Step { epoch: usize, step: usize, steps: usize, loss: f64 },
	Epoch(EpochLoss),
}

/// A trained adapter and how training went.
#[derive(Clone, Debug)]
pub struct Trained {
	/// The best epoch's adapter.
	pub adapter: LoraAdapter,
	/// Validation loss of the base model, before any step.
	pub base_validation: f64,
	pub losses: Vec<EpochLoss>,
	pub best_epoch: usize,
	pub stopped_early: bool,
	pub train_examples: usize,
	pub validation_examples: usize,
}

/// One trainable delta.
struct DeltaVars {
	layer: usize,
	target: LoraTarget,
	a: Var,
	b: Var,
}

fn init_vars(model: &Llama, config: &TrainConfig, rng: &mut SplitMix64) -> Result<Vec<DeltaVars>> {
	let mut vars = Vec::new();
	for layer in 0..model.config().num_hidden_layers {
		for target in &config.targets {
			let target: LoraTarget = target.parse()?;
			let (out, input) = model.projection_shape(layer, target).ok_or_else(|| {
				WorkerError::InvalidInput(format!("the model has no projection blk.{layer}.{target}"))
			})?;
			#[allow(clippy::cast_precision_loss)]
			let bound = 1.0 / (input as f64).sqrt();
			#[allow(clippy::cast_possible_truncation)]
			let a: Vec<f32> = (0..config.rank.saturating_mul(input)).map(|_| ((rng.unit() * 2.0 - 1.0) * bound) as f32).collect();
			let a = Var::from_tensor(&Tensor::from_vec(a, (config.rank, input), &Device::Cpu)?)?;
			let b = Var::zeros((out, config.rank), candle::DType::F32, &Device::Cpu)?;
			vars.push(DeltaVars { layer, target, a, b });
		}
	}
	Ok(vars)
}

/// The adapter the variables hold; `detach` copies the values out (a snapshot), otherwise the deltas share the
/// variables' storage and follow every optimiser step.
fn adapter_of(vars: &[DeltaVars], config: &TrainConfig, detach: bool) -> Result<LoraAdapter> {
	#[allow(clippy::cast_precision_loss)]
	let scale = config.alpha / config.rank as f64;
	let mut deltas = BTreeMap::new();
	for v in vars {
		let (a, b) = if detach {
			(v.a.as_tensor().copy()?, v.b.as_tensor().copy()?)
		} else {
			(v.a.as_tensor().clone(), v.b.as_tensor().clone())
		};
		deltas.insert((v.layer, v.target), LoraDelta { a, b, scale });
	}
	Ok(LoraAdapter { deltas })
}

/// Mean cross-entropy of `example`'s target tokens, as a scalar tensor (differentiable through the LoRA
/// variables when `differentiable`).
pub fn example_loss(model: &Llama, example: &Example, differentiable: bool) -> Result<Tensor> {
	let tokens = example.tokens();
	let hidden = if differentiable {
		model.forward_differentiable(&tokens)?
	} else {
		model.forward(&tokens, &mut KvCache::default())?
	};
	let start = example
		.prompt
		.len()
		.checked_sub(1)
		.ok_or_else(|| WorkerError::InvalidInput("an example without a prompt".into()))?;
	let logits = model.logits(&hidden.narrow(0, start, example.target.len())?)?;
	let targets = Tensor::new(example.target.as_slice(), &Device::Cpu)?;
	Ok(candle_nn::loss::cross_entropy(&logits, &targets)?)
}

fn mean_loss(model: &Llama, examples: &[&Example]) -> Result<f64> {
	let mut total = 0.0;
	for example in examples {
		total += f64::from(example_loss(model, example, false)?.to_scalar::<f32>()?);
	}
	#[allow(clippy::cast_precision_loss)]
	Ok(total / examples.len().max(1) as f64)
}

/// Trains an adapter for `generator`'s model on `examples`. The generator is left without an adapter.
///
/// # Errors
/// [`WorkerError::InvalidInput`] for parameters out of range ([`TrainConfig::check`]), no examples, or a model
/// loaded quantised; tensor failures.
pub fn train(
	generator: &mut Generator,
	examples: &[Example],
	config: &TrainConfig,
	progress: &mut dyn FnMut(&Progress),
) -> Result<Trained> {
	config.check()?;
	if examples.is_empty() {
		return Err(WorkerError::InvalidInput("no examples to train on".into()));
	}
	if !generator.model().is_dense() {
		return Err(WorkerError::InvalidInput("training needs the f32 base model (drop --quantized)".into()));
	}
	let mut rng = SplitMix64(config.seed);
	let mut order: Vec<usize> = (0..examples.len()).collect();
	rng.shuffle(&mut order);
	let held_out = if examples.len() >= 10 { examples.len() / 5 } else { 0 };
	let (validation_ids, train_ids) = order.split_at(held_out);
	let mut train_ids = train_ids.to_vec();
	let validation: Vec<&Example> = if held_out == 0 {
		examples.iter().collect()
	} else {
		validation_ids.iter().filter_map(|&i| examples.get(i)).collect()
	};

	let vars = init_vars(generator.model(), config, &mut rng)?;
	generator.model_mut().apply_lora(&adapter_of(&vars, config, false)?, Path::new("<training>"))?;
	let params = ParamsAdamW { lr: config.learning_rate, weight_decay: 0.0, ..Default::default() };
	let mut optimizer = AdamW::new(vars.iter().flat_map(|v| [v.a.clone(), v.b.clone()]).collect(), params)?;

	let base_validation = mean_loss(generator.model(), &validation)?;
	let mut best = (base_validation, 0, adapter_of(&vars, config, true)?);
	let (mut losses, mut since_best, mut stopped_early) = (Vec::new(), 0, false);
	for epoch in 1..=config.epochs {
		rng.shuffle(&mut train_ids);
		let mut total = 0.0;
		for (step, example) in train_ids.iter().filter_map(|&i| examples.get(i)).enumerate() {
			let loss = example_loss(generator.model(), example, true)?;
			optimizer.backward_step(&loss)?;
			let loss = f64::from(loss.to_scalar::<f32>()?);
			total += loss;
			progress(&Progress::Step { epoch, step: step.saturating_add(1), steps: train_ids.len(), loss });
		}
		#[allow(clippy::cast_precision_loss)]
		let train_loss = total / train_ids.len().max(1) as f64;
		let record = EpochLoss { epoch, train: train_loss, validation: mean_loss(generator.model(), &validation)? };
		progress(&Progress::Epoch(record.clone()));
		if record.validation < best.0 {
			best = (record.validation, epoch, adapter_of(&vars, config, true)?);
			since_best = 0;
		} else {
			since_best += 1;
		}
		losses.push(record);
		if since_best >= config.patience && epoch < config.epochs {
			stopped_early = true;
			break;
		}
	}
	generator.model_mut().clear_lora();
	Ok(Trained {
		adapter: best.2,
		base_validation,
		losses,
		best_epoch: best.1,
		stopped_early,
		train_examples: train_ids.len(),
		validation_examples: validation.len(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parameters_out_of_range_are_named() {
		assert!(TrainConfig::default().check().is_ok());
		let cases: [(TrainConfig, &str); 9] = [
			(TrainConfig { rank: 0, ..Default::default() }, "rank"),
			(TrainConfig { rank: 65, ..Default::default() }, "rank"),
			(TrainConfig { alpha: f64::NAN, ..Default::default() }, "alpha"),
			(TrainConfig { learning_rate: 0.0, ..Default::default() }, "learning rate"),
			(TrainConfig { epochs: 0, ..Default::default() }, "epochs"),
			(TrainConfig { patience: 0, ..Default::default() }, "patience"),
			(TrainConfig { max_tokens: 8, ..Default::default() }, "max tokens"),
			(TrainConfig { targets: vec!["attn_x".into()], ..Default::default() }, "unknown target"),
			(TrainConfig { targets: vec!["attn_q".into(), "attn_q".into()], ..Default::default() }, "named twice"),
		];
		for (config, name) in cases {
			let error = config.check().unwrap_err().to_string();
			assert!(error.contains(name), "{error} should name {name}");
		}
	}

	#[test]
	fn the_seeded_shuffle_is_a_reproducible_permutation() {
		let shuffled = |seed| {
			let mut items: Vec<u32> = (0..20).collect();
			SplitMix64(seed).shuffle(&mut items);
			items
		};
		assert_eq!(shuffled(7), shuffled(7));
		assert_ne!(shuffled(7), shuffled(8));
		let mut sorted = shuffled(7);
		sorted.sort_unstable();
		assert_eq!(sorted, (0..20).collect::<Vec<_>>());
	}
}
