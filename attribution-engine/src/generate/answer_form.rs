//! What a served answer may look like. The prompt asks for one short sentence; a small model often does
//! something else — opens with "The answer to this question is:" and a line break, repeats a phrase until the
//! token limit ("No, no, no, …"), restates the prompt ("Question: …"), or runs on into a second sentence that
//! drifts to a neighbouring passage. With [`AnswerForm::OneSentence`] greedy decoding never picks a token that
//! starts a new line, that repeats a three-token sequence already in the answer (the usual "no repeat n-gram"
//! rule) or that makes the answer carry the prompt's format ([`carries_prompt_format`]), does not end an answer
//! on a colon ([`may_end`]), and stops before the token that would start a second sentence. The served text — and what attribution credits — is that sentence.
//!
//! [`AnswerForm::Quote`] is extractive: the answer is one sentence of the retrieved contexts ([`sentences`]),
//! the one the question makes likeliest ([`super::Generator::quote`]). It cannot mix a neighbouring passage's
//! fact into the asked one's sentence ("the most common side effect of A is B's side effect"), which greedy
//! decoding of a small model does. Whole sentences ([`starts_sentence`], [`ends_sentence`]) are preferred to the
//! pieces a chunk boundary cuts; only when the contexts hold no whole sentence is a piece cut at its end ("… reported
//! by about one patient in") chosen, and finished by greedy decoding.

use serde::{Deserialize, Serialize};

/// The shape of a served answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerForm {
	/// Free text: greedy decoding until the end-of-turn token or the token limit.
	Free,
	/// One sentence on one line, without repeated three-token sequences.
	OneSentence,
	/// One sentence of the retrieved contexts, verbatim: the one the question makes likeliest (the protocol's
	/// form: measured in docs/ATTRIBUTION.md, "Answers worth paying for").
	#[default]
	Quote,
}

/// The sentences of `text`, trimmed, in order: cut where [`ends_before`] would end an answer (after final
/// punctuation before a space, or at a line break). A passage cut mid-sentence gives a fragment at either end.
pub fn sentences(text: &str) -> Vec<&str> {
	// Each piece is a run of whitespace and the word after it, as a tokenizer's pieces are.
	let mut cuts = Vec::new();
	let mut piece_start = 0;
	let mut in_word = false;
	let mut sentence_start = 0;
	for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
		if c.is_whitespace() && in_word {
			// A piece ends at `at`: text[piece_start..at]. Does the sentence end before it?
			let (Some(so_far), Some(piece)) = (text.get(sentence_start..piece_start), text.get(piece_start..at))
			else {
				continue;
			};
			if piece_start > sentence_start && ends_before(so_far, piece) {
				cuts.push(so_far.trim());
				sentence_start = piece_start;
			}
			piece_start = at;
		}
		in_word = !c.is_whitespace();
	}
	cuts.extend(text.get(sentence_start..).map(str::trim));
	cuts.retain(|s| !s.is_empty());
	cuts
}

/// Length of the token sequences a one-sentence answer may not repeat.
pub const NO_REPEAT_TOKENS: usize = 3;

/// Tokens that may not come next after `answer`: each that would complete a repetition of a
/// [`NO_REPEAT_TOKENS`]-token sequence already in the answer.
pub fn repeating(answer: &[u32]) -> Vec<u32> {
	let n = NO_REPEAT_TOKENS.saturating_sub(1);
	let Some(tail) = answer.len().checked_sub(n).and_then(|start| answer.get(start..)) else { return Vec::new() };
	answer
		.windows(NO_REPEAT_TOKENS)
		.filter(|w| w.get(..n) == Some(tail))
		.filter_map(|w| w.last().copied())
		.collect()
}

/// Whether `text` carries the prompt's structure: a numbered context label (`[3`), the `Question:` /
/// `Context:` headings, chat-template tokens, or a Q/A line. A one-sentence answer never takes a token that
/// would make it do so; the benches count the answers that do.
pub fn carries_prompt_format(text: &str) -> bool {
	let numbered =
		text.as_bytes().windows(2).any(|w| w.first() == Some(&b'[') && w.get(1).is_some_and(u8::is_ascii_digit));
	numbered || ["<|im_", "\nQ:", "\nA:"].iter().any(|m| text.contains(m)) || heading(text, "Question") || heading(text, "Context")
}

/// Whether `word` appears as a heading: followed by a colon, possibly after a number ("Question 1:").
fn heading(text: &str, word: &str) -> bool {
	text.match_indices(word).any(|(at, _)| {
		let rest = text.get(at.saturating_add(word.len())..).unwrap_or_default();
		rest.trim_start_matches(|c: char| c == ' ' || c.is_ascii_digit()).starts_with(':')
	})
}

/// Whether an answer may end after `answer`: not on a colon, which announces an answer rather than states one
/// ("The answer to this question is:").
pub fn may_end(answer: &str) -> bool {
	!answer.trim_end().ends_with(':')
}

/// Closing quotes and brackets, which may follow a sentence's final punctuation.
const CLOSERS: &[char] = &[')', ']', '"', '\'', '\u{201d}', '\u{2019}'];

