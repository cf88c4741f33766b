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
	let head_dim = c.head_dim();
	let (b, seq, _) = q.dims3()?;
	let q = q.reshape((b, seq, c.num_attention_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	let k = k.reshape((b, seq, c.num_key_value_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	let v = v.reshape((b, seq, c.num_key_value_heads, head_dim))?.transpose(1, 2)?.contiguous()?;
	let (q, k) = (ops.rope(&q, &at.cos, &at.sin)?, ops.rope(&k, &at.cos, &at.sin)?);
	let (k, v) = match slot.as_ref() {
		Some((pk, pv)) => (Tensor::cat(&[pk, &k], 2)?, Tensor::cat(&[pv, &v], 2)?),
		None => (k, v),
	};
	*slot = Some((k.clone(), v.clone()));
	let k = candle_transformers::utils::repeat_kv(k, c.kv_groups())?.contiguous()?;
	let v = candle_transformers::utils::repeat_kv(v, c.kv_groups())?.contiguous()?;
	#[allow(clippy::cast_precision_loss)]
	let scale = 1.0 / (head_dim as f64).sqrt();
	let att = (q.matmul(&k.t()?)? * scale)?;
	let att = match &at.mask {
		Some(m) => att.broadcast_add(m)?,
		None => att,
	};
	let att = ops.softmax_last_dim(&att)?;
	att.matmul(&v)?.transpose(1, 2)?.reshape((b, seq, c.hidden_size))
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
