//! The decoder's exponentials, vectorised: the attention softmax and the SwiGLU gate (`silu(gate) · up`).
//! candle computes both with a scalar `expf` per element (6 % of attribution time in the profile) and the
//! gate in two passes (SiLU, then the product). Here both run on [`crate::simd`]'s `exp` and fixed-lane sums,
//! compiled for every SIMD width with bit-identical results.

use candle::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};
use super::attention::Visibility;
use crate::simd::{attention_softmax, contiguous, exp, widest_simd};
use rayon::prelude::*;

#[inline(always)]
fn swiglu_portable(gate: &[f32], up: &[f32], dst: &mut [f32]) {
	for ((d, &g), &u) in dst.iter_mut().zip(gate).zip(up) {
		*d = g / (1.0 + exp(-g)) * u;
	}
}

widest_simd!(swiglu_slice, super::swiglu_portable, (gate: &[f32], up: &[f32], dst: &mut [f32]));

/// Rows per parallel task: enough elements that a task outweighs its scheduling.
fn rows_per_task(row: usize) -> usize {
	(1usize << 14).checked_div(row).unwrap_or(1).max(1)
}

/// The attention softmax fused with its scale and mask ([`crate::simd::attention_softmax_portable`]).
struct AttentionSoftmax<'a> {
	scale: f32,
	seen: &'a Visibility,
}

impl CustomOp1 for AttentionSoftmax<'_> {
	fn name(&self) -> &'static str {
		"attention-softmax-simd"
	}

	fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle::Result<(CpuStorage, Shape)> {
		let src = contiguous(storage, layout, "attention softmax")?;
		let &[b, kv_heads, rows, keys] = layout.shape().dims() else {
			candle::bail!("attention softmax: scores {:?}, not (batch, heads, rows, keys)", layout.shape());
		};
		let (seen, seq) = (self.seen, self.seen.seq());
		if keys != seen.keys() || seq == 0 || rows % seq != 0 || (seen.runs() != 1 && seen.runs() != b) {
			candle::bail!(
				"attention softmax: scores {:?} for {} runs of {seq} queries over {} keys",
				layout.shape(),
				seen.runs(),
				seen.keys()
			);
		}
		// Rows of one run: its query heads' rows, `seq` queries each.
		let plane = kv_heads.saturating_mul(rows);
		let mut out = vec![0f32; src.len()];
		let per_task = rows_per_task(keys.max(1));
		let block = per_task.saturating_mul(keys.max(1));
		out.par_chunks_mut(block).zip(src.par_chunks(block)).enumerate().for_each(|(task, (dst, src))| {
			for (i, (d, s)) in dst.chunks_mut(keys).zip(src.chunks(keys)).enumerate() {
				let row = task * per_task + i;
				let (len, hidden) = seen.row(row / plane, row % plane % seq);
				attention_softmax::widest(s, d, len, hidden.start, hidden.end, self.scale);
			}
		});
		Ok((CpuStorage::F32(out), layout.shape().clone()))
	}
}

/// Attention weights `(b, kv_heads, groups · seq, keys)` from raw scores of that shape (f32, CPU): scaled, masked
/// to the keys `seen` lets each query see, and softmaxed in one pass, for inference (no gradient). Bit for bit
/// what scaling, adding the mask of 0 and −∞ and the row softmax give (tested).
pub(super) fn attention_softmax(scores: &Tensor, scale: f64, seen: &Visibility) -> candle::Result<Tensor> {
	#[allow(clippy::cast_possible_truncation)]
	let scale = scale as f32;
	scores.contiguous()?.apply_op1_no_bwd(&AttentionSoftmax { scale, seen })
}

struct SwiGlu;

