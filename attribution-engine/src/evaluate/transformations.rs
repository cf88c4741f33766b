//! The sentence-transformation task of DataInf (Kwon et al., ICLR 2024), with sentences the project generates
//! itself: ten transformation classes (reverse the words, replace vowels with `*`, …), each a dataset of
//! question/answer pairs that name the transformation and apply it to one sentence. A model fine-tuned on all
//! classes should owe its answer on a test sentence to the training examples of the same class, which is what
//! an influence estimator is scored on.

use crate::{
	datanet::{DataNetVersion, Dataset},
	error::{Result, WorkerError},
	rng::SplitMix64,
};
use std::path::PathBuf;

/// One transformation class: its title (as the prompt names it) and the function.
pub struct Transformation {
	pub title: &'static str,
	pub apply: fn(&str) -> String,
}

const VOWELS: &str = "aeiouAEIOU";

fn is_consonant(c: char) -> bool {
	c.is_ascii_alphabetic() && !VOWELS.contains(c)
}

fn reverse_words(s: &str) -> String {
	s.split_whitespace().rev().collect::<Vec<_>>().join(" ")
}

fn alternate_case(s: &str) -> String {
	s.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() }).collect()
}

fn insert_one(s: &str) -> String {
	s.split_whitespace().collect::<Vec<_>>().join(" 1 ")
}

fn star_vowels(s: &str) -> String {
	s.chars().map(|c| if VOWELS.contains(c) { '*' } else { c }).collect()
}

fn double_consonants(s: &str) -> String {
	s.chars().flat_map(|c| if is_consonant(c) { vec![c, c] } else { vec![c] }).collect()
}

