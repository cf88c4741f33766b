//! Multi-head (grouped-query) attention over a KV cache, the step in which decoding paths differ.

use super::{ops::Ops, Config};
use crate::{
	matmul::bf16::PackedBf16,
	simd::{attention_softmax, borrowed},
	Bf16Kernel,
};
use candle::{Device, Tensor};
use rayon::prelude::*;
use std::ops::Range;

/// The keys and values one layer has cached for one sequence, `(1, kv_heads, positions, head_dim)` each.
pub(super) type Slot = Option<(Tensor, Tensor)>;

/// Where new positions sit in their sequence: the rotary tables at those positions, and which cached and new
/// positions each of them sees.
pub(super) struct Positions {
	pub(super) cos: Tensor,
	pub(super) sin: Tensor,
	pub(super) seen: Visibility,
}

impl Positions {
	/// `seq` new positions after `offset` cached ones, the cached positions in `blocked` hidden from them.
	pub(super) fn new(
		tables: (&Tensor, &Tensor),
		offset: usize,
		seq: usize,
		blocked: Option<Range<usize>>,
	) -> candle::Result<Self> {
		Self::runs(tables, offset, seq, &[blocked])
	}

	/// `seq` new positions after `offset` cached ones, fed as one run per entry of `blocked`: run `r` may not
	/// attend to the cached positions in `blocked[r]`.
	pub(super) fn runs(
		tables: (&Tensor, &Tensor),
		offset: usize,
		seq: usize,
		blocked: &[Option<Range<usize>>],
	) -> candle::Result<Self> {
		let (cos, sin) = tables;
		let seen = Visibility { offset, seq, blocked: blocked.to_vec() };
		Ok(Self { cos: cos.narrow(0, offset, seq)?, sin: sin.narrow(0, offset, seq)?, seen })
	}
}

/// Which keys new positions attend to: every cached position and every new one up to itself (causal), except, in
/// run `r`, the cached positions in `blocked[r]` (a single entry holds for every run).
#[derive(Clone, Debug)]
pub(super) struct Visibility {
	offset: usize,
	seq: usize,
	blocked: Vec<Option<Range<usize>>>,
}

impl Visibility {
	/// Keys of every query: the cached positions and the new ones.
	pub(super) fn keys(&self) -> usize {
		self.offset.saturating_add(self.seq)
	}

	/// New positions (queries) per run.
	pub(super) fn seq(&self) -> usize {
		self.seq
	}

	/// Runs with their own hidden positions (1: the same for every run).
	pub(super) fn runs(&self) -> usize {
		self.blocked.len()
	}

	/// The keys new position `query` of run `run` sees: `0..len`, less `hidden`.
	pub(super) fn row(&self, run: usize, query: usize) -> (usize, Range<usize>) {
		let len = self.offset.saturating_add(query).saturating_add(1).min(self.keys());
		let blocked = if self.blocked.len() == 1 { self.blocked.first() } else { self.blocked.get(run) };
		(len, blocked.cloned().flatten().unwrap_or(0..0))
	}

	/// Scores `(b, kv_heads, groups · seq, keys)` plus the additive mask of what each query does not see (−∞),
	/// for operations that candle differentiates.
	pub(super) fn masked(&self, att: &Tensor) -> candle::Result<Tensor> {
		let (b, kv_heads, rows, keys) = att.dims4()?;
		let masks = self
			.blocked
			.iter()
			.map(|blocked| causal_mask(self.seq, self.offset, blocked.clone(), att.device()))
			.collect::<candle::Result<Vec<_>>>()?;
		let mask = Tensor::stack(&masks, 0)?.unsqueeze(1)?.unsqueeze(1)?;
		let groups = rows.checked_div(self.seq).unwrap_or(0);
		att.reshape((b, kv_heads, groups, self.seq, keys))?.broadcast_add(&mask)?.reshape((b, kv_heads, rows, keys))
	}
}

