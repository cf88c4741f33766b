//! A llama decoder over GGUF weights (SmolLM2 is one), after candle-transformers' `quantized_llama`, reshaped
//! for attribution:
//! * the model is immutable and KV caches are values ([`KvCache`]), so a cache after a shared prefix can be
//!   cloned and extended many times (leave-one-out ablation reuses every prefix);
//! * [`Llama::forward`] returns the final hidden state of every position, and [`Llama::logits`] projects
//!   only the rows asked for (teacher-forced scoring needs all answer positions, decoding only the last);
//! * every projection can carry a LoRA delta ([`super::lora`]), and [`Llama::decode_batch`] decodes rows on
//!   different adapters together.
//!
//! Each decoder layer's computation is written once (`layer`); the decoding paths differ only in how rows
//! find their adapters and caches (`rows`).

mod activations;
mod attention;
mod config;
mod layer;
mod ops;
mod rows;
mod weight;

pub use config::Config;

use super::lora::{LoraAdapter, LoraTarget};
use crate::error::{Result, WorkerError};
use attention::{Positions, Slot};
use candle::{
	quantized::{gguf_file, QMatMul},
	DType, Device, Module, Tensor, D,
};
use layer::{DecoderLayer, Rows};
use ops::Ops;
use rows::{EachRow, OneSequence, PackedRun, PackedRuns, RowGroups, SharedPrefixRuns};
use weight::BaseWeight;
use std::{ops::Range, path::Path, sync::Arc};

/// Keys and values of the positions seen so far, per layer.
#[derive(Clone, Debug, Default)]
pub struct KvCache {
	layers: Vec<Slot>,
	len: usize,
}

impl KvCache {
	/// Positions held.
	pub fn len(&self) -> usize {
		self.len
	}

	/// True when nothing has been fed yet.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}
}

/// The decoder: base weights, shared by every clone (candle tensors are reference-counted), plus the LoRA
/// deltas installed on this copy. A clone with another adapter costs only that adapter's memory, which is how
/// OpenLoRA serves many adapters over one base ([`super::openlora`]).
#[derive(Clone, Debug)]
pub struct Llama {
	config: Config,
	device: Device,
	/// Identity of the base weights: clones share it, a model loaded again does not.
	base: Arc<()>,
	embeddings: Tensor,
	layers: Vec<DecoderLayer>,
	norm: Tensor,
	output: BaseWeight,
	/// The output projection's Q8_0 copy for decoding steps (`None` when the weights are not dense).
	output_step: Option<layer::StepMatMul>,
	/// Which weights decoding steps read.
	step_weights: StepWeights,
	/// The arithmetic of the dense products ([`Llama::use_bf16_products`]).
	bf16: Option<crate::Bf16Kernel>,
	cos: Tensor,
	sin: Tensor,
}

/// The weights a decoding step (one new token per sequence) multiplies by. Prefill and teacher-forced scoring
/// always use the loaded ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepWeights {
	/// The dense weights again in Q8_0: a quarter of f32's bytes read per token (decoding is bandwidth-bound).
	/// The default; answer quality with it is measured in docs/BENCHMARKS.md.
	#[default]
	Q8_0,
	/// The loaded weights (f32 when loaded dense).
	Loaded,
}

