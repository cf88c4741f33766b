//! Extractive answers ([`AnswerForm::Quote`](super::AnswerForm::Quote)): the served answer is the sentence of the
//! retrieved contexts that the model finds the likeliest answer to the question.

use super::{answer_form, llama::KvCache, Generation, Generator, Prompt};
use crate::error::{Result, WorkerError};

/// Most sentences a quote is chosen from, the first in prompt order (retrieval's best chunks first): contexts
/// of many tiny sentences ("a. b. c. …") would otherwise make every answer hundreds of scoring runs.
pub const MAX_QUOTE_CANDIDATES: usize = 64;

/// Candidate sentences scored in one packed pass; more are scored in further passes (bounds the memory of
/// one pass's logits: 64 runs of at most 48 tokens × 49 152 × 4 bytes ≈ 600 MB at worst, ≈ 100 MB typically).
const QUOTES_PER_PASS: usize = 16;

/// Nats a quote's score loses per retrieval rank of the best context holding it ([`choose_quote`]): how much
/// retrieval's order counts against the question's pull (measured in docs/ATTRIBUTION.md, "Retrieval's order as
/// a prior"): 4 nats, the smallest penalty reaching the most own-abstract quotes on PubMedQA's tuning part.
pub const QUOTE_RANK_PENALTY: f64 = 4.0;

/// Fewest words a piece a chunk boundary cut must have to pass its context's rank on to the whole sentence (a
/// shorter one, "in ten.", may end another sentence by chance).
const MIN_PIECE_WORDS: usize = 4;

/// Fewest characters two contexts must share — the end of one being the start of the other — to be read as
/// overlapping chunks of one text (the product's chunks overlap by 16 word pieces, ≈ 60–90 characters of English).
const MIN_CHUNK_OVERLAP_CHARS: usize = 32;

/// `first` and `second` as one text when `second` begins with at least [`MIN_CHUNK_OVERLAP_CHARS`] of `first`'s
/// end (the longest such overlap) and goes on after it: two overlapping chunks of one text.
pub fn joined(first: &str, second: &str) -> Option<String> {
	let most = first.len().min(second.len().saturating_sub(1));
	(MIN_CHUNK_OVERLAP_CHARS..=most)
		.rev()
		.find(|l| second.get(..*l).is_some_and(|head| first.ends_with(head)))
		.and_then(|l| second.get(l..))
		.map(|rest| format!("{first}{rest}"))
}

/// Each context body's sentences ([`answer_form::sentences`]), then, after them, the sentences a chunk boundary cut
/// that another context finishes: those of two [`joined`] bodies found in neither body alone.
fn sentences_with_joins(bodies: &[String]) -> Vec<Vec<String>> {
	let own: Vec<Vec<&str>> = bodies.iter().map(|b| answer_form::sentences(b)).collect();
	let mut out: Vec<Vec<String>> = own.iter().map(|s| s.iter().map(|x| (*x).to_owned()).collect()).collect();
	for (a, first) in bodies.iter().enumerate() {
		for (b, second) in bodies.iter().enumerate() {
			let Some(whole) = (a != b).then(|| joined(first, second)).flatten() else { continue };
			let theirs = |s: &&str| own.get(a).is_some_and(|o| o.contains(s)) || own.get(b).is_some_and(|o| o.contains(s));
			let across = answer_form::sentences(&whole).into_iter().filter(|s| !theirs(s)).map(str::to_owned);
			if let Some(sentences) = out.get_mut(a) {
				sentences.extend(across);
			}
		}
	}
	out
}

/// A sentence a quote may be, with its tokens, the context it was taken from (0 = the first in prompt order) and
/// its rank: the best retrieval rank ([`Prompt::rank`]) of the contexts holding it or a piece of it that a chunk
/// boundary cut (overlapping chunks cut one sentence at different places, and the whole of it may sit in a
/// lower-ranked chunk than its pieces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteCandidate {
	pub text: String,
	pub tokens: Vec<u32>,
	pub context: usize,
	pub rank: usize,
}

/// A candidate with its scores under the prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredQuote {
	pub candidate: QuoteCandidate,
	/// `log p(sentence | contexts, question) − log p(sentence | contexts, a question that asks nothing)`.
	pub gain: f64,
	/// `log p(sentence | prompt)`.
	pub logprob: f64,
}