/// Attention of projected `q`, `k`, `v` `(b, seq, ·)` over the positions in `slot` and the new ones; appends
/// the new keys and values to `slot`. Returns `(b, seq, hidden)`, before the output projection.
pub(super) fn attend(
	c: &Config,
	q: &Tensor,
	k: &Tensor,
	v: &Tensor,
	at: &Positions,
	slot: &mut Slot,
	ops: Ops,
) -> candle::Result<Tensor> {
	let (q, k, v) = heads(c, q, k, v, at, ops)?;
	let (k, v) = after_cached(slot, k, v)?;
	let out = weigh(c, &q, &k, &v, at, ops);
	*slot = Some((k, v));
	out
}

/// As [`attend`], but the cache is only read: the new keys and values are dropped after use (runs whose cache
/// nothing extends later, such as the packed runs of exact leave-one-out).
pub(super) fn attend_over(
	c: &Config,
	q: &Tensor,
	k: &Tensor,
	v: &Tensor,
	at: &Positions,
	cached: &Slot,
	ops: Ops,
) -> candle::Result<Tensor> {
	let (q, k, v) = heads(c, q, k, v, at, ops)?;
	let (k, v) = after_cached(cached, k, v)?;
	weigh(c, &q, &k, &v, at, ops)
}

/// The cached keys and values followed by the new ones, `(b, kv_heads, positions, head_dim)`.
fn after_cached(cached: &Slot, k: Tensor, v: Tensor) -> candle::Result<(Tensor, Tensor)> {
	Ok(match cached.as_ref() {
		Some((pk, pv)) => (Tensor::cat(&[pk, &k], 2)?, Tensor::cat(&[pv, &v], 2)?),
		None => (k, v),
	})
}

/// As [`attend`] for `runs` runs of new positions after one shared cached prefix (`cached`, batch 1): every
/// run reads the same cached keys and values, and the cache is left as it was. In bf16 ([`fused_bf16`]) each run's
/// keys and values are packed from where they lie, the cached ones and its own, and its weighted values are one
/// sum over all of them. Otherwise the cached keys are never copied per run: all runs' queries meet them in one
/// product per key-value head, so its rows are `runs` times as many.
pub(super) fn attend_after_shared(
	c: &Config,
	q: &Tensor,
	k: &Tensor,
	v: &Tensor,
	at: &Positions,
	cached: &Slot,
	ops: Ops,
) -> candle::Result<Tensor> {
	let (q, k, v) = heads(c, q, k, v, at, ops)?;
	let Some((old_k, old_v)) = cached.as_ref() else { return weigh(c, &q, &k, &v, at, ops) };
	let (runs, heads, seq, head_dim) = q.dims4()?;
	let (kv_heads, rows) = (c.num_key_value_heads, c.kv_groups().saturating_mul(seq));
	if let Ops::Bf16(kernel) = ops {
		let q = q.reshape((runs, kv_heads, rows, head_dim))?;
		let out = fused_bf16(&q, &k, &v, Some((old_k, old_v)), scale(head_dim), &at.seen, kernel)?;
		return out.reshape((runs, heads, seq, head_dim))?.transpose(1, 2)?.reshape((runs, seq, c.hidden_size));
	}
	let (old_k, old_v) = (old_k.squeeze(0)?, old_v.squeeze(0)?);
	let old = old_k.dim(1)?;
	let q = q.reshape((runs, kv_heads, rows, head_dim))?;
	let all_runs = q.transpose(0, 1)?.contiguous()?.reshape((kv_heads, runs.saturating_mul(rows), head_dim))?;
	let to_old = ops.matmul(&all_runs, &old_k.t()?)?.reshape((kv_heads, runs, rows, old))?.transpose(0, 1)?.contiguous()?;
	let to_new = ops.matmul(&q, &k.t()?)?;
	let att = ops.attention_weights(&Tensor::cat(&[&to_old, &to_new], 3)?, scale(head_dim), &at.seen)?;
	let from_old = att.narrow(3, 0, old)?.transpose(0, 1)?.contiguous()?.reshape((
		kv_heads,
		runs.saturating_mul(rows),
		old,
	))?;
	let from_old = ops.matmul(&from_old, &old_v)?.reshape((kv_heads, runs, rows, head_dim))?.transpose(0, 1)?;
	let from_new = ops.matmul(&att.narrow(3, old, seq)?.contiguous()?, &v)?;
	(from_old + from_new)?.reshape((runs, heads, seq, head_dim))?.transpose(1, 2)?.reshape((runs, seq, c.hidden_size))
}

