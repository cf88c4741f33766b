//! Projections in the protocol's bf16 arithmetic (`openledger_primitives::attribution::ATTRIBUTION_PRODUCTS`):
//! `x · W` with both operands rounded to bf16 and the products summed in f32.
//!
//! [`PackedBf16`] runs it on AVX512-BF16's `vdpbf16ps`, which multiplies pairs of bf16 values and adds both
//! products into f32 lanes: 32 multiply-adds per instruction, twice an f32 FMA's 16. CPUs without it compute the
//! same products in f32 from the rounded operands ([`Bf16Kernel::F32`], on `gemm`). The two differ only in the
//! order and rounding of the f32 sums, and `vdpbf16ps` flushes subnormals to zero.
//!
//! The weight is packed once, in panels of [`NR`] output columns: for every pair of inputs `(2p, 2p+1)` a panel
//! holds one 32-bit word per column, the bf16 of `W[2p]` in its low half and of `W[2p+1]` in its high half — the
//! operand layout of `vdpbf16ps`. Each product packs the input rows the same way, then every tile of [`MR`] rows
//! by one panel keeps its 2·[`MR`] accumulators in registers over all the pairs.

use super::Threads;
use openledger_primitives::attribution::bf16_bits;
use rayon::prelude::*;

/// Output columns per panel: two vectors of 16 f32 lanes.
const NR: usize = 32;
/// Rows per register tile: 12 accumulators, two weight vectors and a broadcast input fit AVX-512's 32 registers.
const MR: usize = 6;
/// Most rows one task multiplies: their packed inputs stay in L2 (≤ 96 × 768 pairs × 4 bytes = 288 KiB) beside
/// one weight panel (≤ 96 KiB for SmolLM2's 1 536 inputs), and every panel is read once per task.
const MC: usize = 96;

/// Which kernel computes bf16 products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bf16Kernel {
	/// `vdpbf16ps` where the CPU has AVX512-BF16, else [`Bf16Kernel::F32`].
	Widest,
	/// The rounded operands multiplied and summed in f32 on `gemm`: what a CPU without AVX512-BF16 runs (and a
	/// measurement of how far the two kernels lie apart).
	F32,
}

impl Bf16Kernel {
	/// True when this kernel runs `vdpbf16ps` on this CPU.
	pub fn is_native(self) -> bool {
		self == Self::Widest && native_available()
	}
}

/// True when this CPU has AVX-512F and AVX512-BF16.
pub fn native_available() -> bool {
	#[cfg(target_arch = "x86_64")]
	{
		std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16")
	}
	#[cfg(not(target_arch = "x86_64"))]
	{
		false
	}
}

/// A weight `(in, out)` packed for `vdpbf16ps` (module docs).
#[derive(Clone, Debug)]
pub(crate) struct PackedBf16 {
	inputs: usize,
	outputs: usize,
	/// `inputs` rounded up to pairs.
	pairs: usize,
	/// Panel after panel, each `pairs × NR` words.
	words: Vec<u32>,
}

/// Two bf16 values in one word, `lo` in the low half (the element of even index).
#[inline]
fn pair(lo: f32, hi: f32) -> u32 {
	u32::from(bf16_bits(lo)) | (u32::from(bf16_bits(hi)) << 16)
}

impl PackedBf16 {
	/// Packs `weight`, `(inputs, outputs)` row-major (the transposed layout projections keep).
	pub(crate) fn pack(weight: &[f32], inputs: usize, outputs: usize) -> candle::Result<Self> {
		if inputs == 0 || weight.len() != inputs.saturating_mul(outputs) {
			candle::bail!("bf16 packing: {} elements for a {inputs}×{outputs} weight", weight.len());
		}
		let pairs = inputs.div_ceil(2);
		let panels = outputs.div_ceil(NR);
		let at = |row: usize, col: usize| if row < inputs && col < outputs { weight[row * outputs + col] } else { 0.0 };
		let mut words = vec![0u32; panels * pairs * NR];
		words.par_chunks_mut(pairs * NR).enumerate().for_each(|(panel, chunk)| {
			for (p, lanes) in chunk.chunks_exact_mut(NR).enumerate() {
				for (c, word) in lanes.iter_mut().enumerate() {
					let col = panel * NR + c;
					*word = pair(at(2 * p, col), at(2 * p + 1, col));
				}
			}
		});
		Ok(Self { inputs, outputs, pairs, words })
	}

