//! Generator mechanics on a tiny self-made llama: KV-cache reuse in leave-one-out scoring, greedy decoding,
//! context limits, LoRA adapters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{
	generate::{
		llama::{KvCache, Llama, StepWeights},
		choose_quote, lora::LoraAdapter, AnswerForm, Prompt, MAX_CONTEXT_TOKENS, MAX_QUOTE_CANDIDATES, NULL_QUESTION,
		QUOTE_RANK_PENALTY},
	WorkerError,
};
use candle::{Device, Tensor};
use std::collections::HashMap;

#[test]
fn chatml_tokens_come_from_the_gguf_metadata() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let p = g.rag_prompt("what is the dose?", &["the dose is 40 mg", "store below 25 degrees"]).unwrap();
	assert_eq!(p.contexts(), 2);
	let id = |t: &str| g.tokenizer().token_to_id(t).unwrap();
	let (head, tail) = (&p.segments[0], p.segments.last().unwrap());
	assert_eq!(head[0], id("<|im_start|>"));
	assert!(head.contains(&id("<|im_end|>")));
	assert_eq!(g.decode(&p.segments[1]).unwrap(), "[1] the dose is 40 mg\n");
	assert_eq!(g.decode(&p.segments[2]).unwrap(), "[2] store below 25 degrees\n");
	let assistant = g.encode("assistant\n").unwrap();
	assert_eq!(tail[tail.len() - assistant.len() - 1], id("<|im_start|>"));
	assert!(tail.ends_with(&assistant));
	assert_eq!(g.decode(&g.encode("the dose, 40 mg").unwrap()).unwrap(), "the dose, 40 mg");
	assert!(matches!(g.rag_prompt("  ", &[]), Err(WorkerError::InvalidInput(_))));
}

#[test]
fn leave_one_out_with_shared_prefixes_equals_scoring_each_prompt_from_scratch() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let prompt = g
		.rag_prompt("which drug?", &["zorvatin treats fever", "melquizole 40 mg", "store cool", "made by a company"])
		.unwrap();
	let answer = g.encode("zorvatin, 40 mg").unwrap();
	let ablation = g.score_leave_one_out(&prompt, &answer).unwrap();
	let full = g.score(&prompt.tokens(), &answer).unwrap();
	assert!((ablation.full - full).abs() < 1e-3, "{} vs {full}", ablation.full);
	assert_eq!(ablation.without.len(), 4);
	for i in 1..=4 {
		let mut segments = prompt.segments.clone();
		segments.remove(i);
		let expected = g.score(&Prompt { segments, ranks: Vec::new() }.tokens(), &answer).unwrap();
		let got = ablation.without[i - 1];
		assert!((got - expected).abs() < 1e-3, "context {i}: {got} vs {expected}");
	}
	// Deterministic.
	assert_eq!(g.score_leave_one_out(&prompt, &answer).unwrap(), ablation);
}

#[test]
fn every_subset_scored_through_shared_prefixes_equals_scoring_each_prompt_from_scratch() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let prompt = g.rag_prompt("which drug?", &["zorvatin treats fever", "melquizole 40 mg", "store cool"]).unwrap();
	let answer = g.encode("zorvatin, 40 mg").unwrap();
	let subsets = g.score_subsets(&prompt, &answer).unwrap();
	assert_eq!((subsets.contexts, subsets.logp.len(), subsets.all()), (3, 8, 7));
	for mask in 0..8usize {
		let mut segments = vec![prompt.segments[0].clone()];
		segments.extend((0..3).filter(|i| mask & (1 << i) != 0).map(|i| prompt.segments[i + 1].clone()));
		segments.push(prompt.segments.last().unwrap().clone());
		let expected = g.score(&Prompt { segments, ranks: Vec::new() }.tokens(), &answer).unwrap();
		assert!((subsets.get(mask) - expected).abs() < 1e-3, "mask {mask:03b}: {} vs {expected}", subsets.get(mask));
	}
	// Leave-one-out is the masks with one bit cleared.
	let loo = g.score_leave_one_out(&prompt, &answer).unwrap();
	for (i, without) in loo.without.iter().enumerate() {
		assert!((subsets.get(7 & !(1 << i)) - without).abs() < 1e-3);
	}
	// Tokens fed: the head once, context i 2^i times, tail and answer (but its last token) 8 times.
	let s = &prompt.segments;
	let expected_fed = s[0].len() + s[1].len() + 2 * s[2].len() + 4 * s[3].len() + 8 * (s[4].len() + answer.len() - 1);
	assert_eq!(subsets.tokens_fed, expected_fed);
	assert_eq!(g.score_subsets(&prompt, &answer).unwrap(), subsets, "deterministic");
	// Refused by name: an empty answer, too many contexts.
	assert!(matches!(g.score_subsets(&prompt, &[]), Err(WorkerError::InvalidInput(_))));
	let many: Vec<&str> = vec!["x"; attribution_engine::generate::MAX_SUBSET_CONTEXTS + 1];
	let big = g.rag_prompt("which?", &many).unwrap();
	assert!(matches!(g.score_subsets(&big, &answer), Err(WorkerError::InvalidInput(_))));
}

