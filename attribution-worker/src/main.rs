//! `attribution-worker`: embed, index, ask, attribute, compare, the quality/speed benches, `train` and
//! `register-model` (ModelFactory), `submit-dataset` (a contributor's file to a DataNet), `run` — the worker on chain —
//! and `studio`, ModelFactory in the browser.

mod bench;
mod bench_agreement;
mod bench_datainf;
mod bench_dot_peak;
mod bench_grounding;
mod bench_limits;
mod bench_openlora;
mod bench_plot;
mod bench_products;
mod bench_pubmedqa;
mod bench_validation;
mod commands;
mod engine_args;
mod factory;
mod loading;
mod run;
mod studio;
mod validate_command;

use clap::{Args, Parser, Subcommand};
pub use engine_args::{Ablation, AskArgs, IndexArgs};
use std::path::PathBuf;

/// The Proof-of-Attribution worker's engine, from the command line.
#[derive(Parser, Debug)]
#[command(name = "attribution-worker", version, about)]
pub struct Cli {
	#[command(flatten)]
	pub common: Common,
	#[command(subcommand)]
	pub command: Command,
}

/// Options shared by every command.
#[derive(Args, Debug, Clone)]
pub struct Common {
	/// Directory of the shipped models (default: $OPENLEDGER_MODELS_DIR or ~/.cache/openledger-appchain/models).
	#[arg(long, global = true)]
	pub models_dir: Option<PathBuf>,
	/// Worker threads (default: all cores).
	#[arg(long, global = true)]
	pub threads: Option<usize>,
	/// Validator mode: fixed threads and order, so output is bit-identical run to run.
	#[arg(long, global = true)]
	pub validator: bool,
	/// Keep the generator's Q4_1 weights quantised (≈100 MB instead of ≈540 MB of f32). Scoring is ~12× slower:
	/// candle's CPU kernels for Q4_1 have no fast multi-row path, while f32 uses a tuned GEMM.
	#[arg(long, global = true)]
	pub quantized: bool,
	/// Weights the generator's decoding steps read: `q8` (Q8_0 copies of the f32 weights, a quarter of the bytes
	/// per token; prefill and attribution keep f32) or `f32` (the loaded weights).
	#[arg(long, global = true, value_enum, default_value_t = DecodeWeights::Q8)]
	pub decode_weights: DecodeWeights,
	/// The arithmetic of the generator's dense products. The default is the protocol's
	/// (`openledger_primitives::attribution::ATTRIBUTION_PRODUCTS`, bf16) on the widest kernel this CPU has;
	/// `bf16-portable` computes the same bits as CPUs without AVX512-BF16 do. `f32` is a measurement for
	/// `bench` commands only: it is not what the chain's committees compute.
	#[arg(long, global = true, value_enum, default_value_t = Products::protocol())]
	pub products: Products,
	/// The widest vector instructions the engine's own kernels use, whatever more this CPU has: `avx512`
	/// (all it has), `avx2` or `baseline`. Every path computes the same bits, so only speed changes: how one
	/// machine measures an older CPU of its kind. gemm's f32 kernels follow the build instead
	/// (`--no-default-features` leaves out their AVX-512 ones).
	#[arg(long, global = true, value_enum, default_value_t = MaxSimd::Avx512)]
	pub max_simd: MaxSimd,
	/// Print machine-readable JSON instead of text.
	#[arg(long, global = true)]
	pub json: bool,
}

/// `--max-simd`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MaxSimd {
	Avx512,
	Avx2,
	Baseline,
}

impl MaxSimd {
	/// The engine's level.
	pub fn level(self) -> attribution_engine::SimdLevel {
		match self {
			Self::Avx512 => attribution_engine::SimdLevel::Avx512,
			Self::Avx2 => attribution_engine::SimdLevel::Avx2,
			Self::Baseline => attribution_engine::SimdLevel::Baseline,
		}
	}
}

/// `--products`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Products {
	/// The protocol's bf16 products on `vdpbf16ps` where the CPU has AVX512-BF16, else as `bf16-portable`.
	Bf16,
	/// The same products, to the bit, in f32 fused multiply-adds (any CPU).
	Bf16Portable,
	/// f32 operands and sums.
	F32,
}

