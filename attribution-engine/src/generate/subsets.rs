//! Every context subset at once: the answer's teacher-forced log-probability with each of the `2^k` subsets of
//! the prompt's contexts kept (the rest removed, as leave-one-out removes one). What attribution is measured
//! against — the linear datamodeling score and the top-k drop enumerate these exactly — and what a
//! ContextCite-style surrogate samples from.
//!
//! The subsets form a binary tree (context i kept or removed, in prompt order), and every subset that shares
//! the decisions on contexts `< i` shares the KV cache after them: a depth-first walk feeds each context once per
//! tree node instead of once per subset, `Σᵢ 2ⁱ·|cᵢ|` tokens instead of `2^(k−1)·Σᵢ|cᵢ|` (≈ 4× fewer at k = 8).

use super::{llama::KvCache, Generator, Prompt};
use crate::error::{Result, WorkerError};

/// Most contexts whose subsets are enumerated (4 096 subsets).
pub const MAX_SUBSET_CONTEXTS: usize = 12;

/// `log p(answer | head, kept contexts, tail)` for every subset, indexed by mask (bit i set: context i kept).
#[derive(Clone, Debug, PartialEq)]
pub struct SubsetScores {
	/// Contexts in the prompt.
	pub contexts: usize,
	/// `2^contexts` log-probabilities, by mask.
	pub logp: Vec<f64>,
	/// Tokens fed through the model to compute them (cost).
	pub tokens_fed: usize,
}

impl SubsetScores {
	/// The mask with every context kept.
	pub fn all(&self) -> usize {
		(1usize << self.contexts).saturating_sub(1)
	}

	/// The log-probability with the contexts of `mask` kept (NaN for a mask out of range).
	pub fn get(&self, mask: usize) -> f64 {
		self.logp.get(mask).copied().unwrap_or(f64::NAN)
	}

	/// The same table with the contexts renumbered: bit i of the new masks is bit `position(i)` of the old
	/// (e.g. from prompt order back to retrieval rank).
	pub fn reindexed(&self, position: impl Fn(usize) -> usize) -> Self {
		let logp = (0..self.logp.len())
			.map(|mask| {
				let old = (0..self.contexts)
					.filter(|i| mask & (1usize << i) != 0)
					.fold(0usize, |acc, i| acc | (1usize << position(i)));
				self.get(old)
			})
			.collect();
		Self { contexts: self.contexts, logp, tokens_fed: self.tokens_fed }
	}
}

impl Generator {
	/// Scores the answer under every subset of the prompt's contexts, exactly (each removed context is gone
	/// from the prompt, positions close up). Deterministic: the two halves of the tree (first context kept or
	/// removed) run in parallel, each in a fixed order.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for more than [`MAX_SUBSET_CONTEXTS`] contexts or an empty answer;
	/// [`WorkerError::PromptTooLong`]; tensor failures.
	pub fn score_subsets(&self, prompt: &Prompt, answer: &[u32]) -> Result<SubsetScores> {
		let k = prompt.contexts();
		if k > MAX_SUBSET_CONTEXTS {
			return Err(WorkerError::InvalidInput(format!(
				"{k} contexts: at most {MAX_SUBSET_CONTEXTS} can have all their subsets scored"
			)));
		}
		if answer.is_empty() {
			return Err(WorkerError::InvalidInput("the answer is empty".into()));
		}
		self.check_fits(prompt.len().saturating_add(answer.len()))?;
		let head = prompt.segments.first().cloned().unwrap_or_default();
		let contexts: Vec<&[u32]> = prompt.segments.iter().skip(1).take(k).map(Vec::as_slice).collect();
		let tail: &[u32] = prompt.segments.last().map_or(&[], Vec::as_slice);
		let mut cache = KvCache::default();
		if !head.is_empty() {
			self.model.forward(&head, &mut cache)?;
		}
		let walk = Walk { generator: self, contexts: &contexts, tail, answer };
		let mut found = Vec::with_capacity(1usize << k);
		match contexts.first() {
			Some(first) => {
				let (with_first, without_first) = rayon::join(
					|| -> Result<Vec<(usize, f64)>> {
						let mut c = cache.clone();
						if !first.is_empty() {
							self.model.forward(first, &mut c)?;
						}
						let mut out = Vec::new();
						walk.descend(c, 1, 1, &mut out)?;
						Ok(out)
					},
					|| -> Result<Vec<(usize, f64)>> {
						let mut out = Vec::new();
						walk.descend(cache.clone(), 1, 0, &mut out)?;
						Ok(out)
					},
				);
				found.extend(with_first?);
				found.extend(without_first?);
			},
			None => walk.descend(cache, 0, 0, &mut found)?,
		}
		let mut logp = vec![f64::NAN; 1usize << k];
		for (mask, value) in found {
			if let Some(slot) = logp.get_mut(mask) {
				*slot = value;
			}
		}
		// Tokens fed: the head once, context i once per node at depth i (2^i of them), the tail and the answer
		// (but its last token) once per subset.
		let mut tokens_fed = head.len();
		for (i, c) in contexts.iter().enumerate() {
			tokens_fed = tokens_fed.saturating_add(c.len().saturating_mul(1usize << i));
		}
		let per_leaf = tail.len().saturating_add(answer.len().saturating_sub(1));
		tokens_fed = tokens_fed.saturating_add(per_leaf.saturating_mul(1usize << k));
		Ok(SubsetScores { contexts: k, logp, tokens_fed })
	}
}

/// The depth-first walk over keep/remove decisions.
struct Walk<'a> {
	generator: &'a Generator,
	contexts: &'a [&'a [u32]],
	tail: &'a [u32],
	answer: &'a [u32],
}

impl Walk<'_> {
	/// Decides context `depth` onwards from `cache` (which holds the head and the kept contexts `< depth`,
	/// recorded in `mask`), pushing `(mask, log p)` for every leaf below.
	fn descend(&self, cache: KvCache, depth: usize, mask: usize, out: &mut Vec<(usize, f64)>) -> Result<()> {
		let Some(context) = self.contexts.get(depth) else {
			let mut cache = cache;
			out.push((mask, self.generator.score_from(&mut cache, self.tail, self.answer)?));
			return Ok(());
		};
		let mut kept = cache.clone();
		if !context.is_empty() {
			self.generator.model.forward(context, &mut kept)?;
		}
		self.descend(kept, depth.saturating_add(1), mask | (1usize << depth), out)?;
		self.descend(cache, depth.saturating_add(1), mask, out)
	}
}
