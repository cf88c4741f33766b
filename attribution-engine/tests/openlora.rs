//! OpenLoRA on the tiny self-made model: batched decoding across adapters gives each row what decoding it
//! alone gives, and the adapter cache loads, hash-checks, reuses and evicts adapters under its budget.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use attribution_engine::{
	attribute::{AttributionConfig, Engine},
	error::WorkerError,
	generate::{
		lora::{LoraAdapter, LoraDelta, LoraTarget},
		openlora::{AdapterCache, AdapterSource},
		AnswerForm, Generator,
	},
};
use openledger_primitives::content::content_hash;
use std::{collections::BTreeMap, path::Path, sync::Arc};

/// An adapter on `attn_q` and `attn_v` of both layers, with weights seeded by `seed`.
fn adapter(seed: u64, rank: usize) -> LoraAdapter {
	let mut deltas = BTreeMap::new();
	for layer in 0..2 {
		for (i, (target, out)) in [(LoraTarget::AttnQ, support::LLAMA_DIM), (LoraTarget::AttnV, support::LLAMA_DIM / 2)].iter().enumerate() {
			let s = seed * 100 + layer as u64 * 10 + i as u64;
			let a = support::seeded((rank, support::LLAMA_DIM), s, 0.5);
			let b = support::seeded((*out, rank), s + 5, 0.5);
			deltas.insert((layer, *target), LoraDelta { a, b, scale: 2.0 });
		}
	}
	LoraAdapter { deltas }
}

/// Saves `adapter` as `<dir>/<name>` and returns where it is with its content hash.
fn saved(dir: &Path, name: &str, adapter: &LoraAdapter) -> AdapterSource {
	let path = dir.join(name);
	adapter.save(&path, 8.0, &BTreeMap::new()).unwrap();
	AdapterSource { hash: content_hash(&std::fs::read(&path).unwrap()), path }
}

#[test]
fn a_batch_of_rows_on_different_adapters_decodes_as_each_row_alone() {
	let dir = tempfile::tempdir().unwrap();
	let base = support::tiny_generator(dir.path());
	let with = |seed| base.with_lora(&adapter(seed, 4), Path::new("<test>")).unwrap();
	let (one, two) = (with(1), with(2));
	let questions = ["the dose?", "which drug treats fever?", "the dose?", "store it how?"];
	let generators: Vec<&Generator> = vec![&base, &one, &two, &one];
	let prompts: Vec<_> =
		questions.iter().map(|q| base.rag_prompt(q, &["zorvatin 40 mg daily", "store cool"]).unwrap()).collect();

	let batched = Generator::generate_batch(&generators, &prompts, 12, AnswerForm::Free).unwrap();
	for ((generator, prompt), got) in generators.iter().zip(&prompts).zip(&batched) {
		let alone = generator.generate(prompt, 12, AnswerForm::Free).unwrap();
		assert_eq!(got.tokens, alone.tokens);
		assert!((got.logprob - alone.logprob).abs() < 1e-3, "{} vs {}", got.logprob, alone.logprob);
	}
	// The adapters matter: the same prompt answered with two adapters and without differs.
	let scored: Vec<f64> =
		generators.iter().take(3).map(|g| g.score(&prompts[0].tokens(), &batched[1].tokens).unwrap()).collect();
	assert!((scored[0] - scored[1]).abs() > 1e-4 && (scored[1] - scored[2]).abs() > 1e-4, "{scored:?}");

	// A generator on another copy of the base weights cannot join the batch.
	let other_dir = dir.path().join("other");
	std::fs::create_dir_all(&other_dir).unwrap();
	let other = support::tiny_generator(&other_dir);
	let err = Generator::generate_batch(&[&base, &other], &prompts[..2], 4, AnswerForm::Free).unwrap_err();
	assert!(err.to_string().contains("different base"), "{err}");
	assert!(Generator::generate_batch(&[&base], &prompts[..2], 4, AnswerForm::Free).is_err(), "one generator for two prompts");
}

