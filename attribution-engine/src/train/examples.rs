//! Training examples from a DataNet version. A dataset is read as question/answer pairs (`Q: …` followed by
//! `A: …`, pairs separated by blank lines) when it has any; the model then learns to give the answer to the
//! question asked in the chat template it is served with, and only the answer's tokens carry loss. Any other
//! dataset is plain text: each paragraph is one example and every token after the first carries loss.

use crate::{
	datanet::DataNetVersion,
	error::{Result, WorkerError},
	generate::Generator,
};

/// One example: the tokens the model reads and the tokens it learns to produce after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
	/// The dataset it came from (for per-dataset influence sketches).
	pub dataset: u64,
	pub prompt: Vec<u32>,
	pub target: Vec<u32>,
}

impl Example {
	/// Prompt and target, as one sequence.
	pub fn tokens(&self) -> Vec<u32> {
		let mut tokens = self.prompt.clone();
		tokens.extend(&self.target);
		tokens
	}
}

/// Question/answer pairs in `text` (`Q:` then `A:`, possibly over several lines each).
pub fn qa_pairs(text: &str) -> Vec<(String, String)> {
	let mut pairs = Vec::new();
	for block in text.split("\n\n") {
		let block = block.trim();
		let (Some(rest), true) = (block.strip_prefix("Q:"), block.contains("\nA:")) else { continue };
		if let Some((question, answer)) = rest.split_once("\nA:") {
			let (question, answer) = (question.trim(), answer.trim());
			if !question.is_empty() && !answer.is_empty() {
				pairs.push((question.to_owned(), answer.to_owned()));
			}
		}
	}
	pairs
}

/// Every example of `version`, at most `max_tokens` each (longer ones are cut at the end), in dataset order.
///
/// # Errors
/// [`WorkerError::InvalidInput`] when the version yields no example; tokenizer failures.
pub fn examples(generator: &Generator, version: &DataNetVersion, max_tokens: usize) -> Result<Vec<Example>> {
	let end = generator.end_of_turn();
	let mut examples = Vec::new();
	for dataset in &version.datasets {
		let pairs = qa_pairs(&dataset.text);
		if pairs.is_empty() {
			for paragraph in dataset.text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
				let tokens = generator.encode(paragraph)?;
				if let Some((first, rest)) = tokens.split_first().filter(|(_, rest)| !rest.is_empty()) {
					examples.push(Example { dataset: dataset.id, prompt: vec![*first], target: rest.to_vec() });
				}
			}
			continue;
		}
		for (question, answer) in pairs {
			let prompt = generator.rag_prompt(&question, &[])?.tokens();
			let mut target = generator.encode(&answer)?;
			target.push(end);
			examples.push(Example { dataset: dataset.id, prompt, target });
		}
	}
	for example in &mut examples {
		let room = max_tokens.saturating_sub(example.prompt.len());
		if room == 0 {
			return Err(WorkerError::InvalidInput(format!(
				"a prompt of dataset {} is {} tokens, more than --max-tokens {max_tokens}",
				example.dataset,
				example.prompt.len()
			)));
		}
		example.target.truncate(room);
	}
	if examples.is_empty() {
		return Err(WorkerError::InvalidInput(format!(
			"DataNet {} version {} has no text to train on",
			version.datanet, version.version
		)));
	}
	Ok(examples)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pairs_are_read_across_lines_and_broken_blocks_skipped() {
		let text = "Q: Dose?\nA: 75 mg\ndaily.\n\nQ: No answer here\n\nA: no question\n\nQ:  \nA: empty question\n\nQ: Drug?\nA: Aspirin.";
		assert_eq!(
			qa_pairs(text),
			vec![("Dose?".into(), "75 mg\ndaily.".into()), ("Drug?".into(), "Aspirin.".into())]
		);
		assert!(qa_pairs("plain text only").is_empty());
	}
}
