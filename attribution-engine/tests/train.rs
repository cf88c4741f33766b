//! LoRA fine-tuning on the tiny self-made model: the differentiable forward pass matches the fast one, training
//! lowers the loss and is reproducible from its seed, the saved adapter is the trained one, and bad input is
//! refused by name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{
	generate::{llama::KvCache, lora::LoraAdapter, Generator},
	train::{examples::examples, example_loss, train, Progress, TrainConfig},
};
use std::collections::BTreeMap;
use support::{tiny_llama, tiny_version};

const FACTS: [(u64, &str); 2] = [
	(1, "Q: the thin one?\nA: the thin one is on.\n\nQ: in the inn?\nA: tin in the inn.\n\nQ: then?\nA: then the hen.\n"),
	(2, "the thin tin is on the thin hen.\n\nthe inn is on the thin hill."),
];

fn dense_generator(dir: &std::path::Path) -> Generator {
	Generator::load(&tiny_llama(&dir.join("tiny.gguf")), true).unwrap()
}

fn config() -> TrainConfig {
	TrainConfig { rank: 4, alpha: 8.0, learning_rate: 2e-2, epochs: 6, patience: 3, max_tokens: 256, ..Default::default() }
}

fn tensors(adapter: &LoraAdapter) -> Vec<Vec<f32>> {
	adapter
		.deltas
		.values()
		.flat_map(|d| [d.a.flatten_all().unwrap().to_vec1().unwrap(), d.b.flatten_all().unwrap().to_vec1().unwrap()])
		.collect()
}

#[test]
fn the_differentiable_forward_pass_matches_the_fast_one() {
	// The slow pass may be handed the fast pass's freed buffers: an output it left unwritten must not hold them.
	assert!(support::poison_allocations() || !cfg!(target_env = "gnu"));
	let dir = tempfile::tempdir().unwrap();
	let generator = dense_generator(dir.path());
	let tokens = generator.encode("the thin tin is on the thin hen").unwrap();
	let fast = generator.model().forward(&tokens, &mut KvCache::default()).unwrap();
	let slow = generator.model().forward_differentiable(&tokens).unwrap();
	let gap: f32 = (fast - slow).unwrap().abs().unwrap().max_all().unwrap().to_scalar().unwrap();
	assert!(gap < 1e-4, "largest difference {gap}");
}

#[test]
fn examples_come_from_question_answer_pairs_and_plain_paragraphs() {
	let dir = tempfile::tempdir().unwrap();
	let generator = dense_generator(dir.path());
	let found = examples(&generator, &tiny_version(&FACTS), 256).unwrap();
	assert_eq!(found.iter().filter(|e| e.dataset == 1).count(), 3, "three pairs");
	assert_eq!(found.iter().filter(|e| e.dataset == 2).count(), 2, "two paragraphs");
	let pair = found.first().unwrap();
	assert_eq!(pair.target.last(), Some(&generator.end_of_turn()), "an answer ends its turn");
	assert_eq!(pair.prompt, generator.rag_prompt("the thin one?", &[]).unwrap().tokens());
	let cut = examples(&generator, &tiny_version(&FACTS), 16);
	assert!(cut.unwrap_err().to_string().contains("--max-tokens"), "a prompt longer than the limit is named");
}

#[test]
fn training_lowers_the_loss_and_is_reproducible_from_its_seed() {
	// Runs and losses are compared with passes whose freed buffers they may be handed.
	assert!(support::poison_allocations() || !cfg!(target_env = "gnu"));
	let dir = tempfile::tempdir().unwrap();
	let mut generator = dense_generator(dir.path());
	let found = examples(&generator, &tiny_version(&FACTS), 256).unwrap();
	let mut steps = 0;
	let trained = train(&mut generator, &found, &config(), &mut |p| {
		if let Progress::Step { .. } = p {
			steps += 1;
		}
	})
	.unwrap();
	assert!(steps >= found.len(), "one step per example per epoch");
	assert_eq!((trained.train_examples, trained.validation_examples), (5, 5), "few examples: all validate");
	let best = trained.losses.iter().map(|l| l.validation).fold(f64::INFINITY, f64::min);
	assert!(best < trained.base_validation * 0.9, "{} → {best}", trained.base_validation);
	let first = trained.losses.first().unwrap().train;
	assert!(trained.losses.last().unwrap().train < first, "{:?}", trained.losses);

	let again = train(&mut generator, &found, &config(), &mut |_| {}).unwrap();
	assert_eq!(tensors(&again.adapter), tensors(&trained.adapter), "same seed, same adapter");
	let other = train(&mut generator, &found, &TrainConfig { seed: 7, ..config() }, &mut |_| {}).unwrap();
	assert_ne!(tensors(&other.adapter), tensors(&trained.adapter), "another seed, another adapter");

	// The saved file is the trained adapter: loading it gives the same loss as the adapter in memory.
	let path = dir.path().join("adapter.safetensors");
	trained.adapter.save(&path, config().alpha, &BTreeMap::from([("base_model".into(), "tiny".into())])).unwrap();
	let loaded = LoraAdapter::load(&path).unwrap();
	assert_eq!(tensors(&loaded), tensors(&trained.adapter));
	let example = found.first().unwrap();
	generator.model_mut().apply_lora(&loaded, &path).unwrap();
	let with_file: f32 = example_loss(generator.model(), example, false).unwrap().to_scalar().unwrap();
	generator.model_mut().apply_lora(&trained.adapter, &path).unwrap();
	let in_memory: f32 = example_loss(generator.model(), example, false).unwrap().to_scalar().unwrap();
	assert!((with_file - in_memory).abs() < 1e-6);
	generator.model_mut().clear_lora();
	let base: f32 = example_loss(generator.model(), example, false).unwrap().to_scalar().unwrap();
	assert!(in_memory < base, "the adapter lowers the loss: {base} → {in_memory}");
}

#[test]
fn a_quantised_model_and_parameters_out_of_range_are_refused() {
	let dir = tempfile::tempdir().unwrap();
	let mut quantised = Generator::load(&tiny_llama(&dir.path().join("q.gguf")), false).unwrap();
	let found = examples(&quantised, &tiny_version(&FACTS), 256).unwrap();
	let error = train(&mut quantised, &found, &config(), &mut |_| {}).unwrap_err();
	assert!(error.to_string().contains("f32 base model"), "{error}");

	let mut generator = dense_generator(dir.path());
	let error = train(&mut generator, &found, &TrainConfig { rank: 0, ..config() }, &mut |_| {}).unwrap_err();
	assert!(error.to_string().contains("rank 0"), "{error}");
	let error = train(&mut generator, &[], &config(), &mut |_| {}).unwrap_err();
	assert!(error.to_string().contains("no examples"), "{error}");
}
