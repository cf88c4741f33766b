//! The CLI's commands.

use crate::{AskArgs, Cli, Command, Common, IndexArgs};
use anyhow::{Context, Result};
use attribution_worker::{
	attribute::{combine, AttributionConfig, Engine},
	chunk::ChunkParams,
	datanet::{DataNetVersion, Manifest, ManifestDataset},
	embed::Embedder,
	generate::{lora::LoraAdapter, Generator},
	index::store::{build_index, index_path, previous_index_path, StoredIndex},
	models::{EmbedderFiles, ModelsDir},
	set_threads, synthetic,
	train::influence::Influence,
	validator_mode,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::{path::Path, sync::Arc, time::Duration};

pub fn run(cli: Cli) -> Result<()> {
	let threads = if cli.common.validator {
		validator_mode()
	} else {
		set_threads(cli.common.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())))
	};
	tracing::debug!(threads, "thread pool");
	let c = &cli.common;
	match cli.command {
		Command::Embed { texts, file } => embed(c, texts, file.as_deref()),
		Command::Index(args) => index(c, &args),
		Command::Ask(args) => ask(c, &args, None),
		Command::Attribute { target, answer } => ask(c, &target, Some(&answer)),
		Command::Compare { a, b, tolerance } => compare(c, &a, &b, tolerance),
		Command::Synth { out, datasets, seed } => synth(&out, datasets, seed),
		Command::Bench(b) => crate::bench::run(c, b),
		Command::Train(args) => crate::factory::run(c, &args),
		Command::RegisterModel(args) => crate::run::register_model(&args),
		Command::Run(args) => crate::run::run(c, &args),
		Command::Studio(args) => crate::studio::run(c, &args),
	}
}

pub fn models(common: &Common) -> ModelsDir {
	common.models_dir.clone().map_or_else(ModelsDir::from_env, |root| ModelsDir { root })
}

fn spinner(message: &str, quiet: bool) -> ProgressBar {
	if quiet {
		return ProgressBar::hidden();
	}
	let bar = ProgressBar::new_spinner().with_message(message.to_owned());
	bar.enable_steady_tick(Duration::from_millis(120));
	bar
}

/// The embedder files and the identity recorded in indexes (the pinned weights hash).
pub fn embedder_files(common: &Common) -> (EmbedderFiles, String) {
	let files = models(common).minilm();
	let id =
		files.weights.sha256.map_or_else(|| files.weights.path.display().to_string(), |h| format!("minilm-l6-v2:{h}"));
	(files, id)
}

pub fn load_embedder(common: &Common) -> Result<(Embedder, String)> {
	let bar = spinner("loading all-MiniLM-L6-v2 (verifying weights)", common.json);
	let (files, id) = embedder_files(common);
	let embedder = Embedder::load(&files)?;
	bar.finish_and_clear();
	Ok((embedder, id))
}

pub fn load_generator(common: &Common, adapter: Option<&Path>) -> Result<Generator> {
	let bar = spinner("loading SmolLM2-135M-Instruct (verifying weights)", common.json);
	let mut generator = Generator::load(&models(common).smollm2(), !common.quantized)?;
	if let Some(path) = adapter {
		let lora = LoraAdapter::load(path)?;
		generator.model_mut().apply_lora(&lora, path)?;
	}
	bar.finish_and_clear();
	Ok(generator)
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

/// Builds (or reuses) the index of a manifest's version; returns it with the version.
pub fn ensure_index(
	common: &Common,
	args: &IndexArgs,
	embedder: &Embedder,
	embedder_id: &str,
) -> Result<(DataNetVersion, StoredIndex)> {
	let version = DataNetVersion::load(&args.manifest)?;
	let path = index_path(&args.index_dir, version.datanet, version.version);
	if path.is_file() {
		if let Ok(stored) = StoredIndex::load_for(&path, &version, embedder_id) {
			let chunking = ChunkParams { tokens: args.chunk_tokens, overlap: args.chunk_overlap };
			if stored.header.chunking == chunking {
				return Ok((version, stored));
			}
		}
	}
	let (stored, _) = build_and_save(common, args, &version, embedder, embedder_id)?;
	Ok((version, stored))
}

fn build_and_save(
	common: &Common,
	args: &IndexArgs,
	version: &DataNetVersion,
	embedder: &Embedder,
	embedder_id: &str,
) -> Result<(StoredIndex, attribution_worker::index::store::BuildStats)> {
	let chunking = ChunkParams { tokens: args.chunk_tokens, overlap: args.chunk_overlap };
	let previous =
		previous_index_path(&args.index_dir, version.datanet, version.version).and_then(|p| StoredIndex::load(&p).ok());
	let bar = if common.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
	bar.set_style(
		ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} chunks ({per_sec}, eta {eta})")
			.unwrap_or_else(|_| ProgressStyle::default_bar()),
	);
	bar.set_message(format!("indexing DataNet {} v{}", version.datanet, version.version));
	let (stored, stats) =
		build_index(embedder, embedder_id, version, chunking, previous.as_ref(), &mut |done, total| {
			bar.set_length(total as u64);
			bar.set_position(done as u64);
		})?;
	bar.finish_and_clear();
	let path = index_path(&args.index_dir, version.datanet, version.version);
	stored.save(&path)?;
	Ok((stored, stats))
}

