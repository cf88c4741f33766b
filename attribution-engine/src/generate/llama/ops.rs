//! The kernels of the forward pass, fast or differentiable, and the rotary tables.

use super::attention::Visibility;
use candle::{DType, Device, Tensor, D};

/// Which kernels the forward pass uses: candle's fused ones (no gradients), the same with attention's products in
/// bf16 (a model whose projections multiply in bf16, [`super::Llama::use_bf16_products`], over a prompt), or
/// compositions of primitive operations that candle can differentiate.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ops {
	Fast,
	Bf16(crate::Bf16Kernel),
	Differentiable,
}

impl Ops {
	/// Attention's batched products `(…, m, k) · (…, k, n)`.
	pub(super) fn matmul(self, a: &Tensor, b: &Tensor) -> candle::Result<Tensor> {
		match self {
			Ops::Bf16(kernel) => crate::matmul::bf16::batched(a, b, kernel),
			Ops::Fast | Ops::Differentiable => a.matmul(b),
		}
	}

	pub(super) fn rms_norm(self, x: &Tensor, alpha: &Tensor, eps: f32) -> candle::Result<Tensor> {
		match self {
			Ops::Fast | Ops::Bf16(_) => candle_nn::ops::rms_norm(x, alpha, eps),
			Ops::Differentiable => candle_nn::ops::rms_norm_slow(x, alpha, eps),
		}
	}

	/// Attention weights from raw scores `(b, kv_heads, groups · seq, keys)`: multiplied by `scale`, masked to the
	/// keys `seen` lets each query see, softmaxed over the keys. One pass on the fast paths.
	pub(super) fn attention_weights(self, scores: &Tensor, scale: f64, seen: &Visibility) -> candle::Result<Tensor> {
		match self {
			Ops::Fast | Ops::Bf16(_) => super::activations::attention_softmax(scores, scale, seen),
			Ops::Differentiable => candle_nn::ops::softmax(&seen.masked(&(scores * scale)?)?, D::Minus1),
		}
	}

	/// The SwiGLU feed-forward gate, `silu(gate) · up`.
	pub(super) fn swiglu(self, gate: &Tensor, up: &Tensor) -> candle::Result<Tensor> {
		match self {
			Ops::Fast | Ops::Bf16(_) => super::activations::swiglu(gate, up),
			Ops::Differentiable => candle_nn::ops::silu(gate)? * up,
		}
	}

	/// Rotary embedding of `x` `(b, heads, seq, head_dim)` on interleaved pairs, as llama's GGUF weights expect.
	pub(super) fn rope(self, x: &Tensor, cos: &Tensor, sin: &Tensor) -> candle::Result<Tensor> {
		match self {
			Ops::Fast | Ops::Bf16(_) => candle_nn::rotary_emb::rope_i(x, cos, sin),
			Ops::Differentiable => candle_nn::rotary_emb::rope_i_slow(x, cos, sin),
		}
	}
}

/// Cosines and sines `(context, head_dim / 2)` of the rotary embedding at every position.
pub(super) fn rope_tables(
	head_dim: usize,
	context: usize,
	base: f32,
	device: &Device,
) -> candle::Result<(Tensor, Tensor)> {
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