#[test]
fn greedy_decoding_reports_the_log_probability_scoring_gives() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let prompt = g.rag_prompt("the dose?", &["40 mg daily"]).unwrap();
	let out = g.generate(&prompt, 12, AnswerForm::Free).unwrap();
	assert_eq!(g.generate(&prompt, 12, AnswerForm::Free).unwrap(), out, "greedy decoding must be deterministic");
	if !out.tokens.is_empty() {
		let scored = g.score(&prompt.tokens(), &out.tokens).unwrap();
		assert!((scored - out.logprob).abs() < 1e-2, "{scored} vs {}", out.logprob);
	}
}

#[test]
fn incremental_forward_equals_one_pass() {
	let dir = tempfile::tempdir().unwrap();
	let model = support::tiny_llama_model(dir.path());
	let tokens: Vec<u32> = (10..40).collect();
	let mut one = KvCache::default();
	let all = model.forward(&tokens, &mut one).unwrap();
	let mut inc = KvCache::default();
	let a = model.forward(&tokens[..17], &mut inc).unwrap();
	let b = model.forward(&tokens[17..], &mut inc).unwrap();
	assert_eq!(inc.len(), tokens.len());
	let joined = Tensor::cat(&[a, b], 0).unwrap();
	let diff = (all - joined).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
	assert!(diff < 1e-4, "{diff}");
}

/// Our decoder (grouped-query attention without copied keys, cached prefixes) against candle-transformers'
/// `quantized_llama`, an implementation we did not write, on the same GGUF: the next-token logits agree.
#[test]
fn decoder_matches_candle_transformers_quantized_llama() {
	let dir = tempfile::tempdir().unwrap();
	let file = support::tiny_llama(&dir.path().join("tiny.gguf")).path;
	let ours = Llama::from_gguf_file(&file, false, &Device::Cpu).unwrap().0;
	let mut reader = std::fs::File::open(&file).unwrap();
	let content = candle::quantized::gguf_file::Content::read(&mut reader).unwrap();
	let mut reference =
		candle_transformers::models::quantized_llama::ModelWeights::from_gguf(content, &mut reader, &Device::Cpu).unwrap();
	let tokens: Vec<u32> = (5..42).collect();
	let (head, tail) = tokens.split_at(29);
	// Theirs: the prompt in one pass then the rest, last-position logits of each.
	let input = |t: &[u32]| Tensor::new(t, &Device::Cpu).unwrap().unsqueeze(0).unwrap();
	let theirs_head = reference.forward(&input(head), 0).unwrap().squeeze(0).unwrap();
	let theirs_tail = reference.forward(&input(tail), head.len()).unwrap().squeeze(0).unwrap();
	let mut cache = KvCache::default();
	let last = |h: Tensor| ours.logits(&h.get(h.dim(0).unwrap() - 1).unwrap().unsqueeze(0).unwrap()).unwrap().squeeze(0).unwrap();
	let ours_head = last(ours.forward(head, &mut cache).unwrap());
	let ours_tail = last(ours.forward(tail, &mut cache).unwrap());
	for (a, b) in [(ours_head, theirs_head), (ours_tail, theirs_tail)] {
		let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
		assert!(diff < 1e-3, "{diff}");
	}
}

