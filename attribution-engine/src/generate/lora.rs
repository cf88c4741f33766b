//! LoRA adapters: a low-rank update `W x + (alpha / r) · B (A x)` on chosen projections.
//!
//! An adapter is a safetensors file whose tensors are named `blk.{layer}.{target}.lora_a` (`r × in`) and
//! `blk.{layer}.{target}.lora_b` (`out × r`), with `alpha` and `rank` in its metadata; targets are the GGUF
//! projection names (`attn_q`, `attn_k`, `attn_v`, `attn_output`, `ffn_gate`, `ffn_up`, `ffn_down`).

use crate::error::{Result, WorkerError};
use candle::{Device, Tensor};
use std::{collections::BTreeMap, path::Path};

/// The projections a LoRA adapter may target, by GGUF name.
pub const TARGETS: [&str; 7] = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

/// One low-rank update.
#[derive(Clone, Debug)]
pub struct LoraDelta {
	/// `r × in`
	pub a: Tensor,
	/// `out × r`
	pub b: Tensor,
	/// `alpha / r`
	pub scale: f64,
}

impl LoraDelta {
	/// `scale · (x Aᵀ) Bᵀ` for `x` of shape `(…, in)`.
	pub fn apply(&self, x: &Tensor) -> candle::Result<Tensor> {
		let down = x.broadcast_matmul(&self.a.t()?)?;
		down.broadcast_matmul(&self.b.t()?)? * self.scale
	}
}

/// A loaded adapter: deltas keyed by `(layer, target)`.
#[derive(Clone, Debug, Default)]
pub struct LoraAdapter {
	pub deltas: BTreeMap<(usize, String), LoraDelta>,
}

impl LoraAdapter {
	/// Writes the adapter as [`LoraAdapter::load`] reads it: f32 tensors, `alpha` and `rank` in the metadata
	/// next to `extra` entries (base model, DataNet version, …).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for an empty adapter; [`WorkerError::InvalidModel`] naming the file if it
	/// cannot be written.
	pub fn save(&self, path: &Path, alpha: f64, extra: &BTreeMap<String, String>) -> Result<()> {
		let invalid = |message: String| WorkerError::InvalidModel { path: path.to_path_buf(), message };
		let rank = self
			.deltas
			.values()
			.next()
			.map(|d| d.a.dims2().map(|(r, _)| r))
			.transpose()?
			.ok_or_else(|| WorkerError::InvalidInput("an adapter without deltas".into()))?;
		let mut tensors = Vec::with_capacity(self.deltas.len().saturating_mul(2));
		for ((layer, target), delta) in &self.deltas {
			tensors.push((format!("blk.{layer}.{target}.lora_a"), delta.a.to_dtype(candle::DType::F32)?));
			tensors.push((format!("blk.{layer}.{target}.lora_b"), delta.b.to_dtype(candle::DType::F32)?));
		}
		let mut metadata: std::collections::HashMap<String, String> = extra.clone().into_iter().collect();
		metadata.insert("alpha".into(), alpha.to_string());
		metadata.insert("rank".into(), rank.to_string());
		safetensors::tensor::serialize_to_file(tensors, Some(metadata), path).map_err(|e| invalid(e.to_string()))
	}

	/// Reads an adapter file.
	///
	/// # Errors
	/// [`WorkerError::InvalidModel`] naming the file when tensors are missing, unpaired or mis-shaped.
	pub fn load(path: &Path) -> Result<Self> {
		let bytes = std::fs::read(path)
			.map_err(|e| WorkerError::InvalidModel { path: path.to_path_buf(), message: e.to_string() })?;
		Self::from_bytes(&bytes, path)
	}

	/// Reads an adapter from the bytes of its file; errors name `origin`.
	///
	/// # Errors
	/// As [`LoraAdapter::load`].
	pub fn from_bytes(bytes: &[u8], origin: &Path) -> Result<Self> {
		let invalid = |message: String| WorkerError::InvalidModel { path: origin.to_path_buf(), message };
		let tensors = candle::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| invalid(e.to_string()))?;
		let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| invalid(e.to_string()))?;
		let meta = header.metadata().clone().unwrap_or_default();
		let alpha: f64 =
			meta.get("alpha").and_then(|v| v.parse().ok()).ok_or_else(|| invalid("metadata lacks alpha".into()))?;
		let mut deltas = BTreeMap::new();
		for (name, a) in &tensors {
			let Some(stem) = name.strip_suffix(".lora_a") else {
				continue;
			};
			let b = tensors.get(&format!("{stem}.lora_b")).ok_or_else(|| invalid(format!("{stem}.lora_b missing")))?;
			let mut parts = stem.splitn(3, '.');
			let (Some("blk"), Some(layer), Some(target)) = (parts.next(), parts.next(), parts.next()) else {
				return Err(invalid(format!("tensor {name} is not blk.<layer>.<target>.lora_a")));
			};
			let layer: usize = layer.parse().map_err(|_| invalid(format!("bad layer in {name}")))?;
			if !TARGETS.contains(&target) {
				return Err(invalid(format!("unknown LoRA target {target}")));
			}
			let (r, _) = a.dims2().map_err(|e| invalid(e.to_string()))?;
			let (_, rb) = b.dims2().map_err(|e| invalid(e.to_string()))?;
			if r != rb || r == 0 {
				return Err(invalid(format!("{stem}: rank of A ({r}) and B ({rb}) differ")));
			}
			#[allow(clippy::cast_precision_loss)]
			let scale = alpha / r as f64;
			deltas.insert((layer, target.to_owned()), LoraDelta { a: a.clone(), b: b.clone(), scale });
		}
		if deltas.is_empty() {
			return Err(invalid("no LoRA tensors".into()));
		}
		Ok(Self { deltas })
	}
}
