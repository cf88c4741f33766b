//! The attribution pipeline end to end on tiny models: basis points sum to 10 000, credit goes to datasets
//! of the version, validator mode is bit-identical, and bad input is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod support;

use attribution_engine::{
	attribute::{AttributionConfig, ContextLayout, Engine},
	WorkerError,
};

fn engine(dir: &std::path::Path) -> Engine {
	attribution_engine::validator_mode();
	let embedder = support::load_tiny_embedder(&dir.join("bert"));
	let version = support::tiny_version(&[
		(1, "Zorvatin treats fever. The standard adult dose of zorvatin is 40 mg daily."),
		(2, "Melquizole treats cough. The most common side effect of melquizole is pain."),
		(3, "Tralpril is made by a company. Store tralpril below 25 degrees."),
		(4, "Patients with heart and lung disease use the drug with food."),
	]);
	let index = support::tiny_index(&embedder, &version);
	let generator = support::tiny_generator(dir);
	Engine::new(
		embedder,
		generator,
		version,
		index,
		AttributionConfig { k: 3, candidates: 5, max_new_tokens: 8, ..Default::default() },
	)
	.unwrap()
}

#[test]
fn attribution_sums_to_ten_thousand_over_known_datasets_and_is_reproducible() {
	let dir = tempfile::tempdir().unwrap();
	let e = engine(dir.path());
	let q = "What is the standard adult dose of zorvatin?";
	let a = "The standard adult dose of zorvatin is 40 mg daily.";
	let first = e.attribute(q, a).unwrap();
	assert_eq!(first.weights.iter().map(|w| w.1).sum::<u32>(), 10_000);
	assert!(first.weights.iter().all(|(d, _)| (1..=4).contains(d)));
	// The verbatim method finds the copied sentence in dataset 1 only.
	assert_eq!(first.verbatim.keys().copied().collect::<Vec<_>>(), vec![1]);
	assert_eq!(first.chunks.len(), 5);
	assert_eq!(first.chunks.iter().filter(|c| c.loo_delta.is_some()).count(), 3);
	let second = e.attribute(q, a).unwrap();
	assert_eq!(first.weights, second.weights);
	assert_eq!(first.retrieval, second.retrieval);
	assert_eq!(first.ablation, second.ablation);
}

#[test]
fn answers_come_from_the_retrieved_context() {
	let dir = tempfile::tempdir().unwrap();
	let e = engine(dir.path());
	let answered = e.answer("What does melquizole treat?", &Default::default()).unwrap();
	assert_eq!(answered.context.len(), 3);
	let excluded = e.answer("What does melquizole treat?", &[2].into()).unwrap();
	assert!(excluded.context.iter().all(|c| c.chunk.dataset != 2));
}

#[test]
fn bad_input_is_refused() {
	let dir = tempfile::tempdir().unwrap();
	let e = engine(dir.path());
	assert!(matches!(e.attribute("dose?", "   "), Err(WorkerError::InvalidInput(_))));
	assert!(matches!(e.attribute("", "40 mg"), Err(WorkerError::InvalidInput(_))));
	// An index from another version cannot be paired with this one.
	let embedder = support::load_tiny_embedder(&dir.path().join("bert2"));
	let other = support::tiny_version(&[(9, "another dataset about fever")]);
	let index = support::tiny_index(&embedder, &other);
	let version = support::tiny_version(&[(1, "zorvatin treats fever")]);
	let generator = support::tiny_generator(dir.path());
	assert!(matches!(
		Engine::new(embedder, generator, version, index, AttributionConfig::default()),
		Err(WorkerError::InvalidInput(_))
	));
}

/// The benchmark measures what is served: a question's record reproduces the served (exact) attribution, its
/// subset table (by retrieval rank, whatever the prompt's layout) agrees with leave-one-out, and the combined
/// vector recomputed from the record's method scores is the served vector.
#[test]
fn a_benchmark_record_reproduces_the_served_attribution() {
	for layout in [ContextLayout::MostSimilarFirst, ContextLayout::MostSimilarLast, ContextLayout::BothEnds] {
		a_record_reproduces_the_served_attribution(layout);
	}
}

