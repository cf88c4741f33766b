//! LoRA adapters: a low-rank update `W x + (alpha / r) · B (A x)` on chosen projections.
//!
//! An adapter is a safetensors file whose tensors are named `blk.{layer}.{target}.lora_a` (`r × in`) and
//! `blk.{layer}.{target}.lora_b` (`out × r`), with `alpha` and `rank` in its metadata; targets are the GGUF
//! projection names (`attn_q`, `attn_k`, `attn_v`, `attn_output`, `ffn_gate`, `ffn_up`, `ffn_down`).

use crate::error::{Result, WorkerError};
use candle::{Device, Tensor};
use std::{cmp::Ordering, collections::BTreeMap, fmt, path::Path, str::FromStr};

/// A projection of a decoder layer that a LoRA adapter may target. Files and configurations name it by its
/// GGUF name ([`LoraTarget::gguf_name`]): `blk.{layer}.{name}.weight` in the model, `blk.{layer}.{name}.lora_a`
/// in an adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoraTarget {
	AttnQ,
	AttnK,
	AttnV,
	AttnOutput,
	FfnGate,
	FfnUp,
	FfnDown,
}

impl LoraTarget {
	/// Every target, in the layer's order (attention, then MLP).
	pub const ALL: [Self; 7] =
		[Self::AttnQ, Self::AttnK, Self::AttnV, Self::AttnOutput, Self::FfnGate, Self::FfnUp, Self::FfnDown];

	/// The GGUF name (`attn_q`, …, `ffn_down`).
	pub const fn gguf_name(self) -> &'static str {
		match self {
			Self::AttnQ => "attn_q",
			Self::AttnK => "attn_k",
			Self::AttnV => "attn_v",
			Self::AttnOutput => "attn_output",
			Self::FfnGate => "ffn_gate",
			Self::FfnUp => "ffn_up",
			Self::FfnDown => "ffn_down",
		}
	}

	/// Every GGUF name, comma-separated (for messages).
	pub fn names() -> String {
		Self::ALL.map(Self::gguf_name).join(", ")
	}
}

impl fmt::Display for LoraTarget {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.gguf_name())
	}
}

impl FromStr for LoraTarget {
	type Err = UnknownLoraTarget;

	fn from_str(name: &str) -> std::result::Result<Self, Self::Err> {
		Self::ALL.into_iter().find(|t| t.gguf_name() == name).ok_or_else(|| UnknownLoraTarget(name.to_owned()))
	}
}

/// Targets order by GGUF name, as the string keys they replace did: maps keyed by target iterate in the same
/// order as before (the influence sketch lays gradients out in that order).
impl Ord for LoraTarget {
	fn cmp(&self, other: &Self) -> Ordering {
		self.gguf_name().cmp(other.gguf_name())
	}
}

impl PartialOrd for LoraTarget {
	fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
		Some(self.cmp(other))
	}
}

/// A name that is not a [`LoraTarget`]'s GGUF name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown LoRA target {0} (one of {names})", names = LoraTarget::names())]
pub struct UnknownLoraTarget(pub String);

impl From<UnknownLoraTarget> for WorkerError {
	fn from(e: UnknownLoraTarget) -> Self {
		WorkerError::InvalidInput(e.to_string())
	}
}

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
	pub deltas: BTreeMap<(usize, LoraTarget), LoraDelta>,
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
			let target: LoraTarget = target.parse().map_err(|e: UnknownLoraTarget| invalid(e.to_string()))?;
			let (r, _) = a.dims2().map_err(|e| invalid(e.to_string()))?;
			let (_, rb) = b.dims2().map_err(|e| invalid(e.to_string()))?;
			if r != rb || r == 0 {
				return Err(invalid(format!("{stem}: rank of A ({r}) and B ({rb}) differ")));
			}
			#[allow(clippy::cast_precision_loss)]
			let scale = alpha / r as f64;
			deltas.insert((layer, target), LoraDelta { a: a.clone(), b: b.clone(), scale });
		}
		if deltas.is_empty() {
			return Err(invalid("no LoRA tensors".into()));
		}
		Ok(Self { deltas })
	}
}
