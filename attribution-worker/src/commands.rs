//! The CLI's dispatcher, and the commands that are a few lines over the engine (embed, index, ask, attribute,
//! compare, synth). The others live in their own modules; models are loaded through [`crate::loading`].

use crate::{
	loading::{engine, index_version, load_embedder},
	AskArgs, Cli, Command, Common, IndexArgs,
};
use anyhow::{Context, Result};
use attribution_engine::{
	attribute::grounding::Served,
	datanet::{Manifest, ManifestDataset},
	set_threads, synthetic, validator_mode, IndexConfig,
};
use openledger_primitives::attribution::{Attribution, Unbounded};
use serde_json::json;
use std::path::Path;

pub fn run(cli: Cli) -> Result<()> {
	attribution_engine::limit_simd(cli.common.max_simd.level());
	// A worker serving the chain always computes in validator mode: committee members must reach the same
	// vector whatever their core count.
	// The PubMedQA bench measures what validators compute, so it runs as they do.
	let threads = if cli.common.validator
		|| matches!(cli.command, Command::Run(_) | Command::Bench(crate::bench::BenchCommand::PubMedQa(_)))
	{
		validator_mode()
	} else {
		set_threads(cli.common.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())))
	};
	tracing::debug!(threads, "thread pool");
	// Committees compare attributions within a tolerance, so products in another arithmetic than the
	// protocol's are a measurement, never what the chain gets.
	if !cli.common.products.is_protocols() && !matches!(cli.command, Command::Bench(_)) {
		let name = clap::ValueEnum::to_possible_value(&cli.common.products).map(|v| v.get_name().to_owned());
		anyhow::bail!("--products {} is a measurement for `bench` commands only", name.unwrap_or_default());
	}
	let c = &cli.common;
	match cli.command {
		Command::Embed { texts, file } => embed(c, texts, file.as_deref()),
		Command::Index(args) => index(c, &args),
		Command::Ask(args) => ask(c, &args, None),
		Command::Validate(args) => crate::validate_command::run(c, &args),
		Command::Attribute { target, answer } => ask(c, &target, Some(&answer)),
		Command::Compare { a, b, tolerance } => compare(c, &a, &b, tolerance),
		Command::Synth { out, datasets, seed } => synth(&out, datasets, seed),
		Command::Bench(b) => crate::bench::run(c, b),
		Command::Train(args) => crate::factory::run(c, &args),
		Command::RegisterModel(args) => crate::run::register_model(&args),
		Command::SubmitDataset(args) => crate::run::submit_dataset(c, &args),
		Command::Run(args) => crate::run::run(c, &args),
		Command::Studio(args) => crate::studio::run(c, &args),
	}
}

fn embed(common: &Common, mut texts: Vec<String>, file: Option<&Path>) -> Result<()> {
	if let Some(path) = file {
		let body = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
		texts.extend(body.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned));
	}
	anyhow::ensure!(!texts.is_empty(), "nothing to embed: pass texts or --file");
	let (embedder, _) = load_embedder(common)?;
	let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
	let vectors = embedder.embed(&refs)?;
	if common.json {
		println!("{}", json!({ "dim": embedder.dim(), "embeddings": vectors }));
	} else {
		for (t, v) in texts.iter().zip(&vectors) {
			let head: Vec<String> = v.iter().take(4).map(|x| format!("{x:+.4}")).collect();
			println!("{:>3}d [{} …] {t}", v.len(), head.join(", "));
		}
	}
	Ok(())
}

fn index(common: &Common, args: &IndexArgs) -> Result<()> {
	let config = IndexConfig::from(args);
	let version = config.version()?;
	let (embedder, id) = load_embedder(common)?;
	let (stored, stats) = index_version(common, &config, &version, &embedder, &id)?;
	let path = config.path(&version);
	if common.json {
		println!(
			"{}",
			json!({ "path": path, "datanet": version.datanet, "version": version.version, "root": version.root_hex(),
				"chunks": stored.index.len(), "stats": stats })
		);
	} else {
		println!(
			"indexed DataNet {} v{} (root {}): {} chunks from {} datasets → {}\n  embedded {} chunks of {} datasets, reused {} chunks of {}",
			version.datanet,
			version.version,
			version.root_hex(),
			stored.index.len(),
			version.datasets.len(),
			path.display(),
			stats.chunks_embedded,
			stats.datasets_embedded,
			stats.chunks_reused,
			stats.datasets_reused
		);
	}
	Ok(())
}

