//! The two ways rows run through the decoder layers ([`Rows`]): one sequence with its model's own adapter, or
//! one new token for each of several sequences, each with its own adapter and cache (OpenLoRA).

use super::{
	attention::{attend, attend_after_shared, attend_over, Positions, Slot},
	layer::{DecoderLayer, Rows},
	ops::Ops,
	Config, KvCache, Llama, LoraTarget,
};
use candle::{Device, Tensor};
use rayon::prelude::*;

/// One sequence `(1, seq, hidden)`: every projection carries the model's own adapter, and attention runs over
/// the sequence's cache.
pub(super) struct OneSequence<'a> {
	pub(super) config: &'a Config,
	/// The cache's slot of every layer.
	pub(super) slots: &'a mut [Slot],
	pub(super) at: Positions,
	/// A decoding step: projections use their step weights.
	pub(super) step: bool,
}

impl Rows for OneSequence<'_> {
	fn project(&self, _: usize, layer: &DecoderLayer, target: LoraTarget, x: &Tensor) -> candle::Result<Tensor> {
		layer.projection(target).forward(x, self.step)
	}

	fn attend(&mut self, index: usize, q: &Tensor, k: &Tensor, v: &Tensor, ops: Ops) -> candle::Result<Tensor> {
		let slot = self.slots.get_mut(index).ok_or_else(|| candle::Error::msg("cache without layer"))?;
		attend(self.config, q, k, v, &self.at, slot, ops)
	}
}

/// Several runs `(runs, seq, hidden)` of the same new tokens after one shared cache, each with its own attention
/// mask (masked ablation): projections see all runs' rows as one matrix, so the weights are read once for all.
pub(super) struct SharedPrefixRuns<'a> {
	pub(super) config: &'a Config,
	/// The shared cache's slot of every layer (read, never written).
	pub(super) slots: &'a [Slot],
	pub(super) at: Positions,
}

impl Rows for SharedPrefixRuns<'_> {
	fn project(&self, _: usize, layer: &DecoderLayer, target: LoraTarget, x: &Tensor) -> candle::Result<Tensor> {
		let (runs, seq, width) = x.dims3()?;
		let y = layer.projection(target).forward(&x.reshape((runs.saturating_mul(seq), width))?, false)?;
		let out = y.dim(1)?;
		y.reshape((runs, seq, out))
	}

	fn attend(&mut self, index: usize, q: &Tensor, k: &Tensor, v: &Tensor, ops: Ops) -> candle::Result<Tensor> {
		let slot = self.slots.get(index).ok_or_else(|| candle::Error::msg("cache without layer"))?;
		attend_after_shared(self.config, q, k, v, &self.at, slot, ops)
	}
}

/// Independent runs packed one after another into one sequence `(1, Σ tokens, hidden)`, each after its own
/// cached prefix (exact leave-one-out: every suffix after a removed context). Projections multiply all runs'
/// rows as one matrix, with the model's own adapter — large products instead of one small product per run —
/// and attention runs run by run, over the run's own cache (read, never written) and its new positions.
pub(super) struct PackedRuns<'a> {
	pub(super) config: &'a Config,
	pub(super) runs: Vec<PackedRun>,
}

/// One run of [`PackedRuns`]: its rows `start..start + len` of the packed sequence, its positions after its
/// cache, and the cache's slot of every layer.
pub(super) struct PackedRun {
	pub(super) start: usize,
	pub(super) len: usize,
	pub(super) at: Positions,
	pub(super) slots: Vec<Slot>,
}

impl Rows for PackedRuns<'_> {
	fn project(&self, _: usize, layer: &DecoderLayer, target: LoraTarget, x: &Tensor) -> candle::Result<Tensor> {
		layer.projection(target).forward(x, false)
	}

	fn attend(&mut self, index: usize, q: &Tensor, k: &Tensor, v: &Tensor, ops: Ops) -> candle::Result<Tensor> {
		// Runs are independent: attended in parallel, collected in order (the result does not depend on
		// scheduling).
		let config = self.config;
		let outputs = self
			.runs
			.par_iter()
			.map(|run| {
				let slot = run.slots.get(index).ok_or_else(|| candle::Error::msg("cache without layer"))?;
				let rows = |t: &Tensor| t.narrow(1, run.start, run.len);
				attend_over(config, &rows(q)?, &rows(k)?, &rows(v)?, &run.at, slot, ops)
			})
			.collect::<candle::Result<Vec<_>>>()?;
		Tensor::cat(&outputs, 1)
	}
}

/// One new token for each of several sequences, `(rows, 1, hidden)`: row `i` runs on `models[i]` — clones of one
/// base that may carry different adapters — and attends over `caches[i]`. Every projection multiplies the base
/// weight once for all rows (its step weights: this is a decoding step), then adds each adapter's low-rank delta
/// to the rows that use it (rows grouped by adapter, as in S-LoRA and Punica); attention runs row by row.
pub(super) struct EachRow<'a> {
	pub(super) config: &'a Config,
	pub(super) models: &'a [&'a Llama],
	pub(super) groups: RowGroups,
	pub(super) caches: &'a mut [KvCache],
	/// Each row's position.
	pub(super) at: Vec<Positions>,
	/// Projections use their step weights.
	pub(super) step: bool,
}

impl Rows for EachRow<'_> {
	fn project(&self, index: usize, layer: &DecoderLayer, target: LoraTarget, x: &Tensor) -> candle::Result<Tensor> {
		let mut y = layer.projection(target).base_forward(x, self.step)?;
		for (model, rows) in &self.groups.0 {
			let delta = self.models.get(*model).and_then(|m| m.layers.get(index)?.projection(target).lora.as_ref());
			if let Some(delta) = delta {
				y = y.index_add(rows, &delta.apply(&x.index_select(rows, 0)?)?, 0)?;
			}
		}
		Ok(y)
	}

	fn attend(&mut self, index: usize, q: &Tensor, k: &Tensor, v: &Tensor, ops: Ops) -> candle::Result<Tensor> {
		let mut rows = Vec::with_capacity(self.caches.len());
		for (i, (cache, at)) in self.caches.iter_mut().zip(&self.at).enumerate() {
			let slot = cache.layers.get_mut(index).ok_or_else(|| candle::Error::msg("cache without layer"))?;
			let (qi, ki, vi) = (q.narrow(0, i, 1)?, k.narrow(0, i, 1)?, v.narrow(0, i, 1)?);
			rows.push(attend(self.config, &qi, &ki, &vi, at, slot, ops)?);
		}
		Tensor::cat(&rows, 0)
	}
}

/// The rows of a batch grouped by model (the same `&Llama` ⇒ the same adapter): `(index of the group's first
/// model, row indices)`.
pub(super) struct RowGroups(Vec<(usize, Tensor)>);

impl RowGroups {
	pub(super) fn of(models: &[&Llama], device: &Device) -> candle::Result<Self> {
		let mut groups: Vec<(usize, Vec<u32>)> = Vec::new();
		for (row, model) in models.iter().enumerate() {
			let row = u32::try_from(row).map_err(candle::Error::wrap)?;
			match groups.iter_mut().find(|(first, _)| models.get(*first).is_some_and(|m| std::ptr::eq(*m, *model))) {
				Some((_, rows)) => rows.push(row),
				None => groups.push((usize::try_from(row).map_err(candle::Error::wrap)?, vec![row])),
			}
		}
		let groups = groups
			.into_iter()
			.map(|(first, rows)| Ok((first, Tensor::new(rows.as_slice(), device)?)))
			.collect::<candle::Result<_>>()?;
		Ok(Self(groups))
	}
}
