//! BERT's self-attention as one CPU op over the fused query-key-value projection: for every text and head,
//! `softmax(q·kᵀ / √d) · v` over the text's real tokens only, written straight into the `(text, token, hidden)`
//! layout the next projection reads. candle's path — split and copy q, k and v, multiply, scale, add the
//! padding mask, softmax, transpose and copy back — makes eight passes over tensors of up to
//! `heads × seq²` elements, each a fresh allocation; here the per-head blocks stay in the cache and the
//! padded keys and queries are never computed (their rows stay 0; pooling ignores them and nothing real
//! attends to them). Products are gemm's (as candle's); the softmax is [`crate::simd`]'s.

use crate::{
	matmul::{product, Threads},
	simd::{contiguous, scaled_softmax_prefix},
};
use candle::{CpuStorage, CustomOp1, Layout, Shape};
use rayon::prelude::*;

/// Self-attention of a batch: input `(texts, seq, 3·hidden)` (queries, keys, values, each `heads × head_dim`,
/// before their bias), output `(texts, seq, hidden)`.
pub(super) struct SelfAttention<'a> {
	/// The stacked query, key and value biases (`3·hidden`).
	pub bias: &'a [f32],
	/// Real tokens of each text (its first `length` positions; the rest is padding).
	pub lengths: &'a [usize],
	pub heads: usize,
	pub head_dim: usize,
}

impl CustomOp1 for SelfAttention<'_> {
	fn name(&self) -> &'static str {
		"bert-self-attention"
	}

	fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let qkv = contiguous(storage, layout, "attention")?;
		let (texts, seq, width) = layout.shape().dims3()?;
		let hidden = self.heads.saturating_mul(self.head_dim);
		if hidden == 0 || width != hidden.saturating_mul(3) || self.bias.len() != width || self.lengths.len() != texts {
			candle::bail!(
				"attention: {texts}×{seq}×{width} input, {} biases, {} lengths for {} heads of {}",
				self.bias.len(),
				self.lengths.len(),
				self.heads,
				self.head_dim
			);
		}
		// What `scores / √d` did in candle: a multiplication by the reciprocal, rounded to f32.
		let scale = (1.0 / (self.head_dim as f64).sqrt()) as f32;
		let mut out = vec![0f32; texts.saturating_mul(seq).saturating_mul(hidden)];
		out.par_chunks_mut(seq.saturating_mul(hidden).max(1))
			.zip(qkv.par_chunks(seq.saturating_mul(width).max(1)))
			.zip(self.lengths.par_iter())
			.for_each(|((out, text), &length)| self.attend(text, out, length.min(seq), scale));
		Ok((CpuStorage::F32(out), Shape::from_dims(&[texts, seq, hidden])))
	}
}