fn ask(common: &Common, args: &AskArgs, given: Option<&str>) -> Result<()> {
	let engine = engine(common, &args.into(), args.adapter.as_deref(), args.influence.as_deref())?;
	// Asked as a server would be: an answer its context does not ground is declined, not attributed.
	let (answer, grounding) = match given {
		Some(a) => (a.to_owned(), None),
		None => match engine.serve(&args.question)? {
			// The protocol's rule does not score answers it serves; `ask` reports how it would have.
			Served::Answer { grounding: Some(grounding), answered } => (answered.answer, Some(grounding)),
			Served::Answer { grounding: None, answered } => {
				let grounding = engine.grounding(&answered)?;
				(answered.answer, Some(grounding))
			},
			Served::Decline { reason, answer, grounding } => {
				let rule = engine.config.grounding;
				if common.json {
					println!(
						"{}",
						json!({ "question": args.question, "declined": reason, "answer": answer,
							"grounding": grounding, "rule": rule })
					);
				} else {
					println!(
						"Q: {}\ndeclined ({reason:?}): a server would refuse this request and the fee would be refunded \
						 (the rule: best chunk's similarity ≥ {:.2}{})",
						args.question,
						rule.min_similarity,
						if rule.enforces_confidence() {
							format!(", answer's mean log-probability ≥ {:.2} nats/token", rule.min_confidence)
						} else {
							String::new()
						}
					);
					if let (Some(answer), Some(g)) = (answer, grounding) {
						println!("the model's answer, {answer:?}, has {:.2} nats/token", g.confidence());
					}
				}
				return Ok(());
			},
		},
	};
	let attribution = engine.attribute(&args.question, &answer)?;
	if common.json {
		println!(
			"{}",
			json!({ "question": args.question, "answer": answer, "grounding": grounding, "datanet": engine.version().datanet,
				"version": engine.version().version, "root": engine.version().root_hex(), "weights": attribution.weights,
				"methods": { "retrieval": attribution.retrieval, "ablation": attribution.ablation, "verbatim": attribution.verbatim, "influence": attribution.influence },
				"chunks": attribution.chunks, "timings": attribution.timings })
		);
		return Ok(());
	}
	println!("Q: {}\nA: {answer}", args.question);
	if let Some(g) = grounding {
		println!(
			"served: best chunk's similarity {:.2}, {:.2} nats/token ({:.2} likelier with its context than without)",
			g.top_similarity,
			g.confidence(),
			g.gain_per_token()
		);
	}
	println!("\ncredited datasets (basis points):");
	for (d, bps) in &attribution.weights {
		let name = engine.version().dataset(*d).map_or("?", |x| x.name.as_str());
		println!("  {d:>6}  {bps:>5}  {:>6.2}%  {name}", f64::from(*bps) / 100.0);
	}
	let t = attribution.timings;
	println!(
		"\nattribution took {:.0} ms (retrieval {:.0}, ablation {:.0}, verbatim {:.1})",
		t.total_ms, t.retrieval_ms, t.ablation_ms, t.verbatim_ms
	);
	Ok(())
}

/// An attribution from a file: a bare `[[dataset, bps], …]` or the output of `attribute --json`. It must be a
/// valid attribution (the chain's rules, `openledger_primitives::attribution`): a broken vector is refused by name.
fn read_vector(path: &Path) -> Result<Attribution<Unbounded>> {
	let body = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
	let value: serde_json::Value =
		serde_json::from_slice(&body).with_context(|| format!("{}: not JSON", path.display()))?;
	let weights = value.get("weights").cloned().unwrap_or(value);
	let scores: Vec<(u64, u32)> =
		serde_json::from_value(weights).with_context(|| format!("{}: expected [[dataset, bps], …]", path.display()))?;
	Attribution::from_scores(scores).map_err(|e| anyhow::anyhow!("{}: not an attribution: {e}", path.display()))
}

fn compare(common: &Common, a: &Path, b: &Path, tolerance: u32) -> Result<()> {
	let (va, vb) = (read_vector(a)?, read_vector(b)?);
	let distance = va.l1_distance(&vb);
	let agree = distance <= tolerance;
	if common.json {
		println!(
			"{}",
			json!({ "l1_distance_bps": distance, "tolerance_bps": tolerance, "agree": agree, "identical": va == vb })
		);
	} else {
		println!("L1 distance {distance} bps, tolerance {tolerance}: {}", if agree { "agree" } else { "disagree" });
	}
	if !agree {
		std::process::exit(3);
	}
	Ok(())
}

fn synth(out: &Path, datasets: usize, seed: u64) -> Result<()> {
	anyhow::ensure!(datasets > 0, "--datasets must be at least 1");
	let net = synthetic::formulary(datasets, seed)?;
	std::fs::create_dir_all(out.join("data")).with_context(|| format!("{}", out.display()))?;
	let mut entries = Vec::new();
	for d in &net.version.datasets {
		let rel = Path::new("data").join(d.path.file_name().unwrap_or_default());
		std::fs::write(out.join(&rel), &d.text).with_context(|| format!("{}", out.join(&rel).display()))?;
		entries.push(ManifestDataset { id: d.id, name: d.name.clone(), owner: d.owner.clone(), path: rel });
	}
	let manifest = Manifest { datanet: net.version.datanet, version: net.version.version, datasets: entries };
	std::fs::write(out.join("datanet.json"), serde_json::to_vec_pretty(&manifest)?)?;
	let probes: Vec<_> = net
		.probes
		.iter()
		.map(|p| json!({ "question": p.question, "dataset": p.dataset, "expected": p.expected }))
		.collect();
	std::fs::write(out.join("probes.json"), serde_json::to_vec_pretty(&probes)?)?;
	println!(
		"wrote {} datasets and {} probes to {} (root {})",
		datasets,
		probes.len(),
		out.display(),
		net.version.root_hex()
	);
	Ok(())
}
