//! Multi-head (grouped-query) attention over a KV cache, the step in which decoding paths differ.

use super::{ops::Ops, Config};
use candle::{Device, Tensor};
use std::ops::Range;

/// The keys and values one layer has cached for one sequence, `(1, kv_heads, positions, head_dim)` each.
pub(super) type Slot = Option<(Tensor, Tensor)>;

/// Where new positions sit in their sequence: the rotary tables at those positions, and the additive mask over
/// cached and new positions (none: every cached and earlier new position is visible).
pub(super) struct Positions {
	pub(super) cos: Tensor,
	pub(super) sin: Tensor,
	pub(super) mask: Option<Tensor>,
}

impl Positions {
	/// `seq` new positions after `offset` cached ones, the cached positions in `blocked` hidden from them.
	pub(super) fn new(
		tables: (&Tensor, &Tensor),
		offset: usize,
		seq: usize,
		blocked: Option<Range<usize>>,
	) -> candle::Result<Self> {
		let (cos, sin) = tables;
		let mask =
			if seq > 1 || blocked.is_some() { Some(causal_mask(seq, offset, blocked, cos.device())?) } else { None };
		Ok(Self { cos: cos.narrow(0, offset, seq)?, sin: sin.narrow(0, offset, seq)?, mask })
	}

	/// `seq` new positions after `offset` cached ones, fed as one run per entry of `blocked`: run `r` may not
	/// attend to the cached positions in `blocked[r]`. The mask is `(runs, 1, 1, seq, offset + seq)` (run, key-value
	/// head, query head in its group, query, key).
	pub(super) fn runs(
		tables: (&Tensor, &Tensor),
		offset: usize,
		seq: usize,
		blocked: &[Option<Range<usize>>],
	) -> candle::Result<Self> {
		let (cos, sin) = tables;
		let masks = blocked
			.iter()
			.map(|b| causal_mask(seq, offset, b.clone(), cos.device()))
			.collect::<candle::Result<Vec<_>>>()?;
		let mask = Tensor::stack(&masks, 0)?.unsqueeze(1)?.unsqueeze(1)?;
		Ok(Self { cos: cos.narrow(0, offset, seq)?, sin: sin.narrow(0, offset, seq)?, mask: Some(mask) })
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
/// run reads the same cached keys and values, and the cache is left as it was. The cached keys are never copied
/// per run: all runs' queries meet them in one product per key-value head, so its rows are `runs` times as many.
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
	let (old_k, old_v) = (old_k.squeeze(0)?, old_v.squeeze(0)?);
	let old = old_k.dim(1)?;
	let q = q.reshape((runs, kv_heads, rows, head_dim))?;
	let all_runs = q.transpose(0, 1)?.contiguous()?.reshape((kv_heads, runs.saturating_mul(rows), head_dim))?;
	let to_old = ops.matmul(&all_runs, &old_k.t()?)?.reshape((kv_heads, runs, rows, old))?.transpose(0, 1)?.contiguous()?;
	let to_new = ops.matmul(&q, &k.t()?)?;
	let att = (Tensor::cat(&[&to_old, &to_new], 3)? * scale(head_dim))?;
	let att = ops.softmax_last_dim(&masked(att, at, (runs, kv_heads, c.kv_groups(), seq))?)?;
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
	let att = (ops.matmul(&q, &k.t()?)? * scale(head_dim))?;
	let att = ops.softmax_last_dim(&masked(att, at, (b, kv_heads, groups, seq))?)?;
	ops.matmul(&att, v)?.reshape((b, heads, seq, head_dim))?.transpose(1, 2)?.reshape((b, seq, c.hidden_size))
}

/// Attention scores `(b, kv_heads, groups · seq, keys)` with `at`'s additive mask added to every query head.
fn masked(att: Tensor, at: &Positions, (b, kv_heads, groups, seq): (usize, usize, usize, usize)) -> candle::Result<Tensor> {
	let Some(mask) = &at.mask else { return Ok(att) };
	let keys = att.dim(3)?;
	att.reshape((b, kv_heads, groups, seq, keys))?.broadcast_add(mask)?.reshape((b, kv_heads, groups.saturating_mul(seq), keys))
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