/// Decoding steps of a dense model read Q8_0 copies by default: close to the f32 step (the same greedy tokens
/// on the tiny model), equal to it when switched off, and never used by prefill or scoring.
#[test]
fn decoding_steps_read_q8_0_copies_close_to_the_f32_weights() {
	// The f32 step is compared with the pass just before it, whose buffers it may be handed.
	assert!(support::poison_allocations() || !cfg!(target_env = "gnu"));
	let dir = tempfile::tempdir().unwrap();
	let file = support::tiny_llama(&dir.path().join("tiny.gguf")).path;
	let mut model = Llama::from_gguf_file(&file, true, &Device::Cpu).unwrap().0;
	assert!(model.steps_in_q8_0(), "a dense model decodes with Q8_0 copies by default");
	let prefix: Vec<u32> = (5..30).collect();
	let mut cache = KvCache::default();
	model.forward(&prefix, &mut cache).unwrap();
	let q8 = model.step_logits(&model.step(31, &mut cache.clone()).unwrap()).unwrap();
	let f32_step = model.logits(&model.forward(&[31], &mut cache.clone()).unwrap()).unwrap();
	let diff = |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
	let scale = f32_step.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
	let gap = diff(&q8, &f32_step);
	assert!(gap > 0.0, "the Q8_0 copies are in use");
	assert!(gap < 0.05 * scale, "Q8_0 step logits within 5 % of the largest: {gap} of {scale}");
	let argmax = |t: &Tensor| t.squeeze(0).unwrap().argmax(0).unwrap().to_scalar::<u32>().unwrap();
	assert_eq!(argmax(&q8), argmax(&f32_step));
	model.set_step_weights(StepWeights::Loaded);
	assert!(!model.steps_in_q8_0());
	let loaded = model.step_logits(&model.step(31, &mut cache.clone()).unwrap()).unwrap();
	assert_eq!(diff(&loaded, &f32_step), 0.0, "switched off, a step is the f32 forward");
	// A quantised (not dense) model has no copies: its steps read the loaded weights.
	assert!(!support::tiny_llama_model(dir.path()).steps_in_q8_0());
}

#[test]
fn batched_runs_equal_each_run_fed_alone() {
	let dir = tempfile::tempdir().unwrap();
	let model = support::tiny_llama_model(dir.path());
	let body: Vec<u32> = (10..40).collect();
	let mut cache = KvCache::default();
	model.forward(&body, &mut cache).unwrap();
	let fed: Vec<u32> = (50..58).collect();
	let blocked = [None, Some(0..5), Some(5..19), Some(19..30)];
	let runs = model.forward_runs(&fed, &cache, &blocked).unwrap();
	assert_eq!(runs.dims(), &[4, fed.len(), model.config().hidden_size]);
	assert_eq!(cache.len(), body.len(), "the shared cache is read, not extended");
	for (r, b) in blocked.iter().enumerate() {
		let alone = model.forward_blocking(&fed, &mut cache.clone(), b.clone()).unwrap();
		let batched = runs.get(r).unwrap();
		let diff = (alone - batched).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
		assert!(diff < 1e-4, "run {r}: {diff}");
	}
	// Hiding different contexts gives different runs (the masks reach the right rows).
	let gap = (runs.get(0).unwrap() - runs.get(2).unwrap()).unwrap().abs().unwrap().max_all().unwrap();
	assert!(gap.to_scalar::<f32>().unwrap() > 1e-4);
	assert!(model.forward_runs(&fed, &cache, &[]).is_err(), "no runs is refused");
	assert!(model.forward_runs(&[], &cache, &blocked).is_err(), "no tokens is refused");
}