	pub(crate) fn inputs(&self) -> usize {
		self.inputs
	}

	pub(crate) fn outputs(&self) -> usize {
		self.outputs
	}

	/// `x · W` for `x` of `(rows, inputs)` row-major: `(rows, outputs)` row-major. Needs AVX512-BF16
	/// ([`native_available`]); refused by name without it.
	pub(crate) fn product(&self, x: &[f32], rows: usize, threads: Threads) -> candle::Result<Vec<f32>> {
		if x.len() != rows.saturating_mul(self.inputs) {
			candle::bail!("bf16 projection: {} elements for {rows} rows of {}", x.len(), self.inputs);
		}
		if !native_available() {
			candle::bail!("bf16 projection: this CPU has no AVX512-BF16");
		}
		let (inputs, pairs) = (self.inputs, self.pairs);
		// The inputs packed as the weight is: a row's bf16 values in order (on this little-endian target, element
		// 2p in the low half of word p), then a zero to fill the last pair.
		let mut packed: Vec<u32> = Vec::with_capacity(rows * pairs);
		let pack_row = |(src, words): (&[f32], &mut [std::mem::MaybeUninit<u32>])| {
			// SAFETY: two u16 per u32 word, with u16's weaker alignment; MaybeUninit<u32> may be written as bytes.
			let halves = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u16>(), 2 * words.len()) };
			let (values, pad) = halves.split_at_mut(inputs);
			for (half, &v) in values.iter_mut().zip(src) {
				*half = bf16_bits(v);
			}
			pad.fill(0);
		};
		let spare = &mut packed.spare_capacity_mut()[..rows * pairs];
		match threads {
			Threads::Pool => x.par_chunks(inputs).zip(spare.par_chunks_mut(pairs)).for_each(pack_row),
			Threads::One => x.chunks(inputs).zip(spare.chunks_mut(pairs)).for_each(pack_row),
		}
		// SAFETY: every word of the first rows × pairs was written just above (each row's values and pad).
		unsafe { packed.set_len(rows * pairs) };
		let len = rows * self.outputs;
		let mut out: Vec<f32> = Vec::with_capacity(len);
		let panels = self.outputs.div_ceil(NR);
		let workers = match threads {
			Threads::Pool => rayon::current_num_threads().max(1),
			Threads::One => 1,
		};
		let tasks = split(rows, panels, workers);
		let dst = Output(out.as_mut_ptr());
		let run = |task: &Task| {
			// SAFETY: the CPU has AVX512-BF16 (checked above); tasks cover disjoint tiles of `out` (`split`), and
			// every pointer the tile reads or writes lies in `packed`, `self.words` or `out` (sizes above).
			unsafe { self.task(task, &packed, dst.get()) }
		};
		if tasks.len() > 1 {
			tasks.par_iter().for_each(run);
		} else {
			tasks.iter().for_each(run);
		}
		// SAFETY: the tasks cover every tile once (`split`), and each tile writes all its rows' columns.
		unsafe { out.set_len(len) };
		Ok(out)
	}

	/// One task's rows by its panels.
	///
	/// # Safety
	/// The CPU has AVX512-BF16; `out` is `rows × outputs` for the `packed` inputs' rows, and no other task
	/// writes this task's tiles.
	unsafe fn task(&self, task: &Task, packed: &[u32], out: *mut f32) {
		let pairs = self.pairs;
		for panel in task.panels.clone() {
			let weights = self.words.as_ptr().add(panel * pairs * NR);
			let cols = (self.outputs - panel * NR).min(NR);
			let mut row = task.rows.start;
			while row < task.rows.end {
				let height = (task.rows.end - row).min(MR);
				let a = packed.as_ptr().add(row * pairs);
				let c = out.add(row * self.outputs + panel * NR);
				#[cfg(target_arch = "x86_64")]
				match height {
					6 => native::tile::<6>(a, pairs, weights, c, self.outputs, cols),
					5 => native::tile::<5>(a, pairs, weights, c, self.outputs, cols),
					4 => native::tile::<4>(a, pairs, weights, c, self.outputs, cols),
					3 => native::tile::<3>(a, pairs, weights, c, self.outputs, cols),
					2 => native::tile::<2>(a, pairs, weights, c, self.outputs, cols),
					_ => native::tile::<1>(a, pairs, weights, c, self.outputs, cols),
				}
				row += height;
			}
		}
	}
}

