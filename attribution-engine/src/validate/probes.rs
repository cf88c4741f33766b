//! A DataNet's probe set: questions with reference answers, held as one of the DataNet's datasets (JSON Lines,
//! `{"question": "…", "answer": "…"}` per line) and maintained by its curators. The value of a proposed dataset
//! is how much adding it to the DataNet helps the DataNet answer them.

use crate::rows::{parse_rows, ContentType};

/// Probe questions used (the first ones in the file): each costs two teacher-forced passes per validation.
pub const MAX_PROBES: usize = 16;
/// Longest question or reference answer, in bytes; longer probes are skipped.
pub const MAX_PROBE_BYTES: usize = 2_000;

/// One probe question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
	pub question: String,
	pub answer: String,
}

/// The probes of a probe-set dataset's text: rows with a non-empty `question` and `answer`, at most
/// [`MAX_PROBE_BYTES`] each, the first [`MAX_PROBES`] of them. Other rows are skipped.
pub fn probes(text: &str) -> Vec<Probe> {
	let required = ["question".to_owned(), "answer".to_owned()];
	parse_rows(text, ContentType::Jsonl, &required)
		.rows
		.into_iter()
		.filter_map(|row| {
			let (question, answer) = row.text.split_once('\n')?;
			let fits = |s: &str| !s.trim().is_empty() && s.len() <= MAX_PROBE_BYTES && !s.contains('\n');
			(fits(question) && fits(answer))
				.then(|| Probe { question: question.trim().to_owned(), answer: answer.trim().to_owned() })
		})
		.take(MAX_PROBES)
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn probes_are_read_from_json_lines_and_bounded() {
		let long = "x".repeat(MAX_PROBE_BYTES + 1);
		let mut text = format!(
			"{{\"question\": \"Does aspirin lower fever?\", \"answer\": \"Yes.\"}}\n{{\"question\": \"no answer\"}}\n\
			 not json\n{{\"question\": \"{long}\", \"answer\": \"a\"}}\n{{\"question\": \"two\\nlines\", \"answer\": \"a\"}}\n"
		);
		assert_eq!(probes(&text), [Probe { question: "Does aspirin lower fever?".into(), answer: "Yes.".into() }]);
		for i in 0..40 {
			text.push_str(&format!("{{\"question\": \"q{i}\", \"answer\": \"a{i}\"}}\n"));
		}
		assert_eq!(probes(&text).len(), MAX_PROBES);
	}
}