impl CustomOp2 for SwiGlu {
	fn name(&self) -> &'static str {
		"swiglu-simd"
	}

	fn cpu_fwd(
		&self,
		gate: &CpuStorage,
		gate_layout: &Layout,
		up: &CpuStorage,
		up_layout: &Layout,
	) -> candle::Result<(CpuStorage, Shape)> {
		if gate_layout.shape() != up_layout.shape() {
			candle::bail!("swiglu: gate {:?} and up {:?} differ", gate_layout.shape(), up_layout.shape());
		}
		let (gate, up) = (contiguous(gate, gate_layout, "swiglu")?, contiguous(up, up_layout, "swiglu")?);
		let mut out = vec![0f32; gate.len()];
		let block = 1 << 14;
		out.par_chunks_mut(block).zip(gate.par_chunks(block)).zip(up.par_chunks(block)).for_each(|((d, g), u)| {
			swiglu_slice::widest(g, u, d);
		});
		Ok((CpuStorage::F32(out), gate_layout.shape().clone()))
	}
}

/// `silu(gate) · up` element-wise in one pass (f32, CPU), for inference (no gradient).
pub(super) fn swiglu(gate: &Tensor, up: &Tensor) -> candle::Result<Tensor> {
	gate.contiguous()?.apply_op2_no_bwd(&up.contiguous()?, &SwiGlu)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::simd::{softmax_portable, EXP_HIGHEST, EXP_LOWEST};
	use candle::Device;

	fn grid() -> Vec<f32> {
		(-12_000..=12_000)
			.map(|i| i as f32 / 100.0)
			.chain([f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, -1e-30, 0.0, EXP_LOWEST, EXP_HIGHEST])
			.collect()
	}

	/// Raw scores `(runs, kv_heads, groups · seq, keys)` with large, small and infinite values.
	fn scores(runs: usize, rows: usize, keys: usize) -> Tensor {
		let n = runs * 3 * rows * keys;
		let mut xs: Vec<f32> = (0..n).map(|i| ((i * 7919) % 113) as f32 / 3.0 - 18.0).collect();
		xs[5] = f32::MIN;
		xs[keys + 2] = 1e30;
		Tensor::from_vec(xs, (runs, 3, rows, keys), &Device::Cpu).unwrap()
	}

	#[test]
	fn the_fused_attention_softmax_is_scaling_masking_and_softmax_bit_for_bit() {
		let tables = (Tensor::zeros((64, 4), candle::DType::F32, &Device::Cpu).unwrap(), Tensor::zeros((64, 4), candle::DType::F32, &Device::Cpu).unwrap());
		let tables = (&tables.0, &tables.1);
		let scale = 0.125;
		// (offset, seq, blocked per run): a causal prompt, new positions after a cache, masked-ablation runs, and
		// one decoding step.
		type Blocked = Vec<Option<std::ops::Range<usize>>>;
		let cases: Vec<(usize, usize, Blocked)> = vec![
			(0, 37, vec![None]),
			(11, 21, vec![Some(3..9)]),
			(17, 5, vec![None, Some(0..4), Some(4..17), Some(9..10)]),
			(40, 1, vec![None]),
		];
		for (offset, seq, blocked) in cases {
			let at = super::super::attention::Positions::runs(tables, offset, seq, &blocked).unwrap();
			let runs = blocked.len();
			let raw = scores(runs, 2 * seq, offset + seq);
			let ours = attention_softmax(&raw, scale, &at.seen).unwrap();
			// What the decoder did before: scale (candle's affine), add the mask of 0 and −∞, softmax each row.
			let masked = at.seen.masked(&(&raw * scale).unwrap()).unwrap();
			let keys = offset + seq;
			let flat = masked.flatten_all().unwrap().to_vec1::<f32>().unwrap();
			let mut reference = vec![0f32; flat.len()];
			for (d, s) in reference.chunks_mut(keys).zip(flat.chunks(keys)) {
				softmax_portable(s, d);
			}
			let ours = ours.flatten_all().unwrap().to_vec1::<f32>().unwrap();
			let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
			assert_eq!(bits(&ours), bits(&reference), "offset {offset}, seq {seq}, blocked {blocked:?}");
			// And it is a softmax: candle's, within rounding, with what a query does not see at exactly 0.
			let theirs = candle_nn::ops::softmax_last_dim(&masked).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
			for (a, b) in ours.iter().zip(&theirs) {
				assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-3), "{a} against {b}");
			}
			for (row, weights) in ours.chunks(keys).enumerate() {
				let (run, query) = (row / (3 * 2 * seq), row % seq);
				let (len, hidden) = at.seen.row(run, query);
				assert_eq!(len, (offset + query + 1).min(keys));
				for (j, w) in weights.iter().enumerate() {
					if j >= len || hidden.contains(&j) {
						assert_eq!(w.to_bits(), 0, "run {run}, query {query}, key {j}");
					}
				}
				assert!((weights.iter().sum::<f32>() - 1.0).abs() < 1e-5);
			}
		}
	}

	#[test]
	fn the_attention_softmax_refuses_scores_that_do_not_fit_its_positions() {
		let tables = Tensor::zeros((64, 4), candle::DType::F32, &Device::Cpu).unwrap();
		let at = super::super::attention::Positions::runs((&tables, &tables), 3, 4, &[None, None]).unwrap();
		// Keys ≠ offset + seq, rows not whole queries, three batches for two runs, and a rank-3 tensor.
		for shape in [(2, 3, 8, 6), (2, 3, 7, 7), (3, 3, 8, 7)] {
			let raw = Tensor::zeros(shape, candle::DType::F32, &Device::Cpu).unwrap();
			let err = attention_softmax(&raw, 1.0, &at.seen).unwrap_err().to_string();
			assert!(err.contains("attention softmax"), "{shape:?}: {err}");
		}
		let raw = Tensor::zeros((3, 8, 7), candle::DType::F32, &Device::Cpu).unwrap();
		assert!(attention_softmax(&raw, 1.0, &at.seen).is_err());
	}

	#[test]
	fn swiglu_matches_silu_times_up() {
		let g: Vec<f32> = grid().into_iter().filter(|x| x.is_finite() && x.abs() < 1e30).collect();
		let u: Vec<f32> = g.iter().map(|x| 1.5 - x / 50.0).collect();
		let gate = Tensor::new(g.as_slice(), &Device::Cpu).unwrap();
		let up = Tensor::new(u.as_slice(), &Device::Cpu).unwrap();
		let ours = swiglu(&gate, &up).unwrap().to_vec1::<f32>().unwrap();
		let theirs = (candle_nn::ops::silu(&gate).unwrap() * &up).unwrap().to_vec1::<f32>().unwrap();
		for ((x, a), b) in g.iter().zip(&ours).zip(&theirs) {
			assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-6), "swiglu({x}) = {a}, candle {b}");
		}
	}

	#[test]
	fn every_simd_path_of_the_gate_is_bit_identical_to_the_portable_code() {
		let xs: Vec<f32> = grid().into_iter().filter(|x| x.is_finite()).collect();
		let up: Vec<f32> = xs.iter().map(|x| 0.25 + x.sin()).collect();
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		let mut glu = vec![0f32; xs.len()];
		swiglu_portable(&xs, &up, &mut glu);
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("avx2") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX2 (checked just above).
				unsafe { swiglu_slice::avx2(&xs, &up, &mut out) };
				assert_eq!(bits(&glu), bits(&out), "swiglu on AVX2");
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				let mut out = vec![0f32; xs.len()];
				// SAFETY: the CPU has AVX-512F (checked just above).
				unsafe { swiglu_slice::avx512(&xs, &up, &mut out) };
				assert_eq!(bits(&glu), bits(&out), "swiglu on AVX-512");
			}
		}
		let mut out = vec![0f32; xs.len()];
		swiglu_slice::widest(&xs, &up, &mut out);
		assert_eq!(bits(&glu), bits(&out));
	}
}