fn index(common: &Common, args: &IndexArgs) -> Result<()> {
	let version = DataNetVersion::load(&args.manifest)?;
	let (embedder, id) = load_embedder(common)?;
	let (stored, stats) = build_and_save(common, args, &version, &embedder, &id)?;
	let path = index_path(&args.index_dir, version.datanet, version.version);
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

pub fn engine(common: &Common, args: &AskArgs) -> Result<Engine> {
	let (embedder, id) = load_embedder(common)?;
	let generator = load_generator(common, args.adapter.as_deref())?;
	let engine = engine_on(common, args, Arc::new(embedder), &id, generator)?;
	Ok(match &args.influence {
		Some(path) => engine.with_influence(Arc::new(Influence::load(path)?)),
		None => engine,
	})
}

/// An engine on models already loaded (the worker shares one embedder and one base generator).
pub fn engine_on(
	common: &Common,
	args: &AskArgs,
	embedder: Arc<Embedder>,
	embedder_id: &str,
	generator: Generator,
) -> Result<Engine> {
	let (version, stored) = ensure_index(common, &args.index, &embedder, embedder_id)?;
	let config =
		AttributionConfig { k: args.k, candidates: args.candidates, ablation: args.ablation, ..Default::default() };
	Ok(Engine::new(embedder, generator, version, stored, config)?)
}

fn ask(common: &Common, args: &AskArgs, given: Option<&str>) -> Result<()> {
	let engine = engine(common, args)?;
	let answer = match given {
		Some(a) => a.to_owned(),
		None => engine.answer(&args.question, &Default::default())?.answer,
	};
	let attribution = engine.attribute(&args.question, &answer)?;
	if common.json {
		println!(
			"{}",
			json!({ "question": args.question, "answer": answer, "datanet": engine.version.datanet,
				"version": engine.version.version, "root": engine.version.root_hex(), "weights": attribution.weights,
				"methods": { "retrieval": attribution.retrieval, "ablation": attribution.ablation, "verbatim": attribution.verbatim, "influence": attribution.influence },
				"chunks": attribution.chunks, "timings": attribution.timings })
		);
		return Ok(());
	}
	println!("Q: {}\nA: {answer}\n\ncredited datasets (basis points):", args.question);
	for (d, bps) in &attribution.weights {
		let name = engine.version.dataset(*d).map_or("?", |x| x.name.as_str());
		println!("  {d:>6}  {bps:>5}  {:>6.2}%  {name}", f64::from(*bps) / 100.0);
	}
	let t = attribution.timings;
	println!(
		"\nattribution took {:.0} ms (retrieval {:.0}, ablation {:.0}, verbatim {:.1})",
		t.total_ms, t.retrieval_ms, t.ablation_ms, t.verbatim_ms
	);
	Ok(())
}

fn read_vector(path: &Path) -> Result<Vec<(u64, u32)>> {
	let body = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
	let value: serde_json::Value =
		serde_json::from_slice(&body).with_context(|| format!("{}: not JSON", path.display()))?;
	// Accept either a bare [[dataset, bps], …] or the output of `attribute --json`.
	let weights = value.get("weights").cloned().unwrap_or(value);
	serde_json::from_value(weights).with_context(|| format!("{}: expected [[dataset, bps], …]", path.display()))
}

fn compare(common: &Common, a: &Path, b: &Path, tolerance: u32) -> Result<()> {
	let (va, vb) = (read_vector(a)?, read_vector(b)?);
	let distance = combine::l1_distance(&va, &vb);
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
