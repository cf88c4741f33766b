//! The generator: SmolLM2-135M-Instruct from its GGUF file, a tokenizer rebuilt from the GGUF metadata, the
//! ChatML template, greedy decoding with a KV cache, and teacher-forced scoring (with leave-one-out context
//! ablation reusing every shared prefix).

pub mod llama;
pub mod lora;
pub mod openlora;
pub mod answer_form;
mod quote;
pub mod subsets;

use crate::{
	error::{tokenizer_error, Result, WorkerError},
	models::WeightFile,
};
use candle::{quantized::tokenizer::TokenizerFromGguf, IndexOp, Tensor};
use llama::{KvCache, Llama};
use lora::LoraAdapter;
pub use answer_form::AnswerForm;
pub use quote::{choose_quote, joined, QuoteCandidate, ScoredQuote, MAX_QUOTE_CANDIDATES, NULL_QUESTION, QUOTE_RANK_PENALTY};
pub use subsets::{SubsetScores, MAX_SUBSET_CONTEXTS};
use std::{path::Path, sync::Arc};
use tokenizers::Tokenizer;

/// System message of every RAG prompt.
/// The most tokens one context takes in a prompt; a longer one is cut (then ends with its newline). A chunk is
/// 64 embedder word pieces — ≈ 80 generator tokens of English — but up to 1 KiB of any bytes, and a chunk of rare
/// characters can be a token per byte: eight of them would make every leave-one-out pass ~10× dearer than
/// usual (answers too late for their window) or overflow the context.
pub const MAX_CONTEXT_TOKENS: usize = 192;

pub const RAG_SYSTEM: &str =
	"You answer questions using only the numbered context passages. Answer in one short sentence.";

/// A prompt as token segments: `[head, context₁, …, contextₖ, tail]`. Ablating context i drops segment i.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
	pub segments: Vec<Vec<u32>>,
	/// Retrieval's rank of each context (0 = the most similar), in prompt order; empty when the contexts are in
	/// retrieval order.
	pub ranks: Vec<usize>,
}

impl Prompt {
	/// Retrieval's rank of context `context` (0-based, prompt order).
	pub fn rank(&self, context: usize) -> usize {
		self.ranks.get(context).copied().unwrap_or(context)
	}

	/// All tokens in order.
	pub fn tokens(&self) -> Vec<u32> {
		self.segments.concat()
	}

	/// Number of context segments.
	pub fn contexts(&self) -> usize {
		self.segments.len().saturating_sub(2)
	}

	/// Total length in tokens.
	pub fn len(&self) -> usize {
		self.segments.iter().map(Vec::len).sum()
	}

	/// True for a prompt with no tokens.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// A generated answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
	pub tokens: Vec<u32>,
	pub text: String,
	/// Sum of the log-probabilities of the produced tokens, as decoding computed them (with the step weights;
	/// teacher-forced scoring with the loaded weights gives nearly the same).
	pub logprob: f64,
}

/// Teacher-forced log-probabilities of one answer under the full prompt and with each context removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Ablation {
	pub full: f64,
	pub without: Vec<f64>,
}

/// A chat model with its tokenizer. Cloning is cheap and shares the weights and the tokenizer: a clone with
/// another LoRA adapter ([`Generator::with_lora`]) costs only the adapter.
#[derive(Clone)]
pub struct Generator {
	model: Llama,
	tokenizer: Arc<Tokenizer>,
	im_start: u32,
	im_end: u32,
	stop: Vec<u32>,
}