/// The index of the quote to serve among candidates given as `(gain, rank)` ([`ScoredQuote`]): the highest
/// `gain − rank_penalty × rank`, ties to the first in prompt order; `None` for no candidates.
pub fn choose_quote(scored: impl IntoIterator<Item = (f64, usize)>, rank_penalty: f64) -> Option<usize> {
	let mut best: Option<(f64, usize)> = None;
	for (index, (gain, rank)) in scored.into_iter().enumerate() {
		let value = gain - rank_penalty * rank as f64;
		if best.is_none_or(|(top, _)| value > top) {
			best = Some((value, index));
		}
	}
	best.map(|(_, index)| index)
}

impl Generator {
	/// The context sentences a quote may be: every sentence ([`answer_form::sentences`]) of every context
	/// segment after its `[i]` label, and every sentence a chunk boundary cut that another context — the next,
	/// overlapping chunk of the same text ([`MIN_CHUNK_OVERLAP_CHARS`]) — finishes, with its tokens as the answer
	/// is tokenised (trimmed text, as validators encode it); once each, in prompt order; none that does not begin a
	/// sentence (the piece before a chunk's first sentence, [`answer_form::starts_sentence`]), none that is a
	/// question, longer than `max_tokens` or carrying the prompt's format, and none that is part of a longer
	/// candidate (overlapping chunks cut a sentence at different places); the piece after a chunk's last sentence
	/// ([`answer_form::ends_sentence`]) only when no candidate is a whole sentence; at most
	/// [`MAX_QUOTE_CANDIDATES`].
	///
	/// # Errors
	/// Tokenizer failures.
	pub fn quote_candidates(&self, prompt: &Prompt, max_tokens: usize) -> Result<Vec<QuoteCandidate>> {
		let mut bodies: Vec<String> = Vec::new();
		for segment in prompt.segments.iter().skip(1).take(prompt.contexts()) {
			let text = self.decode(segment)?;
			// "[3] text\n": the label ends at the first "] ".
			bodies.push(text.split_once("] ").map_or(text.as_str(), |(_, body)| body).trim().to_owned());
		}
		let sentences = sentences_with_joins(&bodies);
		let mut out: Vec<QuoteCandidate> = Vec::new();
		// Every piece of every context, kept or not, with its context: what a candidate's rank is drawn from.
		let mut held: Vec<(String, usize)> = Vec::new();
		for (context, own) in sentences.iter().enumerate() {
			for sentence in own.iter().map(String::as_str) {
				held.push((sentence.to_owned(), context));
				// A chunk that starts mid-sentence starts with a piece of it, which is no answer.
				let mid_sentence = !answer_form::starts_sentence(sentence);
				// A question is no answer (Q/A notes hold many: the asked one's words would pick them).
				if mid_sentence
					|| sentence.ends_with('?')
					|| out.iter().any(|seen| seen.text == sentence)
					|| answer_form::carries_prompt_format(sentence)
				{
					continue;
				}
				let tokens = self.encode(sentence)?;
				if !tokens.is_empty() && tokens.len() <= max_tokens {
					out.push(QuoteCandidate { text: sentence.to_owned(), tokens, context, rank: prompt.rank(context) });
				}
			}
		}
		// Overlapping chunks cut one sentence at different places: keep the longest piece of it.
		let pieces: Vec<String> = out.iter().map(|c| c.text.clone()).collect();
		out.retain(|c| !pieces.iter().any(|other| other.len() > c.text.len() && other.contains(c.text.as_str())));
		// A piece cut at the chunk's end would be finished by decoding — words the data does not hold: on
		// PubMedQA the question's words made such pieces win and the model finished them off-topic ("The gender
		// difference in prevalence and incidence rates" of depression, finished "of percutaneous … techniques").
		if out.iter().any(|c| answer_form::ends_sentence(&c.text)) {
			out.retain(|c| answer_form::ends_sentence(&c.text));
		}
		out.truncate(MAX_QUOTE_CANDIDATES);
		for candidate in &mut out {
			for (piece, context) in &held {
				let cut_from_it = piece.split_whitespace().count() >= MIN_PIECE_WORDS
					&& (candidate.text.starts_with(piece.as_str()) || candidate.text.ends_with(piece.as_str()));
				if *piece == candidate.text || cut_from_it {
					candidate.rank = candidate.rank.min(prompt.rank(*context));
				}
			}
		}
		Ok(out)
	}

