//! The BERT encoder for sentence embeddings, in candle-transformers' style (after `models::bert`, same weight
//! names and configuration), with what the CPU needs to run it fast: the query, key and value projections as
//! one matmul, the fused last-dimension softmax, and the vectorised exact GELU ([`super::gelu`]).
//! Inference only: no dropout, no pooler, absolute positions.

use super::gelu::gelu_erf;
use candle::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::{Config, HiddenAct};

struct Embeddings {
	word: Embedding,
	position: Embedding,
	token_type: Embedding,
	norm: LayerNorm,
}

impl Embeddings {
	fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
		Ok(Self {
			word: embedding(config.vocab_size, config.hidden_size, vb.pp("word_embeddings"))?,
			position: embedding(config.max_position_embeddings, config.hidden_size, vb.pp("position_embeddings"))?,
			token_type: embedding(config.type_vocab_size, config.hidden_size, vb.pp("token_type_embeddings"))?,
			norm: layer_norm(config.hidden_size, config.layer_norm_eps, vb.pp("LayerNorm"))?,
		})
	}

	fn forward(&self, ids: &Tensor, token_types: &Tensor) -> Result<Tensor> {
		let (_, seq) = ids.dims2()?;
		let positions = Tensor::arange(0u32, u32::try_from(seq).map_err(candle::Error::wrap)?, ids.device())?;
		let x = (self.word.forward(ids)? + self.token_type.forward(token_types)?)?
			.broadcast_add(&self.position.forward(&positions)?)?;
		self.norm.forward(&x)
	}
}

struct Layer {
	/// Query, key and value stacked: `(3·hidden, hidden)`.
	qkv: Linear,
	attention_out: Linear,
	attention_norm: LayerNorm,
	intermediate: Linear,
	output: Linear,
	output_norm: LayerNorm,
	heads: usize,
	head_dim: usize,
}

impl Layer {
	fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
		let h = config.hidden_size;
		let attention = vb.pp("attention");
		let projections = ["query", "key", "value"]
			.iter()
			.map(|name| linear(h, h, attention.pp("self").pp(*name)))
			.collect::<Result<Vec<_>>>()?;
		let weight = Tensor::cat(&projections.iter().map(|p| p.weight().clone()).collect::<Vec<_>>(), 0)?;
		let bias = projections.iter().map(|p| p.bias().cloned()).collect::<Option<Vec<_>>>();
		let bias = bias.map(|b| Tensor::cat(&b, 0)).transpose()?;
		let heads = config.num_attention_heads;
		let head_dim = h
			.checked_div(heads)
			.filter(|d| *d > 0 && d.saturating_mul(heads) == h)
			.ok_or_else(|| candle::Error::msg(format!("hidden size {h} is not a multiple of {heads} heads")))?;
		Ok(Self {
			qkv: Linear::new(weight, bias),
			attention_out: linear(h, h, attention.pp("output").pp("dense"))?,
			attention_norm: layer_norm(h, config.layer_norm_eps, attention.pp("output").pp("LayerNorm"))?,
			intermediate: linear(h, config.intermediate_size, vb.pp("intermediate").pp("dense"))?,
			output: linear(config.intermediate_size, h, vb.pp("output").pp("dense"))?,
			output_norm: layer_norm(h, config.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
			heads,
			head_dim,
		})
	}

	/// `x`: `(batch, seq, hidden)`; `mask`: additive, `(batch, 1, 1, seq)`.
	fn forward(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
		let (b, seq, h) = x.dims3()?;
		// (batch, seq, 3, heads, head_dim) → three (batch, heads, seq, head_dim).
		let qkv = self.qkv.forward(x)?.reshape((b, seq, 3, self.heads, self.head_dim))?;
		let part = |i: usize| qkv.narrow(2, i, 1)?.squeeze(2)?.transpose(1, 2)?.contiguous();
		let (q, k, v) = (part(0)?, part(1)?, part(2)?);
		let scores = (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?.broadcast_add(mask)?;
		let probs = candle_nn::ops::softmax_last_dim(&scores)?;
		let context = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, seq, h))?;
		let attended = self.attention_norm.forward(&(self.attention_out.forward(&context)? + x)?)?;
		let inner = gelu_erf(&self.intermediate.forward(&attended)?)?;
		self.output_norm.forward(&(self.output.forward(&inner)? + attended)?)
	}
}

/// A BERT encoder: `(batch, seq)` token ids → `(batch, seq, hidden)` hidden states.
pub struct BertModel {
	embeddings: Embeddings,
	layers: Vec<Layer>,
}

impl BertModel {
	/// Loads the weights (`embeddings.*`, `encoder.layer.N.*`, optionally under `bert.`).
	///
	/// # Errors
	/// Missing or misshapen weights; an activation other than the exact GELU.
	pub fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
		if config.hidden_act != HiddenAct::Gelu {
			candle::bail!("only the exact GELU activation is supported, not {:?}", config.hidden_act);
		}
		let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") { vb.pp("bert") } else { vb };
		let layers = (0..config.num_hidden_layers)
			.map(|i| Layer::load(vb.pp("encoder").pp("layer").pp(i.to_string()), config))
			.collect::<Result<_>>()?;
		Ok(Self { embeddings: Embeddings::load(vb.pp("embeddings"), config)?, layers })
	}

	/// Hidden states of every token; `mask` is 1 for real tokens and 0 for padding.
	///
	/// # Errors
	/// Tensor shape errors.
	pub fn forward(&self, ids: &Tensor, token_types: &Tensor, mask: &Tensor) -> Result<Tensor> {
		let mut x = self.embeddings.forward(ids, token_types)?;
		// 0 where attended, the most negative f32 where padded (as transformers' extended attention mask).
		let mask = ((mask.ones_like()? - mask)?.to_dtype(DType::F32)? * f64::from(f32::MIN))?.unsqueeze(1)?.unsqueeze(1)?;
		for layer in &self.layers {
			x = layer.forward(&x, &mask)?;
		}
		Ok(x)
	}
}