#[test]
fn packed_runs_equal_each_run_fed_alone_after_its_own_cache() {
	let dir = tempfile::tempdir().unwrap();
	let model = support::tiny_llama_model(dir.path());
	// Three caches of different lengths (one empty), and runs of different lengths after them.
	let (empty, mut short, mut long) = (KvCache::default(), KvCache::default(), KvCache::default());
	model.forward(&(10..17).collect::<Vec<u32>>(), &mut short).unwrap();
	model.forward(&(10..40).collect::<Vec<u32>>(), &mut long).unwrap();
	let fed: [Vec<u32>; 4] = [(50..58).collect(), (60..61).collect(), (70..83).collect(), (50..58).collect()];
	let caches = [&long, &short, &empty, &short];
	let runs: Vec<(&[u32], &KvCache)> = fed.iter().map(Vec::as_slice).zip(caches).collect();
	let packed = model.forward_packed(&runs).unwrap();
	assert_eq!(packed.len(), 4);
	for (r, ((tokens, cache), rows)) in runs.iter().zip(&packed).enumerate() {
		assert_eq!(rows.dims(), &[tokens.len(), model.config().hidden_size]);
		let alone = model.forward(tokens, &mut (*cache).clone()).unwrap();
		let diff = (alone - rows).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
		assert!(diff < 1e-4, "run {r}: {diff}");
	}
	assert_eq!((short.len(), long.len()), (7, 30), "the caches are read, not extended");
	// The same tokens after different caches differ (each run attends over its own cache).
	let gap = (packed[0].clone() - packed[3].clone()).unwrap().abs().unwrap().max_all().unwrap();
	assert!(gap.to_scalar::<f32>().unwrap() > 1e-4);
	assert!(model.forward_packed(&[]).is_err(), "no runs is refused");
	assert!(model.forward_packed(&[(&[], &short)]).is_err(), "a run without tokens is refused");
	let overflow: Vec<u32> = vec![5; model.config().max_position_embeddings];
	assert!(model.forward_packed(&[(&overflow, &short)]).is_err(), "a context overflow is refused");
}

#[test]
fn a_context_is_cut_to_the_most_tokens_one_may_take_and_still_ends_its_line() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let long = "the dose is forty ".repeat(200);
	let p = g.rag_prompt("dose?", &[&long, "store cool"]).unwrap();
	assert_eq!(p.segments[1].len(), MAX_CONTEXT_TOKENS);
	assert!(g.decode(&p.segments[1]).unwrap().starts_with("[1] the dose is forty the dose"));
	assert!(g.decode(&p.segments[1]).unwrap().ends_with('\n'));
	assert_eq!(g.decode(&p.segments[2]).unwrap(), "[2] store cool\n", "a short context is whole");
}

#[test]
fn prompts_longer_than_the_context_are_refused() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	// Each context is cut to MAX_CONTEXT_TOKENS (192): three of them are over the tiny model's 512.
	let long = "the dose is forty ".repeat(60);
	let prompt = g.rag_prompt("dose?", &[&long, &long, &long]).unwrap();
	let err = g.generate(&prompt, 8, AnswerForm::Free).unwrap_err();
	assert!(matches!(err, WorkerError::PromptTooLong { limit: 512, .. }), "{err}");
	assert!(matches!(g.score_leave_one_out(&prompt, &[1, 2]), Err(WorkerError::PromptTooLong { .. })));
}

fn write_adapter(path: &std::path::Path, rank: usize, b_scale: f32, out_dim: usize) {
	let mut tensors = HashMap::new();
	let a = support::seeded((rank, support::LLAMA_DIM), 9, 0.5);
	let b = (support::seeded((out_dim, rank), 10, 0.5) * f64::from(b_scale)).unwrap();
	tensors.insert("blk.0.attn_q.lora_a".to_string(), a.clone());
	tensors.insert("blk.0.attn_q.lora_b".to_string(), b);
	let meta: HashMap<String, String> = [("alpha".to_string(), "8".to_string())].into();
	let views: Vec<(String, Tensor)> = tensors.into_iter().collect();
	let data: Vec<(String, Vec<u8>, Vec<usize>)> = views
		.iter()
		.map(|(n, t)| {
			let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
			(n.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect(), t.dims().to_vec())
		})
		.collect();
	let st: Vec<(String, safetensors::tensor::TensorView)> = data
		.iter()
		.map(|(n, bytes, shape)| {
			(n.clone(), safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).unwrap())
		})
		.collect();
	safetensors::serialize_to_file(st, Some(meta), path).unwrap();
}

