//! The decoder's hyper-parameters, read once from GGUF metadata.

use candle::quantized::gguf_file;

/// Hyper-parameters of a llama decoder (field names as in candle-transformers' `llama::Config`).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
	/// Width of the residual stream (`llama.embedding_length`).
	pub hidden_size: usize,
	/// Query heads (`llama.attention.head_count`).
	pub num_attention_heads: usize,
	/// Key and value heads (`llama.attention.head_count_kv`): fewer than the query heads is grouped-query
	/// attention.
	pub num_key_value_heads: usize,
	/// Decoder layers (`llama.block_count`).
	pub num_hidden_layers: usize,
	/// Tokens in the vocabulary (rows of `token_embd.weight`).
	pub vocab_size: usize,
	/// Longest sequence the model reads, prompt and answer together (`llama.context_length`).
	pub max_position_embeddings: usize,
	/// Base of the rotary embedding's frequencies (`llama.rope.freq_base`, 10 000 when absent).
	pub rope_theta: f32,
	/// Epsilon of the RMS norms (`llama.attention.layer_norm_rms_epsilon`, 1e-5 when absent).
	pub rms_norm_eps: f64,
}

impl Config {
	/// Reads the hyper-parameters of a llama-architecture GGUF file from its header.
	///
	/// # Errors
	/// Another architecture, missing metadata, zero heads.
	pub fn from_gguf(ct: &gguf_file::Content) -> candle::Result<Self> {
		let arch =
			ct.metadata.get("general.architecture").and_then(|v| v.to_string().ok()).cloned().unwrap_or_default();
		if arch != "llama" {
			candle::bail!("architecture {arch:?} is not llama");
		}
		let count = |key: &str| -> candle::Result<usize> {
			let v = ct.metadata.get(key).ok_or_else(|| candle::Error::msg(format!("GGUF metadata lacks {key}")))?;
			Ok(v.to_u32()? as usize)
		};
		let float = |key: &str, default: f32| ct.metadata.get(key).and_then(|v| v.to_f32().ok()).unwrap_or(default);
		let embeddings = ct
			.tensor_infos
			.get("token_embd.weight")
			.ok_or_else(|| candle::Error::msg("GGUF file lacks token_embd.weight"))?;
		let (vocab_size, _) = embeddings.shape.dims2()?;
		let config = Self {
			hidden_size: count("llama.embedding_length")?,
			num_attention_heads: count("llama.attention.head_count")?,
			num_key_value_heads: count("llama.attention.head_count_kv")?,
			num_hidden_layers: count("llama.block_count")?,
			vocab_size,
			max_position_embeddings: count("llama.context_length")?,
			rope_theta: float("llama.rope.freq_base", 10_000.0),
			rms_norm_eps: f64::from(float("llama.attention.layer_norm_rms_epsilon", 1e-5)),
		};
		if config.num_attention_heads == 0 || config.num_key_value_heads == 0 {
			candle::bail!("zero heads");
		}
		Ok(config)
	}

	/// Width of one attention head.
	pub fn head_dim(&self) -> usize {
		self.hidden_size.checked_div(self.num_attention_heads).unwrap_or(0)
	}

	/// Query heads per key/value head.
	pub fn kv_groups(&self) -> usize {
		self.num_attention_heads.checked_div(self.num_key_value_heads).unwrap_or(1)
	}
}
