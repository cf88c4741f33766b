//! Data validation on small self-made models: the report's counts (refused, empty, other script, duplicates of
//! members, repeats), the probe set kept out of everything but the value parts, determinism, and a baseline
//! from another version refused. (Whether the score tells useful data from useless on real weights:
//! attribution-worker's tests/real_weights.rs.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use attribution_engine::{
	attribute::{corpus::Corpus, AttributionConfig},
	rows::ContentType,
	validate::{DataNetRules, Validator},
	WorkerError,
};
use openledger_primitives::validation::ValidationReport;
use std::sync::Arc;
use support::{load_tiny_embedder, tiny_generator, tiny_index, tiny_version};

const MEMBER_ROWS: [&str; 3] = [
	"zorvatin treats fever in adult patients with a daily dose of ten mg",
	"melquizole is used for cough and the most common side effect is pain",
	"tralpril treats heart condition and is manufactured by the company in lung city",
];

fn jsonl(field: &str, rows: &[&str]) -> String {
	rows.iter().map(|r| serde_json::json!({ field: r }).to_string() + "\n").collect()
}

fn rules() -> DataNetRules {
	DataNetRules {
		content_type: ContentType::Jsonl,
		required: vec!["text".into()],
		probe_dataset: Some(9),
		description: None,
	}
}

struct Setup {
	_dir: tempfile::TempDir,
	validator: Validator,
	members: Arc<Corpus>,
}

fn setup() -> Setup {
	let dir = tempfile::tempdir().unwrap();
	let embedder = Arc::new(load_tiny_embedder(&dir.path().join("bert")));
	let generator = tiny_generator(dir.path());
	let probes = "{\"question\": \"what treats fever?\", \"answer\": \"zorvatin treats fever\"}\n\
		{\"question\": \"what is the dose of melquizole?\", \"answer\": \"ten mg daily\"}\n\
		{\"question\": \"no answer here\"}\n";
	let version = tiny_version(&[(1, &jsonl("text", &MEMBER_ROWS)), (9, probes)]);
	let index = tiny_index(&embedder, &version);
	let members = Arc::new(Corpus::new(version, index).unwrap());
	let config = AttributionConfig { k: 2, candidates: 4, ..AttributionConfig::default() };
	Setup { _dir: dir, validator: Validator { embedder, generator, config }, members }
}

#[test]
fn the_report_counts_every_row_under_one_verdict() {
	let s = setup();
	let baseline = s.validator.baseline(&s.members, &rules()).unwrap();
	assert_eq!(baseline.probes.len(), 2, "the row without an answer is no probe");
	let validate = |text: &str| s.validator.validate(&s.members, &rules(), &baseline, text).unwrap();

	// A member re-packaged: rows reversed, one with its words shuffled.
	let copy = validate(&jsonl(
		"text",
		&[MEMBER_ROWS[2], MEMBER_ROWS[1], "ten of dose daily a with patients adult in fever treats zorvatin mg"],
	));
	assert_eq!((copy.report.rows_parsed, copy.report.rows_in_datanet), (3, 3), "{:?}", copy.report);
	assert_eq!(copy.report.score(3).score, 0);

	let mixed = validate(&format!(
		"{}{{\"body\": \"the field is misnamed\"}}\nnot json\n",
		jsonl(
			"text",
			&[
				"standard adult dose of a new drug for liver pain is most common in the degrees below",
				"standard adult dose of a new drug for liver pain is most common in the degrees below",
				"ok a b",
				"Клинические испытания препарата показали снижение температуры",
				"zorvatin treats fever",
				"what treats fever? zorvatin treats fever",
			]
		)
	));
	let r = mixed.report;
	assert_eq!(
		(r.rows_parsed, r.rows_refused, r.rows_empty, r.rows_other_script, r.rows_in_datanet, r.rows_repeated),
		(6, 2, 1, 1, 0, 1),
		"{r:?}"
	);
	// The probe set's rows are no members: a row repeating a probe is not a duplicate of the DataNet.
	assert_eq!(r.usable_rows(), 3);
	assert_eq!(r.probes, 2);
	assert_eq!(mixed.first_refused.iter().map(|f| f.line).collect::<Vec<_>>(), [7, 8]);
	assert!(r.relevance_bps > 0 && r.relevance_bps <= 10_000, "{r:?}");

	// With no required field the probe rows parse too (every string value: "zorvatin treats fever", "what
	// treats fever?"), and the row repeating one is still not a duplicate of the DataNet.
	let any_field = DataNetRules { required: Vec::new(), ..rules() };
	let probe_copy = jsonl("text", &["what treats fever? zorvatin treats fever"]);
	let r = s.validator.validate(&s.members, &any_field, &baseline, &probe_copy).unwrap().report;
	assert_eq!((r.rows_parsed, r.rows_in_datanet, r.usable_rows()), (1, 0, 1), "{r:?}");

	// The same proposal gives the same report.
	let once = jsonl("text", &["standard adult dose of a new drug for liver pain"]);
	assert_eq!(validate(&once).report, validate(&once.clone()).report);

	// An empty proposal is a report of nothing, not an error.
	let empty = validate("");
	assert_eq!(empty.report, ValidationReport { probes: 2, ..ValidationReport::default() });
	assert_eq!(empty.report.score(0).score, 0);
}

#[test]
fn a_baseline_of_another_version_is_refused_and_no_probe_set_means_no_value() {
	let s = setup();
	let other = {
		let version = tiny_version(&[(1, &jsonl("text", &MEMBER_ROWS[..2]))]);
		let index = tiny_index(&s.validator.embedder, &version);
		Arc::new(Corpus::new(version, index).unwrap())
	};
	let baseline = s.validator.baseline(&other, &rules()).unwrap();
	assert!(baseline.probes.is_empty(), "that version has no dataset 9");
	assert!(matches!(
		s.validator.validate(&s.members, &rules(), &baseline, "x"),
		Err(WorkerError::InvalidInput(m)) if m.contains("another DataNet version")
	));
	let no_probes = DataNetRules { probe_dataset: None, ..rules() };
	let report = s
		.validator
		.validate(&other, &no_probes, &baseline, &jsonl("text", &["heart condition treats lung pain daily"]))
		.unwrap()
		.report;
	assert_eq!((report.probes, report.answer_gain_millinats, report.support_gain_bps), (0, 0, 0));
	assert_eq!(report.usable_rows(), 1);
}

#[test]
fn a_datanet_without_members_measures_relevance_against_its_description() {
	let s = setup();
	let probes_only = {
		let version = tiny_version(&[(9, "{\"question\": \"q\", \"answer\": \"a\"}\n")]);
		let index = tiny_index(&s.validator.embedder, &version);
		Arc::new(Corpus::new(version, index).unwrap())
	};
	let rules_without = rules();
	let baseline = s.validator.baseline(&probes_only, &rules_without).unwrap();
	let row = jsonl("text", &["zorvatin treats fever in adult patients"]);
	let full = s.validator.validate(&probes_only, &rules_without, &baseline, &row).unwrap().report;
	assert_eq!(full.relevance_bps, 10_000, "nothing to be irrelevant to");
	let described = DataNetRules { description: Some("drug dose for fever in adult patients".into()), ..rules() };
	let measured = s.validator.validate(&probes_only, &described, &baseline, &row).unwrap().report;
	assert!(measured.relevance_bps < 10_000, "{measured:?}");
}