#[test]
fn lora_adapters_change_outputs_and_foreign_adapters_are_refused() {
	let dir = tempfile::tempdir().unwrap();
	let mut g = support::tiny_generator(dir.path());
	let prompt = g.rag_prompt("the dose?", &["40 mg daily"]).unwrap();
	let answer = g.encode("40 mg").unwrap();
	let base = g.score(&prompt.tokens(), &answer).unwrap();

	let zero = dir.path().join("zero.safetensors");
	write_adapter(&zero, 4, 0.0, support::LLAMA_DIM);
	g.model_mut().apply_lora(&LoraAdapter::load(&zero).unwrap(), &zero).unwrap();
	assert!((g.score(&prompt.tokens(), &answer).unwrap() - base).abs() < 1e-4, "B = 0 must not change the model");

	let real = dir.path().join("real.safetensors");
	write_adapter(&real, 4, 1.0, support::LLAMA_DIM);
	g.model_mut().apply_lora(&LoraAdapter::load(&real).unwrap(), &real).unwrap();
	assert!((g.score(&prompt.tokens(), &answer).unwrap() - base).abs() > 1e-4, "the adapter must change the output");
	g.model_mut().clear_lora();
	assert!((g.score(&prompt.tokens(), &answer).unwrap() - base).abs() < 1e-4);

	// An adapter made for a wider model names itself and leaves the model as it was.
	let wide = dir.path().join("wide.safetensors");
	write_adapter(&wide, 4, 1.0, support::LLAMA_DIM * 2);
	let err = g.model_mut().apply_lora(&LoraAdapter::load(&wide).unwrap(), &wide).unwrap_err();
	assert!(err.to_string().contains("wide.safetensors"), "{err}");
	assert!((g.score(&prompt.tokens(), &answer).unwrap() - base).abs() < 1e-4);

	std::fs::write(dir.path().join("junk.safetensors"), b"junk").unwrap();
	assert!(LoraAdapter::load(&dir.path().join("junk.safetensors")).is_err());
	let _ = Device::Cpu;
}

#[test]
fn masked_ablation_shares_the_full_score_and_hides_each_context() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let prompt = g.rag_prompt("which drug?", &["zorvatin treats fever", "melquizole 40 mg", "store cool"]).unwrap();
	let answer = g.encode("zorvatin, 40 mg").unwrap();
	let exact = g.score_leave_one_out(&prompt, &answer).unwrap();
	let masked = g.score_masked_ablation(&prompt, &answer).unwrap();
	assert!((exact.full - masked.full).abs() < 1e-3, "{} vs {}", exact.full, masked.full);
	assert_eq!(masked.without.len(), 3);
	// Hiding a context changes the answer's probability, and the result is reproducible.
	assert!(masked.without.iter().all(|w| (w - masked.full).abs() > 1e-6), "{masked:?}");
	assert_eq!(g.score_masked_ablation(&prompt, &answer).unwrap(), masked);
}