/// The output buffer, shared by tasks that write disjoint tiles of it.
struct Output(*mut f32);

// SAFETY: tasks write disjoint tiles (`split`), and the buffer outlives them (they run inside `product`).
unsafe impl Send for Output {}
// SAFETY: as above.
unsafe impl Sync for Output {}

impl Output {
	fn get(&self) -> *mut f32 {
		self.0
	}
}

/// A range of rows by a range of panels.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Task {
	rows: std::ops::Range<usize>,
	panels: std::ops::Range<usize>,
}

/// Splits `rows × panels` for `workers` threads: into equal row blocks of at most [`MC`] rows (whole tiles of
/// [`MR`]), a multiple of `workers` of them; too few rows for that, into `workers` ranges of panels.
fn split(rows: usize, panels: usize, workers: usize) -> Vec<Task> {
	if rows == 0 || panels == 0 {
		return Vec::new();
	}
	if rows >= 2 * MR * workers || workers == 1 {
		let rounds = rows.div_ceil(MC * workers);
		let blocks = rounds * workers;
		let height = rows.div_ceil(blocks).div_ceil(MR) * MR;
		return (0..rows)
			.step_by(height)
			.map(|start| Task { rows: start..(start + height).min(rows), panels: 0..panels })
			.collect();
	}
	let width = panels.div_ceil(workers);
	(0..panels).step_by(width).map(|start| Task { rows: 0..rows, panels: start..(start + width).min(panels) }).collect()
}

#[cfg(target_arch = "x86_64")]
mod native {
	use super::NR;
	use std::arch::x86_64::*;

