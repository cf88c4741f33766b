//! Sentence embeddings with a BERT encoder (all-MiniLM-L6-v2): mean pooling over real tokens, then L2 norm —
//! the recipe sentence-transformers uses, so vectors agree with it (checked against a committed fixture).

mod attention;
mod bert;
pub mod gelu;
mod norm;

use crate::{
	error::{tokenizer_error, Result, WorkerError},
	models::EmbedderFiles,
};
use candle::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use bert::BertModel;
use candle_transformers::models::bert::Config;
use rayon::prelude::*;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2 (word pieces, [CLS] and [SEP] included).
pub const DEFAULT_MAX_TOKENS: usize = 256;
/// Texts per forward pass; texts are sorted by length first so a batch carries little padding.
pub const DEFAULT_BATCH: usize = 32;

/// The embedder's word-piece tokenizer alone (hash verified), without the weights: what chunking needs
/// ([`crate::chunk::chunk_text`] clears its truncation and padding).
///
/// # Errors
/// A missing or corrupt file ([`WorkerError::MissingFile`], [`WorkerError::HashMismatch`]), or one that is not a
/// tokenizer ([`WorkerError::InvalidModel`]).
pub fn load_tokenizer(files: &EmbedderFiles) -> Result<Tokenizer> {
	let path = files.tokenizer.verified()?;
	Tokenizer::from_file(path).map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })
}

/// A loaded sentence embedder.
pub struct Embedder {
	model: BertModel,
	tokenizer: Tokenizer,
	device: Device,
	config: Config,
	dim: usize,
	max_tokens: usize,
	batch: usize,
}

impl Embedder {
	/// Loads config, tokenizer and weights, verifying pinned hashes first.
	///
	/// # Errors
	/// Missing or corrupt files ([`WorkerError::MissingFile`], [`WorkerError::HashMismatch`]), or files that
	/// do not describe a BERT model ([`WorkerError::InvalidModel`]).
	pub fn load(files: &EmbedderFiles) -> Result<Self> {
		let config_path = files.config.verified()?;
		let config: Config = std::fs::read(config_path)
			.map_err(|e| e.to_string())
			.and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
			.map_err(|message| WorkerError::InvalidModel { path: config_path.to_path_buf(), message })?;
		let tokenizer_path = files.tokenizer.verified()?;
		let mut tokenizer = Tokenizer::from_file(tokenizer_path)
			.map_err(|e| WorkerError::InvalidModel { path: tokenizer_path.to_path_buf(), message: e.to_string() })?;
		let weights_path = files.weights.verified()?;
		let device = Device::Cpu;
		// SAFETY: the file is memory-mapped read-only; it was just verified and is not modified while mapped.
		let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights_path], DType::F32, &device) }
			.map_err(|e| WorkerError::InvalidModel { path: weights_path.to_path_buf(), message: e.to_string() })?;
		let model = BertModel::load(vb, &config)
			.map_err(|e| WorkerError::InvalidModel { path: weights_path.to_path_buf(), message: e.to_string() })?;
		let max_tokens = DEFAULT_MAX_TOKENS.min(config.max_position_embeddings);
		tokenizer
			.with_truncation(Some(TruncationParams { max_length: max_tokens, ..Default::default() }))
			.map_err(tokenizer_error)?;
		tokenizer.with_padding(Some(PaddingParams {
			strategy: PaddingStrategy::BatchLongest,
			pad_id: u32::try_from(config.pad_token_id).unwrap_or(0),
			..Default::default()
		}));
		Ok(Self { model, tokenizer, device, dim: config.hidden_size, config, max_tokens, batch: DEFAULT_BATCH })
	}

	/// The encoder's hyper-parameters (`config.json`).
	pub fn config(&self) -> &Config {
		&self.config
	}

	/// Width of the vectors.
	pub fn dim(&self) -> usize {
		self.dim
	}

	/// Longest input in word pieces; longer texts are truncated, as sentence-transformers does.
	pub fn max_tokens(&self) -> usize {
		self.max_tokens
	}

	/// Sets the number of texts per forward pass (at least 1).
	pub fn with_batch(mut self, batch: usize) -> Self {
		self.batch = batch.max(1);
		self
	}

	/// The word-piece tokenizer (truncation and padding configured), used by the chunker too.
	pub fn tokenizer(&self) -> &Tokenizer {
		&self.tokenizer
	}

	/// Embeds texts, returning one unit-length vector per text, in input order.
	///
	/// Texts are grouped by length into batches; the result for a text does not depend on which other texts
	/// are in the call only up to float rounding of the padded batch (see [`Embedder::embed_one`]).
	///
	/// # Errors
	/// Tokenizer or tensor failures.
	pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
		let mut order: Vec<usize> = (0..texts.len()).collect();
		order.sort_by_key(|&i| (texts.get(i).map_or(0, |t| t.len()), i));
		// Batches run in parallel, one per core: candle's kernels for small BERT batches leave cores idle, and
		// inside a pool thread each batch runs single-threaded, so a batch's result never depends on the
		// thread count. Results are written back in input order.
		let groups: Vec<&[usize]> = order.chunks(self.batch).collect();
		let vectors = groups
			.par_iter()
			.map(|group| {
				let batch: Vec<&str> = group.iter().filter_map(|&i| texts.get(i).copied()).collect();
				self.embed_batch(&batch)
			})
			.collect::<Result<Vec<_>>>()?;
		let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
		for (group, vs) in groups.iter().zip(vectors) {
			for (&i, v) in group.iter().zip(vs) {
				if let Some(slot) = out.get_mut(i) {
					*slot = v;
				}
			}
		}
		Ok(out)
	}

	/// Embeds one text on its own (no padding): what validators use for queries, so it is reproducible.
	///
	/// # Errors
	/// Tokenizer or tensor failures.
	pub fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
		// Run on the pool like `embed`, so a text embedded alone and in a batch goes through the same kernels.
		let mut result = None;
		rayon::scope(|s| s.spawn(|_| result = Some(self.embed_batch(&[text]))));
		result.unwrap_or_else(|| Ok(Vec::new()))?.pop().ok_or_else(|| WorkerError::InvalidInput("no embedding".into()))
	}

	/// One forward pass over a batch.
	fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
		if texts.is_empty() {
			return Ok(Vec::new());
		}
		let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(tokenizer_error)?;
		let ids: Vec<Tensor> =
			encodings.iter().map(|e| Tensor::new(e.get_ids(), &self.device)).collect::<candle::Result<_>>()?;
		let masks: Vec<Tensor> = encodings
			.iter()
			.map(|e| Tensor::new(e.get_attention_mask(), &self.device))
			.collect::<candle::Result<_>>()?;
		let ids = Tensor::stack(&ids, 0)?;
		let mask = Tensor::stack(&masks, 0)?;
		let token_types = ids.zeros_like()?;
		let hidden = self.model.forward(&ids, &token_types, &mask)?;
		let pooled = mean_pool(&hidden, &mask)?;
		let normalised = l2_normalise(&pooled)?;
		Ok(normalised.to_vec2::<f32>()?)
	}
}

/// Mean of the hidden states of real (unmasked) tokens: `(batch, seq, dim)` → `(batch, dim)`.
pub fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle::Result<Tensor> {
	let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
	let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
	let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
	summed.broadcast_div(&counts)
}

/// Rows scaled to unit L2 norm (rows of zeros stay zero).
pub fn l2_normalise(x: &Tensor) -> candle::Result<Tensor> {
	let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
	x.broadcast_div(&norm)
}