impl Llama {
	/// Reads a GGUF file onto `device`. With `dense`, projections are dequantised to f32 (faster prefill on
	/// some CPUs, 4× the memory; needed for training). Returns the file's content too (its tokenizer).
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] naming the file.
	pub fn from_gguf_file(path: &Path, dense: bool, device: &Device) -> Result<(Self, gguf_file::Content)> {
		let invalid = |e: candle::Error| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() };
		let mut file = std::fs::File::open(path)
			.map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })?;
		let content = gguf_file::Content::read(&mut file).map_err(invalid)?;
		let model = Self::from_gguf(&content, &mut file, dense, device).map_err(invalid)?;
		Ok((model, content))
	}

	/// Reads the model's weights, as `content` (the file's header) locates them in `r`, onto `device`.
	///
	/// # Errors
	/// Not a llama model, missing tensors or metadata.
	pub fn from_gguf<R: std::io::Seek + std::io::Read>(
		content: &gguf_file::Content,
		r: &mut R,
		dense: bool,
		device: &Device,
	) -> candle::Result<Self> {
		let config = Config::from_gguf(content)?;
		let embeddings_q = content.tensor(r, "token_embd.weight", device)?;
		let embeddings = embeddings_q.dequantize(device)?;
		let output_q = match content.tensor(r, "output.weight", device) {
			Ok(t) => t,
			Err(_) => embeddings_q, // tied embeddings (SmolLM2)
		};
		let (output, output_step) = if dense {
			let w = output_q.dequantize(device)?;
			(BaseWeight::dense(&w)?, layer::step_weights(&w)?)
		} else {
			(BaseWeight::Quantized(QMatMul::from_qtensor(output_q)?), None)
		};
		let norm = content.tensor(r, "output_norm.weight", device)?.dequantize(device)?;
		let layers = (0..config.num_hidden_layers)
			.map(|i| DecoderLayer::load(content, r, i, dense, device))
			.collect::<candle::Result<_>>()?;
		let (cos, sin) =
			ops::rope_tables(config.head_dim(), config.max_position_embeddings, config.rope_theta, device)?;
		Ok(Self {
			config,
			device: device.clone(),
			base: Arc::new(()),
			embeddings,
			layers,
			norm,
			output,
			output_step,
			step_weights: StepWeights::default(),
			bf16: None,
			cos,
			sin,
		})
	}

	/// Chooses the weights decoding steps read ([`StepWeights`]).
	pub fn set_step_weights(&mut self, weights: StepWeights) {
		self.step_weights = weights;
	}

	/// Makes every dense projection (prefill, scoring, the logits; not the Q8_0 decoding steps, nor LoRA deltas)
	/// multiply in bf16 — weights and inputs rounded to bf16, their products (exact in f32) summed in f32 — on
	/// `kernel`: the protocol's arithmetic (`openledger_primitives::attribution::ATTRIBUTION_PRODUCTS`).
	///
	/// # Errors
	/// Tensor failures.
	pub fn use_bf16_products(&mut self, kernel: crate::Bf16Kernel) -> candle::Result<()> {
		for layer in &mut self.layers {
			for target in LoraTarget::ALL {
				layer.projection_mut(target).base.use_bf16(kernel)?;
			}
		}
		self.output.use_bf16(kernel)?;
		self.bf16 = Some(kernel);
		Ok(())
	}

	/// The kernels of a pass over a prompt (not a decoding step): attention's products in bf16 too when the
	/// projections are ([`Llama::use_bf16_products`]). A decoding step's attention reads the whole cache for one
	/// row, so it stays in f32 rather than pack the cache for every token.
	fn prompt_ops(&self) -> Ops {
		self.bf16.map_or(Ops::Fast, Ops::Bf16)
	}

	/// The kernel of bf16 products, `None` for f32 ([`Llama::use_bf16_products`]).
	pub fn bf16_products(&self) -> Option<crate::Bf16Kernel> {
		self.bf16
	}

	/// True when decoding steps read Q8_0 copies of the weights.
	pub fn steps_in_q8_0(&self) -> bool {
		self.step_weights == StepWeights::Q8_0 && self.output_step.is_some()
	}

	/// The hyper-parameters.
	pub fn config(&self) -> &Config {
		&self.config
	}

	/// The device the weights are on.
	pub fn device(&self) -> &Device {
		&self.device
	}

	/// True when the projections are f32 tensors (loaded `dense`), which training needs: candle cannot
	/// differentiate through quantised matrix products.
	pub fn is_dense(&self) -> bool {
		self.output.is_dense()
			&& self.layers.iter().all(|layer| LoraTarget::ALL.iter().all(|t| layer.projection(*t).base.is_dense()))
	}

	/// `(out, in)` of a layer's projection, if the model has that layer.
	pub fn projection_shape(&self, layer: usize, target: LoraTarget) -> Option<(usize, usize)> {
		Some(self.layers.get(layer)?.projection(target).shape)
	}

	/// Installs an adapter's deltas (replacing any previous adapter).
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] if the adapter names a layer this model lacks or its shapes do not fit.
	pub fn apply_lora(&mut self, adapter: &LoraAdapter, origin: &Path) -> Result<()> {
		let invalid = |message: String| WorkerError::InvalidModel { path: origin.to_path_buf(), message };
		// Check every delta first, so a bad adapter leaves the model exactly as it was.
		for ((layer, target), delta) in &adapter.deltas {
			let (out, input) = self
				.projection_shape(*layer, *target)
				.ok_or_else(|| invalid(format!("adapter targets blk.{layer}.{target}, which this model lacks")))?;
			let (_, a_in) = delta.a.dims2().map_err(|e| invalid(e.to_string()))?;
			let (b_out, _) = delta.b.dims2().map_err(|e| invalid(e.to_string()))?;
			if (b_out, a_in) != (out, input) {
				return Err(invalid(format!(
					"blk.{layer}.{target}: adapter is {b_out}×{a_in}, the model's projection {out}×{input} (another base model?)"
				)));
			}
		}
		self.clear_lora();
		for ((layer, target), delta) in &adapter.deltas {
			if let Some(l) = self.layers.get_mut(*layer) {
				l.projection_mut(*target).lora = Some(delta.clone());
			}
		}
		Ok(())
	}

	/// True when `other` is a clone of the same base weights (whatever adapters either carries).
	pub fn shares_base(&self, other: &Llama) -> bool {
		Arc::ptr_eq(&self.base, &other.base)
	}

	/// Bytes held by the installed LoRA deltas (what a cached adapter costs over the shared base).
	pub fn lora_bytes(&self) -> usize {
		self.layers
			.iter()
			.flat_map(|layer| LoraTarget::ALL.map(|t| layer.projection(t).lora.as_ref()))
			.flatten()
			.map(|d| {
				let elements = d.a.elem_count().saturating_add(d.b.elem_count());
				elements.saturating_mul(d.a.dtype().size_in_bytes())
			})
			.fold(0usize, usize::saturating_add)
	}

	/// The LoRA deltas installed on this copy, as an adapter (empty if none).
	pub fn lora(&self) -> LoraAdapter {
		let mut adapter = LoraAdapter::default();
		for (l, layer) in self.layers.iter().enumerate() {
			for target in LoraTarget::ALL {
				if let Some(delta) = layer.projection(target).lora.clone() {
					adapter.deltas.insert((l, target), delta);
				}
			}
		}
		adapter
	}

	/// Removes every LoRA delta.
	pub fn clear_lora(&mut self) {
		for layer in &mut self.layers {
			for target in LoraTarget::ALL {
				layer.projection_mut(target).lora = None;
			}
		}
	}

	/// Feeds `tokens` after what `cache` holds; returns the final-normed hidden states `(tokens, hidden)`.
	///
	/// # Errors
	/// Tensor failures, or a context overflow.
	pub fn forward(&self, tokens: &[u32], cache: &mut KvCache) -> candle::Result<Tensor> {
		self.forward_blocking(tokens, cache, None)
	}

	/// As [`Llama::forward`], but the new tokens may not attend to the cached positions in `blocked`: the
	/// context they hold is hidden from what follows (attention-mask ablation; the cache is left intact).
	///
	/// # Errors
	/// Tensor failures, or a context overflow.
	pub fn forward_blocking(
		&self,
		tokens: &[u32],
		cache: &mut KvCache,
		blocked: Option<Range<usize>>,
	) -> candle::Result<Tensor> {
		self.run(tokens, cache, blocked, self.prompt_ops(), false)
	}

	/// One decoding step: feeds `token` after `cache` with the step weights ([`StepWeights`]); returns the
	/// final-normed hidden state `(1, hidden)`, for [`Llama::step_logits`].
	///
	/// # Errors
	/// Tensor failures, or a context overflow.
	pub fn step(&self, token: u32, cache: &mut KvCache) -> candle::Result<Tensor> {
		self.run(&[token], cache, None, Ops::Fast, self.steps_in_q8_0())
	}

	/// Feeds the same `tokens` after `cache` once per entry of `blocked`, all runs in one pass: run `r` may not
	/// attend to the cached positions in `blocked[r]` (`None`: it sees everything). Returns the final-normed
	/// hidden states `(runs, tokens, hidden)`; run `r` equals (up to float summation order) what
	/// [`Llama::forward_blocking`] returns for it on a clone of `cache`, which is left as it was.
	///
	/// # Errors
	/// No runs, a cache without positions, or a context overflow; tensor failures.
	pub fn forward_runs(
		&self,
		tokens: &[u32],
		cache: &KvCache,
		blocked: &[Option<Range<usize>>],
	) -> candle::Result<Tensor> {
		let (seq, offset, runs) = (tokens.len(), cache.len, blocked.len());
		if runs == 0 || seq == 0 {
			candle::bail!("forward_runs needs at least one run of at least one token");
		}
		if offset.saturating_add(seq) > self.config.max_position_embeddings {
			candle::bail!("context overflow: {} + {seq} > {}", offset, self.config.max_position_embeddings);
		}
		let slots = if cache.layers.is_empty() { vec![None; self.layers.len()] } else { cache.layers.clone() };
		let ids = Tensor::new(tokens, &self.device)?;
		let x = self.embeddings.index_select(&ids, 0)?.unsqueeze(0)?.repeat((runs, 1, 1))?;
		let at = Positions::runs((&self.cos, &self.sin), offset, seq, blocked)?;
		self.layers_forward(x, &mut SharedPrefixRuns { config: &self.config, slots: &slots, at }, self.prompt_ops())
	}

	/// Feeds independent runs in one pass: run `r` feeds `runs[r].0` after what `runs[r].1` holds (the caches
	/// are read, never extended). Every projection multiplies all runs' rows as one matrix ([`PackedRuns`]), so
	/// each weight is read once for all runs and the products are large; attention runs run by run. Returns
	/// each run's final-normed hidden states `(tokens, hidden)`, equal (up to float summation order) to what
	/// [`Llama::forward`] returns for it on a clone of its cache.
	///
	/// # Errors
	/// No runs, a run without tokens, or a context overflow; tensor failures.
	pub fn forward_packed(&self, runs: &[(&[u32], &KvCache)]) -> candle::Result<Vec<Tensor>> {
		if runs.is_empty() || runs.iter().any(|(tokens, _)| tokens.is_empty()) {
			candle::bail!("forward_packed needs at least one run of at least one token");
		}
		let mut packed = Vec::with_capacity(runs.iter().map(|(tokens, _)| tokens.len()).sum());
		let mut spans = Vec::with_capacity(runs.len());
		for (tokens, cache) in runs {
			let (seq, offset) = (tokens.len(), cache.len);
			if offset.saturating_add(seq) > self.config.max_position_embeddings {
				candle::bail!("context overflow: {offset} + {seq} > {}", self.config.max_position_embeddings);
			}
			let slots = if cache.layers.is_empty() { vec![None; self.layers.len()] } else { cache.layers.clone() };
			let at = Positions::new((&self.cos, &self.sin), offset, seq, None)?;
			spans.push(PackedRun { start: packed.len(), len: seq, at, slots });
			packed.extend_from_slice(tokens);
		}
		let rows: Vec<(usize, usize)> = spans.iter().map(|run| (run.start, run.len)).collect();
		let ids = Tensor::new(packed.as_slice(), &self.device)?;
		let x = self.embeddings.index_select(&ids, 0)?.unsqueeze(0)?;
		let hidden =
			self.layers_forward(x, &mut PackedRuns { config: &self.config, runs: spans }, self.prompt_ops())?.squeeze(0)?;
		rows.into_iter().map(|(start, len)| hidden.narrow(0, start, len)).collect()
	}

	/// As [`Llama::forward`] from an empty cache, with operations that have gradients, so a loss on the result
	/// can be back-propagated into the LoRA deltas' variables (fine-tuning, influence gradients). Slower.
	///
	/// # Errors
	/// Tensor failures, or a context overflow.
	pub fn forward_differentiable(&self, tokens: &[u32]) -> candle::Result<Tensor> {
		self.run(tokens, &mut KvCache::default(), None, Ops::Differentiable, false)
	}

	/// One sequence through every layer (`OneSequence`).
	fn run(
		&self,
		tokens: &[u32],
		cache: &mut KvCache,
		blocked: Option<Range<usize>>,
		ops: Ops,
		step: bool,
	) -> candle::Result<Tensor> {
		let seq = tokens.len();
		let offset = cache.len;
		if offset.saturating_add(seq) > self.config.max_position_embeddings {
			candle::bail!("context overflow: {} + {seq} > {}", offset, self.config.max_position_embeddings);
		}
		if cache.layers.is_empty() {
			cache.layers = vec![None; self.layers.len()];
		}
		let ids = Tensor::new(tokens, &self.device)?;
		let x = self.embeddings.index_select(&ids, 0)?.unsqueeze(0)?;
		let at = Positions::new((&self.cos, &self.sin), offset, seq, blocked)?;
		let hidden =
			self.layers_forward(x, &mut OneSequence { config: &self.config, slots: &mut cache.layers, at, step }, ops)?;
		cache.len = offset.saturating_add(seq);
		hidden.squeeze(0)
	}

	/// One decoding step for several sequences at once, each with its own model — clones of this base that
	/// may carry different adapters — and its own cache: `models[i]` feeds `tokens[i]` after `caches[i]`
	/// (`EachRow`). Returns the final-normed hidden states `(rows, hidden)`, row `i` equal (up to float
	/// summation order) to what `models[i].forward(&[tokens[i]], &mut caches[i])` returns.
	///
	/// # Errors
	/// Mismatched lengths, a model on other base weights, a context overflow; tensor failures.
	pub fn decode_batch(models: &[&Llama], tokens: &[u32], caches: &mut [KvCache]) -> candle::Result<Tensor> {
		let Some(first) = models.first() else { candle::bail!("an empty batch") };
		if tokens.len() != models.len() || caches.len() != models.len() {
			candle::bail!("{} models, {} tokens and {} caches in one batch", models.len(), tokens.len(), caches.len());
		}
		if models.iter().any(|m| !m.shares_base(first)) {
			candle::bail!("a batch mixes models on different base weights");
		}
		let context = first.config.max_position_embeddings;
		let mut at = Vec::with_capacity(caches.len());
		for cache in caches.iter_mut() {
			if cache.len >= context {
				candle::bail!("context overflow: {} + 1 > {context}", cache.len);
			}
			if cache.layers.is_empty() {
				cache.layers = vec![None; first.layers.len()];
			}
			at.push(Positions::new((&first.cos, &first.sin), cache.len, 1, None)?);
		}
		let groups = RowGroups::of(models, &first.device)?;
		let ids = Tensor::new(tokens, &first.device)?;
		let x = first.embeddings.index_select(&ids, 0)?.unsqueeze(1)?;
		let step = first.steps_in_q8_0();
		let mut rows = EachRow { config: &first.config, models, groups, caches: &mut *caches, at, step };
		let hidden = first.layers_forward(x, &mut rows, Ops::Fast)?;
		for cache in caches.iter_mut() {
			cache.len = cache.len.saturating_add(1);
		}
		hidden.squeeze(1)
	}

	/// `x` through every decoder layer, then the final norm.
	fn layers_forward(&self, mut x: Tensor, rows: &mut impl Rows, ops: Ops) -> candle::Result<Tensor> {
		let eps = self.config.rms_norm_eps as f32;
		for (index, layer) in self.layers.iter().enumerate() {
			x = layer.forward(index, &x, rows, eps, ops)?;
		}
		ops.rms_norm(&x, &self.norm, eps)
	}

	/// Projects hidden rows `(n, hidden)` to vocabulary logits `(n, vocab)`.
	pub fn logits(&self, hidden: &Tensor) -> candle::Result<Tensor> {
		self.output.forward(hidden)
	}

	/// As [`Llama::logits`], with the step weights: the logits a decoding step chooses its token from.
	pub fn step_logits(&self, hidden: &Tensor) -> candle::Result<Tensor> {
		match (&self.output_step, self.steps_in_q8_0()) {
			(Some(q8), true) => q8.forward(hidden),
			_ => self.logits(hidden),
		}
	}
}