impl Generator {
	/// Loads a llama-architecture GGUF with a ChatML vocabulary (`<|im_start|>`, `<|im_end|>`) onto the CPU.
	///
	/// # Errors
	/// Missing or corrupt file, or a model without the chat tokens: errors name the file.
	pub fn load(file: &WeightFile, dense: bool) -> Result<Self> {
		let path = file.verified()?;
		let (model, content) = Llama::from_gguf_file(path, dense, &candle::Device::Cpu)?;
		let mut tokenizer = Tokenizer::from_gguf(&content)
			.map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })?;
		match_reference_pre_tokenizer(&content, &mut tokenizer);
		Self::new(model, tokenizer).map_err(|e| match e {
			WorkerError::InvalidInput(message) => WorkerError::InvalidModel { path: path.to_path_buf(), message },
			other => other,
		})
	}

	/// Joins a model and a tokenizer that has the ChatML tokens.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] if the chat tokens are missing.
	pub fn new(model: Llama, tokenizer: Tokenizer) -> Result<Self> {
		let id =
			|t: &str| tokenizer.token_to_id(t).ok_or_else(|| WorkerError::InvalidInput(format!("tokenizer lacks {t}")));
		let im_start = id("<|im_start|>")?;
		let im_end = id("<|im_end|>")?;
		let mut stop = vec![im_end];
		stop.extend(tokenizer.token_to_id("<|endoftext|>"));
		Ok(Self { model, tokenizer: Arc::new(tokenizer), im_start, im_end, stop })
	}

	/// A copy of this generator's base model with `adapter` installed (replacing any adapter this one has);
	/// the base weights and the tokenizer are shared, not copied.
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] naming `origin` if the adapter does not fit the model.
	pub fn with_lora(&self, adapter: &LoraAdapter, origin: &Path) -> Result<Self> {
		let mut copy = self.clone();
		copy.model.apply_lora(adapter, origin)?;
		Ok(copy)
	}

	/// The decoder (to install adapters, read its configuration).
	pub fn model_mut(&mut self) -> &mut Llama {
		&mut self.model
	}

	/// The decoder's configuration.
	pub fn model(&self) -> &Llama {
		&self.model
	}

	/// The token that ends an assistant turn (`<|im_end|>`).
	pub fn end_of_turn(&self) -> u32 {
		self.im_end
	}

	/// The tokenizer.
	pub fn tokenizer(&self) -> &Tokenizer {
		&self.tokenizer
	}

	/// Tokenises text (no special tokens added).
	///
	/// # Errors
	/// Tokenizer failures.
	pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
		Ok(self.tokenizer.encode(text, false).map_err(tokenizer_error)?.get_ids().to_vec())
	}

	/// Detokenises, dropping special tokens.
	///
	/// # Errors
	/// Tokenizer failures.
	pub fn decode(&self, tokens: &[u32]) -> Result<String> {
		self.tokenizer.decode(tokens, true).map_err(tokenizer_error)
	}

	/// A ChatML prompt that answers `question` from numbered `contexts`.
	///
	/// # Errors
	/// Tokenizer failures; [`WorkerError::InvalidInput`] for an empty question.
	pub fn rag_prompt(&self, question: &str, contexts: &[&str]) -> Result<Prompt> {
		if question.trim().is_empty() {
			return Err(WorkerError::InvalidInput("the question is empty".into()));
		}
		let mut head = vec![self.im_start];
		head.extend(self.encode(&format!("system\n{RAG_SYSTEM}"))?);
		head.push(self.im_end);
		head.extend(self.encode("\n")?);
		head.push(self.im_start);
		head.extend(self.encode("user\nContext:\n")?);
		let mut segments = vec![head];
		for (i, text) in contexts.iter().enumerate() {
			let mut segment = self.encode(&format!("[{}] {}\n", i.saturating_add(1), text.trim()))?;
			if segment.len() > MAX_CONTEXT_TOKENS {
				let newline = self.encode("\n")?;
				segment.truncate(MAX_CONTEXT_TOKENS.saturating_sub(newline.len()));
				segment.extend(newline);
			}
			segments.push(segment);
		}
		segments.push(self.question_tail(question)?);
		Ok(Prompt { segments, ranks: Vec::new() })
	}

	/// The prompt's last segment: the question, and the assistant's turn opened.
	///
	/// # Errors
	/// Tokenizer failures.
	fn question_tail(&self, question: &str) -> Result<Vec<u32>> {
		let mut tail = self.encode(&format!("\nQuestion: {}", question.trim()))?;
		tail.push(self.im_end);
		tail.extend(self.encode("\n")?);
		tail.push(self.im_start);
		tail.extend(self.encode("assistant\n")?);
		Ok(tail)
	}

	fn check_fits(&self, tokens: usize) -> Result<()> {
		let limit = self.model.config().max_position_embeddings;
		if tokens > limit {
			return Err(WorkerError::PromptTooLong { tokens, limit });
		}
		Ok(())
	}

	/// Whether decoding stops before `next`, after `out`: the end-of-turn token, or (for a one-sentence answer)
	/// the end of the first sentence or line ([`answer_form::ends_before`]).
	fn stops_before(&self, out: &[u32], next: u32, rule: AnswerForm) -> Result<bool> {
		if self.stop.contains(&next) {
			return Ok(true);
		}
		Ok(match rule {
			AnswerForm::Free => false,
			AnswerForm::OneSentence | AnswerForm::Quote => {
				answer_form::ends_before(&self.decode(out)?, &self.decode(&[next])?)
			},
		})
	}

	/// The greedy choice after `out`: the most likely token (ties to the lowest id) that `form` allows — for a
	/// one-sentence answer, no token that starts a new line, repeats a three-token sequence
	/// ([`answer_form::repeating`]) or makes the answer carry the prompt's format
	/// ([`answer_form::carries_prompt_format`]); and the end-of-turn token only where the answer may end
	/// ([`answer_form::may_end`]).
	fn choose(&self, logp: &[f32], out: &[u32], form: AnswerForm) -> Result<(u32, f32)> {
		if form == AnswerForm::Free {
			return Ok(argmax(logp, &[]));
		}
		let repeats = answer_form::repeating(out);
		let mut banned: Vec<u32> = Vec::new();
		let mut with_next = out.to_vec();
		loop {
			let (next, lp) = argmax(logp, &banned);
			if lp == f32::NEG_INFINITY || banned.len() >= MAX_BANNED {
				return Ok((next, lp));
			}
			if self.stop.contains(&next) {
				if answer_form::may_end(&self.decode(out)?) {
					return Ok((next, lp));
				}
				banned.push(next);
				continue;
			}
			with_next.truncate(out.len());
			with_next.push(next);
			let refused = repeats.contains(&next)
				|| self.decode(&[next])?.contains('\n')
				|| answer_form::carries_prompt_format(&self.decode(&with_next)?);
			if !refused {
				return Ok((next, lp));
			}
			banned.push(next);
		}
	}

	/// Greedy decoding (ties go to the lowest token id) until a stop token, the end of the answer by `rule`, or
	/// `max_new` tokens. The prompt is prefilled with the loaded weights; each decoding step reads the model's
	/// step weights ([`llama::StepWeights`], Q8_0 copies by default). A quote ([`AnswerForm::Quote`]) is not
	/// decoded but chosen ([`Generator::quote`]). When the contexts hold no whole sentence and the chosen one is a
	/// piece a chunk boundary cut (no final punctuation), decoding finishes it under the one-sentence rules; when
	/// they hold no sentence at all, the answer is decoded as one sentence.
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`] if the prompt plus `max_new` exceeds the context; tensor failures.
	pub fn generate(&self, prompt: &Prompt, max_new: usize, rule: AnswerForm) -> Result<Generation> {
		let mut start = Generation { tokens: Vec::new(), text: String::new(), logprob: 0.0 };
		if rule == AnswerForm::Quote {
			if let Some(quote) = self.quote(prompt, max_new)? {
				if quote.tokens.len() >= max_new || answer_form::ends_sentence(&quote.text) {
					return Ok(quote);
				}
				start = quote;
			}
		}
		let mut tokens = prompt.tokens();
		self.check_fits(tokens.len().saturating_add(max_new))?;
		tokens.extend_from_slice(&start.tokens);
		let mut cache = KvCache::default();
		let hidden = self.model.forward(&tokens, &mut cache)?;
		let mut last = hidden.i(hidden.dim(0)?.saturating_sub(1)..)?;
		let mut out = start.tokens;
		let mut logprob = start.logprob;
		for _ in out.len()..max_new {
			let logp = llama::log_softmax(&self.model.step_logits(&last)?)?.squeeze(0)?.to_vec1::<f32>()?;
			let (next, lp) = self.choose(&logp, &out, rule)?;
			if self.stops_before(&out, next, rule)? {
				break;
			}
			logprob += f64::from(lp);
			out.push(next);
			last = self.model.step(next, &mut cache)?;
		}
		let text = self.decode(&out)?;
		Ok(Generation { tokens: out, text, logprob })
	}

	/// Greedy decoding of several prompts at once, prompt `i` by `generators[i]` — clones of one base model
	/// that may carry different LoRA adapters. Each prompt is prefilled on its own; then every step decodes one
	/// token for all unfinished rows together ([`Llama::decode_batch`]). Returns what [`Generator::generate`]
	/// returns for each prompt, in order.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for mismatched lengths or generators on different base weights;
	/// [`WorkerError::PromptTooLong`]; tensor failures.
	pub fn generate_batch(
		generators: &[&Generator],
		prompts: &[Prompt],
		max_new: usize,
		rule: AnswerForm,
	) -> Result<Vec<Generation>> {
		if generators.len() != prompts.len() {
			return Err(WorkerError::InvalidInput(format!(
				"{} generators for {} prompts",
				generators.len(),
				prompts.len()
			)));
		}
		let Some(first) = generators.first() else { return Ok(Vec::new()) };
		if rule == AnswerForm::Quote {
			// Extractive answers score candidates rather than decode: one prompt at a time.
			return generators.iter().zip(prompts).map(|(g, prompt)| g.generate(prompt, max_new, rule)).collect();
		}
		if generators.iter().any(|g| !g.model.shares_base(&first.model)) {
			return Err(WorkerError::InvalidInput("a batch mixes generators on different base models".into()));
		}
		struct Row {
			cache: KvCache,
			last: Vec<f32>,
			out: Vec<u32>,
			logprob: f64,
			done: bool,
		}
		let mut rows = Vec::with_capacity(prompts.len());
		for (generator, prompt) in generators.iter().zip(prompts) {
			let tokens = prompt.tokens();
			generator.check_fits(tokens.len().saturating_add(max_new))?;
			let mut cache = KvCache::default();
			let hidden = generator.model.forward(&tokens, &mut cache)?;
			let last = hidden.i(hidden.dim(0)?.saturating_sub(1)..)?;
			let last = llama::log_softmax(&generator.model.step_logits(&last)?)?.squeeze(0)?.to_vec1::<f32>()?;
			rows.push(Row { cache, last, out: Vec::new(), logprob: 0.0, done: max_new == 0 });
		}
		loop {
			// Pick every unfinished row's next token; rows that stop leave the batch.
			let mut active = Vec::new();
			for (i, row) in rows.iter_mut().enumerate() {
				if row.done {
					continue;
				}
				let (next, lp) = first.choose(&row.last, &row.out, rule)?;
				if first.stops_before(&row.out, next, rule)? {
					row.done = true;
					continue;
				}
				row.logprob += f64::from(lp);
				row.out.push(next);
				if row.out.len() >= max_new {
					row.done = true;
					continue;
				}
				active.push((i, next));
			}
			if active.is_empty() {
				break;
			}
			let models: Vec<&Llama> =
				active.iter().filter_map(|(i, _)| generators.get(*i).map(|g| &g.model)).collect();
			let tokens: Vec<u32> = active.iter().map(|(_, t)| *t).collect();
			let mut caches: Vec<KvCache> =
				active.iter().filter_map(|(i, _)| rows.get_mut(*i).map(|r| std::mem::take(&mut r.cache))).collect();
			let hidden = Llama::decode_batch(&models, &tokens, &mut caches);
			for ((i, _), cache) in active.iter().zip(caches) {
				if let Some(row) = rows.get_mut(*i) {
					row.cache = cache;
				}
			}
			let logp = llama::log_softmax(&first.model.step_logits(&hidden?)?)?.to_vec2::<f32>()?;
			for ((i, _), last) in active.iter().zip(logp) {
				if let Some(row) = rows.get_mut(*i) {
					row.last = last;
				}
			}
		}
		rows.into_iter()
			.map(|row| Ok(Generation { text: first.decode(&row.out)?, tokens: row.out, logprob: row.logprob }))
			.collect()
	}

	/// Teacher-forced `log p(answer | prompt)`.
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`]; tensor failures.
	pub fn score(&self, prompt: &[u32], answer: &[u32]) -> Result<f64> {
		self.check_fits(prompt.len().saturating_add(answer.len()))?;
		let mut cache = KvCache::default();
		self.score_from(&mut cache, prompt, answer)
	}

	/// Scores the answer under the full prompt and with each context segment left out. Every prefix shared
	/// by several runs is computed once: ablating context i starts from the cache after contexts `< i`. The
	/// full run and the `k` ablations (each the contexts after the removed one, the tail and the answer) are
	/// then fed as one packed pass ([`Llama::forward_packed`]): their projections are a few large products
	/// instead of many small ones.
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`]; [`WorkerError::InvalidInput`] for a prompt without a tail; tensor failures.
	pub fn score_leave_one_out(&self, prompt: &Prompt, answer: &[u32]) -> Result<Ablation> {
		self.check_fits(prompt.len().saturating_add(answer.len()))?;
		let segments = &prompt.segments;
		let k = prompt.contexts();
		if answer.is_empty() {
			return Ok(Ablation { full: 0.0, without: vec![0.0; k] });
		}
		// prefixes[i] = cache after segments 0..=i (head and the first i contexts).
		let mut prefixes = Vec::with_capacity(k.saturating_add(1));
		let mut cache = KvCache::default();
		for seg in segments.iter().take(k.saturating_add(1)) {
			if !seg.is_empty() {
				self.model.forward(seg, &mut cache)?;
			}
			prefixes.push(cache.clone());
		}
		let tail: Vec<u32> = segments.last().cloned().unwrap_or_default();
		if tail.is_empty() {
			return Err(WorkerError::InvalidInput("scoring needs prompt tokens after the contexts".into()));
		}
		let fed_answer = answer.get(..answer.len().saturating_sub(1)).unwrap_or_default();
		// Run 0 is the full prompt (after every context); run i leaves context i out: it starts from the cache
		// before it and feeds the contexts after it, then the tail. Each is followed by the answer.
		let mut contexts: Vec<Vec<u32>> = vec![tail.clone()];
		for i in 1..=k {
			let mut suffix: Vec<u32> =
				segments.iter().skip(i.saturating_add(1)).take(k.saturating_sub(i)).flatten().copied().collect();
			suffix.extend(&tail);
			contexts.push(suffix);
		}
		let fed: Vec<Vec<u32>> = contexts
			.iter()
			.map(|context| context.iter().chain(fed_answer).copied().collect())
			.collect();
		let starts = std::iter::once(k).chain(0..k);
		let runs: Vec<(&[u32], &KvCache)> = fed
			.iter()
			.zip(starts)
			.map(|(tokens, start)| Ok((tokens.as_slice(), prefixes.get(start).ok_or_else(|| missing_prefix(start))?)))
			.collect::<Result<_>>()?;
		let hidden = self.model.forward_packed(&runs)?;
		let mut scores = Vec::with_capacity(hidden.len());
		for (rows, context) in hidden.iter().zip(&contexts) {
			// Row r predicts fed[r + 1]; the answer's first token is predicted by the context's last row.
			let first = context.len().saturating_sub(1);
			scores.push(self.answer_logprob(&rows.narrow(0, first, answer.len())?, answer)?);
		}
		let full = if scores.is_empty() { 0.0 } else { scores.remove(0) };
		Ok(Ablation { full, without: scores })
	}

	/// Scores the answer under the full prompt and with each context segment *hidden by the attention mask*
	/// from the question and answer (the other contexts keep what they read from it). One prefix pass, then
	/// `tail + answer` once per context — all those runs batched into one pass ([`Llama::forward_runs`]), so
	/// every weight matrix is read once for all of them: about `k/2` times cheaper than
	/// [`Generator::score_leave_one_out`], of which it is an approximation (agreement measured in
	/// docs/ATTRIBUTION.md).
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`]; [`WorkerError::InvalidInput`] for a prompt without a tail; tensor failures.
	pub fn score_masked_ablation(&self, prompt: &Prompt, answer: &[u32]) -> Result<Ablation> {
		self.check_fits(prompt.len().saturating_add(answer.len()))?;
		let k = prompt.contexts();
		if answer.is_empty() {
			return Ok(Ablation { full: 0.0, without: vec![0.0; k] });
		}
		let tail: Vec<u32> = prompt.segments.last().cloned().unwrap_or_default();
		let Some(last_of_tail) = tail.len().checked_sub(1) else {
			return Err(WorkerError::InvalidInput("scoring needs prompt tokens after the contexts".into()));
		};
		let body: Vec<u32> = prompt.segments.iter().take(k.saturating_add(1)).flatten().copied().collect();
		let mut cache = KvCache::default();
		if !body.is_empty() {
			self.model.forward(&body, &mut cache)?;
		}
		// Run 0 hides nothing (the full score); run i hides context i. All start from the same cache.
		let mut blocks: Vec<Option<std::ops::Range<usize>>> = vec![None];
		let mut at = prompt.segments.first().map_or(0, Vec::len);
		for seg in prompt.segments.iter().skip(1).take(k) {
			blocks.push(Some(at..at.saturating_add(seg.len())));
			at = at.saturating_add(seg.len());
		}
		let mut fed = tail.clone();
		fed.extend(answer.get(..answer.len().saturating_sub(1)).unwrap_or_default());
		let per_pass = self.runs_per_pass(cache.len(), fed.len(), answer.len());
		let mut scores = Vec::with_capacity(blocks.len());
		for group in blocks.chunks(per_pass) {
			let hidden = self.model.forward_runs(&fed, &cache, group)?;
			// Row r of a run predicts fed[r + 1]; the answer's first token is predicted by the tail's last row.
			let (runs, _, width) = hidden.dims3()?;
			let rows = hidden.narrow(1, last_of_tail, answer.len())?.reshape((runs.saturating_mul(answer.len()), width))?;
			let ids: Vec<u32> = std::iter::repeat_n(answer, runs).flatten().copied().collect();
			let picked = llama::token_logprobs(&self.model.logits(&rows)?, &ids)?;
			scores.extend(picked.chunks(answer.len()).map(|run| run.iter().map(|&v| f64::from(v)).sum::<f64>()));
		}
		let full = if scores.is_empty() { 0.0 } else { scores.remove(0) };
		Ok(Ablation { full, without: scores })
	}

	/// How many masked runs one pass may batch so that its attention scores and answer log-probabilities stay
	/// within [`RUN_BATCH_BYTES`] (at least one).
	fn runs_per_pass(&self, cached: usize, fed: usize, answer: usize) -> usize {
		let c = self.model.config();
		let scores = c.num_attention_heads.saturating_mul(fed).saturating_mul(cached.saturating_add(fed));
		let logits = answer.saturating_mul(c.vocab_size);
		let per_run = scores.max(logits).saturating_mul(std::mem::size_of::<f32>()).max(1);
		(RUN_BATCH_BYTES / per_run).max(1)
	}

	/// Feeds `context ++ answer` after `cache` and sums the log-probabilities of the answer tokens.
	fn score_from(&self, cache: &mut KvCache, context: &[u32], answer: &[u32]) -> Result<f64> {
		if answer.is_empty() {
			return Ok(0.0);
		}
		if context.is_empty() && cache.is_empty() {
			return Err(WorkerError::InvalidInput("scoring needs a non-empty prompt".into()));
		}
		let mut fed: Vec<u32> = context.to_vec();
		fed.extend(answer.get(..answer.len().saturating_sub(1)).unwrap_or_default());
		let hidden = self.model.forward(&fed, cache)?;
		// Row r of `hidden` predicts fed[r + 1]; the answer's first token is predicted by the row before it.
		let first = context.len().checked_sub(1);
		let rows = match first {
			Some(f) => hidden.narrow(0, f, answer.len())?,
			None => {
				// The whole context is in the cache: the first answer token was predicted before this call,
				// which cannot happen here because every caller feeds at least the tail.
				return Err(WorkerError::InvalidInput("scoring needs prompt tokens after the cached prefix".into()));
			},
		};
		self.answer_logprob(&rows, answer)
	}

	/// The summed log-probability of `answer` given the hidden rows `(answer.len(), hidden)` that predict its
	/// tokens.
	fn answer_logprob(&self, rows: &Tensor, answer: &[u32]) -> Result<f64> {
		let picked = llama::token_logprobs(&self.model.logits(rows)?, answer)?;
		Ok(picked.iter().map(|&v| f64::from(v)).sum())
	}
}

