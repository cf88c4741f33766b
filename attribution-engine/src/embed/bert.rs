//! The BERT encoder for sentence embeddings, in candle-transformers' style (after `models::bert`, same weight
//! names and configuration), with what the CPU needs to run it fast: the query, key and value projections as
//! one matmul, self-attention as one op over real tokens only ([`super::attention`]), and each projection's
//! bias fused into the op after it — the vectorised exact GELU ([`super::gelu`]) or the residual layer norm
//! ([`super::norm`]).
//! Inference only: no dropout, no pooler, absolute positions.

use super::{attention::SelfAttention, gelu::bias_gelu_erf, norm::ResidualNorm};
use crate::matmul::{projection, Threads};
use candle::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, Embedding, LayerNorm, VarBuilder};
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

/// A dense projection whose bias is added by the op after it (the attention, the GELU or the norm).
struct Dense {
	/// `(in, out)`: the stored `(out, in)` transposed, the layout gemm packs fastest ([`projection`]).
	weight: Tensor,
	bias: Tensor,
}

impl Dense {
	fn load(vb: &VarBuilder, inputs: usize, outputs: usize) -> Result<Self> {
		let weight = vb.get((outputs, inputs), "weight")?.t()?.contiguous()?;
		Ok(Self { weight, bias: vb.get(outputs, "bias")? })
	}

	/// `x · Wᵀ` for rows `x` of `(tokens, in)`, without the bias.
	fn product(&self, x: &Tensor) -> Result<Tensor> {
		projection(x, &self.weight, Threads::One)
	}
}

struct Layer {
	/// Query, key and value side by side: a `(hidden, 3·hidden)` weight.
	qkv: Dense,
	/// The stacked biases, read by the attention op.
	qkv_bias: Vec<f32>,
	attention_out: Dense,
	attention_norm: ResidualNorm,
	intermediate: Dense,
	output: Dense,
	output_norm: ResidualNorm,
	heads: usize,
	head_dim: usize,
}

impl Layer {
	fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
		let (h, eps) = (config.hidden_size, config.layer_norm_eps);
		let attention = vb.pp("attention");
		let projections = ["query", "key", "value"]
			.iter()
			.map(|name| Dense::load(&attention.pp("self").pp(*name), h, h))
			.collect::<Result<Vec<_>>>()?;
		let weight = Tensor::cat(&projections.iter().map(|p| p.weight.clone()).collect::<Vec<_>>(), 1)?;
		let bias = Tensor::cat(&projections.iter().map(|p| p.bias.clone()).collect::<Vec<_>>(), 0)?;
		let heads = config.num_attention_heads;
		let head_dim = h
			.checked_div(heads)
			.filter(|d| *d > 0 && d.saturating_mul(heads) == h)
			.ok_or_else(|| candle::Error::msg(format!("hidden size {h} is not a multiple of {heads} heads")))?;
		let norm = |vb: VarBuilder, before: &Dense| -> Result<ResidualNorm> {
			ResidualNorm::new(&before.bias, &vb.get(h, "weight")?, &vb.get(h, "bias")?, eps)
		};
		let attention_out = Dense::load(&attention.pp("output").pp("dense"), h, h)?;
		let output = Dense::load(&vb.pp("output").pp("dense"), config.intermediate_size, h)?;
		Ok(Self {
			qkv_bias: bias.to_vec1::<f32>()?,
			qkv: Dense { weight, bias },
			attention_norm: norm(attention.pp("output").pp("LayerNorm"), &attention_out)?,
			attention_out,
			intermediate: Dense::load(&vb.pp("intermediate").pp("dense"), h, config.intermediate_size)?,
			output_norm: norm(vb.pp("output").pp("LayerNorm"), &output)?,
			output,
			heads,
			head_dim,
		})
	}

	/// `x`: `(texts, seq, hidden)`; `lengths`: real tokens of each text (a prefix; the rest is padding).
	fn forward(&self, x: &Tensor, lengths: &[usize]) -> Result<Tensor> {
		let (b, seq, h) = x.dims3()?;
		let tokens = b.saturating_mul(seq);
		let rows = x.reshape((tokens, h))?;
		let qkv = self.qkv.product(&rows)?.reshape((b, seq, h.saturating_mul(3)))?;
		let attention = SelfAttention { bias: &self.qkv_bias, lengths, heads: self.heads, head_dim: self.head_dim };
		let context = qkv.apply_op1_no_bwd(&attention)?.reshape((tokens, h))?;
		let attended = self.attention_norm.forward(&self.attention_out.product(&context)?, &rows)?;
		let inner = bias_gelu_erf(&self.intermediate.product(&attended)?, &self.intermediate.bias)?;
		self.output_norm.forward(&self.output.product(&inner)?, &attended)?.reshape((b, seq, h))
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

	/// Hidden states of every token; `mask` is 1 for real tokens and 0 for padding, which must come after
	/// them (the tokenizer pads on the right). Padded positions come out as the norm of zeros: ignore them.
	///
	/// # Errors
	/// Tensor shape errors; a mask whose padding is not a suffix.
	pub fn forward(&self, ids: &Tensor, token_types: &Tensor, mask: &Tensor) -> Result<Tensor> {
		let lengths = prefix_lengths(mask)?;
		let mut x = self.embeddings.forward(ids, token_types)?;
		for layer in &self.layers {
			x = layer.forward(&x, &lengths)?;
		}
		Ok(x)
	}
}

/// The real tokens of each row of a `(texts, seq)` mask of 1s followed by 0s.
fn prefix_lengths(mask: &Tensor) -> Result<Vec<usize>> {
	mask.to_dtype(DType::U32)?
		.to_vec2::<u32>()?
		.iter()
		.map(|row| {
			let length = row.iter().take_while(|&&m| m != 0).count();
			match row.get(length..).is_some_and(|rest| rest.iter().all(|&m| m == 0)) {
				true => Ok(length),
				false => Err(candle::Error::msg("attention mask: padding must follow the real tokens")),
			}
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::Device;

	#[test]
	fn lengths_are_read_from_suffix_padded_masks_and_other_masks_are_refused() {
		let dev = Device::Cpu;
		let mask = Tensor::new(&[[1u32, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], &dev).unwrap();
		assert_eq!(prefix_lengths(&mask).unwrap(), vec![3, 1, 4]);
		let left_padded = Tensor::new(&[[0u32, 1, 1, 1]], &dev).unwrap();
		assert!(prefix_lengths(&left_padded).is_err());
		let holes = Tensor::new(&[[1u32, 0, 1, 0]], &dev).unwrap();
		assert!(prefix_lengths(&holes).is_err());
	}
}
