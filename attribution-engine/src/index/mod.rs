//! Exact nearest-neighbour search over chunk embeddings.
//!
//! Vectors are unit-length, so inner product = cosine. [`VectorIndex::search`] is exact in f32: rows are
//! scanned in cache-sized blocks, each block scored against all queries with one GEMM, blocks in parallel,
//! per-query top-k merged with a total order (score, then row) so results never depend on thread timing.
//! [`VectorIndex::search_int8`] scans 8-bit codes (4× less memory traffic) and rescores a shortlist in f32.

pub mod store;
pub mod topk;

use crate::{
	chunk::ChunkId,
	error::{Result, WorkerError},
	matmul::{product, Threads},
};
use rayon::prelude::*;
pub use topk::{Hit, TopK};

/// Rows per block: 1024 × 384 f32 = 1.5 MiB, about one core's L2.
const BLOCK_ROWS: usize = 1024;

/// Chunk vectors, row-major, with their chunk ids.
#[derive(Clone, Debug, Default)]
pub struct VectorIndex {
	dim: usize,
	ids: Vec<ChunkId>,
	vectors: Vec<f32>,
	codes: Option<Int8Codes>,
}

/// Per-row symmetric 8-bit quantisation: `x ≈ scale · q`.
#[derive(Clone, Debug)]
struct Int8Codes {
	codes: Vec<i8>,
	scales: Vec<f32>,
}

impl VectorIndex {
	/// An empty index of `dim`-wide vectors.
	pub fn new(dim: usize) -> Self {
		Self { dim, ..Default::default() }
	}

	/// Builds from parts.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] when the vector buffer does not hold `ids.len()` rows of `dim`.
	pub fn from_parts(dim: usize, ids: Vec<ChunkId>, vectors: Vec<f32>) -> Result<Self> {
		if dim == 0 || ids.len().checked_mul(dim) != Some(vectors.len()) {
			return Err(WorkerError::InvalidInput(format!(
				"{} vectors of width {dim} need {} floats, got {}",
				ids.len(),
				ids.len().saturating_mul(dim),
				vectors.len()
			)));
		}
		Ok(Self { dim, ids, vectors, codes: None })
	}

	/// Appends a row.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a vector of the wrong width.
	pub fn push(&mut self, id: ChunkId, vector: &[f32]) -> Result<()> {
		if vector.len() != self.dim {
			return Err(WorkerError::InvalidInput(format!(
				"vector of width {}, index width {}",
				vector.len(),
				self.dim
			)));
		}
		self.ids.push(id);
		self.vectors.extend_from_slice(vector);
		self.codes = None;
		Ok(())
	}

	pub fn dim(&self) -> usize {
		self.dim
	}

	pub fn len(&self) -> usize {
		self.ids.len()
	}

	pub fn is_empty(&self) -> bool {
		self.ids.is_empty()
	}

	pub fn ids(&self) -> &[ChunkId] {
		&self.ids
	}

	/// Row `i`'s vector.
	pub fn vector(&self, row: usize) -> Option<&[f32]> {
		self.vectors.get(row.checked_mul(self.dim)?..row.checked_add(1)?.checked_mul(self.dim)?)
	}

	pub fn vectors(&self) -> &[f32] {
		&self.vectors
	}

	fn check_queries(&self, queries: &[f32]) -> Result<usize> {
		if self.dim == 0 || !queries.len().is_multiple_of(self.dim) {
			return Err(WorkerError::InvalidInput(format!(
				"query buffer of {} floats is not a multiple of width {}",
				queries.len(),
				self.dim
			)));
		}
		Ok(queries.len() / self.dim)
	}

	/// Exact top-`k` by inner product for each query (`queries` row-major, `q × dim`).
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a query buffer of the wrong width.
	pub fn search(&self, queries: &[f32], k: usize) -> Result<Vec<Vec<Hit>>> {
		let q = self.check_queries(queries)?;
		let dim = self.dim;
		let n = self.len();
		let blocks = n.div_ceil(BLOCK_ROWS);
		let merged = (0..blocks)
			.into_par_iter()
			.fold(
				|| vec![TopK::new(k); q],
				|mut tops, b| {
					let start = b.saturating_mul(BLOCK_ROWS);
					let rows = BLOCK_ROWS.min(n.saturating_sub(start));
					let block = self
						.vectors
						.get(start.saturating_mul(dim)..(start.saturating_add(rows)).saturating_mul(dim))
						.unwrap_or_default();
					let scores = block_scores(queries, q, block, rows, dim);
					for (qi, top) in tops.iter_mut().enumerate() {
						let row_scores = scores
							.get(qi.saturating_mul(rows)..qi.saturating_add(1).saturating_mul(rows))
							.unwrap_or_default();
						let mut threshold = top.threshold();
						for (j, &s) in row_scores.iter().enumerate() {
							if s >= threshold {
								top.push(Hit { row: start.saturating_add(j), score: s });
								threshold = top.threshold();
							}
						}
					}
					tops
				},
			)
			.reduce(
				|| vec![TopK::new(k); q],
				|mut a, b| {
					for (x, y) in a.iter_mut().zip(b) {
						x.merge(y);
					}
					a
				},
			);
		Ok(merged.into_iter().map(TopK::into_sorted).collect())
	}

