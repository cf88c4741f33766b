//! One decoder layer: its weights, and the computation every decoding path shares.

use super::{ops::Ops, weight::BaseWeight, LoraTarget};
use crate::generate::lora::LoraDelta;
use candle::{
	quantized::{gguf_file, GgmlDType, QMatMul, QTensor},
	Device, Module, Tensor, D,
};
use rayon::prelude::*;
use std::{
	io::{Read, Seek},
	sync::Arc,
};

/// A projection: the (quantised or dense) base weight plus an optional LoRA delta.
#[derive(Clone, Debug)]
pub(super) struct Projection {
	pub(super) base: BaseWeight,
	/// The dense base weight again in Q8_0, for decoding steps ([`step_weights`]); `None` when the base is
	/// already quantised or its rows do not split into Q8_0 blocks.
	pub(super) step: Option<StepMatMul>,
	/// `(out, in)` of the base weight.
	pub(super) shape: (usize, usize),
	pub(super) lora: Option<LoraDelta>,
}

impl Projection {
	fn new(q: QTensor, dense: bool, device: &Device) -> candle::Result<Self> {
		let shape = q.shape().dims2()?;
		let (base, step) = if dense {
			let w = q.dequantize(device)?;
			(BaseWeight::dense(&w)?, step_weights(&w)?)
		} else {
			(BaseWeight::Quantized(QMatMul::from_arc(Arc::new(q))?), None)
		};
		Ok(Self { base, step, shape, lora: None })
	}

	/// `x` through the base weight alone: the Q8_0 copy for a decoding step when there is one.
	pub(super) fn base_forward(&self, x: &Tensor, step: bool) -> candle::Result<Tensor> {
		match (&self.step, step) {
			(Some(q8), true) => q8.forward(x),
			_ => self.base.forward(x),
		}
	}

	/// `x` through the base weight (the step copy for a decoding step) and this projection's own delta.
	pub(super) fn forward(&self, x: &Tensor, step: bool) -> candle::Result<Tensor> {
		let y = self.base_forward(x, step)?;
		match &self.lora {
			Some(delta) => y + delta.apply(x)?,
			None => Ok(y),
		}
	}
}

/// A dense weight `(out, in)` in Q8_0 (blocks of 32 int8 values with one scale: 1.06 bytes per weight against
/// f32's 4), for decoding steps. A step multiplies one row per sequence, so it reads every weight for little
/// arithmetic and its speed is memory bandwidth: a quarter of the bytes. candle's Q8_0 product quantises the
/// row to int8 too and sums exactly in integers per block, so the result does not depend on the CPU's SIMD width.
/// Prefill and scoring keep the f32 weights (their many rows make them compute-bound, where the f32 GEMM is
/// faster and exact). `None` when `in` is not a whole number of blocks.
pub(super) fn step_weights(w: &Tensor) -> candle::Result<Option<StepMatMul>> {
	let block = GgmlDType::Q8_0.block_size();
	if w.dim(1)? % block != 0 {
		return Ok(None);
	}
	StepMatMul::split(w, rayon::current_num_threads()).map(Some)
}

/// A Q8_0 weight split by output rows into one part per worker thread, so a decoding step's product runs its
/// parts in parallel on rayon's pool (candle's own element-wise pool, which its quantised products would use,
/// runs inline: [`crate::set_threads`]). Every output is the same per-row dot product whichever part holds the
/// row, so the result is bit-identical to the unsplit product.
#[derive(Clone, Debug)]
pub(super) struct StepMatMul {
	parts: Vec<QMatMul>,
}

impl StepMatMul {
	/// Rows per part are a multiple of this, so parts stay cache-line aligned in the output.
	const ROW_ALIGN: usize = 16;

	fn split(w: &Tensor, parts: usize) -> candle::Result<Self> {
		let rows = w.dim(0)?;
		let per_part = rows.div_ceil(parts.max(1)).next_multiple_of(Self::ROW_ALIGN).max(Self::ROW_ALIGN);
		let parts = (0..rows)
			.step_by(per_part)
			.map(|start| {
				let part = w.narrow(0, start, per_part.min(rows.saturating_sub(start)))?;
				// Into a tensor of its own: candle's quantiser reads the storage from its start, not the view.
				let part = Tensor::from_vec(part.flatten_all()?.to_vec1::<f32>()?, part.dims(), part.device())?;
				QMatMul::from_qtensor(QTensor::quantize(&part, GgmlDType::Q8_0)?)
			})
			.collect::<candle::Result<Vec<_>>>()?;
		Ok(Self { parts })
	}
}

impl Module for StepMatMul {
	fn forward(&self, x: &Tensor) -> candle::Result<Tensor> {
		match self.parts.as_slice() {
			[one] => one.forward(x),
			parts => {
				let outputs = parts.par_iter().map(|part| part.forward(x)).collect::<candle::Result<Vec<_>>>()?;
				Tensor::cat(&outputs, D::Minus1)
			},
		}
	}
}