fn a_record_reproduces_the_served_attribution(layout: ContextLayout) {
	use attribution_engine::evaluate::{pubmedqa::Item, question::evaluate, report::methods};
	let dir = tempfile::tempdir().unwrap();
	let mut e = engine(dir.path());
	e.config.layout = layout;
	let gold_text = e.version().dataset(1).unwrap().text.clone();
	let item = Item {
		pubmed_id: "1".into(),
		question: "What is the standard adult dose of zorvatin?".into(),
		abstract_text: gold_text.trim().into(),
		meshes: Vec::new(),
		decision: None,
		long_answer: None,
	};
	let answered_only = evaluate(&mut e, &item, &(1, 0..gold_text.trim().len()), true).unwrap();
	assert!(answered_only.subsets.is_empty() && answered_only.weights_exact.is_empty());
	let record = evaluate(&mut e, &item, &(1, 0..gold_text.trim().len()), false).unwrap();
	assert_eq!((record.answer.as_str(), record.layout), (answered_only.answer.as_str(), layout));
	assert!(!record.answer.is_empty(), "the tiny model answered nothing");
	assert_eq!(e.config.ablation, AttributionConfig::default().ablation, "the engine's mode is restored");
	assert_eq!((record.k, record.subsets.len(), record.candidates.len()), (3, 8, e.config.candidates));
	assert!(record.candidates.iter().all(|c| c.gold == (c.dataset == 1)));
	let served = e.attribute(&item.question, &record.answer).unwrap();
	assert_eq!(record.weights_exact, served.weights);
	let table = record.table();
	for (i, chunk) in served.chunks.iter().take(3).enumerate() {
		let from_table = table.get(7) - table.get(7 & !(1 << i));
		assert!(
			(from_table - chunk.loo_delta.unwrap()).abs() < 1e-3,
			"context {i}: {from_table} vs {:?}",
			chunk.loo_delta
		);
	}
	let combined = &methods(&record, AttributionConfig::default().weights)["combined"];
	let recomputed: Vec<(u64, u32)> = combined.per_dataset.iter().map(|(d, b)| (*d, *b as u32)).collect();
	assert_eq!(recomputed, served.weights);
	assert!(combined.passes > 1.0 && record.cost.subsets_tokens > record.cost.exact_tokens);
}

/// A server serves an answer by the configured rule and declines otherwise: nothing close to the question in the
/// DataNet, an answer the model finds unlikely itself, or a question the model cannot take (blank, or longer than
/// its context window) — declined instead of failing every server in turn.
#[test]
fn a_server_declines_what_it_cannot_ground_or_answer() {
	use attribution_engine::attribute::grounding::{DeclineReason, GroundingRule, Served};
	let dir = tempfile::tempdir().unwrap();
	let mut e = engine(dir.path());
	let q = "What is the standard adult dose of zorvatin?";
	e.config.grounding = GroundingRule::NONE;
	let Served::Answer { answered, grounding: None } = e.serve(q).unwrap() else {
		panic!("no rule declines nothing, and a rule without confidence scores nothing")
	};
	let grounding = e.grounding(&answered).unwrap();
	assert_eq!(answered.answer, e.answer(q, &Default::default()).unwrap().answer, "the served text is the answer");
	// The grounding is measured on exactly that text: with its context as served, and with none.
	assert_eq!(grounding.with_context, e.score_answer(q, &answered.answer, &Default::default()).unwrap());
	assert!(grounding.without_context.is_finite() && grounding.with_context < 0.0);
	let best = answered.context.iter().map(|c| c.similarity).fold(f32::MIN, f32::max);
	assert_eq!(grounding.top_similarity, best);
	assert_eq!(e.grounding(&answered).unwrap(), grounding, "reproducible");

	let confident = GroundingRule { min_similarity: best, min_confidence: grounding.confidence() };
	e.config.grounding = confident;
	match e.serve(q).unwrap() {
		Served::Answer { grounding: Some(g), .. } => assert_eq!(g, grounding, "a rule with confidence scores it"),
		other => panic!("at both thresholds it is served, not {other:?}"),
	}
	e.config.grounding = GroundingRule { min_confidence: grounding.confidence() + 1e-9, ..confident };
	match e.serve(q).unwrap() {
		Served::Decline { reason: DeclineReason::NotConfident, answer: Some(answer), grounding: Some(g) } => {
			assert_eq!(answer, answered.answer);
			assert_eq!(g, grounding);
		},
		other => panic!("just above the answer's confidence it is declined as not confident, not {other:?}"),
	}
	e.config.grounding = GroundingRule { min_similarity: best + 1e-6, ..confident };
	assert!(matches!(
		e.serve(q).unwrap(),
		Served::Decline { reason: DeclineReason::NothingRelevant, answer: None, grounding: None }
	));
	assert!(matches!(e.judge(answered).unwrap(), Served::Decline { reason: DeclineReason::NothingRelevant, .. }));

	e.config.grounding = GroundingRule::NONE;
	for blank in ["", "   \n"] {
		assert!(matches!(
			e.serve(blank).unwrap(),
			Served::Decline { reason: DeclineReason::Unanswerable, answer: None, grounding: None }
		));
	}
	let endless = "zorvatin dose ".repeat(5_000);
	assert!(matches!(e.answer(&endless, &Default::default()), Err(WorkerError::PromptTooLong { .. })));
	assert!(matches!(e.serve(&endless).unwrap(), Served::Decline { reason: DeclineReason::Unanswerable, .. }));
}