#[test]
fn a_quote_is_the_context_sentence_the_model_scores_likeliest() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let prompt = g
		.rag_prompt(
			"the dose?",
			&[
				"The dose is 40 mg. Store it cool.",
				"Made by Acme. The dose is 40 mg.",
				"It causes Dry Mouth in one in ten.",
				"Dry Mouth in one in ten. Question: what next?",
				"as the label says. Keep dry. Is it safe?",
				", 51 correct results). Take it with food",
			],
		)
		.unwrap();
	let candidates = g.quote_candidates(&prompt, 48).unwrap();
	let texts: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
	// Once each; a piece of a longer candidate, a sentence carrying the prompt's format, a question, the ends of
	// sentences a chunk's start cut (lower case, or a comma first) and — as whole sentences exist — the piece a
	// chunk's end cut are not candidates.
	assert_eq!(
		texts,
		["The dose is 40 mg.", "Store it cool.", "Made by Acme.", "It causes Dry Mouth in one in ten.", "Keep dry."]
	);
	assert_eq!(candidates.iter().map(|c| c.context).collect::<Vec<_>>(), [0, 0, 1, 2, 4], "each from its context");
	for c in &candidates {
		assert_eq!(g.encode(&c.text).unwrap(), c.tokens, "tokenised as validators tokenise the served text");
	}
	assert!(g.quote_candidates(&prompt, 5).unwrap().iter().all(|c| c.tokens.len() <= 5), "none longer than the limit");

	// The choice: the most the question raises a candidate's log-probability, each scored from scratch, less
	// QUOTE_RANK_PENALTY nats per retrieval rank of the context holding it.
	let quote = g.quote(&prompt, 48).unwrap().unwrap();
	let contexts: Vec<String> = (1..=6).map(|i| g.decode(&prompt.segments[i]).unwrap()).collect();
	let bodies: Vec<&str> = contexts.iter().map(|c| c.split_once("] ").unwrap().1.trim()).collect();
	let unasked = g.rag_prompt(NULL_QUESTION, &bodies).unwrap();
	assert_eq!(unasked.segments[..7], prompt.segments[..7], "the same contexts, another question");
	let gains: Vec<f64> = candidates
		.iter()
		.map(|c| g.score(&prompt.tokens(), &c.tokens).unwrap() - g.score(&unasked.tokens(), &c.tokens).unwrap())
		.collect();
	let values: Vec<f64> =
		gains.iter().zip(&candidates).map(|(gain, c)| gain - QUOTE_RANK_PENALTY * c.rank as f64).collect();
	let best = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
	let chosen = texts.iter().position(|t| *t == quote.text).expect("the quote is a candidate, verbatim");
	assert!((values[chosen] - best).abs() < 1e-3, "{values:?}, chose {chosen}");
	assert!((quote.logprob - g.score(&prompt.tokens(), &quote.tokens).unwrap()).abs() < 1e-3);
	assert_eq!(g.generate(&prompt, 48, AnswerForm::Quote).unwrap(), quote, "a finished sentence is served as it is");
	assert_eq!(g.quote(&prompt, 48).unwrap().unwrap(), quote, "deterministic");
}

#[test]
fn a_quote_cut_by_a_chunk_boundary_is_finished_and_no_sentence_falls_back_to_decoding() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let cut = g.rag_prompt("the dose?", &["The dose is 40 mg once"]).unwrap();
	let quote = g.quote(&cut, 48).unwrap().unwrap();
	assert_eq!(quote.text, "The dose is 40 mg once");
	let served = g.generate(&cut, 48, AnswerForm::Quote).unwrap();
	assert!(served.tokens.starts_with(&quote.tokens), "{:?}", served.text);
	let scored = g.score(&cut.tokens(), &served.tokens).unwrap();
	assert!((scored - served.logprob).abs() < 1e-2, "{scored} vs {}", served.logprob);

	// A piece cut at its end is a candidate only when no context holds a whole sentence.
	let beside_whole = g.rag_prompt("the dose?", &["The dose is 40 mg once", "Keep dry."]).unwrap();
	let candidates = g.quote_candidates(&beside_whole, 48).unwrap();
	assert_eq!(candidates.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["Keep dry."]);

	let formatless = g.rag_prompt("the dose?", &["Question: what is it?"]).unwrap();
	assert!(g.quote(&formatless, 48).unwrap().is_none());
	assert_eq!(
		g.generate(&formatless, 12, AnswerForm::Quote).unwrap(),
		g.generate(&formatless, 12, AnswerForm::OneSentence).unwrap()
	);
}