fn capitalise_words(s: &str) -> String {
	s.split_whitespace()
		.map(|w| {
			let mut chars = w.chars();
			chars.next().map_or_else(String::new, |f| f.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
		})
		.collect::<Vec<_>>()
		.join(" ")
}

fn remove_vowels(s: &str) -> String {
	s.chars().filter(|c| !VOWELS.contains(*c)).collect()
}

fn add_ly(s: &str) -> String {
	s.split_whitespace().map(|w| format!("{w}ly")).collect::<Vec<_>>().join(" ")
}

fn remove_consonants(s: &str) -> String {
	s.chars().filter(|c| !is_consonant(*c)).collect()
}

fn repeat_words(s: &str) -> String {
	s.split_whitespace().map(|w| format!("{w} {w}")).collect::<Vec<_>>().join(" ")
}

/// The ten classes of the DataInf paper, in its order.
pub const TRANSFORMATIONS: [Transformation; 10] = [
	Transformation { title: "Reverse Order of Words", apply: reverse_words },
	Transformation { title: "Capitalize Every Other Letter", apply: alternate_case },
	Transformation { title: "Insert Number 1 Between Every Word", apply: insert_one },
	Transformation { title: "Replace Vowels with *", apply: star_vowels },
	Transformation { title: "Double Every Consonant", apply: double_consonants },
	Transformation { title: "Capitalize Every Word", apply: capitalise_words },
	Transformation { title: "Remove All Vowels", apply: remove_vowels },
	Transformation { title: "Add 'ly' To End of Each Word", apply: add_ly },
	Transformation { title: "Remove All Consonants", apply: remove_consonants },
	Transformation { title: "Repeat Each Word Twice", apply: repeat_words },
];

const SUBJECTS: [&str; 24] = [
	"Quiet rivers", "Old lanterns", "Bright kites", "Tired sailors", "Young foxes", "Silver clouds", "Busy markets",
	"Distant bells", "Gentle storms", "Wooden boats", "Hidden gardens", "Golden fields", "Lonely towers",
	"Curious owls", "Broken clocks", "Northern winds", "Painted doors", "Sleepy towns", "Brave climbers",
	"Narrow bridges", "Fallen leaves", "Restless waves", "Ancient roads", "Humble bakers",
];
const VERBS: [&str; 16] = [
	"carry", "follow", "remember", "guard", "welcome", "paint", "answer", "borrow", "gather", "light", "cross",
	"shelter", "echo", "hide", "warm", "chase",
];
const OBJECTS: [&str; 20] = [
	"morning songs", "forgotten names", "evening trains", "winter stars", "small secrets", "green hills",
	"open windows", "long letters", "red apples", "warm bread", "cold mornings", "soft rain", "far islands",
	"new maps", "bright coins", "empty streets", "tall grass", "quiet harbours", "paper boats", "summer nights",
];

/// `n` distinct short sentences ("Quiet rivers carry morning songs."), seeded.
///
/// # Errors
/// [`WorkerError::InvalidInput`] for more than the word lists can make distinct.
pub fn sentences(n: usize, seed: u64) -> Result<Vec<String>> {
	let possible = SUBJECTS.len() * VERBS.len() * OBJECTS.len();
	if n > possible / 2 {
		return Err(WorkerError::InvalidInput(format!("{n} sentences: at most {} distinct ones", possible / 2)));
	}
	let mut rng = SplitMix64(seed);
	let mut seen = std::collections::BTreeSet::new();
	let mut out = Vec::with_capacity(n);
	while out.len() < n {
		let pick = |rng: &mut SplitMix64, words: &[&'static str]| words.get(rng.below(words.len())).copied().unwrap_or_default();
		let sentence = format!("{} {} {}.", pick(&mut rng, &SUBJECTS), pick(&mut rng, &VERBS), pick(&mut rng, &OBJECTS));
		if seen.insert(sentence.clone()) {
			out.push(sentence);
		}
	}
	Ok(out)
}

/// The question asking for `transformation` of `sentence`, in the DataInf prompt's words.
pub fn question(transformation: &Transformation, sentence: &str) -> String {
	format!(
		"A chatbot performs a specific transformation on sentences: {}. Transform: {sentence}",
		transformation.title
	)
}

/// The task: `classes` transformation classes, each with `train` training and `test` test sentences (the same
/// sentences for every class, as in the paper). Dataset `c + 1` of `train_version` holds class `c`'s training
/// pairs, and of `test_version` its test pairs.
pub struct Task {
	pub train_version: DataNetVersion,
	pub test_version: DataNetVersion,
	pub classes: usize,
	pub train_per_class: usize,
}

fn class_dataset(c: usize, transformation: &Transformation, sentences: &[String]) -> Result<Dataset> {
	let text: Vec<String> = sentences
		.iter()
		.map(|s| format!("Q: {}\nA: {}", question(transformation, s), (transformation.apply)(s)))
		.collect();
	Dataset::from_bytes(
		c as u64 + 1,
		transformation.title.to_owned(),
		String::new(),
		PathBuf::from(format!("class-{}.txt", c + 1)),
		text.join("\n\n").into_bytes(),
	)
}

/// Builds the task.
///
/// # Errors
/// [`WorkerError::InvalidInput`] for no classes, more than ten, or no training or test sentences.
pub fn task(classes: usize, train: usize, test: usize, seed: u64) -> Result<Task> {
	if classes == 0 || classes > TRANSFORMATIONS.len() || train == 0 || test == 0 {
		return Err(WorkerError::InvalidInput(format!(
			"{classes} classes × {train} training / {test} test sentences: need 1–10 classes and at least one of each"
		)));
	}
	let all = sentences(train.saturating_add(test), seed)?;
	let (train_sentences, test_sentences) = all.split_at(train);
	let (mut train_sets, mut test_sets) = (Vec::new(), Vec::new());
	for (c, transformation) in TRANSFORMATIONS.iter().take(classes).enumerate() {
		train_sets.push(class_dataset(c, transformation, train_sentences)?);
		test_sets.push(class_dataset(c, transformation, test_sentences)?);
	}
	Ok(Task {
		train_version: DataNetVersion::new(1, 1, train_sets)?,
		test_version: DataNetVersion::new(1, 2, test_sets)?,
		classes,
		train_per_class: train,
	})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use crate::train::examples::qa_pairs;

	#[test]
	fn the_transformations_do_what_their_titles_say() {
		let s = "Quiet rivers carry songs.";
		let out: Vec<String> = TRANSFORMATIONS.iter().map(|t| (t.apply)(s)).collect();
		assert_eq!(
			out,
			[
				"songs. carry rivers Quiet",
				"qUiEt rIvErS CaRrY SoNgS.",
				"Quiet 1 rivers 1 carry 1 songs.",
				"Q***t r*v*rs c*rry s*ngs.",
				"QQuiett rrivverrss ccarrrryy ssonnggss.",
				"Quiet Rivers Carry Songs.",
				"Qt rvrs crry sngs.",
				"Quietly riversly carryly songs.ly",
				"uie ie a o.",
				"Quiet Quiet rivers rivers carry carry songs. songs.",
			]
		);
	}

	#[test]
	fn the_task_has_one_dataset_per_class_and_readable_pairs() {
		let built = task(3, 5, 2, 7).unwrap();
		assert_eq!(built.train_version.datasets.len(), 3);
		for d in &built.train_version.datasets {
			assert_eq!(qa_pairs(&d.text).len(), 5, "{}", d.text);
		}
		let train_text: String = built.train_version.datasets.iter().map(|d| d.text.as_str()).collect();
		for d in &built.test_version.datasets {
			let pairs = qa_pairs(&d.text);
			assert_eq!(pairs.len(), 2);
			assert!(pairs.iter().all(|(q, _)| !train_text.contains(q.as_str())), "test sentences are unseen");
		}
		assert_eq!(sentences(20, 1).unwrap(), sentences(20, 1).unwrap());
		assert_ne!(sentences(20, 1).unwrap(), sentences(20, 2).unwrap());
		assert!(task(0, 5, 2, 7).is_err() && task(11, 5, 2, 7).is_err() && task(3, 0, 2, 7).is_err());
	}
}