	/// Every [`Generator::quote_candidates`] sentence with its scores: what [`Generator::quote`] chooses from, for
	/// the benches to weigh other choices without scoring again.
	///
	/// # Errors
	/// As [`Generator::quote`].
	pub fn quote_scores(&self, prompt: &Prompt, max_tokens: usize) -> Result<Vec<ScoredQuote>> {
		let candidates = self.quote_candidates(prompt, max_tokens)?;
		if candidates.is_empty() {
			return Ok(Vec::new());
		}
		let (Some(tail), Some(body)) = (prompt.segments.last(), prompt.segments.split_last().map(|(_, b)| b.concat()))
		else {
			return Err(WorkerError::InvalidInput("a quote needs a prompt".into()));
		};
		let null_tail = self.question_tail(NULL_QUESTION)?;
		let longest = candidates.iter().map(|c| c.tokens.len()).max().unwrap_or(0);
		self.check_fits(body.len().saturating_add(tail.len().max(null_tail.len())).saturating_add(longest))?;
		let mut shared = KvCache::default();
		if !body.is_empty() {
			self.model.forward(&body, &mut shared)?;
		}
		let asked = self.logprobs_after(&shared, tail, &candidates)?;
		let unasked = self.logprobs_after(&shared, &null_tail, &candidates)?;
		Ok(candidates
			.into_iter()
			.zip(asked.into_iter().zip(unasked))
			.map(|(candidate, (with, without))| ScoredQuote { candidate, gain: with - without, logprob: with })
			.collect())
	}

	/// The extractive answer: of [`Generator::quote_candidates`], the one the question makes likeliest —
	/// the highest `log p(sentence | contexts, question) − log p(sentence | contexts, a question that asks
	/// nothing)` (pointwise mutual information with the question, teacher-forced; ties to the first in prompt
	/// order), less [`QUOTE_RANK_PENALTY`] nats per retrieval rank ([`choose_quote`]). Likelihood alone prefers
	/// whatever is easiest to copy — a small model then answers "what is the side effect of X?" with "X is a
	/// medicine used to treat …" —, the difference keeps what the question adds. `None` when the contexts hold no candidate. The returned log-probability is the answer's under `prompt`.
	///
	/// # Errors
	/// [`WorkerError::PromptTooLong`]; [`WorkerError::InvalidInput`] for a prompt without contexts and
	/// question; tensor failures.
	pub fn quote(&self, prompt: &Prompt, max_tokens: usize) -> Result<Option<Generation>> {
		let scored = self.quote_scores(prompt, max_tokens)?;
		let chosen = choose_quote(scored.iter().map(|s| (s.gain, s.candidate.rank)), QUOTE_RANK_PENALTY);
		Ok(chosen.and_then(|index| {
			scored.into_iter().nth(index).map(|s| Generation {
				tokens: s.candidate.tokens,
				text: s.candidate.text,
				logprob: s.logprob,
			})
		}))
	}

	/// `log p(candidate | prefix, tail)` for every candidate, the prefix in `shared`: the tail is fed once, then
	/// every candidate (after the tail's last token) in packed passes.
	fn logprobs_after(&self, shared: &KvCache, tail: &[u32], candidates: &[QuoteCandidate]) -> Result<Vec<f64>> {
		let Some((last, before)) = tail.split_last() else {
			return Err(WorkerError::InvalidInput("a quote needs a question after the contexts".into()));
		};
		let mut cache = shared.clone();
		if !before.is_empty() {
			self.model.forward(before, &mut cache)?;
		}
		// Run i feeds the tail's last token and candidate i but its last token: row r predicts token r.
		let fed: Vec<Vec<u32>> = candidates
			.iter()
			.map(|c| {
				let mut run = vec![*last];
				run.extend(c.tokens.get(..c.tokens.len().saturating_sub(1)).unwrap_or_default());
				run
			})
			.collect();
		let mut out = Vec::with_capacity(candidates.len());
		for (runs, answers) in fed.chunks(QUOTES_PER_PASS).zip(candidates.chunks(QUOTES_PER_PASS)) {
			let packed: Vec<(&[u32], &KvCache)> = runs.iter().map(|run| (run.as_slice(), &cache)).collect();
			for (rows, candidate) in self.model.forward_packed(&packed)?.iter().zip(answers) {
				out.push(self.answer_logprob(rows, &candidate.tokens)?);
			}
		}
		Ok(out)
	}
}

/// The question a quote's score is measured against: one that asks for no fact in particular.
pub const NULL_QUESTION: &str = "Quote one sentence from the context.";
