//! A llama decoder over GGUF weights (SmolLM2 is one), after candle-transformers' `quantized_llama`, reshaped
//! for attribution:
//! * the model is immutable and KV caches are values ([`KvCache`]), so a cache after a shared prefix can be
//!   cloned and extended many times (leave-one-out ablation reuses every prefix);
//! * [`Llama::forward`] returns the final hidden state of every position, and [`Llama::logits`] projects
//!   only the rows asked for (teacher-forced scoring needs all answer positions, decoding only the last);
//! * every projection can carry a LoRA delta ([`super::lora`]).

use super::lora::{LoraAdapter, LoraDelta, TARGETS};
use crate::error::{Result, WorkerError};
use candle::{
	quantized::{gguf_file, QMatMul, QTensor},
	DType, Device, Module, Tensor, D,
};
use std::{path::Path, sync::Arc};

/// Hyper-parameters read from GGUF metadata.
#[derive(Clone, Debug)]
pub struct LlamaConfig {
	pub n_layer: usize,
	pub n_head: usize,
	pub n_kv_head: usize,
	pub dim: usize,
	pub head_dim: usize,
	pub vocab: usize,
	pub context: usize,
	pub rope_base: f32,
	pub rms_eps: f64,
	pub rope_neox: bool,
}

/// A projection: the (quantised or dense) base weight plus an optional LoRA delta.
#[derive(Clone, Debug)]
pub struct Projection {
	base: QMatMul,
	/// `(out, in)` of the base weight.
	shape: (usize, usize),
	lora: Option<LoraDelta>,
}

impl Projection {
	fn new(q: QTensor, dense: bool) -> candle::Result<Self> {
		let shape = q.shape().dims2()?;
		let base = if dense { QMatMul::Tensor(q.dequantize(&Device::Cpu)?) } else { QMatMul::from_arc(Arc::new(q))? };
		Ok(Self { base, shape, lora: None })
	}

	fn forward(&self, x: &Tensor) -> candle::Result<Tensor> {
		let y = self.base.forward(x)?;
		match &self.lora {
			Some(delta) => y + delta.apply(x)?,
			None => Ok(y),
		}
	}
}

#[derive(Clone, Debug)]
struct Layer {
	attn_q: Projection,
	attn_k: Projection,
	attn_v: Projection,
	attn_output: Projection,
	ffn_gate: Projection,
	ffn_up: Projection,
	ffn_down: Projection,
	attn_norm: Tensor,
	ffn_norm: Tensor,
}

impl Layer {
	fn projection(&self, target: &str) -> Option<&Projection> {
		Some(match target {
			"attn_q" => &self.attn_q,
			"attn_k" => &self.attn_k,
			"attn_v" => &self.attn_v,
			"attn_output" => &self.attn_output,
			"ffn_gate" => &self.ffn_gate,
			"ffn_up" => &self.ffn_up,
			"ffn_down" => &self.ffn_down,
			_ => return None,
		})
	}

	fn projection_mut(&mut self, target: &str) -> Option<&mut Projection> {
		Some(match target {
			"attn_q" => &mut self.attn_q,
			"attn_k" => &mut self.attn_k,
			"attn_v" => &mut self.attn_v,
			"attn_output" => &mut self.attn_output,
			"ffn_gate" => &mut self.ffn_gate,
			"ffn_up" => &mut self.ffn_up,
			"ffn_down" => &mut self.ffn_down,
			_ => return None,
		})
	}
}

/// Keys and values of the positions seen so far, per layer.
#[derive(Clone, Debug, Default)]
pub struct KvCache {
	layers: Vec<Option<(Tensor, Tensor)>>,
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
	pub config: LlamaConfig,
	/// Identity of the base weights: clones share it, a model loaded again does not.
	base: Arc<()>,
	embeddings: Tensor,
	layers: Vec<Layer>,
	norm: Tensor,
	output: QMatMul,
	cos: Tensor,
	sin: Tensor,
}