impl Products {
	/// The protocol's arithmetic, on the widest kernel.
	pub fn protocol() -> Self {
		match openledger_primitives::attribution::ATTRIBUTION_PRODUCTS {
			openledger_primitives::attribution::ProductArithmetic::Bf16 => Self::Bf16,
			openledger_primitives::attribution::ProductArithmetic::F32 => Self::F32,
		}
	}

	/// The bf16 kernel, `None` for f32.
	pub fn bf16_kernel(self) -> Option<attribution_engine::Bf16Kernel> {
		match self {
			Self::Bf16 => Some(attribution_engine::Bf16Kernel::Widest),
			Self::Bf16Portable => Some(attribution_engine::Bf16Kernel::Portable),
			Self::F32 => None,
		}
	}

	/// True when this computes the protocol's arithmetic (on whatever kernel).
	pub fn is_protocols(self) -> bool {
		self.bf16_kernel().is_some() == (Self::protocol().bf16_kernel().is_some())
	}
}

/// `--decode-weights`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecodeWeights {
	Q8,
	F32,
}

#[derive(Subcommand, Debug)]
pub enum Command {
	/// Embed texts (arguments, or one per line from --file) with MiniLM.
	Embed {
		texts: Vec<String>,
		#[arg(long)]
		file: Option<PathBuf>,
	},
	/// Chunk, embed and index a DataNet version (incremental over the previous version's index).
	Index(IndexArgs),
	/// Answer a question from a DataNet version and attribute the answer.
	Ask(AskArgs),
	/// The validation report and score a proposed dataset would get from a DataNet version (what validators
	/// compute for every proposal; docs/VALIDATION.md).
	Validate(validate_command::ValidateArgs),
	/// Attribute a given answer (what a committee member recomputes).
	Attribute {
		#[command(flatten)]
		target: AskArgs,
		/// The answer to attribute.
		#[arg(long)]
		answer: String,
	},
	/// Compare two attribution vectors (JSON files of [[dataset, bps], …]) within a tolerance, as the chain does.
	Compare {
		a: PathBuf,
		b: PathBuf,
		/// Tolerance T: largest L1 distance in basis points that still agrees.
		#[arg(long, default_value_t = 500)]
		tolerance: u32,
	},
	/// Write a synthetic DataNet (fictional-drug formulary) with its probe questions.
	Synth {
		#[arg(long)]
		out: PathBuf,
		#[arg(long, default_value_t = 40)]
		datasets: usize,
		#[arg(long, default_value_t = 7)]
		seed: u64,
	},
	/// Measure attribution quality or speed.
	#[command(subcommand)]
	Bench(bench::BenchCommand),
	/// Fine-tune a LoRA adapter on a DataNet version (ModelFactory): writes the adapter, its loss curve and
	/// training.json with the hashes a model registration records.
	Train(factory::TrainArgs),
	/// Register a model `train` produced on chain (adapter, DataNet version, hashes), with a fee per answer.
	RegisterModel(run::RegisterArgs),
	/// Contribute a file to a DataNet: compute its pieces, content hash, MinHash sketch, rows and chunk root, check
	/// it against the DataNet (licence, size, rows that parse, near duplicates), register it, upload it and propose
	/// it. Run again after an interruption, it resumes.
	SubmitDataset(run::SubmitArgs),
	/// Follow a node: answer the requests assigned to this worker's validator, and commit and reveal when on a
	/// committee.
	Run(run::RunArgs),
	/// ModelFactory in the browser: pick a DataNet version the worker kept, train a LoRA adapter with live
	/// progress and its loss plot, and register it as a model (serves the page, its API and the adapters).
	Studio(studio::StudioArgs),
}

fn main() {
	let cli = Cli::parse();
	tracing_subscriber::fmt()
		.with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
		.with_writer(std::io::stderr)
		.init();
	if !attribution_engine::keep_freed_buffers() {
		tracing::debug!("the C allocator is not glibc's: freed buffers are left to its defaults");
	}
	if let Err(e) = commands::run(cli) {
		eprintln!("error: {e:#}");
		std::process::exit(1);
	}
}