/// A prefix cache leave-one-out builds for every context and then cannot find (an internal inconsistency).
fn missing_prefix(index: usize) -> WorkerError {
	WorkerError::InvalidInput(format!("no cached prefix {index} for leave-one-out"))
}

/// candle rebuilds GPT-2-style tokenizers with a leading space added to every input (`add_prefix_space`),
/// which the reference tokenizers of these models do not do; and SmolLM's (`tokenizer.ggml.pre = smollm`)
/// splits digits one by one, as llama.cpp does. Without this, "system" would be tokenised as " system" and
/// "135" as one token — not what the model was trained on.
fn match_reference_pre_tokenizer(content: &candle::quantized::gguf_file::Content, tokenizer: &mut Tokenizer) {
	use tokenizers::pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence, PreTokenizerWrapper};
	let pre = content.metadata.get("tokenizer.ggml.pre").and_then(|v| v.to_string().ok()).cloned().unwrap_or_default();
	let byte_level = ByteLevel::new(false, true, true);
	match pre.as_str() {
		// candle's pipelines for these already match their reference tokenizers.
		"qwen2" | "smaug-bpe" | "lfm2" | "llama3" => {},
		"smollm" => {
			let seq = Sequence::new(vec![
				PreTokenizerWrapper::from(Digits::new(true)),
				PreTokenizerWrapper::from(byte_level),
			]);
			tokenizer.with_pre_tokenizer(Some(seq));
		},
		_ => {
			tokenizer.with_pre_tokenizer(Some(byte_level));
		},
	}
}

/// Index and value of the largest element; the lowest index wins ties.
/// The largest value and its index (the lowest index among ties), skipping the indexes in `banned`.
fn argmax(values: &[f32], banned: &[u32]) -> (u32, f32) {
	let mut best = (0u32, f32::NEG_INFINITY);
	for (i, &v) in values.iter().enumerate() {
		let i = u32::try_from(i).unwrap_or(u32::MAX);
		if v > best.1 && !banned.contains(&i) {
			best = (i, v);
		}
	}
	best
}

/// Memory one batched pass of masked runs may take for its largest intermediate (attention scores or
/// log-probabilities): 256 MiB, so a long question or answer splits the runs over more passes.
const RUN_BATCH_BYTES: usize = 256 << 20;

/// Most tokens a one-sentence answer skips at one step before taking the best regardless (bounds the work).
const MAX_BANNED: usize = 256;
