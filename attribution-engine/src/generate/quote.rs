//! Extractive answers ([`AnswerForm::Quote`](super::AnswerForm::Quote)): the served answer is the sentence of the
//! retrieved contexts that the model finds the likeliest answer to the question.

use super::{answer_form, llama::KvCache, Generation, Generator, Prompt};
use crate::error::{Result, WorkerError};

/// Candidate sentences scored in one packed pass; more are scored in further passes (bounds the memory of
/// one pass's logits: 64 runs of at most 48 tokens × 49 152 × 4 bytes ≈ 600 MB at worst, ≈ 100 MB typically).
const QUOTES_PER_PASS: usize = 16;

impl Generator {
	/// The context sentences a quote may be: every sentence ([`answer_form::sentences`]) of every context
	/// segment after its `[i]` label, with its tokens as the answer is tokenised (trimmed text, as validators
	/// encode it); once each, in prompt order; none longer than `max_tokens` or carrying the prompt's format,
	/// and none that is part of a longer candidate (overlapping chunks cut a sentence at different places).
	///
	/// # Errors
	/// Tokenizer failures.
	pub fn quote_candidates(&self, prompt: &Prompt, max_tokens: usize) -> Result<Vec<(String, Vec<u32>)>> {
		let mut out: Vec<(String, Vec<u32>)> = Vec::new();
		for segment in prompt.segments.iter().skip(1).take(prompt.contexts()) {
			let text = self.decode(segment)?;
			// "[3] text\n": the label ends at the first "] ".
			let body = text.split_once("] ").map_or(text.as_str(), |(_, body)| body);
			for sentence in answer_form::sentences(body) {
				if out.iter().any(|(seen, _)| seen == sentence) || answer_form::carries_prompt_format(sentence) {
					continue;
				}
				let tokens = self.encode(sentence)?;
				if !tokens.is_empty() && tokens.len() <= max_tokens {
					out.push((sentence.to_owned(), tokens));
				}
			}
		}
		// Overlapping chunks cut one sentence at different places: keep the longest piece of it.
		let pieces: Vec<String> = out.iter().map(|(text, _)| text.clone()).collect();
		out.retain(|(text, _)| !pieces.iter().any(|other| other.len() > text.len() && other.contains(text.as_str())));
		Ok(out)
	}

	/// The extractive answer: of [`Generator::quote_candidates`], the one with the highest mean log-probability
	/// per token under `prompt` (teacher-forced, every candidate after one shared prefill; ties to the first in
	/// prompt order). `None` when the contexts hold no candidate.
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`]; tensor failures.
	pub fn quote(&self, prompt: &Prompt, max_tokens: usize) -> Result<Option<Generation>> {
		let candidates = self.quote_candidates(prompt, max_tokens)?;
		let tokens = prompt.tokens();
		let longest = candidates.iter().map(|(_, t)| t.len()).max().unwrap_or(0);
		self.check_fits(tokens.len().saturating_add(longest))?;
		let Some((last, body)) = tokens.split_last() else {
			return Err(WorkerError::InvalidInput("a quote needs a prompt".into()));
		};
		let mut cache = KvCache::default();
		if !body.is_empty() {
			self.model.forward(body, &mut cache)?;
		}
		// Run i feeds the prompt's last token and candidate i but its last token: row r predicts token r.
		let fed: Vec<Vec<u32>> = candidates
			.iter()
			.map(|(_, answer)| {
				let mut run = vec![*last];
				run.extend(answer.get(..answer.len().saturating_sub(1)).unwrap_or_default());
				run
			})
			.collect();
		let mut best: Option<(f64, usize, f64)> = None;
		for (group, runs) in fed.chunks(QUOTES_PER_PASS).enumerate() {
			let packed: Vec<(&[u32], &KvCache)> = runs.iter().map(|run| (run.as_slice(), &cache)).collect();
			let hidden = self.model.forward_packed(&packed)?;
			for (i, rows) in hidden.iter().enumerate() {
				let index = group.saturating_mul(QUOTES_PER_PASS).saturating_add(i);
				let Some((_, answer)) = candidates.get(index) else { continue };
				let logprob = self.answer_logprob(rows, answer)?;
				let mean = logprob / answer.len().max(1) as f64;
				if best.is_none_or(|(top, _, _)| mean > top) {
					best = Some((mean, index, logprob));
				}
			}
		}
		Ok(best.and_then(|(_, index, logprob)| {
			candidates.into_iter().nth(index).map(|(text, tokens)| Generation { tokens, text, logprob })
		}))
	}
}