#[test]
fn a_quote_takes_the_best_rank_of_the_contexts_holding_it_or_a_piece_of_it() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let mut prompt = g
		.rag_prompt(
			"the dose?",
			&[
				// A chunk boundary cut the dose sentence here; the whole of it is in the third context.
				"Keep it dry. The dose is 40 mg once daily",
				"Made by Acme.",
				"Made by Acme. The dose is 40 mg once daily with food.",
				// A two-word end of a sentence is no piece of it: too short to tell.
				"with food.",
			],
		)
		.unwrap();
	let ranks = |p: &Prompt| -> Vec<(String, usize, usize)> {
		g.quote_candidates(p, 48).unwrap().into_iter().map(|c| (c.text, c.context, c.rank)).collect()
	};
	let own = |t: &str, context, rank| (t.to_owned(), context, rank);
	assert_eq!(
		ranks(&prompt),
		[
			own("Keep it dry.", 0, 0),
			own("Made by Acme.", 1, 1),
			own("The dose is 40 mg once daily with food.", 2, 0),
		]
	);
	// In another layout the rank is retrieval's, not the prompt position.
	prompt.ranks = vec![3, 2, 1, 0];
	assert_eq!(prompt.rank(0), 3);
	assert_eq!(
		ranks(&prompt),
		[
			own("Keep it dry.", 0, 3),
			own("Made by Acme.", 1, 1),
			own("The dose is 40 mg once daily with food.", 2, 1),
		]
	);
	let scored = g.quote_scores(&prompt, 48).unwrap();
	assert_eq!(scored.len(), 3);
	let served = g.quote(&prompt, 48).unwrap().unwrap();
	let index = choose_quote(scored.iter().map(|s| (s.gain, s.candidate.rank)), QUOTE_RANK_PENALTY).unwrap();
	assert_eq!(served.text, scored[index].candidate.text, "the served quote is the choice over the scores");
	assert!((served.logprob - scored[index].logprob).abs() < 1e-9);
}

#[test]
fn a_sentence_two_overlapping_chunks_cut_is_whole_again() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let texts = |contexts: &[&str]| -> Vec<(String, usize, usize)> {
		let prompt = g.rag_prompt("the side effect?", contexts).unwrap();
		// The tiny model's tokenizer spends a token on most characters.
		g.quote_candidates(&prompt, 400).unwrap().into_iter().map(|c| (c.text, c.context, c.rank)).collect()
	};
	let own = |t: &str, context, rank| (t.to_owned(), context, rank);
	// The first chunk ends, and the third starts, inside the side-effect sentence; they share 46 characters.
	assert_eq!(
		texts(&[
			"Keep it dry. The most common side effect of Zorvatin is dry mouth, reported",
			"Made by Acme.",
			"side effect of Zorvatin is dry mouth, reported by about one patient in ten. Store it cool.",
		]),
		[
			own("Keep it dry.", 0, 0),
			own("The most common side effect of Zorvatin is dry mouth, reported by about one patient in ten.", 0, 0),
			own("Made by Acme.", 1, 1),
			own("Store it cool.", 2, 2),
		]
	);
	// A short shared run is no overlap of chunks: nothing is joined, and the cut piece gives way to a sentence.
	assert_eq!(texts(&["It is taken with food", "with food. Keep it dry."]), [own("Keep it dry.", 1, 1)]);
}

#[test]
fn the_rank_penalty_trades_the_question_s_pull_against_retrieval_s_order() {
	let scored = [(1.0, 0), (3.0, 1), (3.0, 2), (2.5, 0)];
	assert_eq!(choose_quote(scored, 0.0), Some(1), "no penalty: the highest gain, ties to the first");
	assert_eq!(choose_quote(scored, 0.4), Some(1), "2.6 beats 2.5");
	assert_eq!(choose_quote(scored, 0.6), Some(3), "2.5 beats 2.4");
	assert_eq!(choose_quote(scored, 100.0), Some(3), "the best gain among rank 0");
	assert_eq!(choose_quote(std::iter::empty(), 1.0), None);
}

#[test]
fn a_quote_is_chosen_from_a_bounded_number_of_sentences() {
	let dir = tempfile::tempdir().unwrap();
	let g = support::tiny_generator(dir.path());
	let tiny: Vec<String> =
		(0..3).map(|c| (0..40).map(|i| format!("S{}.", c * 40 + i)).collect::<Vec<_>>().join(" ")).collect();
	let contexts: Vec<&str> = tiny.iter().map(String::as_str).collect();
	let prompt = g.rag_prompt("which?", &contexts).unwrap();
	let candidates = g.quote_candidates(&prompt, 48).unwrap();
	assert_eq!(candidates.len(), MAX_QUOTE_CANDIDATES, "hostile contexts of tiny sentences are cut to the bound");
	assert_eq!(candidates[0].text, "S0.", "the first in prompt order are kept");
}