	/// Builds the 8-bit codes (done once; pushing a row drops them).
	pub fn build_int8(&mut self) {
		let dim = self.dim;
		let mut codes = Vec::with_capacity(self.vectors.len());
		let mut scales = Vec::with_capacity(self.len());
		for row in self.vectors.chunks_exact(dim) {
			let (scale, q) = quantise(row);
			scales.push(scale);
			codes.extend(q);
		}
		self.codes = Some(Int8Codes { codes, scales });
	}

	/// Approximate scan over 8-bit codes, keeping `k · rescore` candidates, then exact f32 rescoring: the
	/// returned scores are exact inner products. Builds the codes first if needed.
	///
	/// # Errors
	/// [`WorkerError::InvalidInput`] for a query buffer of the wrong width.
	pub fn search_int8(&mut self, queries: &[f32], k: usize, rescore: usize) -> Result<Vec<Vec<Hit>>> {
		let q = self.check_queries(queries)?;
		if self.codes.is_none() {
			self.build_int8();
		}
		let Some(codes) = self.codes.as_ref() else {
			return Ok(vec![Vec::new(); q]);
		};
		let dim = self.dim;
		let shortlist = k.saturating_mul(rescore.max(1));
		let results = queries
			.par_chunks_exact(dim)
			.map(|query| {
				let (qs, qcode) = quantise(query);
				let candidates = codes
					.codes
					.par_chunks(BLOCK_ROWS.saturating_mul(dim))
					.enumerate()
					.fold(
						|| TopK::new(shortlist),
						|mut top, (b, block)| {
							let base = b.saturating_mul(BLOCK_ROWS);
							for (j, row) in block.chunks_exact(dim).enumerate() {
								let r = base.saturating_add(j);
								let s = codes.scales.get(r).copied().unwrap_or(0.0);
								#[allow(clippy::cast_precision_loss)]
								let approx = dot_i8(&qcode, row) as f32 * qs * s;
								if approx >= top.threshold() {
									top.push(Hit { row: r, score: approx });
								}
							}
							top
						},
					)
					.reduce(
						|| TopK::new(shortlist),
						|mut a, b| {
							a.merge(b);
							a
						},
					);
				let mut exact = TopK::new(k);
				for h in candidates.into_sorted() {
					if let Some(v) = self.vector(h.row) {
						exact.push(Hit { row: h.row, score: dot_f32(query, v) });
					}
				}
				exact.into_sorted()
			})
			.collect();
		Ok(results)
	}
}

/// Scores `q` queries against `rows` block rows with one GEMM: `(q × dim) · (rows × dim)ᵀ`, row-major out.
fn block_scores(queries: &[f32], q: usize, block: &[f32], rows: usize, dim: usize) -> Vec<f32> {
	let mut out = vec![0f32; q.saturating_mul(rows)];
	if q == 0 || rows == 0 || queries.len() < q.saturating_mul(dim) || block.len() < rows.saturating_mul(dim) {
		return out;
	}
	// SAFETY: dst is q×rows (row stride rows), lhs is q×dim (row stride dim), rhs is the transposed block,
	// dim×rows (row stride 1 over dim, column stride dim over rows); the length checks above guarantee every
	// index gemm touches is in bounds, and the three buffers do not overlap.
	unsafe {
		product(Threads::One, q, rows, dim, out.as_mut_ptr(), rows, queries.as_ptr(), dim, 1, block.as_ptr(), 1, dim);
	}
	out
}

/// `(scale, codes)` with `x ≈ scale · code`, codes in [−127, 127].
fn quantise(x: &[f32]) -> (f32, Vec<i8>) {
	let max = x.iter().fold(0f32, |m, v| m.max(v.abs()));
	if max == 0.0 {
		return (0.0, vec![0; x.len()]);
	}
	let scale = max / 127.0;
	#[allow(clippy::cast_possible_truncation)]
	let codes = x.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8).collect();
	(scale, codes)
}

/// Inner product of two f32 slices (fixed order: bit-identical everywhere for the same build).
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
	let mut acc = [0f32; 8];
	let chunks = a.chunks_exact(8).zip(b.chunks_exact(8));
	for (x, y) in chunks {
		for ((s, xi), yi) in acc.iter_mut().zip(x).zip(y) {
			*s += xi * yi;
		}
	}
	let tail: f32 = a.chunks_exact(8).remainder().iter().zip(b.chunks_exact(8).remainder()).map(|(x, y)| x * y).sum();
	acc.iter().sum::<f32>() + tail
}

/// Inner product of 8-bit codes, exact in i32 (dispatches to an AVX2 build of the same loop when available).
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
	#[cfg(target_arch = "x86_64")]
	{
		if crate::simd::allows(crate::simd::SimdLevel::Avx2) && std::is_x86_feature_detected!("avx2") {
			// SAFETY: the CPU supports AVX2, checked just above.
			return unsafe { dot_i8_avx2(a, b) };
		}
	}
	dot_i8_portable(a, b)
}

#[inline(always)]
fn dot_i8_portable(a: &[i8], b: &[i8]) -> i32 {
	a.iter().zip(b).map(|(&x, &y)| i32::from(i16::from(x) * i16::from(y))).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
	dot_i8_portable(a, b)
}
