//! The worker's commands on the shipped weights (all-MiniLM-L6-v2, SmolLM2-135M-Instruct), fetched by
//! scripts/setup.sh: validator mode across processes, `train` (ModelFactory), `bench openlora`, and slices of
//! `bench pubmedqa` and `bench datainf`.
//! Set OPENLEDGER_SKIP_REAL_WEIGHTS=1 to skip them on a machine without the weights.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use attribution_engine::{
	attribute::{combine, AttributionConfig, Engine},
	chunk::ChunkParams,
	datanet::DataNetVersion,
	embed::Embedder,
	generate::Generator,
	index::store::build_index,
	models::ModelsDir,
	train::{
		examples::Example,
		influence::{self, Influence},
	},
};
use std::process::Command;

fn models() -> Option<ModelsDir> {
	ModelsDir::shipped_for_tests().unwrap()
}

fn worker(args: &[&str]) -> serde_json::Value {
	let out = Command::new(env!("CARGO_BIN_EXE_attribution-worker")).args(args).output().unwrap();
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn validator_mode_is_bit_identical_across_two_processes() {
	let Some(_) = models() else { return };
	let dir = tempfile::tempdir().unwrap();
	let net = dir.path().join("net");
	let idx = dir.path().join("idx");
	let status = Command::new(env!("CARGO_BIN_EXE_attribution-worker"))
		.args(["synth", "--out", net.to_str().unwrap(), "--datasets", "12"])
		.status()
		.unwrap();
	assert!(status.success());
	let manifest = net.join("datanet.json");
	// Every command runs in validator mode on the same DataNet and index.
	let on_net = |command: &str, extra: &[&str]| {
		let mut args = vec!["--validator", "--json", command, "--manifest", manifest.to_str().unwrap()];
		args.extend(["--index-dir", idx.to_str().unwrap()]);
		args.extend(extra);
		worker(&args)
	};
	let index = on_net("index", &[]);
	assert!(index["chunks"].as_u64().unwrap() >= 12);
	let probes: serde_json::Value = serde_json::from_slice(&std::fs::read(net.join("probes.json")).unwrap()).unwrap();
	let question = probes[0]["question"].as_str().unwrap();
	let asked = on_net("ask", &["--question", question]);
	let answer = asked["answer"].as_str().unwrap().to_owned();
	assert!(asked["grounding"]["top_similarity"].as_f64().unwrap() >= 0.45, "a listed drug is served: {asked}");
	// A question the formulary holds nothing about is declined, as a server would decline it on chain.
	let off_topic = on_net("ask", &["--question", "Who won the football World Cup in 1998?"]);
	assert_eq!(off_topic["declined"], "nothingRelevant", "{off_topic}");
	assert!(off_topic.get("weights").is_none(), "nothing is attributed");
	let run = || {
		let mut v = on_net("attribute", &["--question", question, "--answer", &answer]);
		v.as_object_mut().unwrap().remove("timings");
		v
	};
	let (a, b) = (run(), run());
	assert_eq!(a, b, "validator mode must give bit-identical output");
	let total: u64 = a["weights"].as_array().unwrap().iter().map(|w| w[1].as_u64().unwrap()).sum();
	assert_eq!(total, 10_000);
	// The top-credited dataset is the one that holds the fact.
	let top =
		a["weights"].as_array().unwrap().iter().max_by_key(|w| w[1].as_u64().unwrap()).unwrap()[0].as_u64().unwrap();
	assert_eq!(top, probes[0]["dataset"].as_u64().unwrap(), "{a}");
}

/// Honest workers on other CPUs agree: the answers recorded by the AVX2 build (`--no-default-features`) and by
/// the AVX-512 build, attributed here with whatever kernels this machine picks, give vectors within the chain's
/// default tolerance (`DEFAULT_TOLERANCE_BPS`, L1) — and `--threads 1` agrees with validator mode's two. The records come from
/// `bench agreement --source formulary --items 4 --records …` (docs/BENCHMARKS.md, "Agreement across CPUs");
/// when attribution itself changes on purpose, record them again with both builds.
#[test]
fn attribution_agrees_with_the_recorded_avx2_and_avx512_paths() {
	let Some(_) = models() else { return };
	let dir = tempfile::tempdir().unwrap();
	let recorded = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/agreement");
	for (mode, against) in [("--validator", "formulary-avx2.jsonl"), ("--threads=1", "formulary-avx512.jsonl")] {
		let records = dir.path().join(against);
		let report = worker(&[
			mode,
			"--json",
			"bench",
			"agreement",
			"--source",
			"formulary",
			"--items",
			"4",
			"--records",
			records.to_str().unwrap(),
			"--against",
			recorded.join(against).to_str().unwrap(),
		]);
		assert_eq!(report["compared"], 4, "{report}");
		assert_eq!(report["all_within_tolerance"], true, "{mode} against {against}: {report}");
		let tolerance = u64::from(openledger_primitives::attribution::DEFAULT_TOLERANCE_BPS);
		assert!(report["max_l1_bps"].as_u64().unwrap() <= tolerance, "{report}");
	}
}

/// The protocol's bf16 products on `vdpbf16ps` (where this CPU has AVX512-BF16) and on the portable kernel that
/// CPUs without it run — its AVX-512 copy, and the AVX2 copy an AVX2-only validator runs (`--max-simd avx2`: its
/// own tile shape): the same attribution vectors, bit for bit, on the shipped weights.
#[test]
fn the_portable_bf16_kernel_attributes_as_vdpbf16ps_does() {
	let Some(_) = models() else { return };
	let dir = tempfile::tempdir().unwrap();
	let native = dir.path().join("native.jsonl");
	let common = ["--validator", "--json"];
	// One answer: the portable kernel is several times slower than `vdpbf16ps` (docs/BENCHMARKS.md).
	let bench = ["bench", "agreement", "--source", "formulary", "--items", "1", "--records"];
	let first = worker(&[&common[..], &bench[..], &[native.to_str().unwrap()]].concat());
	if first["vdpbf16ps"] != true {
		eprintln!("this CPU has no AVX512-BF16: the portable kernel is compared with itself");
	}
	for (name, flags) in [("portable", ["--products", "bf16-portable"]), ("avx2", ["--max-simd", "avx2"])] {
		let records = dir.path().join(format!("{name}.jsonl"));
		let report = worker(
			&[&common[..], &flags[..], &bench[..], &[records.to_str().unwrap(), "--against", native.to_str().unwrap()]]
				.concat(),
		);
		assert_eq!(report["compared"], 1, "{name}: {report}");
		assert_eq!(report["vectors_identical"], 1, "{name}: {report}");
		assert_eq!(report["max_l1_bps"], 0, "{name}: {report}");
		assert_eq!(report["vdpbf16ps"], false, "{name}: {report}");
		if name == "avx2" && std::arch::is_x86_feature_detected!("avx2") {
			assert_eq!(report["simd"], "avx2", "{report}");
		}
	}
}

#[test]
fn fine_tuning_smollm2_teaches_a_datanets_facts() {
	let Some(m) = models() else { return };
	let dir = tempfile::tempdir().unwrap();
	let (net, out) = (dir.path().join("net"), dir.path().join("out"));
	let status = Command::new(env!("CARGO_BIN_EXE_attribution-worker"))
		.args(["synth", "--out", net.to_str().unwrap(), "--datasets", "3"])
		.status()
		.unwrap();
	assert!(status.success());
	let manifest = net.join("datanet.json");
	let trained = worker(&[
		"--json",
		"train",
		"--manifest",
		manifest.to_str().unwrap(),
		"--out",
		out.to_str().unwrap(),
		"--epochs",
		"4",
		"--patience",
		"4",
		"--learning-rate",
		"0.004",
	]);
	let losses = trained["losses"].as_array().unwrap();
	let last = losses.last().unwrap()["train"].as_f64().unwrap();
	assert!(last < trained["baseValidationLoss"].as_f64().unwrap() / 2.0, "{trained}");
	assert_eq!(trained["datasets"], serde_json::json!([1, 2, 3]));
	let adapter = std::fs::read(out.join("adapter.safetensors")).unwrap();
	let hash = openledger_primitives::content::content_hash(&adapter);
	assert_eq!(trained["adapter"]["contentHash"], format!("0x{}", hex::encode(hash.0)));

	// Asked without any context, the fine-tuned model finds a taught (fictional) fact far more likely.
	let probes: serde_json::Value = serde_json::from_slice(&std::fs::read(net.join("probes.json")).unwrap()).unwrap();
	let question = probes[0]["question"].as_str().unwrap();
	let drug = question.trim_end_matches('?').rsplit(' ').next().unwrap();
	let answer = format!("The standard adult dose of {drug} is {}", probes[0]["expected"].as_str().unwrap());
	let mut g = Generator::load(&m.smollm2(), true).unwrap();
	let prompt = g.rag_prompt(question, &[]).unwrap().tokens();
	let answer = g.encode(&answer).unwrap();
	let base = g.score(&prompt, &answer).unwrap();
	let lora = attribution_engine::generate::lora::LoraAdapter::load(&out.join("adapter.safetensors")).unwrap();
	g.model_mut().apply_lora(&lora, &out.join("adapter.safetensors")).unwrap();
	let taught = g.score(&prompt, &answer).unwrap();
	eprintln!("log-probability of the taught answer: base {base:.2}, fine-tuned {taught:.2}");
	g.model_mut().clear_lora();

	// Influence: each probe's answer gradient is closest to the sketch of the dataset that taught the fact.
	let (sketches, sketcher) = influence::load_sketches(&out.join("influence.safetensors")).unwrap();
	assert_eq!(sketches.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
	let asked: Vec<(u64, Example)> = probes
		.as_array()
		.unwrap()
		.iter()
		.map(|probe| {
			let mut target = g.encode(probe["expected"].as_str().unwrap()).unwrap();
			target.push(g.end_of_turn());
			let prompt = g.rag_prompt(probe["question"].as_str().unwrap(), &[]).unwrap().tokens();
			(probe["dataset"].as_u64().unwrap(), Example { dataset: 0, prompt, target })
		})
		.collect();
	let tuned = influence::Differentiable::new(&mut g, &lora).unwrap();
	let mut hits = 0;
	for (taught_by, example) in &asked {
		let scores = influence::influence(&tuned.sketch(example, &sketcher).unwrap(), &sketches);
		let top = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
		hits += usize::from(top == *taught_by);
	}
	drop(tuned);
	let probes_count = probes.as_array().unwrap().len();
	eprintln!("influence precision@1: {hits}/{probes_count}");

	// Served with retrieval (what the worker does for a fine-tuned model): the combined credit, with influence
	// folded in and without it (the other methods' scores of the same attribution, recombined).
	attribution_engine::validator_mode();
	let embedder = Embedder::load(&m.minilm()).unwrap();
	let version = DataNetVersion::load(&manifest).unwrap();
	let (index, _) = build_index(&embedder, "minilm", &version, ChunkParams::default(), None, &mut |_, _| {}).unwrap();
	let tuned = g.with_lora(&lora, &out.join("adapter.safetensors")).unwrap();
	let engine = Engine::new(embedder, tuned, version, index, AttributionConfig::default())
		.unwrap()
		.with_influence(std::sync::Arc::new(Influence::load(&out.join("influence.safetensors")).unwrap()));
	let (mut combined_hits, mut rag_hits, mut first) = (0, 0, None);
	for probe in probes.as_array().unwrap() {
		let (question, taught_by) = (probe["question"].as_str().unwrap(), probe["dataset"].as_u64().unwrap());
		let attribution = engine.attribute(question, probe["expected"].as_str().unwrap()).unwrap();
		first.get_or_insert_with(|| attribution.weights.clone());
		assert_eq!(attribution.weights.iter().map(|w| w.1).sum::<u32>(), 10_000);
		assert!(!attribution.influence.is_empty(), "the influence method credits the answer");
		combined_hits += usize::from(attribution.top() == Some(taught_by));
		let w = engine.config.weights;
		let rag = combine::combine(&[
			(w.retrieval, &attribution.retrieval),
			(w.ablation, &attribution.ablation),
			(w.verbatim, &attribution.verbatim),
		]);
		let rag_top = rag.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|r| r.0);
		rag_hits += usize::from(rag_top == Some(taught_by));
	}
	eprintln!("with retrieval: combined precision@1 {combined_hits}/{probes_count}, without influence {rag_hits}/{probes_count}");
	let again =
		engine.attribute(probes[0]["question"].as_str().unwrap(), probes[0]["expected"].as_str().unwrap()).unwrap();
	assert_eq!(first, Some(again.weights), "validator mode: the combined credit with influence is bit-identical");
	// Measured 12/12 (the retrieval methods alone also 12/12 on this easy DataNet: influence must not hurt them;
	// with influence at 40 next to ablation 30 it did, 10/12 — docs/ATTRIBUTION.md "Fine-tune influence").
	assert!(combined_hits * 12 >= probes_count * 11, "combined precision@1 {combined_hits}/{probes_count}");
	assert!(taught > base + 2.0, "log-probability of the taught answer: base {base:.2}, fine-tuned {taught:.2}");
	// Measured 8/12 with the pinned weights after 4 epochs (6/12 after 8: memorised examples leave flat, less
	// telling gradients); chance is 4/12. docs/ATTRIBUTION.md has the numbers.
	assert!(hits * 12 >= probes_count * 7, "influence precision@1 {hits}/{probes_count} (chance is 1/3)");
}

/// The OpenLoRA bench, small: it runs on the shipped weights, serves every request through the cache under a
/// budget that forces evictions, and reports its ratio (the 1 000-adapter figures are in docs/MODELFACTORY.md;
/// speed goals are checked by running the bench, not here).
#[test]
fn openlora_bench_serves_random_adapters_under_a_budget_and_reports_its_ratio() {
	let Some(_) = models() else { return };
	let dir = tempfile::tempdir().unwrap();
	let report = worker(&[
		"--threads",
		"2",
		"--json",
		"bench",
		"openlora",
		"--adapters",
		"12",
		"--requests",
		"8",
		"--batch",
		"4",
		"--max-new",
		"4",
		"--budget-mb",
		"4",
		"--work-dir",
		dir.path().to_str().unwrap(),
	]);
	assert_eq!(report["adapters"], 12);
	let mixed = &report["mixed_adapters"];
	assert_eq!(mixed["cache_hits"].as_u64().unwrap() + mixed["cache_misses"].as_u64().unwrap(), 8);
	assert!(mixed["evictions"].as_u64().unwrap() > 0, "a 4 MiB budget holds two adapters: {report}");
	// Rank 8 on attn_q (576 × 576) and attn_v (192 × 576) in 30 layers, f32.
	assert_eq!(report["memory_per_adapter"]["tensor_bytes"], 30 * (8 * 576 + 576 * 8 + 8 * 576 + 192 * 8) * 4);
	assert!(report["ratio_mixed_to_single"].as_f64().unwrap() > 0.0);
	assert!(report["single_adapter"]["tokens"].as_u64().unwrap() > 0);
}

/// A slice of `bench pubmedqa` on every CI run: items 100–139 by PubMed id (the start of the held-out part)
/// as a DataNet of four datasets, the first question asked and attributed. The combined vector the chain pays
/// by must stay more faithful than the baselines: a higher LDS than random scores and the retriever's own
/// similarities, a larger top-1 drop than removing a random context, the dataset the answer was quoted from
/// credited first (a quoted answer's source is known exactly), and — when that source is the question's own
/// abstract — the gold dataset credited first whenever the retriever ranks it first. (This question's quote
/// comes from another abstract: "Visualization of the spleen and other intraperitoneal organs was very good."
/// for a question on liver hydatid cysts; the gold-recovery shortfall it causes is reported in
/// docs/ATTRIBUTION.md.)
#[test]
fn pubmedqa_slice_combined_attribution_beats_the_baselines() {
	let Some(_) = models() else { return };
	let shipped: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(
		&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/pubmedqa/pqal_500.json")).unwrap(),
	)
	.unwrap();
	let mut ids: Vec<&String> = shipped.keys().collect();
	ids.sort_by_key(|id| id.parse::<u64>().unwrap());
	let slice: serde_json::Map<String, serde_json::Value> =
		ids[100..140].iter().map(|id| ((*id).clone(), shipped[*id].clone())).collect();
	let dir = tempfile::tempdir().unwrap();
	let data = dir.path().join("slice.json");
	std::fs::write(&data, serde_json::to_vec(&slice).unwrap()).unwrap();
	let records = dir.path().join("records.jsonl");
	let report = worker(&[
		"--json",
		"bench",
		"pubmedqa",
		"--data",
		data.to_str().unwrap(),
		"--tune",
		"0",
		"--limit",
		"1",
		"--part",
		"held-out",
		"--records",
		records.to_str().unwrap(),
	]);
	let part = &report["held_out"];
	assert_eq!(part["questions"], 1, "{report}");
	assert_eq!(part["attributed"], 1, "the answer was empty: {report}");
	let method = |name: &str, path: &[&str]| {
		let mut v = &part["methods"][name];
		for p in path {
			v = if let Ok(i) = p.parse::<usize>() { &v[i] } else { &v[*p] };
		}
		v.as_f64().unwrap_or_else(|| panic!("{name} {path:?} missing: {report}"))
	};
	let lds = |name: &str| method(name, &["lds", "mean"]);
	assert!(lds("combined") > lds("random"), "LDS: combined {} ≤ random {}", lds("combined"), lds("random"));
	assert!(
		lds("combined") > lds("retrieval_similarity"),
		"LDS: combined {} ≤ retrieval similarity {}",
		lds("combined"),
		lds("retrieval_similarity")
	);
	let drop = method("combined", &["top_k_drop", "0", "mean"]);
	let random_drop = part["random_drop"][0]["mean"].as_f64().unwrap();
	assert!(drop > random_drop, "top-1 drop: combined {drop} ≤ random {random_drop}");
	// The answer is a quote; its source is the context holding it whole (the most verbatim credit).
	let record: serde_json::Value =
		serde_json::from_str(std::fs::read_to_string(&records).unwrap().lines().next().unwrap()).unwrap();
	assert_eq!(record["quoted"], true, "the served answer is a quote: {record}");
	let verbatim: Vec<u128> = serde_json::from_value(record["verbatim"].clone()).unwrap();
	let quoted_from = (0..verbatim.len()).max_by_key(|&i| (verbatim[i], std::cmp::Reverse(i))).unwrap();
	let source = record["candidates"][quoted_from]["dataset"].as_u64().unwrap();
	let weights: Vec<(u64, u32)> = serde_json::from_value(record["weights_exact"].clone()).unwrap();
	let top = weights.iter().max_by_key(|(dataset, bp)| (*bp, std::cmp::Reverse(*dataset))).unwrap().0;
	assert_eq!(top, source, "the combined vector credits first the dataset the answer was quoted from: {record}");
	if source == record["gold_dataset"].as_u64().unwrap() {
		let (ours, retrieval) = (
			method("combined", &["gold_precision_at_1", "mean"]),
			method("retrieval_similarity", &["gold_precision_at_1", "mean"]),
		);
		assert!(ours >= retrieval, "gold precision@1: combined {ours} < retrieval's rank-1 {retrieval}");
	}
}

/// `bench datainf` on a slice (two transformation classes × 4 training / 2 test sentences, one epoch): the
/// product's influence (sketched LoRA gradients) tells the training examples of a test example's own class from
/// the others — ROC-AUC ≥ 0.9, where chance is 0.5 — and credits the class's dataset first; so does the
/// principal-subspace estimator; DataInf and the gradient dot product are reported beside them and do better than
/// chance.
#[test]
fn datainf_slice_influence_finds_the_same_class_training_examples() {
	let Some(_) = models() else { return };
	let report =
		worker(&["--validator", "--json", "bench", "datainf", "--classes", "2", "--train", "4", "--test", "2"]);
	assert_eq!((report["train_examples"].as_u64(), report["test_examples"].as_u64()), (Some(8), Some(4)), "{report}");
	let auc =
		|name: &str| report["estimators"][name]["auc"]["mean"].as_f64().unwrap_or_else(|| panic!("{name}: {report}"));
	assert!(auc("sketched_cosine") >= 0.9, "the product's sketched influence: AUC {}", auc("sketched_cosine"));
	assert!(auc("principal_cosine") >= 0.9, "the principal-subspace estimator: AUC {}", auc("principal_cosine"));
	assert!(auc("datainf") > 0.5 && auc("gradient_dot") > 0.5, "{report}");
	assert_eq!(report["product_class_precision_at_1"]["mean"].as_f64(), Some(1.0), "{report}");
	// The principal cosine in its servable form (not served: docs/ATTRIBUTION.md) is reported beside it.
	let servable = report["principal_sketch_class_precision_at_1"]["mean"].as_f64();
	assert!(servable.is_some_and(|p| (0.0..=1.0).contains(&p)) && auc("principal_sketch_cosine").is_finite(), "{report}");
	assert!(
		report["test_loss_tuned"].as_f64().unwrap() < report["test_loss_base"].as_f64().unwrap(),
		"the fine-tune did not learn the task: {report}"
	);
}

/// `bench validation` on one small trial (a DataNet of two PubMedQA datasets of 4 abstracts and 4 probe
/// questions): the dataset holding the probe questions' abstracts scores clearly higher than off-topic prose, a
/// re-packaged member, a member with its words shuffled and the useful rows malformed — each a case — and
/// above new on-topic abstracts that answer none of the probe questions.
#[test]
fn validation_scores_a_useful_dataset_clearly_above_useless_ones() {
	let Some(_) = models() else { return };
	let report =
		worker(&["--validator", "--json", "bench", "validation", "--trials", "1", "--members", "2", "--size", "4"]);
	let score = |case: &str| {
		report["cases"][case]["score"]["mean"].as_f64().unwrap_or_else(|| panic!("no score for {case}: {report}"))
	};
	let useful = score("useful");
	assert!(useful >= 50.0, "the useful dataset scores only {useful}: {report}");
	for case in ["off_topic", "member_copy", "shuffled_member", "malformed"] {
		assert!(
			useful - score(case) >= 30.0,
			"{case} scores {} against the useful dataset's {useful}: {report}",
			score(case)
		);
	}
	assert!(
		useful - score("on_topic_unhelpful") >= 20.0,
		"on-topic abstracts no probe asks about score {} against the useful dataset's {useful}: {report}",
		score("on_topic_unhelpful")
	);
	let runs = &report["runs"];
	assert_eq!(runs["member_copy"][0]["report"]["rowsInDatanet"], 4, "{report}");
	assert_eq!(runs["shuffled_member"][0]["report"]["rowsInDatanet"], 4, "{report}");
	assert_eq!(runs["malformed"][0]["report"]["rowsRefused"], 4, "{report}");
	assert!(
		runs["useful"][0]["report"]["answerGainMillinats"].as_i64().unwrap() > 0,
		"the probe questions' own abstracts do not help answer them: {report}"
	);
}