	/// `R` rows of packed inputs (row stride `pairs` words) by one weight panel into `c` (row stride `c_rs`, its
	/// first `cols` ≤ 32 columns written).
	///
	/// # Safety
	/// AVX512-BF16; `a` holds `R × pairs` words, `b` holds `pairs × NR`, and `c` has room for `R` rows of `cols`.
	#[target_feature(enable = "avx512f,avx512bf16")]
	pub(super) unsafe fn tile<const R: usize>(
		a: *const u32,
		pairs: usize,
		b: *const u32,
		c: *mut f32,
		c_rs: usize,
		cols: usize,
	) {
		let mut low = [_mm512_setzero_ps(); R];
		let mut high = [_mm512_setzero_ps(); R];
		for p in 0..pairs {
			let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(p * NR).cast()));
			let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(p * NR + 16).cast()));
			for r in 0..R {
				let x: __m512bh = std::mem::transmute(_mm512_set1_epi32(*a.add(r * pairs + p) as i32));
				low[r] = _mm512_dpbf16_ps(low[r], x, b0);
				high[r] = _mm512_dpbf16_ps(high[r], x, b1);
			}
		}
		let mask = if cols >= NR { u32::MAX } else { (1u32 << cols) - 1 };
		let (mask_low, mask_high) = (mask as u16, (mask >> 16) as u16);
		for r in 0..R {
			let row = c.add(r * c_rs);
			if mask == u32::MAX {
				_mm512_storeu_ps(row, low[r]);
				_mm512_storeu_ps(row.add(16), high[r]);
			} else {
				_mm512_mask_storeu_ps(row, mask_low, low[r]);
				if mask_high != 0 {
					_mm512_mask_storeu_ps(row.add(16), mask_high, high[r]);
				}
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use openledger_primitives::attribution::round_to_bf16;

	fn values(len: usize, seed: u32) -> Vec<f32> {
		let mut state = seed.max(1);
		(0..len)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 17;
				state ^= state << 5;
				(state as f32 / u32::MAX as f32 - 0.5) * 4.0
			})
			.collect()
	}

	/// The rounded operands' products summed in f64: the exact bf16 product up to f64 rounding.
	fn reference(x: &[f32], w: &[f32], rows: usize, inputs: usize, outputs: usize) -> Vec<f64> {
		let mut out = vec![0f64; rows * outputs];
		for r in 0..rows {
			for i in 0..inputs {
				let a = f64::from(round_to_bf16(x[r * inputs + i]));
				for o in 0..outputs {
					out[r * outputs + o] += a * f64::from(round_to_bf16(w[i * outputs + o]));
				}
			}
		}
		out
	}

	#[test]
	fn tasks_cover_every_tile_once_and_balance_the_threads() {
		for (rows, panels, workers) in [(1, 18, 2), (11, 48, 2), (12, 3, 2), (300, 18, 2), (700, 48, 2), (97, 5, 1), (5, 1, 3)] {
			let tasks = split(rows, panels, workers);
			let mut seen = vec![0u8; rows * panels];
			for t in &tasks {
				for r in t.rows.clone() {
					for p in t.panels.clone() {
						seen[r * panels + p] += 1;
					}
				}
			}
			assert!(seen.iter().all(|&n| n == 1), "{rows}×{panels} on {workers}: {tasks:?}");
			assert!(tasks.iter().all(|t| t.rows.len() <= MC.max(MR)), "{tasks:?}");
		}
		// 300 rows on two threads: four blocks of 78, 78, 78 and 66, not 96, 96, 96 and 12.
		let heights: Vec<usize> = split(300, 18, 2).iter().map(|t| t.rows.len()).collect();
		assert_eq!(heights, vec![78, 78, 78, 66]);
		assert_eq!(split(0, 4, 2), Vec::new());
	}

	#[test]
	fn the_native_kernel_computes_the_rounded_operands_products_at_every_edge() {
		if !native_available() {
			eprintln!("skipped: this CPU has no AVX512-BF16 (the f32 kernel is tested with the projections)");
			return;
		}
		// Odd inputs (a half pair), outputs off the panel width, rows off the tile height, and SmolLM2's shapes.
		for (rows, inputs, outputs) in [(1, 1, 1), (7, 19, 5), (13, 33, 47), (37, 576, 192), (200, 576, 1536), (3, 1536, 576)] {
			let x = values(rows * inputs, 7 + rows as u32);
			let w = values(inputs * outputs, 11 + outputs as u32);
			let packed = PackedBf16::pack(&w, inputs, outputs).unwrap();
			let exact = reference(&x, &w, rows, inputs, outputs);
			for threads in [Threads::One, Threads::Pool] {
				let ours = packed.product(&x, rows, threads).unwrap();
				assert_eq!(ours.len(), rows * outputs);
				// f32 sums of `inputs` terms of size ≤ 4: each within inputs · 2⁻²⁴ · (sum of |terms|).
				for (i, (a, b)) in ours.iter().zip(&exact).enumerate() {
					let bound = inputs as f64 * 4.0 * f64::from(f32::EPSILON) * 4.0;
					assert!((f64::from(*a) - b).abs() <= bound, "{rows}×{inputs}×{outputs} at {i}: {a} against {b}");
				}
			}
			// One thread or the pool: every element is summed by one tile in one order.
			let one = packed.product(&x, rows, Threads::One).unwrap();
			let pool = packed.product(&x, rows, Threads::Pool).unwrap();
			assert_eq!(one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), pool.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
		}
	}

	#[test]
	fn shapes_are_checked_by_name() {
		assert!(PackedBf16::pack(&[1.0; 6], 4, 2).is_err());
		assert!(PackedBf16::pack(&[], 0, 0).is_err());
		let packed = PackedBf16::pack(&[1.0; 6], 3, 2).unwrap();
		assert_eq!((packed.inputs(), packed.outputs()), (3, 2));
		let err = packed.product(&[1.0; 5], 2, Threads::One).unwrap_err().to_string();
		assert!(err.contains("5 elements for 2 rows of 3"), "{err}");
	}
}