impl SelfAttention<'_> {
	/// One text: `text` is `(seq, 3·hidden)`, `out` is `(seq, hidden)`, both row-major; `length` ≤ seq.
	fn attend(&self, text: &[f32], out: &mut [f32], length: usize, scale: f32) {
		let (hidden, d) = (self.heads.saturating_mul(self.head_dim), self.head_dim);
		let width = hidden.saturating_mul(3);
		if length == 0
			|| d == 0 || text.len() < length.saturating_mul(width)
			|| out.len() < length.saturating_mul(hidden)
		{
			return;
		}
		// The text's queries, keys and values with their biases: one pass over whole rows. Each head then reads
		// its columns in place (row stride 3·hidden).
		let mut biased = vec![0f32; length.saturating_mul(width)];
		for (row, token) in biased.chunks_exact_mut(width).zip(text.chunks_exact(width)) {
			for ((r, &x), &b) in row.iter_mut().zip(token).zip(self.bias) {
				*r = x + b;
			}
		}
		let mut scores = vec![0f32; length.saturating_mul(length)];
		for head in 0..self.heads {
			let column = head.saturating_mul(d);
			let (Some(q), Some(k), Some(v), Some(out)) = (
				biased.get(column..),
				biased.get(hidden.saturating_add(column)..),
				biased.get(hidden.saturating_mul(2).saturating_add(column)..),
				out.get_mut(column..),
			) else {
				return;
			};
			// SAFETY: biased is length × width, and q, k and v start within a row at columns below width − d + 1,
			// so row t, column j < d of each sits at t·width + j < length·width − offset (≤ the slice's length).
			// kᵀ is q's layout transposed (row stride 1, column stride width). scores is length × length. The
			// context goes to `out` from this head's column: row t at t·hidden + j for j < d, and
			// (length − 1)·hidden + d ≤ length·hidden − column ≤ out.len() (checked above). `scores` and `out`
			// overlap nothing else.
			unsafe {
				product(
					Threads::One,
					length,
					length,
					d,
					scores.as_mut_ptr(),
					length,
					q.as_ptr(),
					width,
					1,
					k.as_ptr(),
					1,
					width,
				);
			}
			for row in scores.chunks_exact_mut(length) {
				scaled_softmax_prefix::widest(row, length, scale);
			}
			// SAFETY: as above; probabilities are length × length, values length × d with row stride width.
			unsafe {
				product(
					Threads::One,
					length,
					d,
					length,
					out.as_mut_ptr(),
					hidden,
					scores.as_ptr(),
					length,
					1,
					v.as_ptr(),
					width,
					1,
				);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use candle::{DType, Device, Tensor};

	/// The attention as the encoder computed it before, in candle's operations: split the heads, scale,
	/// add the padding mask (0 or `f32::MIN`), softmax, multiply by the values, merge the heads.
	fn candle_attention(qkv: &Tensor, bias: &Tensor, mask: &Tensor, heads: usize, d: usize) -> Tensor {
		let (b, seq, _) = qkv.dims3().unwrap();
		let qkv = qkv.broadcast_add(bias).unwrap().reshape((b, seq, 3, heads, d)).unwrap();
		let part =
			|i: usize| qkv.narrow(2, i, 1).unwrap().squeeze(2).unwrap().transpose(1, 2).unwrap().contiguous().unwrap();
		let (q, k, v) = (part(0), part(1), part(2));
		let additive = ((mask.ones_like().unwrap() - mask).unwrap().to_dtype(DType::F32).unwrap()
			* f64::from(f32::MIN))
		.unwrap()
		.unsqueeze(1)
		.unwrap()
		.unsqueeze(1)
		.unwrap();
		let scores =
			(q.matmul(&k.t().unwrap()).unwrap() / (d as f64).sqrt()).unwrap().broadcast_add(&additive).unwrap();
		let probs = candle_nn::ops::softmax_last_dim(&scores).unwrap();
		probs.matmul(&v).unwrap().transpose(1, 2).unwrap().reshape((b, seq, heads * d)).unwrap()
	}

	#[test]
	fn matches_candles_attention_on_real_tokens_and_leaves_padded_rows_zero() {
		let dev = Device::Cpu;
		let (b, seq, heads, d) = (3, 7, 2, 4);
		let width = 3 * heads * d;
		let values: Vec<f32> = (0..b * seq * width).map(|i| ((i * 7919) % 97) as f32 / 24.0 - 2.0).collect();
		let qkv = Tensor::from_vec(values, (b, seq, width), &dev).unwrap();
		let bias_values: Vec<f32> = (0..width).map(|i| (i % 5) as f32 / 10.0 - 0.2).collect();
		let bias = Tensor::new(bias_values.as_slice(), &dev).unwrap();
		let lengths = [7usize, 3, 1];
		let mask: Vec<u32> = lengths.iter().flat_map(|&l| (0..seq).map(move |t| u32::from(t < l))).collect();
		let mask = Tensor::from_vec(mask, (b, seq), &dev).unwrap();
		let op = SelfAttention { bias: &bias_values, lengths: &lengths, heads, head_dim: d };
		let ours = qkv.apply_op1_no_bwd(&op).unwrap().to_vec3::<f32>().unwrap();
		let theirs = candle_attention(&qkv, &bias, &mask, heads, d).to_vec3::<f32>().unwrap();
		for (text, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
			for (t, (a, e)) in ours.iter().zip(theirs).enumerate() {
				if t < lengths[text] {
					for (x, y) in a.iter().zip(e) {
						assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "text {text} token {t}: {x} against {y}");
					}
				} else {
					assert!(a.iter().all(|&x| x == 0.0), "padded row {t} of text {text} is {a:?}");
				}
			}
		}
	}

	#[test]
	fn inputs_that_do_not_fit_the_heads_biases_or_lengths_are_refused() {
		let dev = Device::Cpu;
		let qkv = Tensor::zeros((2, 3, 24), DType::F32, &dev).unwrap();
		let bias = vec![0f32; 24];
		let good = SelfAttention { bias: &bias, lengths: &[3, 2], heads: 2, head_dim: 4 };
		assert!(qkv.apply_op1_no_bwd(&good).is_ok());
		for bad in [
			SelfAttention { bias: &bias, lengths: &[3], heads: 2, head_dim: 4 },
			SelfAttention { bias: &bias[..23], lengths: &[3, 2], heads: 2, head_dim: 4 },
			SelfAttention { bias: &bias, lengths: &[3, 2], heads: 3, head_dim: 4 },
			SelfAttention { bias: &bias, lengths: &[3, 2], heads: 0, head_dim: 4 },
		] {
			assert!(qkv.apply_op1_no_bwd(&bad).is_err());
		}
		// A length beyond the sequence is clamped to it.
		let long = SelfAttention { bias: &bias, lengths: &[9, 2], heads: 2, head_dim: 4 };
		assert!(qkv.apply_op1_no_bwd(&long).is_ok());
	}
}