/// Log-probabilities `(n, vocab)` of logits `(n, vocab)`, in f32.
pub fn log_softmax(logits: &Tensor) -> candle::Result<Tensor> {
	candle_nn::ops::log_softmax(&logits.to_dtype(DType::F32)?, D::Minus1)
}

/// `log p(tokens[r])` under the log-softmax of row `r` of `logits` `(n, vocab)`, for every row: what teacher-forced
/// scoring needs, without the `(n, vocab)` log-probabilities [`log_softmax`] writes (four passes over them, a
/// scalar `exp` each). One pass per row reads it, its exponentials summed over fixed lanes with the engine's
/// `exp`, so every SIMD path gives the same bits; rows run in parallel.
///
/// # Errors
/// Logits that are not f32 `(n, vocab)` on the CPU, other than `n` tokens, or a token outside the vocabulary.
pub fn token_logprobs(logits: &Tensor, tokens: &[u32]) -> candle::Result<Vec<f32>> {
	use rayon::prelude::*;
	let (rows, vocab) = logits.dims2()?;
	if rows != tokens.len() || vocab == 0 {
		candle::bail!("token log-probabilities: {rows} rows of {vocab} logits for {} tokens", tokens.len());
	}
	if let Some(bad) = tokens.iter().find(|&&t| t as usize >= vocab) {
		candle::bail!("token log-probabilities: token {bad} outside a vocabulary of {vocab}");
	}
	let logits = logits.to_dtype(DType::F32)?.contiguous()?;
	let (storage, layout) = logits.storage_and_layout();
	let data = crate::simd::borrowed(&storage, layout, "token log-probabilities")?;
	let mut out = vec![f32::NAN; rows];
	data.par_chunks(vocab).zip(tokens).zip(&mut out).for_each(|((row, &token), out)| {
		crate::simd::token_logprob::widest(row, token as usize, out);
	});
	Ok(out)
}
