//! Tests on the shipped weights (all-MiniLM-L6-v2, SmolLM2-135M-Instruct), fetched by scripts/setup.sh: the
//! models against their references. (The worker's tests/real_weights.rs runs its commands on them.)
//! Set OPENLEDGER_SKIP_REAL_WEIGHTS=1 to skip them on a machine without the weights.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use attribution_engine::{
	embed::Embedder,
	generate::{AnswerForm, Generator},
	models::ModelsDir,
	synthetic,
};
use std::path::Path;

fn models() -> Option<ModelsDir> {
	ModelsDir::shipped_for_tests().unwrap()
}

#[derive(serde::Deserialize)]
struct Fixture {
	max_seq_length: usize,
	sentences: Vec<String>,
	embeddings: Vec<Vec<f32>>,
	token_ids: Vec<Vec<u32>>,
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
	let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
	let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
	let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
	dot / (na * nb)
}

#[test]
fn minilm_agrees_with_sentence_transformers() {
	let Some(m) = models() else { return };
	let fixture: Fixture = serde_json::from_slice(
		&std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json")).unwrap(),
	)
	.unwrap();
	let embedder = Embedder::load(&m.minilm()).unwrap();
	assert_eq!(embedder.max_tokens(), fixture.max_seq_length);
	let texts: Vec<&str> = fixture.sentences.iter().map(String::as_str).collect();
	let batch = embedder.embed(&texts).unwrap();
	let mut worst = 1.0f64;
	for (i, text) in texts.iter().enumerate() {
		let mut plain = embedder.tokenizer().clone();
		plain.with_padding(None);
		let ids = plain.encode(*text, true).unwrap().get_ids().to_vec();
		assert_eq!(ids, fixture.token_ids[i], "token ids differ for {text:?}");
		let single = embedder.embed_one(text).unwrap();
		for v in [&single, &batch[i]] {
			let c = cosine(v, &fixture.embeddings[i]);
			worst = worst.min(c);
			assert!(c >= 0.999, "cosine {c} < 0.999 for {text:?}");
		}
	}
	eprintln!("worst cosine against sentence-transformers: {worst:.6}");
}

#[test]
fn smollm2_answers_a_question_from_its_context() {
	let Some(m) = models() else { return };
	let g = Generator::load(&m.smollm2(), false).unwrap();
	let net = synthetic::formulary(3, 7).unwrap();
	let probe = &net.probes[0];
	let d = net.version.dataset(probe.dataset).unwrap();
	let prompt = g.rag_prompt(&probe.question, &[&d.text]).unwrap();
	let out = g.generate(&prompt, 32, AnswerForm::Free).unwrap();
	assert!(out.text.contains(&probe.expected), "{:?} should contain {:?}", out.text, probe.expected);
	// Leave-one-out on the real model: removing the only context makes the answer much less likely.
	let ablation = g.score_leave_one_out(&prompt, &out.tokens).unwrap();
	assert!(ablation.full - ablation.without[0] > 1.0, "{ablation:?}");
}