fn md_u32(ct: &gguf_file::Content, key: &str) -> candle::Result<usize> {
	let v = ct.metadata.get(key).ok_or_else(|| candle::Error::msg(format!("GGUF metadata lacks {key}")))?;
	Ok(v.to_u32()? as usize)
}

impl Llama {
	/// Reads a GGUF file. With `dense`, projections are dequantised to f32 (faster prefill on some CPUs,
	/// 4× the memory; needed for training).
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] naming the file.
	pub fn from_gguf_file(path: &Path, dense: bool) -> Result<(Self, gguf_file::Content)> {
		let invalid = |e: candle::Error| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() };
		let mut file = std::fs::File::open(path)
			.map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })?;
		let content = gguf_file::Content::read(&mut file).map_err(invalid)?;
		let model = Self::from_gguf(&content, &mut file, dense).map_err(invalid)?;
		Ok((model, content))
	}

	fn from_gguf<R: std::io::Seek + std::io::Read>(
		ct: &gguf_file::Content,
		r: &mut R,
		dense: bool,
	) -> candle::Result<Self> {
		let device = Device::Cpu;
		let arch =
			ct.metadata.get("general.architecture").and_then(|v| v.to_string().ok()).cloned().unwrap_or_default();
		if arch != "llama" {
			candle::bail!("architecture {arch:?} is not llama");
		}
		let n_head = md_u32(ct, "llama.attention.head_count")?;
		let dim = md_u32(ct, "llama.embedding_length")?;
		let head_dim = dim.checked_div(n_head).ok_or_else(|| candle::Error::msg("zero heads"))?;
		let config = LlamaConfig {
			n_layer: md_u32(ct, "llama.block_count")?,
			n_head,
			n_kv_head: md_u32(ct, "llama.attention.head_count_kv")?,
			dim,
			head_dim,
			vocab: 0,
			context: md_u32(ct, "llama.context_length")?,
			rope_base: ct.metadata.get("llama.rope.freq_base").and_then(|v| v.to_f32().ok()).unwrap_or(10_000.0),
			rms_eps: f64::from(
				ct.metadata.get("llama.attention.layer_norm_rms_epsilon").and_then(|v| v.to_f32().ok()).unwrap_or(1e-5),
			),
			rope_neox: false,
		};
		let embeddings_q = ct.tensor(r, "token_embd.weight", &device)?;
		let embeddings = embeddings_q.dequantize(&device)?;
		let vocab = embeddings.dim(0)?;
		let output_q = match ct.tensor(r, "output.weight", &device) {
			Ok(t) => t,
			Err(_) => embeddings_q, // tied embeddings (SmolLM2)
		};
		let output =
			if dense { QMatMul::Tensor(output_q.dequantize(&device)?) } else { QMatMul::from_qtensor(output_q)? };
		let norm = ct.tensor(r, "output_norm.weight", &device)?.dequantize(&device)?;
		let mut layers = Vec::with_capacity(config.n_layer);
		for i in 0..config.n_layer {
			let mut get = |name: &str| ct.tensor(r, &format!("blk.{i}.{name}.weight"), &device);
			layers.push(Layer {
				attn_q: Projection::new(get("attn_q")?, dense)?,
				attn_k: Projection::new(get("attn_k")?, dense)?,
				attn_v: Projection::new(get("attn_v")?, dense)?,
				attn_output: Projection::new(get("attn_output")?, dense)?,
				ffn_gate: Projection::new(get("ffn_gate")?, dense)?,
				ffn_up: Projection::new(get("ffn_up")?, dense)?,
				ffn_down: Projection::new(get("ffn_down")?, dense)?,
				attn_norm: get("attn_norm")?.dequantize(&device)?,
				ffn_norm: get("ffn_norm")?.dequantize(&device)?,
			});
		}
		let (cos, sin) = rope_tables(head_dim, config.context, config.rope_base, &device)?;
		Ok(Self { config: LlamaConfig { vocab, ..config }, base: Arc::new(()), embeddings, layers, norm, output, cos, sin })
	}

	/// True when the projections are f32 tensors (loaded `dense`), which training needs: candle cannot
	/// differentiate through quantised matrix products.
	pub fn is_dense(&self) -> bool {
		matches!(self.output, QMatMul::Tensor(_))
			&& self.layers.iter().all(|layer| {
				TARGETS.iter().all(|t| layer.projection(t).is_some_and(|p| matches!(p.base, QMatMul::Tensor(_))))
			})
	}

	/// `(out, in)` of a layer's projection (`target` by GGUF name), if the model has it.
	pub fn projection_shape(&self, layer: usize, target: &str) -> Option<(usize, usize)> {
		self.layers.get(layer)?.projection(target).map(|p| p.shape)
	}

	/// Installs an adapter's deltas (replacing any previous adapter).
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] if the adapter names a layer or target this model lacks or its shapes
	/// do not fit.
	pub fn apply_lora(&mut self, adapter: &LoraAdapter, origin: &Path) -> Result<()> {
		let invalid = |message: String| WorkerError::InvalidModel { path: origin.to_path_buf(), message };
		// Check every delta first, so a bad adapter leaves the model exactly as it was.
		for ((layer, target), delta) in &adapter.deltas {
			let proj = self
				.layers
				.get_mut(*layer)
				.and_then(|l| l.projection_mut(target))
				.ok_or_else(|| invalid(format!("adapter targets blk.{layer}.{target}, which this model lacks")))?;
			let (_, a_in) = delta.a.dims2().map_err(|e| invalid(e.to_string()))?;
			let (b_out, _) = delta.b.dims2().map_err(|e| invalid(e.to_string()))?;
			let (out, input) = proj.shape;
			if (b_out, a_in) != (out, input) {
				return Err(invalid(format!(
					"blk.{layer}.{target}: adapter is {b_out}×{a_in}, the model's projection {out}×{input} (another base model?)"
				)));
			}
		}
		self.clear_lora();
		for ((layer, target), delta) in &adapter.deltas {
			if let Some(proj) = self.layers.get_mut(*layer).and_then(|l| l.projection_mut(target)) {
				proj.lora = Some(delta.clone());
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
			.flat_map(|layer| TARGETS.iter().filter_map(|t| layer.projection(t)?.lora.as_ref()))
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
			for target in TARGETS {
				if let Some(delta) = layer.projection(target).and_then(|p| p.lora.clone()) {
					adapter.deltas.insert((l, target.to_owned()), delta);
				}
			}
		}
		adapter
	}

	/// Removes every LoRA delta.
	pub fn clear_lora(&mut self) {
		for layer in &mut self.layers {
			for target in super::lora::TARGETS {
				if let Some(p) = layer.projection_mut(target) {
					p.lora = None;
				}
			}
		}
	}

	/// Feeds `tokens` after what `cache` holds; returns the final-normed hidden states `(tokens, dim)`.
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
		blocked: Option<std::ops::Range<usize>>,
	) -> candle::Result<Tensor> {
		self.run(tokens, cache, blocked, Ops::Fast)
	}

	/// As [`Llama::forward`] from an empty cache, with operations that have gradients, so a loss on the result
	/// can be back-propagated into the LoRA deltas' variables (fine-tuning, influence gradients). Slower.
	///
	/// # Errors
	/// Tensor failures, or a context overflow.
	pub fn forward_differentiable(&self, tokens: &[u32]) -> candle::Result<Tensor> {
		self.run(tokens, &mut KvCache::default(), None, Ops::Differentiable)
	}

	fn run(
		&self,
		tokens: &[u32],
		cache: &mut KvCache,
		blocked: Option<std::ops::Range<usize>>,
		ops: Ops,
	) -> candle::Result<Tensor> {
		let seq = tokens.len();
		let offset = cache.len;
		if offset.saturating_add(seq) > self.config.context {
			candle::bail!("context overflow: {} + {seq} > {}", offset, self.config.context);
		}
		if cache.layers.is_empty() {
			cache.layers = vec![None; self.layers.len()];
		}
		let ids = Tensor::new(tokens, &Device::Cpu)?;
		let mut x = self.embeddings.index_select(&ids, 0)?.unsqueeze(0)?;
		let mask = if seq > 1 || blocked.is_some() { Some(causal_mask(seq, offset, blocked)?) } else { None };
		let cos = self.cos.narrow(0, offset, seq)?;
		let sin = self.sin.narrow(0, offset, seq)?;
		let eps = self.config.rms_eps as f32;
		for (layer, slot) in self.layers.iter().zip(cache.layers.iter_mut()) {
			let residual = x.clone();
			let h = ops.rms_norm(&x, &layer.attn_norm, eps)?;
			let h = self.attention(layer, &h, mask.as_ref(), &cos, &sin, slot, ops)?;
			x = (h + residual)?;
			let residual = x.clone();
			let h = ops.rms_norm(&x, &layer.ffn_norm, eps)?;
			let gate = candle_nn::ops::silu(&layer.ffn_gate.forward(&h)?)?;
			let h = layer.ffn_down.forward(&(gate * layer.ffn_up.forward(&h)?)?)?;
			x = (h + residual)?;
		}
		cache.len = offset.saturating_add(seq);
		ops.rms_norm(&x, &self.norm, eps)?.squeeze(0)
	}

	/// Projects hidden rows `(n, dim)` to vocabulary logits `(n, vocab)`.
	pub fn logits(&self, hidden: &Tensor) -> candle::Result<Tensor> {
		self.output.forward(hidden)
	}

	#[allow(clippy::too_many_arguments)]
	fn attention(
		&self,
		layer: &Layer,
		x: &Tensor,
		mask: Option<&Tensor>,
		cos: &Tensor,
		sin: &Tensor,
		slot: &mut Option<(Tensor, Tensor)>,
		ops: Ops,
	) -> candle::Result<Tensor> {
		let (q, k, v) = (layer.attn_q.forward(x)?, layer.attn_k.forward(x)?, layer.attn_v.forward(x)?);
		let y = self.attend(&q, &k, &v, mask, cos, sin, slot, ops)?;
		layer.attn_output.forward(&y)
	}

	/// Multi-head attention of projected `q`, `k`, `v` `(b, seq, ·)` over the cached and new positions;
	/// appends the new keys and values to `slot`. Returns `(b, seq, dim)`, before the output projection.
	#[allow(clippy::too_many_arguments)]
	fn attend(
		&self,
		q: &Tensor,
		k: &Tensor,
		v: &Tensor,
		mask: Option<&Tensor>,
		cos: &Tensor,
		sin: &Tensor,
		slot: &mut Option<(Tensor, Tensor)>,
		ops: Ops,
	) -> candle::Result<Tensor> {
		let c = &self.config;
		let (b, seq, _) = q.dims3()?;
		let q = q.reshape((b, seq, c.n_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
		let k = k.reshape((b, seq, c.n_kv_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
		let v = v.reshape((b, seq, c.n_kv_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
		let (q, k) = (ops.rope(&q, cos, sin, c.rope_neox)?, ops.rope(&k, cos, sin, c.rope_neox)?);
		let (k, v) = match slot.as_ref() {
			Some((pk, pv)) => (Tensor::cat(&[pk, &k], 2)?, Tensor::cat(&[pv, &v], 2)?),
			None => (k, v),
		};
		*slot = Some((k.clone(), v.clone()));
		let rep = c.n_head.checked_div(c.n_kv_head).unwrap_or(1);
		let k = candle_transformers::utils::repeat_kv(k, rep)?.contiguous()?;
		let v = candle_transformers::utils::repeat_kv(v, rep)?.contiguous()?;
		#[allow(clippy::cast_precision_loss)]
		let scale = 1.0 / (c.head_dim as f64).sqrt();
		let att = (q.matmul(&k.t()?)? * scale)?;
		let att = match mask {
			Some(m) => att.broadcast_add(m)?,
			None => att,
		};
		let att = ops.softmax_last_dim(&att)?;
		att.matmul(&v)?.transpose(1, 2)?.reshape((b, seq, c.dim))
	}

	/// One decoding step for several sequences at once, each with its own model — clones of this base that
	/// may carry different adapters — and its own cache: `models[i]` feeds `tokens[i]` after `caches[i]`.
	/// Every projection multiplies the base weight once for all rows, then adds each adapter's low-rank delta
	/// to the rows that use it (rows grouped by adapter, as in S-LoRA and Punica); attention runs per row.
	/// Returns the final-normed hidden states `(rows, dim)`, row `i` equal (up to float summation order) to
	/// what `models[i].forward(&[tokens[i]], &mut caches[i])` returns.
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
		for cache in caches.iter_mut() {
			if cache.len >= first.config.context {
				candle::bail!("context overflow: {} + 1 > {}", cache.len, first.config.context);
			}
			if cache.layers.is_empty() {
				cache.layers = vec![None; first.layers.len()];
			}
		}
		let groups = RowGroups::of(models)?;
		let ids = Tensor::new(tokens, &Device::Cpu)?;
		let mut x = first.embeddings.index_select(&ids, 0)?.unsqueeze(1)?;
		let eps = first.config.rms_eps as f32;
		let project = |layer: usize, target: &str, x: &Tensor| -> candle::Result<Tensor> {
			let Some(base) = first.layers.get(layer).and_then(|l| l.projection(target)) else {
				candle::bail!("no projection blk.{layer}.{target}")
			};
			let mut y = base.base.forward(x)?;
			for (model, rows) in &groups.0 {
				let delta = models.get(*model).and_then(|m| m.layers.get(layer)?.projection(target)?.lora.as_ref());
				if let Some(delta) = delta {
					y = y.index_add(rows, &delta.apply(&x.index_select(rows, 0)?)?, 0)?;
				}
			}
			Ok(y)
		};
		for (l, layer) in first.layers.iter().enumerate() {
			let residual = x.clone();
			let h = Ops::Fast.rms_norm(&x, &layer.attn_norm, eps)?;
			let (q, k, v) = (project(l, "attn_q", &h)?, project(l, "attn_k", &h)?, project(l, "attn_v", &h)?);
			let mut rows = Vec::with_capacity(caches.len());
			for (i, cache) in caches.iter_mut().enumerate() {
				let (cos, sin) = (first.cos.narrow(0, cache.len, 1)?, first.sin.narrow(0, cache.len, 1)?);
				let slot = cache.layers.get_mut(l).ok_or_else(|| candle::Error::msg("cache without layer"))?;
				let (qi, ki, vi) = (q.narrow(0, i, 1)?, k.narrow(0, i, 1)?, v.narrow(0, i, 1)?);
				rows.push(first.attend(&qi, &ki, &vi, None, &cos, &sin, slot, Ops::Fast)?);
			}
			let h = project(l, "attn_output", &Tensor::cat(&rows, 0)?)?;
			x = (h + residual)?;
			let residual = x.clone();
			let h = Ops::Fast.rms_norm(&x, &layer.ffn_norm, eps)?;
			let gate = candle_nn::ops::silu(&project(l, "ffn_gate", &h)?)?;
			let h = project(l, "ffn_down", &(gate * project(l, "ffn_up", &h)?)?)?;
			x = (h + residual)?;
		}
		for cache in caches.iter_mut() {
			cache.len = cache.len.saturating_add(1);
		}
		Ops::Fast.rms_norm(&x, &first.norm, eps)?.squeeze(1)
	}
}

/// The rows of a batch grouped by model (the same `&Llama` ⇒ the same adapter): `(index of the group's first
/// model, row indices)`.
struct RowGroups(Vec<(usize, Tensor)>);

impl RowGroups {
	fn of(models: &[&Llama]) -> candle::Result<Self> {
		let mut groups: Vec<(usize, Vec<u32>)> = Vec::new();
		for (row, model) in models.iter().enumerate() {
			let row = u32::try_from(row).map_err(candle::Error::wrap)?;
			match groups.iter_mut().find(|(first, _)| models.get(*first).is_some_and(|m| std::ptr::eq(*m, *model))) {
				Some((_, rows)) => rows.push(row),
				None => groups.push((usize::try_from(row).map_err(candle::Error::wrap)?, vec![row])),
			}
		}
		let groups = groups
			.into_iter()
			.map(|(first, rows)| Ok((first, Tensor::new(rows.as_slice(), &Device::Cpu)?)))
			.collect::<candle::Result<_>>()?;
		Ok(Self(groups))
	}
}

/// Which kernels the forward pass uses: candle's fused ones (no gradients), or compositions of primitive
/// operations that candle can differentiate.
#[derive(Clone, Copy, Debug)]
enum Ops {
	Fast,
	Differentiable,
}

impl Ops {
	fn rms_norm(self, x: &Tensor, alpha: &Tensor, eps: f32) -> candle::Result<Tensor> {
		match self {
			Ops::Fast => candle_nn::ops::rms_norm(x, alpha, eps),
			Ops::Differentiable => candle_nn::ops::rms_norm_slow(x, alpha, eps),
		}
	}

	fn softmax_last_dim(self, x: &Tensor) -> candle::Result<Tensor> {
		match self {
			Ops::Fast => candle_nn::ops::softmax_last_dim(x),
			Ops::Differentiable => candle_nn::ops::softmax(x, D::Minus1),
		}
	}

	fn rope(self, x: &Tensor, cos: &Tensor, sin: &Tensor, neox: bool) -> candle::Result<Tensor> {
		use candle_nn::rotary_emb::{rope, rope_i, rope_i_slow, rope_slow};
		match (self, neox) {
			(Ops::Fast, true) => rope(x, cos, sin),
			(Ops::Fast, false) => rope_i(x, cos, sin),
			(Ops::Differentiable, true) => rope_slow(x, cos, sin),
			(Ops::Differentiable, false) => rope_i_slow(x, cos, sin),
		}
	}
}

/// Log-probabilities `(n, vocab)` of logits `(n, vocab)`, in f32.
pub fn log_softmax(logits: &Tensor) -> candle::Result<Tensor> {
	candle_nn::ops::log_softmax(&logits.to_dtype(DType::F32)?, D::Minus1)
}

/// Additive causal mask `(seq, offset + seq)`: 0 where a query may look, −∞ elsewhere (future positions and
/// the `blocked` ones).
fn causal_mask(seq: usize, offset: usize, blocked: Option<std::ops::Range<usize>>) -> candle::Result<Tensor> {
	let kv = offset.saturating_add(seq);
	let blocked = blocked.unwrap_or(0..0);
	let data: Vec<f32> = (0..seq)
		.flat_map(|i| {
			let blocked = blocked.clone();
			(0..kv).map(
				move |j| {
					if j > offset.saturating_add(i) || blocked.contains(&j) {
						f32::NEG_INFINITY
					} else {
						0.0
					}
				},
			)
		})
		.collect();
	Tensor::from_vec(data, (seq, kv), &Device::Cpu)
}

fn rope_tables(head_dim: usize, context: usize, base: f32, device: &Device) -> candle::Result<(Tensor, Tensor)> {
	#[allow(clippy::cast_precision_loss)]
	let theta: Vec<f32> = (0..head_dim).step_by(2).map(|i| 1f32 / base.powf(i as f32 / head_dim as f32)).collect();
	let n = theta.len();
	let theta = Tensor::from_vec(theta, (1, n), device)?;
	let positions = Tensor::arange(0u32, u32::try_from(context).unwrap_or(u32::MAX), device)?
		.to_dtype(DType::F32)?
		.reshape((context, 1))?;
	let angles = positions.matmul(&theta)?;
	Ok((angles.cos()?, angles.sin()?))
}