/// Splits projected `(b, seq, ·)` rows into heads `(b, heads, seq, head_dim)` and rotates queries and keys.
fn heads(c: &Config, q: &Tensor, k: &Tensor, v: &Tensor, at: &Positions, ops: Ops) -> candle::Result<(Tensor, Tensor, Tensor)> {
	let head_dim = c.head_dim();
	let (b, seq, _) = q.dims3()?;
	let q = q.reshape((b, seq, c.num_attention_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	let k = k.reshape((b, seq, c.num_key_value_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	let v = v.reshape((b, seq, c.num_key_value_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	Ok((ops.rope(&q, &at.cos, &at.sin)?, ops.rope(&k, &at.cos, &at.sin)?, v))
}

/// Scaled dot-product attention of queries `(b, heads, seq, head_dim)` over keys and values
/// `(b, kv_heads, positions, head_dim)`, masked by `at`. Returns `(b, seq, hidden)`. Grouped-query attention
/// without copying keys: query head `j` reads key-value head `j / groups`, so the `groups` query heads of one
/// key-value head are adjacent and become the rows of one product with its keys.
fn weigh(c: &Config, q: &Tensor, k: &Tensor, v: &Tensor, at: &Positions, ops: Ops) -> candle::Result<Tensor> {
	let (b, heads, seq, head_dim) = q.dims4()?;
	let (kv_heads, groups) = (c.num_key_value_heads, c.kv_groups());
	let q = q.reshape((b, kv_heads, groups.saturating_mul(seq), head_dim))?;
	let out = if let Ops::Bf16(kernel) = ops {
		fused_bf16(&q, k, v, None, scale(head_dim), &at.seen, kernel)?
	} else {
		ops.matmul(&ops.attention_weights(&ops.matmul(&q, &k.t()?)?, scale(head_dim), &at.seen)?, v)?
	};
	out.reshape((b, heads, seq, head_dim))?.transpose(1, 2)?.reshape((b, seq, c.hidden_size))
}

/// Bytes of one block's scores (and as many of its weights) in [`fused_bf16`]: with the packed keys and values
/// they stay in L2.
const BLOCK_SCORE_BYTES: usize = 128 << 10;

/// Scaled dot-product attention in the protocol's bf16 products, fused. For batch `i` and key-value head `h`, the
/// queries `q[i, h]` `(rows, head_dim)` — the `groups` query heads of `h`, `seq` rows each — attend to the keys
/// and values of `prefix` (a cached prefix shared by every batch, `(1, kv_heads, old, head_dim)`) followed by
/// `k[i, h]`, `v[i, h]` (batch 1: shared too), seeing what `seen` lets them. Blocks of query rows are scored,
/// softmaxed and weighed one after the other, so the score matrix is never written out whole (it stays in cache),
/// and a block's scores of keys none of its queries sees are not computed. Every output is bit for bit what the
/// products of [`crate::matmul::bf16::batched`] and [`Ops::attention_weights`] give for the same keys (tested).
/// Returns `(b, kv_heads, rows, head_dim)`.
fn fused_bf16(
	q: &Tensor,
	k: &Tensor,
	v: &Tensor,
	prefix: Option<(&Tensor, &Tensor)>,
	scale: f64,
	seen: &Visibility,
	kernel: Bf16Kernel,
) -> candle::Result<Tensor> {
	let (b, kv_heads, rows, head_dim) = q.dims4()?;
	let (kb, kh, new, kd) = k.dims4()?;
	let empty = || Tensor::zeros((1, kv_heads, 0, head_dim), candle::DType::F32, &Device::Cpu);
	let (pk, pv, old) = match prefix {
		Some((pk, pv)) => {
			let (one, ph, old, pd) = pk.dims4()?;
			if one != 1 || ph != kv_heads || pd != head_dim || pv.dims4()? != (one, ph, old, pd) {
				candle::bail!("fused attention: a prefix {:?} / {:?} for queries {:?}", pk.dims(), pv.dims(), q.dims());
			}
			(pk.contiguous()?, pv.contiguous()?, old)
		},
		None => (empty()?, empty()?, 0),
	};
	if kh != kv_heads || kd != head_dim || (kb != b && kb != 1) || v.dims4()? != (kb, kh, new, kd) {
		candle::bail!("fused attention: keys {:?} and values {:?} for queries {:?}", k.dims(), v.dims(), q.dims());
	}
	let keys = old + new;
	if keys != seen.keys() || seen.seq() == 0 || rows == 0 || rows % seen.seq() != 0 || (seen.runs() != 1 && seen.runs() != b) {
		candle::bail!("fused attention: queries {:?} over {keys} keys for {} runs of {} over {}", q.dims(), seen.runs(), seen.seq(), seen.keys());
	}
	// Every operand borrowed from its tensor's storage, not copied: the read guards live to the end.
	let (q, k, v) = (q.contiguous()?, k.contiguous()?, v.contiguous()?);
	let (q, k, v, pk, pv) = (q.storage_and_layout(), k.storage_and_layout(), v.storage_and_layout(), pk.storage_and_layout(), pv.storage_and_layout());
	let op = "fused attention";
	let (q, k, v) = (borrowed(&q.0, q.1, op)?, borrowed(&k.0, k.1, op)?, borrowed(&v.0, v.1, op)?);
	let (old_k, old_v) = (borrowed(&pk.0, pk.1, op)?, borrowed(&pv.0, pv.1, op)?);
	// Row `j` of batch `i`, head `h` of the keys (or values): the prefix's, then the batch's own.
	let at = |i: usize, h: usize, j: usize| -> (bool, Range<usize>) {
		let start = if j < old { (h * old + j) * head_dim } else { ((if kb == 1 { 0 } else { i } * kv_heads + h) * new + j - old) * head_dim };
		(j < old, start..start + head_dim)
	};
	let key = |i: usize, h: usize, j: usize| {
		let (in_prefix, r) = at(i, h, j);
		(if in_prefix { old_k.get(r) } else { k.get(r) }).unwrap_or_default()
	};
	let value = |i: usize, h: usize, j: usize| {
		let (in_prefix, r) = at(i, h, j);
		(if in_prefix { old_v.get(r) } else { v.get(r) }).unwrap_or_default()
	};
	let packed = (0..b * kv_heads)
		.into_par_iter()
		.map(|ih| {
			let (i, h) = (ih / kv_heads, ih % kv_heads);
			let keys_packed = PackedBf16::pack_columns(|j| key(i, h, j), head_dim, keys)?;
			let values_packed = PackedBf16::pack_rows(|j| value(i, h, j), keys, head_dim)?;
			Ok((keys_packed, values_packed))
		})
		.collect::<candle::Result<Vec<_>>>()?;
	// Rows per block: whole register tiles of the kernel.
	let tile = kernel.tile_rows();
	let block = (BLOCK_SCORE_BYTES / (keys.max(1) * std::mem::size_of::<f32>())).clamp(tile, 96) / tile * tile;
	#[allow(clippy::cast_possible_truncation)]
	let scale = scale as f32;
	let seq = seen.seq();
	let mut out = vec![0f32; b * kv_heads * rows * head_dim];
	let blocks = out.par_chunks_mut(rows * head_dim).zip(&packed).enumerate().flat_map_iter(|(ih, (plane, operands))| {
		plane.chunks_mut(block * head_dim).enumerate().map(move |(n, dst)| (ih, n * block, operands, dst))
	});
	blocks.try_for_each_init(
		|| (Vec::new(), Vec::new()),
		|(scores, weights): &mut (Vec<f32>, Vec<f32>), (ih, first, (keys_packed, values_packed), dst)| {
			let n = dst.len() / head_dim;
			let run = ih / kv_heads;
			let seen_by: Vec<(usize, Range<usize>)> = (first..first + n).map(|r| seen.row(run, r % seq)).collect();
			let longest = seen_by.iter().map(|(len, _)| *len).max().unwrap_or(0);
			scores.resize(n * keys, 0.0);
			weights.resize(n * keys, 0.0);
			let queries = &q[(ih * rows + first) * head_dim..(ih * rows + first + n) * head_dim];
			keys_packed.product_panels(queries, n, keys_packed.panels_covering(longest), kernel, scores)?;
			for ((src, dst), (len, hidden)) in scores.chunks(keys).zip(weights.chunks_mut(keys)).zip(&seen_by) {
				attention_softmax::widest(src, dst, *len, hidden.start, hidden.end, scale);
			}
			values_packed.product_panels(weights, n, values_packed.panels(), kernel, dst)
		},
	)?;
	Tensor::from_vec(out, (b, kv_heads, rows, head_dim), &Device::Cpu)
}

/// `1 / √head_dim`, the scaled dot product's scale.
fn scale(head_dim: usize) -> f64 {
	#[allow(clippy::cast_precision_loss)]
	let d = head_dim as f64;
	1.0 / d.sqrt()
}

/// Additive causal mask `(seq, offset + seq)`: 0 where a query may look, −∞ elsewhere (future positions and
/// the `blocked` ones).
fn causal_mask(seq: usize, offset: usize, blocked: Option<Range<usize>>, device: &Device) -> candle::Result<Tensor> {
	let kv = offset.saturating_add(seq);
	let blocked = blocked.unwrap_or(0..0);
	let data: Vec<f32> = (0..seq)
		.flat_map(|i| {
			let blocked = blocked.clone();
			(0..kv).map(
				move |j| {
					if j > offset.saturating_add(i) || blocked.contains(&j) {
						f32::NEG_INFINITY
					} else {
						0.0
					}
				},
			)
		})
		.collect();
	Tensor::from_vec(data, (seq, kv), device)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::matmul::bf16::{batched, native_available};

	/// Deterministic values of `shape`, about unit size, a few of them large.
	fn values_of(shape: (usize, usize, usize, usize), seed: u32) -> Tensor {
		let n = shape.0 * shape.1 * shape.2 * shape.3;
		let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
		let data: Vec<f32> = (0..n)
			.map(|i| {
				state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
				let x = (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
				if i % 97 == 0 { x * 40.0 } else { x }
			})
			.collect();
		Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
	}

	fn bits(t: &Tensor) -> Vec<u32> {
		t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|x| x.to_bits()).collect()
	}

	#[test]
	fn fused_attention_is_the_unfused_products_and_softmax_bit_for_bit_on_every_kernel() {
		let mut kernels = vec![Bf16Kernel::Portable];
		if native_available() {
			kernels.push(Bf16Kernel::Widest);
		}
		let tables = Tensor::zeros((512, 20), candle::DType::F32, &Device::Cpu).unwrap();
		// (batches, kv heads, query rows per head, head_dim, cached keys, new keys, blocked per run, shared prefix):
		// a causal prompt over two blocks of rows, a long one whose early blocks skip the panels of keys they cannot
		// see (blocks of 108 rows over 10 panels), new positions after a cache, and masked-ablation runs after a
		// shared prefix of odd length (pairs of keys straddle it), with an odd head size.
		type Case = (usize, usize, usize, usize, usize, usize, Vec<Option<Range<usize>>>, bool);
		let cases: Vec<Case> = vec![
			(1, 2, 3 * 45, 40, 0, 45, vec![None], false),
			(1, 1, 300, 16, 0, 300, vec![None], false),
			(1, 3, 2 * 17, 33, 20, 17, vec![Some(4..9)], false),
			(4, 2, 3 * 9, 40, 37, 9, vec![None, Some(0..5), Some(5..20), Some(20..37)], true),
		];
		for kernel in kernels {
			for (case, (b, kv_heads, rows, head_dim, old, new, blocked, shared)) in cases.iter().cloned().enumerate() {
				let seen = Positions::runs((&tables, &tables), old, new, &blocked).unwrap().seen;
				let q = values_of((b, kv_heads, rows, head_dim), 1);
				let (k, v, prefix) = if shared {
					let prefix = (values_of((1, kv_heads, old, head_dim), 2), values_of((1, kv_heads, old, head_dim), 3));
					(values_of((b, kv_heads, new, head_dim), 4), values_of((b, kv_heads, new, head_dim), 5), Some(prefix))
				} else {
					(values_of((b, kv_heads, old + new, head_dim), 4), values_of((b, kv_heads, old + new, head_dim), 5), None)
				};
				let fused = fused_bf16(&q, &k, &v, prefix.as_ref().map(|(pk, pv)| (pk, pv)), 0.125, &seen, kernel).unwrap();
				// Unfused: every batch's whole key sequence, all scores, the fused softmax, the weighted values.
				let (all_k, all_v) = match &prefix {
					Some((pk, pv)) => (
						Tensor::cat(&[&pk.repeat((b, 1, 1, 1)).unwrap(), &k], 2).unwrap(),
						Tensor::cat(&[&pv.repeat((b, 1, 1, 1)).unwrap(), &v], 2).unwrap(),
					),
					None => (k.clone(), v.clone()),
				};
				let scores = batched(&q, &all_k.t().unwrap(), kernel).unwrap();
				let weights = Ops::Bf16(kernel).attention_weights(&scores, 0.125, &seen).unwrap();
				let unfused = batched(&weights, &all_v, kernel).unwrap();
				assert_eq!(fused.dims(), unfused.dims());
				assert_eq!(bits(&fused), bits(&unfused), "case {case} on {kernel:?}");
			}
		}
	}

	#[test]
	fn fused_attention_refuses_operands_that_do_not_fit_by_name() {
		let tables = Tensor::zeros((64, 4), candle::DType::F32, &Device::Cpu).unwrap();
		let seen = Positions::runs((&tables, &tables), 0, 5, &[None]).unwrap().seen;
		let q = values_of((1, 2, 10, 8), 1);
		let kv = values_of((1, 2, 5, 8), 2);
		let err = |r: candle::Result<Tensor>| r.unwrap_err().to_string();
		// Keys of another head size, another head count, more keys than the queries' positions, and a prefix
		// that is not shared (batch 2).
		assert!(err(fused_bf16(&q, &values_of((1, 2, 5, 7), 2), &kv, None, 1.0, &seen, Bf16Kernel::Portable)).contains("fused attention"));
		assert!(err(fused_bf16(&q, &values_of((1, 3, 5, 8), 2), &kv, None, 1.0, &seen, Bf16Kernel::Portable)).contains("fused attention"));
		let six = values_of((1, 2, 6, 8), 2);
		assert!(err(fused_bf16(&q, &six, &six, None, 1.0, &seen, Bf16Kernel::Portable)).contains("fused attention"));
		// No query rows at all (the blocks would be empty).
		assert!(err(fused_bf16(&values_of((1, 2, 0, 8), 1), &kv, &kv, None, 1.0, &seen, Bf16Kernel::Portable)).contains("fused attention"));
		let prefix = values_of((2, 2, 3, 8), 3);
		assert!(err(fused_bf16(&q, &kv, &kv, Some((&prefix, &prefix)), 1.0, &seen, Bf16Kernel::Portable)).contains("fused attention"));
	}
}
