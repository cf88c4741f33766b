//! The Proof-of-Attribution engine: embeddings, chunking, exact retrieval, a small generator with LoRA,
//! fine-tuning, and attribution methods that credit an answer to the datasets of a DataNet version.
//!
//! The `attribution-worker` binary (its CLI, the chain client, ModelFactory) builds on this crate; nothing here
//! talks to a node, parses a command line or runs async.

mod allocator;
pub mod attribute;
pub mod chunk;
pub mod datanet;
pub mod embed;
pub mod engine_config;
pub mod error;
pub mod evaluate;
pub mod generate;
pub mod index;
mod matmul;
pub mod models;
pub mod pinned;
pub mod rng;
pub mod rows;
mod simd;
pub mod synthetic;
pub mod train;
pub mod validate;

pub use allocator::keep_freed_buffers;
pub use matmul::bf16::{native_available as bf16_native_available, Bf16Kernel, Bf16Weight};
pub use simd::{limit_simd, simd_level, with_simd_limit, SimdLevel};
pub use engine_config::{EngineConfig, IndexConfig};
pub use error::{Result, WorkerError};

/// Threads used in validator mode: fixed, so every run (and every validator with the same build and CPU
/// features) computes in the same order.
pub const VALIDATOR_THREADS: usize = 2;

/// Fixes the thread count of every parallel stage (rayon's global pool and candle's kernels, which read
/// `RAYON_NUM_THREADS`). Call once, before any model is loaded. Returns the count in force.
///
/// candle's element-wise kernels and quantised products run on a pool of their own (`CANDLE_NUM_THREADS` − 1
/// extra threads behind one lock) beside rayon's: on top of rayon's threads they oversubscribe the cores, and
/// two embedding batches running on rayon's threads queue for that lock. They run inline instead
/// (`CANDLE_NUM_THREADS` = 1); the parallel work stays on rayon's pool, and decoding steps split their Q8_0
/// products by rows across it (`StepMatMul`). Measured with `bench speed` on 2 cores (docs/BENCHMARKS.md):
/// answer 5.5–6.0 → 3.8–4.5 s, exact attribution 6.1–6.6 → 5.6–6.5 s, embeddings 72–90 → 92–107 texts/s;
/// decoding 59–75 → 46–66 tokens/s (the barrier pool wakes faster for products this small).
pub fn set_threads(threads: usize) -> usize {
	let threads = threads.max(1);
	// candle reads these when it first sizes its thread use.
	std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
	std::env::set_var("CANDLE_NUM_THREADS", "1");
	// Ignore "already initialised": then the earlier setting stays and is reported.
	let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
	rayon::current_num_threads()
}

/// Enters validator mode: fixed threads ([`VALIDATOR_THREADS`]), no sampling anywhere (decoding is greedy
/// and every sampler is seeded), outputs quantised to basis points.
pub fn validator_mode() -> usize {
	set_threads(VALIDATOR_THREADS)
}