#[test]
fn the_cache_reuses_evicts_least_recent_and_checks_every_load() {
	let dir = tempfile::tempdir().unwrap();
	let base = support::tiny_generator(dir.path());
	let sources: Vec<AdapterSource> =
		(1..=3).map(|seed| saved(dir.path(), &format!("{seed}.safetensors"), &adapter(seed, 4))).collect();
	let one_adapter = base.with_lora(&adapter(1, 4), Path::new("<size>")).unwrap().model().lora_bytes();
	assert_eq!(one_adapter, 2 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4) * 4);
	// Room for two adapters.
	let cache = AdapterCache::new(base.clone(), one_adapter * 2 + one_adapter / 2).unwrap();

	let first = cache.get(&sources[0]).unwrap();
	assert!(Arc::ptr_eq(&first, &cache.get(&sources[0]).unwrap()), "a hit returns the cached model");
	cache.get(&sources[1]).unwrap();
	cache.get(&sources[0]).unwrap(); // 0 is now the most recent: 1 goes next
	cache.get(&sources[2]).unwrap();
	let stats = cache.stats();
	assert_eq!((stats.hits, stats.misses, stats.evictions, stats.cached), (2, 3, 1, 2));
	assert_eq!(stats.cached_bytes, one_adapter * 2);
	assert!(cache.contains(&sources[0].hash) && !cache.contains(&sources[1].hash) && cache.contains(&sources[2].hash));
	// The cached model answers as the adapter applied directly does.
	let prompt = base.rag_prompt("the dose?", &["40 mg"]).unwrap();
	let direct = base.with_lora(&adapter(1, 4), Path::new("<direct>")).unwrap();
	assert_eq!(first.generate(&prompt, 6, AnswerForm::Free).unwrap(), direct.generate(&prompt, 6, AnswerForm::Free).unwrap());

	// A file that does not hash to what the chain records is refused and not cached.
	let mut tampered = sources[1].clone();
	let mut bytes = std::fs::read(&tampered.path).unwrap();
	*bytes.last_mut().unwrap() ^= 0xff;
	tampered.path = dir.path().join("tampered.safetensors");
	std::fs::write(&tampered.path, bytes).unwrap();
	assert!(matches!(cache.get(&tampered), Err(WorkerError::HashMismatch { .. })));
	// An adapter for a wider model (another base) is refused by name.
	let mut wide = adapter(4, 4);
	for delta in wide.deltas.values_mut() {
		delta.a = support::seeded((4, 64), 3, 0.5);
	}
	let wide = saved(dir.path(), "wide.safetensors", &wide);
	let Err(err) = cache.get(&wide) else { panic!("a foreign adapter was accepted") };
	assert!(err.to_string().contains("wide.safetensors") && err.to_string().contains("another base model"), "{err}");
	// An adapter larger than the whole budget is refused by name.
	let big = saved(dir.path(), "big.safetensors", &adapter(5, 16));
	assert!(matches!(cache.get(&big), Err(WorkerError::AdapterOverBudget { .. })));
	assert_eq!(cache.stats().cached, 2, "failed loads change nothing");
	assert!(matches!(AdapterCache::new(base, 0), Err(WorkerError::InvalidInput(_))));
}

#[test]
fn engines_over_one_base_answer_together_as_each_alone_with_adapters_from_the_cache() {
	let dir = tempfile::tempdir().unwrap();
	let embedder = Arc::new(support::load_tiny_embedder(&dir.path().join("bert")));
	let version = support::tiny_version(&[
		(1, "Zorvatin treats fever. The standard adult dose of zorvatin is 40 mg daily."),
		(2, "Melquizole treats cough. Store melquizole below 25 degrees."),
	]);
	let base = support::tiny_generator(dir.path());
	let cache = Arc::new(AdapterCache::new(base.clone(), 1 << 20).unwrap());
	let config = AttributionConfig { k: 2, candidates: 2, max_new_tokens: 8, ..Default::default() };
	let engine = |adapter: Option<AdapterSource>| {
		let index = support::tiny_index(&embedder, &version);
		let engine = Engine::new(embedder.clone(), base.clone(), version.clone(), index, config).unwrap();
		match adapter {
			Some(source) => engine.with_adapter(cache.clone(), source),
			None => engine,
		}
	};
	let plain = engine(None);
	let tuned = engine(Some(saved(dir.path(), "tuned.safetensors", &adapter(7, 4))));
	let questions = ["What is the dose of zorvatin?", "How is melquizole stored?", "What is the dose of zorvatin?"];
	let engines = [&plain, &tuned, &tuned];
	let together = Engine::answer_batch(&engines, &questions).unwrap();
	for ((engine, question), got) in engines.iter().zip(questions).zip(&together) {
		assert_eq!(got.answer, engine.answer(question, &Default::default()).unwrap().answer);
	}
	assert_ne!(
		plain.model().unwrap().score(&[1, 2, 3], &[4, 5]).unwrap(),
		tuned.model().unwrap().score(&[1, 2, 3], &[4, 5]).unwrap(),
		"the tuned engine answers with its adapter"
	);
	assert_eq!(cache.stats().misses, 1, "the adapter was loaded once and then served from the cache");
	assert!(Engine::answer_batch(&engines, &questions[..2]).is_err());
}