/// What differs between decoding one sequence and decoding one new token for each of several sequences: the
/// LoRA deltas a projection adds to which rows, and the cache each row attends over. A layer's other steps
/// (norms, MLP, residuals) are [`DecoderLayer::forward`]'s, shared by both.
pub(super) trait Rows {
	/// `x` through projection `target` of layer `index`, whose base weights `layer` holds.
	fn project(&self, index: usize, layer: &DecoderLayer, target: LoraTarget, x: &Tensor) -> candle::Result<Tensor>;

	/// Attention of layer `index`'s projected `q`, `k`, `v` over each row's cached and new positions
	/// (appending the new keys and values to the caches), before the output projection.
	fn attend(&mut self, index: usize, q: &Tensor, k: &Tensor, v: &Tensor, ops: Ops) -> candle::Result<Tensor>;
}

/// The weights of one decoder layer.
#[derive(Clone, Debug)]
pub(super) struct DecoderLayer {
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

impl DecoderLayer {
	/// Reads layer `index` (`blk.{index}.*`); with `dense`, projections are dequantised to f32.
	pub(super) fn load<R: Seek + Read>(
		ct: &gguf_file::Content,
		r: &mut R,
		index: usize,
		dense: bool,
		device: &Device,
	) -> candle::Result<Self> {
		let mut get = |name: &str| ct.tensor(r, &format!("blk.{index}.{name}.weight"), device);
		let attn_norm = get("attn_norm")?.dequantize(device)?;
		let ffn_norm = get("ffn_norm")?.dequantize(device)?;
		let mut projection = |target: LoraTarget| Projection::new(get(target.gguf_name())?, dense, device);
		Ok(Self {
			attn_q: projection(LoraTarget::AttnQ)?,
			attn_k: projection(LoraTarget::AttnK)?,
			attn_v: projection(LoraTarget::AttnV)?,
			attn_output: projection(LoraTarget::AttnOutput)?,
			ffn_gate: projection(LoraTarget::FfnGate)?,
			ffn_up: projection(LoraTarget::FfnUp)?,
			ffn_down: projection(LoraTarget::FfnDown)?,
			attn_norm,
			ffn_norm,
		})
	}

	pub(super) fn projection(&self, target: LoraTarget) -> &Projection {
		match target {
			LoraTarget::AttnQ => &self.attn_q,
			LoraTarget::AttnK => &self.attn_k,
			LoraTarget::AttnV => &self.attn_v,
			LoraTarget::AttnOutput => &self.attn_output,
			LoraTarget::FfnGate => &self.ffn_gate,
			LoraTarget::FfnUp => &self.ffn_up,
			LoraTarget::FfnDown => &self.ffn_down,
		}
	}

	pub(super) fn projection_mut(&mut self, target: LoraTarget) -> &mut Projection {
		match target {
			LoraTarget::AttnQ => &mut self.attn_q,
			LoraTarget::AttnK => &mut self.attn_k,
			LoraTarget::AttnV => &mut self.attn_v,
			LoraTarget::AttnOutput => &mut self.attn_output,
			LoraTarget::FfnGate => &mut self.ffn_gate,
			LoraTarget::FfnUp => &mut self.ffn_up,
			LoraTarget::FfnDown => &mut self.ffn_down,
		}
	}

	/// Layer `index` on `x`: `x + attention(norm(x))`, then `+ mlp(norm(·))`, with projections and attention
	/// as `rows` runs them.
	pub(super) fn forward(
		&self,
		index: usize,
		x: &Tensor,
		rows: &mut impl Rows,
		eps: f32,
		ops: Ops,
	) -> candle::Result<Tensor> {
		let h = ops.rms_norm(x, &self.attn_norm, eps)?;
		let q = rows.project(index, self, LoraTarget::AttnQ, &h)?;
		let k = rows.project(index, self, LoraTarget::AttnK, &h)?;
		let v = rows.project(index, self, LoraTarget::AttnV, &h)?;
		let y = rows.attend(index, &q, &k, &v, ops)?;
		let x = (rows.project(index, self, LoraTarget::AttnOutput, &y)? + x)?;
		let h = ops.rms_norm(&x, &self.ffn_norm, eps)?;
		let gate = rows.project(index, self, LoraTarget::FfnGate, &h)?;
		let up = rows.project(index, self, LoraTarget::FfnUp, &h)?;
		let h = rows.project(index, self, LoraTarget::FfnDown, &ops.swiglu(&gate, &up)?)?;
		h + x
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_step_weight_split_into_parts_multiplies_bit_for_bit_as_one() {
		let device = Device::Cpu;
		let w = Tensor::randn(0f32, 1.0, (100, 64), &device).unwrap();
		let whole = StepMatMul::split(&w, 1).unwrap();
		let split = StepMatMul::split(&w, 3).unwrap();
		assert_eq!((whole.parts.len(), split.parts.len()), (1, 3));
		for shape in [vec![2, 64], vec![1, 1, 64]] {
			let x = Tensor::randn(0f32, 1.0, shape, &device).unwrap();
			let (a, b) = (whole.forward(&x).unwrap(), split.forward(&x).unwrap());
			assert_eq!(a.dims(), b.dims());
			let bits = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
			assert_eq!(bits(&a), bits(&b));
		}
	}
}