/// Whether `sentence` (one of [`sentences`]) begins a sentence: an upper-case letter or a digit first, after any
/// opening quote or bracket. The piece before a chunk's first sentence starts wherever the chunk boundary fell —
/// in lower case, or at a comma (", 51 correct results using ultrasound).").
pub fn starts_sentence(sentence: &str) -> bool {
	sentence
		.trim_start()
		.trim_start_matches(['(', '[', '"', '\'', '\u{201c}', '\u{2018}'])
		.chars()
		.next()
		.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Whether `sentence` ends as a sentence does: final punctuation, before any closing quotes or brackets. The piece
/// after a chunk's last sentence ends wherever the chunk boundary fell ("The gender difference in prevalence and
/// incidence rates").
pub fn ends_sentence(sentence: &str) -> bool {
	sentence.trim_end().trim_end_matches(CLOSERS).ends_with(['.', '!', '?'])
}

/// Whether `answer` (decoded so far) is complete and `next` (the next token's text) would start something
/// after it: a new line, or a new sentence after final punctuation. Not after "1." (a list number), "e.g."
/// or a lone initial, and never before the answer has any text.
pub fn ends_before(answer: &str, next: &str) -> bool {
	let answer = answer.trim_end();
	if answer.trim_start().is_empty() {
		return false;
	}
	if next.contains('\n') {
		return true;
	}
	if !next.starts_with(char::is_whitespace) {
		return false;
	}
	let Some(body) = answer.strip_suffix(['.', '!', '?']) else { return false };
	let word: Vec<char> = body.chars().rev().take_while(|c| c.is_alphanumeric()).collect();
	if word.iter().all(char::is_ascii_digit) && !word.is_empty() {
		// "1." opens a list; "in 2010." ends a sentence.
		return body.split_whitespace().count() >= 2;
	}
	word.is_empty() || word.len() >= 2
}

#[cfg(test)]
mod tests {
	use super::{ends_before, ends_sentence, repeating, sentences, starts_sentence};

	#[test]
	fn the_pieces_a_chunk_boundary_cuts_are_told_from_whole_sentences() {
		for whole in ["The dose is 40 mg.", "5 of 12 improved.", "(Aspirin was given.)", "\"It works,\" he said."] {
			assert!(starts_sentence(whole) && ends_sentence(whole), "{whole}");
		}
		// Cut at the chunk's start: lower case, or punctuation first.
		assert!(!starts_sentence("reported by one in ten."));
		assert!(!starts_sentence(", 51 correct results using ultrasound)."));
		assert!(!starts_sentence(""));
		// Cut at the chunk's end.
		assert!(!ends_sentence("The gender difference in prevalence and incidence rates"));
		assert!(!ends_sentence("The dose is 40 mg,"));
		assert!(!ends_sentence("  "));
	}

	#[test]
	fn a_passage_splits_into_its_sentences() {
		let text = "Formulary note: Zorvatin.\nZorvatin treats gout, e.g. flares. The dose is 4.5 mg, as J. Smith wrote.  It \
			was approved in 2010. Store it cold";
		assert_eq!(
			sentences(text),
			vec![
				"Formulary note: Zorvatin.",
				"Zorvatin treats gout, e.g. flares.",
				"The dose is 4.5 mg, as J. Smith wrote.",
				"It was approved in 2010.",
				"Store it cold"
			]
		);
		assert_eq!(sentences("reported by one in ten. Next"), vec!["reported by one in ten.", "Next"]);
		assert!(sentences("  \n ").is_empty());
		assert_eq!(sentences("1. First step"), vec!["1. First step"], "a list number does not end a sentence");
	}

	#[test]
	fn stops_after_the_first_sentence() {
		assert!(ends_before("The dose is 40 mg.", " The"));
		assert!(ends_before("Yes.", " The"));
		assert!(ends_before("It rose by 5%.", " In"));
		assert!(ends_before("It was approved in 2010.", " It"));
		assert!(ends_before("Is it safe?", " Yes"));
	}

	#[test]
	fn stops_before_a_new_line_once_there_is_text() {
		assert!(ends_before("The dose is 40 mg", "\n"));
		assert!(!ends_before("", "\n"), "a leading newline is not an answer");
		assert!(!ends_before("  ", "\n"));
	}

	#[test]
	fn does_not_stop_inside_a_sentence() {
		assert!(!ends_before("The dose is 40 mg", " daily"));
		assert!(!ends_before("The dose is 4.", "5"), "a decimal point is not a full stop");
		assert!(!ends_before("1.", " The"), "a list number");
		assert!(!ends_before("Use it, e.g.", " daily"), "an abbreviation with single letters");
		assert!(!ends_before("Dr. J.", " Smith"), "an initial");
	}

	#[test]
	fn the_prompts_format_is_recognised() {
		use super::{carries_prompt_format, may_end};
		for leak in ["[3] The dose", "Question: is it safe?", "Question 1: What is it?", "Context: x", "ok\nQ: next"] {
			assert!(carries_prompt_format(leak), "{leak}");
		}
		for fine in ["The dose is 40 mg [sic].", "The question is open.", "Questionable: maybe", "In context, yes."] {
			assert!(!carries_prompt_format(fine), "{fine}");
		}
		assert!(!may_end("The answer to this question is:") && !may_end("The answer is: "));
		assert!(may_end("No.") && may_end(""));
	}

	#[test]
	fn a_three_token_sequence_cannot_repeat() {
		// "No" = 1, "," = 2, " no" = 3: after "No, no, no" the pair [, no] was once followed by ",".
		assert_eq!(repeating(&[1, 2, 3, 2, 3]), vec![2]);
		assert_eq!(repeating(&[1, 2, 3, 2]), Vec::<u32>::new(), "[no ,] has not been followed by anything yet");
		assert_eq!(repeating(&[5, 6, 7, 5, 6]), vec![7]);
		assert_eq!(repeating(&[5, 6, 7, 8]), Vec::<u32>::new());
		assert_eq!(repeating(&[5]), Vec::<u32>::new());
		assert_eq!(repeating(&[]), Vec::<u32>::new());
	}
}