#[test]
fn bf16_products_move_the_logits_by_bf16_rounding_only_and_to_the_same_bits_on_either_kernel() {
	use attribution_engine::Bf16Kernel;
	// Each pass below allocates the buffers the one before it freed: an output a kernel left unwritten must not
	// hold the last pass's values.
	assert!(support::poison_allocations() || !cfg!(target_env = "gnu"));
	let dir = tempfile::tempdir().unwrap();
	let path = support::tiny_llama(&dir.path().join("dense.gguf")).path;
	let (exact, _) = Llama::from_gguf_file(&path, true, &Device::Cpu).unwrap();
	let tokens = [1u32, 5, 9, 3, 7, 2];
	let logits = |m: &Llama| {
		let hidden = m.forward(&tokens, &mut KvCache::default()).unwrap();
		m.logits(&hidden).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
	};
	let a = logits(&exact);
	let scale = a.iter().fold(0f32, |m, x| m.max(x.abs()));
	let mut per_kernel = Vec::new();
	for kernel in [Bf16Kernel::Portable, Bf16Kernel::Widest] {
		let mut rounded = exact.clone();
		rounded.use_bf16_products(kernel).unwrap();
		assert!(rounded.is_dense());
		assert_eq!(rounded.bf16_products(), Some(kernel));
		let b = logits(&rounded);
		let worst = a.iter().zip(&b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
		// bf16 keeps 8 significant bits: the logits move, by about 2⁻⁸ of their size at most.
		assert!(worst > 0.0, "rounding changed nothing");
		assert!(worst < 0.05 * scale.max(1.0), "logits moved by {worst} (largest {scale})");
		// Rounding is idempotent: choosing bf16 twice computes the same products.
		let mut twice = rounded.clone();
		twice.use_bf16_products(kernel).unwrap();
		assert_eq!(logits(&twice), b);
		per_kernel.push(b);
	}
	// Both kernels compute the protocol's bits, attention included.
	assert_eq!(per_kernel[0], per_kernel[1], "the kernels' logits differ");
}

#[test]
fn token_log_probabilities_are_the_log_softmax_picked_and_bad_tokens_are_refused() {
	let dev = Device::Cpu;
	let (rows, vocab) = (7, 1_001);
	let values: Vec<f32> = (0..rows * vocab).map(|i| ((i * 7_919) % 997) as f32 / 40.0 - 12.0).collect();
	let logits = Tensor::from_vec(values, (rows, vocab), &dev).unwrap();
	let tokens: Vec<u32> = vec![0, 1_000, 3, 500, 999, 17, 0];
	let ours = attribution_engine::generate::llama::token_logprobs(&logits, &tokens).unwrap();
	let all = attribution_engine::generate::llama::log_softmax(&logits).unwrap().to_vec2::<f32>().unwrap();
	for ((row, &token), &ours) in all.iter().zip(&tokens).zip(&ours) {
		let theirs = row[token as usize];
		assert!((ours - theirs).abs() <= 1e-5 * theirs.abs().max(1.0), "token {token}: {ours} against {theirs}");
	}
	// Every row's probabilities sum to one: exp of each token's log-probability over the whole vocabulary.
	let every: Vec<u32> = (0..vocab as u32).collect();
	let first_row = logits.narrow(0, 0, 1).unwrap().broadcast_as((vocab, vocab)).unwrap();
	let total: f64 = attribution_engine::generate::llama::token_logprobs(&first_row, &every)
		.unwrap()
		.iter()
		.map(|&l| f64::from(l).exp())
		.sum();
	assert!((total - 1.0).abs() < 1e-4, "{total}");
	let refused = |logits: &Tensor, tokens: &[u32]| {
		attribution_engine::generate::llama::token_logprobs(logits, tokens).unwrap_err().to_string()
	};
	assert!(refused(&logits, &tokens[..6]).contains("for 6 tokens"));
	assert!(refused(&logits, &[0, 1, 2, 3, 4, 5, 1_001]).contains("token 1001 outside a vocabulary of 1001"));
	assert!(refused(&logits.unsqueeze(0).unwrap(), &tokens).contains("rank"));
}
