//! Products in the protocol's bf16 arithmetic (`openledger_primitives::attribution::ProductArithmetic::Bf16`):
//! both operands rounded to bf16, and every output summed exactly as AVX512-BF16's `vdpbf16ps` sums it with one
//! accumulator (`bf16_pair_step`, pair after pair in order). Two kernels compute it, to the same bits:
//!
//! * [`Bf16Kernel::Widest`] runs `vdpbf16ps` where the CPU has AVX512-BF16: 32 multiply-adds per instruction,
//!   twice an f32 FMA's 16;
//! * [`Bf16Kernel::Portable`] runs the same steps as f32 fused multiply-adds with subnormals flushed, 32 lanes
//!   wide, compiled for AVX-512F, for AVX2 + FMA (in tiles of 4 rows by 16 lanes, which fit its registers) and for
//!   the baseline (the widest this CPU has runs, within `crate::simd::limit_simd`). CPUs without AVX512-BF16 use
//!   it; it is about half as fast as the f32 GEMM.
//!
//! The weight is packed once, in panels of [`NR`] output columns: for every pair of inputs `(2p, 2p+1)` a panel
//! holds one 32-bit word per column, the bf16 of `W[2p]` in its low half and of `W[2p+1]` in its high half — the
//! operand layout of `vdpbf16ps`. Each product packs the input rows the same way, then every tile of a few rows
//! ([`NATIVE_ROWS`] on `vdpbf16ps`, [`MR`] or fewer on the portable kernel) by one panel keeps its accumulators in
//! registers over all the pairs. No sum is ever split.

use super::Threads;
use openledger_primitives::attribution::bf16_operand;
use candle::Tensor;
use rayon::prelude::*;

// Input rows are packed as u16 halves of u32 words (`product_into`): low half first, as on little-endian targets.
const _: () = assert!(cfg!(target_endian = "little"), "bf16 packing assumes a little-endian target");

/// Output columns per panel: two vectors of 16 f32 lanes.
const NR: usize = 32;
/// Rows per tile of the portable kernel on AVX-512 (and the baseline): 12 accumulators, the panel's four unpacked
/// weight vectors and a row's two unpacked inputs fit AVX-512's 32 registers.
const MR: usize = 6;
/// Rows per `vdpbf16ps` tile: 16 accumulators, two weight vectors and a broadcast input (19 of 32 registers).
/// Chosen by `bench products` (SmolLM2's projections, 860 rows, Zen 5, interleaved): 8 rows ran 411–436 billion
/// multiply-adds a second, 0.86–0.89 of the instruction's peak, where 6 rows ran 368–381 (docs/BENCHMARKS.md).
/// Each weight vector loaded feeds 8 instructions instead of 6.
const NATIVE_ROWS: usize = 8;
// `PackedBf16::task` has a tile for every height up to 8.
const _: () = assert!(NATIVE_ROWS <= 8 && MR <= 8, "a tile taller than PackedBf16::task's tiles");
/// Most rows one task multiplies (a multiple of every tile height): their packed inputs stay in L2 (≤ 96 × 768
/// pairs × 4 bytes = 288 KiB) beside
/// one weight panel (≤ 96 KiB for SmolLM2's 1 536 inputs), and every panel is read once per task.
const MC: usize = 96;

/// Which kernel computes bf16 products (the same bits either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bf16Kernel {
	/// `vdpbf16ps` where the CPU has AVX512-BF16, else [`Bf16Kernel::Portable`].
	Widest,
	/// The same steps in f32 fused multiply-adds: what a CPU without AVX512-BF16 runs.
	Portable,
}

impl Bf16Kernel {
	/// True when this kernel runs `vdpbf16ps` on this CPU.
	pub fn is_native(self) -> bool {
		self == Self::Widest && native_available()
	}

	/// Rows of one register tile of this kernel on this CPU: blocks of rows in whole tiles waste no lanes.
	pub(crate) fn tile_rows(self) -> usize {
		if self.is_native() {
			NATIVE_ROWS
		} else {
			portable::tile_rows()
		}
	}
}

/// True when this CPU has AVX-512F and AVX512-BF16 and the engine's SIMD limit allows AVX-512.
pub fn native_available() -> bool {
	#[cfg(target_arch = "x86_64")]
	{
		crate::simd::simd_level() == crate::simd::SimdLevel::Avx512 && std::arch::is_x86_feature_detected!("avx512bf16")
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
	/// Per panel, the smallest biased exponent of its nonzero operands ([`Floor`]).
	floors: Vec<u16>,
}

/// The smallest biased exponent of nonzero bf16 operands (255 when all are zero). Every product of operands with
/// biased exponents `bx` and `bw` is a whole multiple of `2^(bx + bw − 254 − 14)`, and so is every partial sum
/// of such products and its rounding to f32. When `bx + bw ≥ NO_FLUSH_FLOOR` that unit is at least 2⁻¹²⁶, so
/// no step's result can be subnormal and the portable kernel may skip its flushes: the same bits, faster.
struct Floor;

/// See [`Floor`]: `bx + bw − 254 − 14 ≥ −126`.
const NO_FLUSH_FLOOR: u16 = 142;

impl Floor {
	/// Of the bf16 halves of `words`.
	fn of(words: &[u32]) -> u16 {
		words
			.iter()
			.flat_map(|w| [*w as u16, (*w >> 16) as u16])
			.filter(|h| h & 0x7fff != 0)
			.map(|h| (h >> 7) & 0xff)
			.min()
			.unwrap_or(255)
	}
}

/// One input row as the kernels read it: its values as bf16 operands in order, then zeros to fill `halves`.
#[inline(always)]
fn pack_row_portable(src: &[f32], halves: &mut [std::mem::MaybeUninit<u16>]) {
	let (values, pad) = halves.split_at_mut(src.len().min(halves.len()));
	for (half, &v) in values.iter_mut().zip(src) {
		half.write(bf16_operand(v));
	}
	for half in pad {
		half.write(0);
	}
}

// Packing every product's input rows is a pass over them as long as a weight panel's: compiled wide, it takes
// a few percent of an attribution instead of a tenth.
crate::simd::widest_simd!(pack_row, super::pack_row_portable, (src: &[f32], halves: &mut [std::mem::MaybeUninit<u16>]));

/// Words of two rows' values in pairs, `low[c]` and `high[c]` in word `c` ([`pair`]).
#[inline(always)]
fn pair_lanes_portable(low: &[f32], high: &[f32], words: &mut [u32]) {
	for ((word, &lo), &hi) in words.iter_mut().zip(low).zip(high) {
		*word = pair(lo, hi);
	}
}

crate::simd::widest_simd!(pair_lanes, super::pair_lanes_portable, (low: &[f32], high: &[f32], words: &mut [u32]));

/// Two bf16 values in one word, `lo` in the low half (the element of even index).
#[inline(always)]
fn pair(lo: f32, hi: f32) -> u32 {
	u32::from(bf16_operand(lo)) | (u32::from(bf16_operand(hi)) << 16)
}

impl PackedBf16 {
	/// Packs `weight` given as `(outputs, inputs)` row-major — attention's keys, whose transpose is the right
	/// operand of the scores — reading it in place.
	pub(crate) fn pack_transposed(weight: &[f32], inputs: usize, outputs: usize) -> candle::Result<Self> {
		if inputs == 0 || weight.len() != inputs.saturating_mul(outputs) {
			candle::bail!("bf16 packing: {} elements for a {inputs}×{outputs} weight", weight.len());
		}
		Self::pack_columns(|c| &weight[c * inputs..(c + 1) * inputs], inputs, outputs)
	}

	/// Packs the weight whose output column `c` is `column(c)` (`inputs` values each): keys read where they lie,
	/// a cached prefix's and the new ones'.
	pub(crate) fn pack_columns<'a>(column: impl Fn(usize) -> &'a [f32], inputs: usize, outputs: usize) -> candle::Result<Self> {
		if inputs == 0 {
			candle::bail!("bf16 packing: a weight without inputs");
		}
		let pairs = inputs.div_ceil(2);
		let mut words = vec![0u32; outputs.div_ceil(NR) * pairs * NR];
		// One column's pairs, converted on the widest SIMD, then laid across the panel.
		let mut column_words = vec![0u32; pairs];
		for (panel, chunk) in words.chunks_mut(pairs * NR).enumerate() {
			for c in 0..(outputs - panel * NR).min(NR) {
				let column = column(panel * NR + c);
				if column.len() != inputs {
					candle::bail!("bf16 packing: a column of {} values, not {inputs}", column.len());
				}
				// SAFETY: two u16 per u32 word, with u16's weaker alignment; the words are initialised.
				let halves = unsafe {
					std::slice::from_raw_parts_mut(column_words.as_mut_ptr().cast::<std::mem::MaybeUninit<u16>>(), 2 * pairs)
				};
				pack_row::widest(column, halves);
				for (p, &word) in column_words.iter().enumerate() {
					chunk[p * NR + c] = word;
				}
			}
		}
		let floors = words.chunks(pairs * NR).map(Floor::of).collect();
		Ok(Self { inputs, outputs, pairs, words, floors })
	}

	/// Packs the weight whose input row `r` is `row(r)` (`outputs` values each), on the calling thread:
	/// attention's values read where they lie.
	pub(crate) fn pack_rows<'a>(row: impl Fn(usize) -> &'a [f32], inputs: usize, outputs: usize) -> candle::Result<Self> {
		if inputs == 0 {
			candle::bail!("bf16 packing: a weight without inputs");
		}
		if (0..inputs).any(|r| row(r).len() != outputs) {
			candle::bail!("bf16 packing: rows of other than {outputs} values");
		}
		let pairs = inputs.div_ceil(2);
		let mut words = vec![0u32; outputs.div_ceil(NR) * pairs * NR];
		let zeros = [0f32; NR];
		for (panel, chunk) in words.chunks_mut(pairs * NR).enumerate() {
			let first = panel * NR;
			let cols = (outputs - first).min(NR);
			for (p, lanes) in chunk.chunks_exact_mut(NR).enumerate() {
				let low = &row(2 * p)[first..first + cols];
				let high = if 2 * p + 1 < inputs { &row(2 * p + 1)[first..first + cols] } else { &zeros[..cols] };
				pair_lanes::widest(low, high, lanes);
			}
		}
		let floors = words.chunks(pairs * NR).map(Floor::of).collect();
		Ok(Self { inputs, outputs, pairs, words, floors })
	}

	/// Packs `weight`, `(inputs, outputs)` row-major (the transposed layout projections keep).
	pub(crate) fn pack(weight: &[f32], inputs: usize, outputs: usize) -> candle::Result<Self> {
		if inputs == 0 || weight.len() != inputs.saturating_mul(outputs) {
			candle::bail!("bf16 packing: {} elements for a {inputs}×{outputs} weight", weight.len());
		}
		let pairs = inputs.div_ceil(2);
		let panels = outputs.div_ceil(NR);
		let mut words = vec![0u32; panels * pairs * NR];
		let zeros = [0f32; NR];
		let pack_panel = |(panel, chunk): (usize, &mut [u32])| {
			let first = panel * NR;
			let cols = (outputs - first).min(NR);
			let row = |r: usize| weight.get(r * outputs + first..r * outputs + first + cols).unwrap_or(&zeros[..cols]);
			for (p, lanes) in chunk.chunks_exact_mut(NR).enumerate() {
				let (low, high) = (row(2 * p), if 2 * p + 1 < inputs { row(2 * p + 1) } else { &zeros[..cols] });
				pair_lanes::widest(low, high, lanes);
			}
		};
		// Small weights (attention's keys and values, packed for every product) on the calling thread.
		if words.len() < 1 << 16 {
			words.chunks_mut(pairs * NR).enumerate().for_each(pack_panel);
		} else {
			words.par_chunks_mut(pairs * NR).enumerate().for_each(pack_panel);
		}
		let floors = words.chunks(pairs * NR).map(Floor::of).collect();
		Ok(Self { inputs, outputs, pairs, words, floors })
	}

	/// The packed operands as f32, `(inputs, outputs)` row-major: the weight rounded as the rule rounds it.
	pub(crate) fn unpack(&self) -> Vec<f32> {
		let mut weight = vec![0f32; self.inputs * self.outputs];
		for (panel, chunk) in self.words.chunks(self.pairs * NR).enumerate() {
			for (p, lanes) in chunk.chunks_exact(NR).enumerate() {
				for (c, &word) in lanes.iter().enumerate().take(self.outputs.saturating_sub(panel * NR)) {
					let col = panel * NR + c;
					weight[2 * p * self.outputs + col] = f32::from_bits(word << 16);
					if 2 * p + 1 < self.inputs {
						weight[(2 * p + 1) * self.outputs + col] = f32::from_bits(word & 0xffff_0000);
					}
				}
			}
		}
		weight
	}

	pub(crate) fn inputs(&self) -> usize {
		self.inputs
	}

	pub(crate) fn outputs(&self) -> usize {
		self.outputs
	}

	/// `x · W` for `x` of `(rows, inputs)` row-major, on `kernel`: `(rows, outputs)` row-major.
	pub(crate) fn product(&self, x: &[f32], rows: usize, threads: Threads, kernel: Bf16Kernel) -> candle::Result<Vec<f32>> {
		let len = rows * self.outputs;
		let mut out: Vec<f32> = Vec::with_capacity(len);
		self.product_into(x, rows, threads, kernel, &mut out.spare_capacity_mut()[..len], self.panels())?;
		// SAFETY: `product_into` wrote all `len` elements (each tile writes all its rows' columns).
		unsafe { out.set_len(len) };
		Ok(out)
	}

	/// Panels of [`NR`] output columns.
	pub(crate) fn panels(&self) -> usize {
		self.outputs.div_ceil(NR)
	}

	/// Panels that hold the first `columns` output columns.
	pub(crate) fn panels_covering(&self, columns: usize) -> usize {
		columns.div_ceil(NR).min(self.panels())
	}

	/// As [`PackedBf16::product`] on one thread, into `dst` (`rows × outputs`): only the output columns of the
	/// first `panels` panels ([`PackedBf16::panels_covering`]) are written; every one of them is exactly as in the
	/// whole product.
	pub(crate) fn product_panels(
		&self,
		x: &[f32],
		rows: usize,
		panels: usize,
		kernel: Bf16Kernel,
		dst: &mut [f32],
	) -> candle::Result<()> {
		// SAFETY: f32 and MaybeUninit<f32> have the same layout, and an initialised f32 stays initialised.
		let dst = unsafe { std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast(), dst.len()) };
		self.product_into(x, rows, Threads::One, kernel, dst, panels.min(self.panels()))
	}

	/// As [`PackedBf16::product`], into `dst` (`rows × outputs`), every element of which it writes in the first
	/// `panels` panels' columns.
	fn product_into(
		&self,
		x: &[f32],
		rows: usize,
		threads: Threads,
		kernel: Bf16Kernel,
		dst: &mut [std::mem::MaybeUninit<f32>],
		panels: usize,
	) -> candle::Result<()> {
		if x.len() != rows.saturating_mul(self.inputs) {
			candle::bail!("bf16 projection: {} elements for {rows} rows of {}", x.len(), self.inputs);
		}
		if dst.len() != rows.saturating_mul(self.outputs) {
			candle::bail!("bf16 projection: room for {} elements, not {rows} × {}", dst.len(), self.outputs);
		}
		let native = kernel.is_native();
		let (inputs, pairs) = (self.inputs, self.pairs);
		// The inputs packed as the weight is: a row's bf16 values in order (on this little-endian target, element
		// 2p in the low half of word p), then a zero to fill the last pair.
		let mut packed: Vec<u32> = Vec::with_capacity(rows * pairs);
		let pack_row = |(src, words): (&[f32], &mut [std::mem::MaybeUninit<u32>])| {
			// SAFETY: two u16 per u32 word, with u16's weaker alignment; both are plain, possibly uninitialised
			// memory here.
			let halves = unsafe {
				std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<std::mem::MaybeUninit<u16>>(), 2 * words.len())
			};
			pack_row::widest(src, halves);
		};
		let spare = &mut packed.spare_capacity_mut()[..rows * pairs];
		match threads {
			Threads::Pool => x.par_chunks(inputs).zip(spare.par_chunks_mut(pairs)).for_each(pack_row),
			Threads::One => x.chunks(inputs).zip(spare.chunks_mut(pairs)).for_each(pack_row),
		}
		// SAFETY: every word of the first rows × pairs was written just above (each row's values and pad).
		unsafe { packed.set_len(rows * pairs) };
		// Only the portable kernel reads the floors.
		let floors: Vec<u16> = if native { Vec::new() } else { packed.chunks(pairs).map(Floor::of).collect() };
		let workers = match threads {
			Threads::Pool => rayon::current_num_threads().max(1),
			Threads::One => 1,
		};
		let tile_rows = kernel.tile_rows();
		let tasks = split(rows, panels, workers, tile_rows);
		let dst = Output(dst.as_mut_ptr().cast::<f32>());
		let run = |task: &Task| {
			// SAFETY: `native` only where the CPU has AVX512-BF16 (`is_native`); tasks cover disjoint tiles of
			// `out` (`split`), and every pointer a tile reads or writes lies in `packed`, `self.words` or `out`.
			unsafe { self.task(task, &packed, &floors, dst.get(), native, tile_rows) }
		};
		if tasks.len() > 1 {
			tasks.par_iter().for_each(run);
		} else {
			tasks.iter().for_each(run);
		}
		Ok(())
	}

	/// One task's rows by its panels, on `vdpbf16ps` when `native`.
	///
	/// # Safety
	/// `native` only where the CPU has AVX512-BF16; `out` is `rows × outputs` for the `packed` inputs' rows, and
	/// no other task writes this task's tiles.
	unsafe fn task(&self, task: &Task, packed: &[u32], floors: &[u16], out: *mut f32, native: bool, tile_rows: usize) {
		let pairs = self.pairs;
		for panel in task.panels.clone() {
			let weights = self.words.as_ptr().add(panel * pairs * NR);
			let cols = (self.outputs - panel * NR).min(NR);
			let mut row = task.rows.start;
			while row < task.rows.end {
				let height = (task.rows.end - row).min(tile_rows);
				let a = packed.as_ptr().add(row * pairs);
				let c = out.add(row * self.outputs + panel * NR);
				let row_floor = floors.get(row..row + height).and_then(|f| f.iter().min()).copied().unwrap_or(0);
				let flush = row_floor + self.floors.get(panel).copied().unwrap_or(0) < NO_FLUSH_FLOOR;
				macro_rules! tile {
					($r:literal) => {
						if native {
							#[cfg(target_arch = "x86_64")]
							native::tile::<$r>(a, pairs, weights, c, self.outputs, cols);
						} else {
							portable::tile::<$r>(a, pairs, weights, c, self.outputs, cols, flush);
						}
					};
				}
				match height {
					8 => tile!(8),
					7 => tile!(7),
					6 => tile!(6),
					5 => tile!(5),
					4 => tile!(4),
					3 => tile!(3),
					2 => tile!(2),
					_ => tile!(1),
				}
				row += height;
			}
		}
	}
}

/// A weight packed for the protocol's bf16 products, outside a model: how `bench products` times the kernels
/// alone, at a model's shapes, apart from everything else an attribution does.
pub struct Bf16Weight(PackedBf16);

impl Bf16Weight {
	/// Packs `weight`, `(inputs, outputs)` row-major.
	///
	/// # Errors
	/// A weight of other than `inputs × outputs` elements, or without inputs.
	pub fn pack(weight: &[f32], inputs: usize, outputs: usize) -> crate::Result<Self> {
		Ok(Self(PackedBf16::pack(weight, inputs, outputs)?))
	}

	/// `x · W` for `x` of `(rows, inputs)` row-major, on `kernel` and every thread of rayon's pool (as a model's
	/// projections run): `(rows, outputs)` row-major.
	///
	/// # Errors
	/// `x` of other than `rows × inputs` elements.
	pub fn product(&self, x: &[f32], rows: usize, kernel: Bf16Kernel) -> crate::Result<Vec<f32>> {
		Ok(self.0.product(x, rows, Threads::Pool, kernel)?)
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

/// `x` rounded to bf16 (to nearest, ties to even: `openledger_primitives::attribution::bf16_bits`, which a test
/// holds candle's conversion to) and back to f32. Differentiable: the gradient passes through.
pub(crate) fn round_tensor(x: &Tensor) -> candle::Result<Tensor> {
	x.to_dtype(candle::DType::BF16)?.to_dtype(candle::DType::F32)
}

/// `a · b` in bf16 on `kernel` for `a` of `(…, m, k)` and `b` of `(…, k, n)` with the same leading dims: one
/// product per batch (attention's scores and weighted values), each packing its `b`. `b` may be the transposed
/// view of a contiguous tensor (the keys): it is then packed in place. Small batches run side by side, one
/// thread each; large ones one after the other on every thread.
pub(crate) fn batched(a: &Tensor, b: &Tensor, kernel: Bf16Kernel) -> candle::Result<Tensor> {
	let (a_dims, b_dims) = (a.dims(), b.dims());
	let rank = a_dims.len();
	if rank < 2 || b_dims.len() != rank || a_dims[..rank - 2] != b_dims[..rank - 2] || a_dims[rank - 1] != b_dims[rank - 2] {
		candle::bail!("bf16 batched product: {a_dims:?} by {b_dims:?}");
	}
	let (m, k, n) = (a_dims[rank - 2], a_dims[rank - 1], b_dims[rank - 1]);
	let batches: usize = a_dims[..rank - 2].iter().product();
	let a = a.contiguous()?;
	let b_t = b.transpose(rank - 2, rank - 1)?;
	let (b, transposed) = if b_t.is_contiguous() { (b_t, true) } else { (b.contiguous()?, false) };
	let (a_storage, a_layout) = a.storage_and_layout();
	let (b_storage, b_layout) = b.storage_and_layout();
	let op = "bf16 batched product";
	let (x, w) = (crate::simd::borrowed(&a_storage, a_layout, op)?, crate::simd::borrowed(&b_storage, b_layout, op)?);
	let len = batches * m * n;
	let mut out: Vec<f32> = Vec::with_capacity(len);
	let one = |((x, w), dst): Batch<'_>, threads: Threads| {
		let packed = if transposed { PackedBf16::pack_transposed(w, k, n)? } else { PackedBf16::pack(w, k, n)? };
		packed.product_into(x, m, threads, kernel, dst, packed.panels())
	};
	if len > 0 {
		let work = x.chunks_exact(m * k).zip(w.chunks_exact(k * n));
		let dst = out.spare_capacity_mut()[..len].chunks_mut(m * n);
		if batches > 1 && m * k * n < 1 << 20 {
			let work: Vec<_> = work.zip(dst).collect();
			work.into_par_iter().try_for_each(|item| one(item, Threads::One))?;
		} else {
			work.zip(dst).try_for_each(|item| one(item, Threads::Pool))?;
		}
	}
	// SAFETY: every batch's product wrote all its `m × n` elements (`product_into`), and they tile `out`.
	unsafe { out.set_len(len) };
	let mut dims = a_dims.to_vec();
	dims[rank - 1] = n;
	drop((a_storage, b_storage));
	Tensor::from_vec(out, dims, &candle::Device::Cpu)
}

/// One batch of [`batched`]: its `a` and `b`, and where its product goes.
type Batch<'a> = ((&'a [f32], &'a [f32]), &'a mut [std::mem::MaybeUninit<f32>]);

/// A range of rows by a range of panels.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Task {
	rows: std::ops::Range<usize>,
	panels: std::ops::Range<usize>,
}

/// Splits `rows × panels` for `workers` threads: into equal row blocks of at most [`MC`] rows (whole tiles of
/// `tile` rows), a multiple of `workers` of them; too few rows for that, into `workers` ranges of panels.
fn split(rows: usize, panels: usize, workers: usize, tile: usize) -> Vec<Task> {
	if rows == 0 || panels == 0 {
		return Vec::new();
	}
	if rows >= 2 * tile * workers || workers == 1 {
		let rounds = rows.div_ceil(MC * workers);
		let blocks = rounds * workers;
		let height = rows.div_ceil(blocks).div_ceil(tile) * tile;
		return (0..rows)
			.step_by(height)
			.map(|start| Task { rows: start..(start + height).min(rows), panels: 0..panels })
			.collect();
	}
	let width = panels.div_ceil(workers);
	(0..panels).step_by(width).map(|start| Task { rows: 0..rows, panels: start..(start + width).min(panels) }).collect()
}

mod portable {
	use super::{MR, NR};
	use crate::simd::{simd_level, SimdLevel};

	/// The copy of the kernel this CPU runs: [`simd_level`], where its vector copies also need FMA.
	fn level() -> SimdLevel {
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("fma") {
				return simd_level();
			}
		}
		SimdLevel::Baseline
	}

	/// Rows per tile on AVX2: its sixteen 256-bit registers hold 4 rows by half a panel (8 accumulators, the
	/// panel half's 4 unpacked weight vectors, a row's 2 unpacked inputs), where 6 rows by a whole panel (24
	/// accumulators) spill to the stack on every step. Each accumulator's two dependent FMAs per pair (8
	/// cycles) then overlap the 16 FMAs of a step (8 cycles at two a cycle).
	const AVX2_ROWS: usize = 4;
	/// Lanes per pass on AVX2: half a panel.
	const AVX2_LANES: usize = NR / 2;

	/// The rows of one tile on this CPU's copy (the tile's register fit decides it).
	pub(super) fn tile_rows() -> usize {
		match level() {
			SimdLevel::Avx2 => AVX2_ROWS,
			SimdLevel::Avx512 | SimdLevel::Baseline => MR,
		}
	}

	/// As `native::tile`, in f32 fused multiply-adds: each step is `bf16_pair_step`, `L` lanes of the panel at a
	/// time (all of them in one pass, or its halves one after the other: every lane is its own sum, so the bits
	/// do not depend on `L`). Without `FLUSH` the caller knows no step's result can be subnormal (`Floor`).
	#[inline(always)]
	unsafe fn body<const R: usize, const L: usize, const FLUSH: bool>(
		a: *const u32,
		pairs: usize,
		b: *const u32,
		c: *mut f32,
		c_rs: usize,
		cols: usize,
	) {
		let flush = |v: f32| if FLUSH && v.abs() < f32::MIN_POSITIVE { 0f32.copysign(v) } else { v };
		for first in (0..cols).step_by(L) {
			let mut acc = [[0f32; L]; R];
			for p in 0..pairs {
				let lanes = std::slice::from_raw_parts(b.add(p * NR + first), L);
				let (mut high, mut low) = ([0f32; L], [0f32; L]);
				for ((h, l), &w) in high.iter_mut().zip(low.iter_mut()).zip(lanes) {
					*h = f32::from_bits(w & 0xffff_0000);
					*l = f32::from_bits(w << 16);
				}
				for (r, row) in acc.iter_mut().enumerate() {
					let x = *a.add(r * pairs + p);
					let (xh, xl) = (f32::from_bits(x & 0xffff_0000), f32::from_bits(x << 16));
					for ((v, &h), &l) in row.iter_mut().zip(&high).zip(&low) {
						*v = flush(xl.mul_add(l, flush(xh.mul_add(h, *v))));
					}
				}
			}
			let width = (cols - first).min(L);
			for (r, row) in acc.iter().enumerate() {
				std::ptr::copy_nonoverlapping(row.as_ptr(), c.add(r * c_rs + first), width);
			}
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx512f,fma")]
	unsafe fn avx512<const R: usize, const FLUSH: bool>(a: *const u32, pairs: usize, b: *const u32, c: *mut f32, c_rs: usize, cols: usize) {
		body::<R, NR, FLUSH>(a, pairs, b, c, c_rs, cols)
	}

	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx2,fma")]
	unsafe fn avx2<const R: usize, const FLUSH: bool>(a: *const u32, pairs: usize, b: *const u32, c: *mut f32, c_rs: usize, cols: usize) {
		body::<R, AVX2_LANES, FLUSH>(a, pairs, b, c, c_rs, cols)
	}

	/// `R` rows of packed inputs by one weight panel (as `native::tile`), on the widest copy this CPU has. A
	/// fused multiply-add rounds once whatever the copy, so all copies compute the same bits. `flush` is false
	/// only when no step's result can be subnormal (`Floor`).
	///
	/// # Safety
	/// `a` holds `R × pairs` words, `b` holds `pairs × NR`, and `c` has room for `R` rows of `cols` (≤ `NR`).
	#[allow(clippy::too_many_arguments)]
	pub(super) unsafe fn tile<const R: usize>(
		a: *const u32,
		pairs: usize,
		b: *const u32,
		c: *mut f32,
		c_rs: usize,
		cols: usize,
		flush: bool,
	) {
		match flush {
			true => widest::<R, true>(a, pairs, b, c, c_rs, cols),
			false => widest::<R, false>(a, pairs, b, c, c_rs, cols),
		}
	}

	unsafe fn widest<const R: usize, const FLUSH: bool>(a: *const u32, pairs: usize, b: *const u32, c: *mut f32, c_rs: usize, cols: usize) {
		match level() {
			#[cfg(target_arch = "x86_64")]
			SimdLevel::Avx512 => avx512::<R, FLUSH>(a, pairs, b, c, c_rs, cols),
			#[cfg(target_arch = "x86_64")]
			SimdLevel::Avx2 => avx2::<R, FLUSH>(a, pairs, b, c, c_rs, cols),
			_ => body::<R, NR, FLUSH>(a, pairs, b, c, c_rs, cols),
		}
	}
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

	/// The protocol's steps, one output at a time (`bf16_pair_step`, the rule's own code).
	fn reference(x: &[f32], w: &[f32], rows: usize, inputs: usize, outputs: usize) -> Vec<f32> {
		use openledger_primitives::attribution::bf16_pair_step;
		let at = |v: &[f32], i: usize| v.get(i).copied().unwrap_or(0.0);
		let mut out = vec![0f32; rows * outputs];
		for r in 0..rows {
			let row = &x[r * inputs..(r + 1) * inputs];
			for o in 0..outputs {
				let column: Vec<f32> = (0..inputs).map(|i| w[i * outputs + o]).collect();
				out[r * outputs + o] = (0..inputs.div_ceil(2)).fold(0.0, |acc, p| {
					bf16_pair_step(acc, pair(at(row, 2 * p), at(row, 2 * p + 1)), pair(at(&column, 2 * p), at(&column, 2 * p + 1)))
				});
			}
		}
		out
	}

	/// The product written over NaNs: an output a kernel leaves unwritten shows, even where the allocator hands
	/// back a buffer that already held the right values (the previous level's product, freed just before).
	fn poisoned_product(packed: &PackedBf16, x: &[f32], rows: usize, threads: Threads, kernel: Bf16Kernel) -> Vec<f32> {
		let mut out = vec![f32::NAN; rows * packed.outputs()];
		// SAFETY: f32 and MaybeUninit<f32> have the same layout, and an initialised f32 stays initialised.
		let dst = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<std::mem::MaybeUninit<f32>>(), out.len()) };
		packed.product_into(x, rows, threads, kernel, dst, packed.panels()).unwrap();
		out
	}

	fn bits(v: &[f32]) -> Vec<u32> {
		v.iter().map(|x| x.to_bits()).collect()
	}

	fn kernels() -> Vec<Bf16Kernel> {
		let mut kernels = vec![Bf16Kernel::Portable];
		if native_available() {
			kernels.push(Bf16Kernel::Widest);
		} else {
			eprintln!("this CPU has no AVX512-BF16: the portable kernel alone is checked against the rule");
		}
		kernels
	}

	/// Runs `check` with the engine limited to each SIMD level in turn (the portable kernel's copies: AVX-512,
	/// AVX2 with its own tile shape, the baseline), each under a scoped limit.
	fn at_every_simd_level(mut check: impl FnMut(crate::simd::SimdLevel)) {
		use crate::simd::{with_simd_limit, SimdLevel};
		for level in [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Baseline] {
			with_simd_limit(level, || check(level));
		}
	}

	#[test]
	fn tasks_cover_every_tile_once_and_balance_the_threads() {
		for tile in [MR, NATIVE_ROWS, 4] {
			for (rows, panels, workers) in [(1, 18, 2), (11, 48, 2), (12, 3, 2), (300, 18, 2), (700, 48, 2), (97, 5, 1), (5, 1, 3)] {
				let tasks = split(rows, panels, workers, tile);
				let mut seen = vec![0u8; rows * panels];
				for t in &tasks {
					for r in t.rows.clone() {
						for p in t.panels.clone() {
							seen[r * panels + p] += 1;
						}
					}
				}
				assert!(seen.iter().all(|&n| n == 1), "{rows}×{panels} on {workers}, tiles of {tile}: {tasks:?}");
				assert!(tasks.iter().all(|t| t.rows.len() <= MC.max(tile)), "{tasks:?}");
				// Every block but the last is whole tiles.
				assert!(tasks.iter().filter(|t| t.rows.end < rows).all(|t| t.rows.len() % tile == 0), "{tasks:?}");
			}
		}
		// 300 rows on two threads: four blocks of 78, 78, 78 and 66, not 96, 96, 96 and 12 (80 in tiles of 8).
		let heights = |tile| split(300, 18, 2, tile).iter().map(|t| t.rows.len()).collect::<Vec<_>>();
		assert_eq!(heights(MR), vec![78, 78, 78, 66]);
		assert_eq!(heights(NATIVE_ROWS), vec![80, 80, 80, 60]);
		assert_eq!(split(0, 4, 2, MR), Vec::new());
	}

	#[test]
	fn every_kernel_computes_the_protocols_steps_bit_for_bit_at_every_edge() {
		// Odd inputs (a half pair), outputs off the panel width, rows off the tile height (every height up to the
		// widest tile's, alone or after whole tiles), and SmolLM2's shapes.
		let edges = [(1, 1, 1), (7, 19, 5), (13, 33, 47), (37, 576, 192), (64, 576, 1536), (3, 1536, 576)];
		let heights = [(2, 9, 33), (4, 20, 3), (6, 5, 64), (8, 31, 40), (10, 8, 17), (14, 12, 32), (23, 3, 9)];
		for (rows, inputs, outputs) in edges.into_iter().chain(heights) {
			let x = values(rows * inputs, 7 + rows as u32);
			let w = values(inputs * outputs, 11 + outputs as u32);
			let packed = PackedBf16::pack(&w, inputs, outputs).unwrap();
			let rule = bits(&reference(&x, &w, rows, inputs, outputs));
			at_every_simd_level(|level| {
				for kernel in kernels() {
					for threads in [Threads::One, Threads::Pool] {
						let ours = poisoned_product(&packed, &x, rows, threads, kernel);
						assert!(bits(&ours) == rule, "{kernel:?} up to {level:?} on {threads:?}, {rows}×{inputs}×{outputs}");
					}
				}
			});
		}
	}

	/// Sums that cancel, span 60 binary orders and pass through subnormals: where a kernel summing in another
	/// order, fusing otherwise or keeping subnormals would show.
	#[test]
	fn every_kernel_flushes_and_orders_as_the_rule_on_hostile_magnitudes() {
		let (rows, inputs, outputs) = (9, 70, 40);
		let scale = |v: f32, i: usize| v * f32::powi(2.0, (i % 61) as i32 - 30) * if i.is_multiple_of(7) { 1e-36 } else { 1.0 };
		let mut x: Vec<f32> = values(rows * inputs, 3).into_iter().enumerate().map(|(i, v)| scale(v, i)).collect();
		let mut w: Vec<f32> = values(inputs * outputs, 5).into_iter().enumerate().map(|(i, v)| scale(v, i * 3)).collect();
		// Row 0 by column 0: every product about 10⁻⁴⁰, below f32's normal range, so the rule flushes the sum to 0.
		x.iter_mut().take(inputs).for_each(|v| *v = v.signum() * 1e-20);
		w.iter_mut().step_by(outputs).for_each(|v| *v = v.signum() * 1e-20);
		let packed = PackedBf16::pack(&w, inputs, outputs).unwrap();
		let rule = bits(&reference(&x, &w, rows, inputs, outputs));
		assert_eq!(rule[0] & 0x7fff_ffff, 0, "the sum of subnormal products flushes to zero");
		at_every_simd_level(|level| {
			for kernel in kernels() {
				assert!(bits(&poisoned_product(&packed, &x, rows, Threads::One, kernel)) == rule, "{kernel:?} up to {level:?}");
			}
		});
	}

	/// Attention's shapes (three key-value heads, 64 dims, runs × heads batched): both kernels compute the
	/// rounded operands' products, up to the order of f32 sums.
	#[test]
	fn packing_gives_the_rules_operands_on_every_simd_path() {
		// Every rounding case: ties, subnormals, infinities, NaN, the largest finite values; odd lengths.
		let mut xs: Vec<f32> = (0..4099u32).map(|i| f32::from_bits(i.wrapping_mul(2_654_435_761))).collect();
		xs.extend([0.0, -0.0, f32::MIN_POSITIVE, -f32::MIN_POSITIVE / 2.0, f32::MAX, f32::MIN, f32::INFINITY, f32::NAN, 1.0 + f32::EPSILON * 64.0]);
		let expected: Vec<u16> = xs.iter().map(|&x| bf16_operand(x)).collect();
		type PackRow<'a> = &'a dyn Fn(&[f32], &mut [std::mem::MaybeUninit<u16>]);
		type PairLanes<'a> = &'a dyn Fn(&[f32], &[f32], &mut [u32]);
		// Each copy writes over two different fillings (all bits clear, all set): a half or word it skipped would
		// differ from the rule's in one of them, whatever the allocator hands back.
		let halves = |f: PackRow<'_>| {
			let [clear, set] = [0u16, u16::MAX].map(|fill| {
				let mut out = vec![std::mem::MaybeUninit::new(fill); xs.len() + 3];
				f(&xs, &mut out);
				// SAFETY: every half was initialised (filled, then written).
				out.iter().map(|h| unsafe { h.assume_init() }).collect::<Vec<u16>>()
			});
			assert_eq!(clear, set, "a half left as it was");
			clear
		};
		let words = |f: PairLanes<'_>| {
			let [clear, set] = [0u32, u32::MAX].map(|fill| {
				let mut out = vec![fill; xs.len() - 1];
				f(&xs[..xs.len() - 1], &xs[1..], &mut out);
				out
			});
			assert_eq!(clear, set, "a word left as it was");
			clear
		};
		let mut padded = expected.clone();
		padded.extend([0, 0, 0]);
		let pairs: Vec<u32> = xs.windows(2).map(|w| pair(w[0], w[1])).collect();
		assert_eq!(pairs[0], u32::from(expected[0]) | (u32::from(expected[1]) << 16));
		assert_eq!(halves(&|x, h| pack_row_portable(x, h)), padded);
		assert_eq!(halves(&|x, h| pack_row::widest(x, h)), padded);
		assert_eq!(words(&|l, h, w| pair_lanes::widest(l, h, w)), pairs);
		#[cfg(target_arch = "x86_64")]
		{
			if std::arch::is_x86_feature_detected!("avx2") {
				// SAFETY: the CPU has AVX2 (checked just above).
				assert_eq!(halves(&|x, h| unsafe { pack_row::avx2(x, h) }), padded);
				// SAFETY: as above.
				assert_eq!(words(&|l, h, w| unsafe { pair_lanes::avx2(l, h, w) }), pairs);
			}
			if std::arch::is_x86_feature_detected!("avx512f") {
				// SAFETY: the CPU has AVX-512F (checked just above).
				assert_eq!(halves(&|x, h| unsafe { pack_row::avx512(x, h) }), padded);
				// SAFETY: as above.
				assert_eq!(words(&|l, h, w| unsafe { pair_lanes::avx512(l, h, w) }), pairs);
			}
		}
	}

	#[test]
	fn batched_products_agree_on_both_kernels_and_refuse_mismatched_shapes() {
		let device = candle::Device::Cpu;
		for (lead, m, k, n) in [(vec![3usize], 1557, 64, 519), (vec![3], 1557, 519, 64), (vec![16, 3], 63, 64, 21), (vec![2, 1], 5, 3, 7)] {
			let (mut a_dims, mut b_dims) = (lead.clone(), lead.clone());
			a_dims.extend([m, k]);
			b_dims.extend([k, n]);
			let a = Tensor::randn(0f32, 1.0, a_dims, &device).unwrap();
			let b = Tensor::randn(0f32, 1.0, b_dims, &device).unwrap();
			let exact = round_tensor(&a).unwrap().to_dtype(candle::DType::F64).unwrap().matmul(
				&round_tensor(&b).unwrap().to_dtype(candle::DType::F64).unwrap(),
			);
			let exact = exact.unwrap().to_dtype(candle::DType::F32).unwrap();
			// Every result is computed before any is compared, and all stay alive: a product that left part of its
			// output unwritten cannot be handed an earlier result's freed buffer holding the right values.
			let portable = batched(&a, &b, Bf16Kernel::Portable).unwrap();
			// `b` as the transposed view of a contiguous tensor (the keys) is packed in place: the same bits.
			let r = b.rank();
			let b_view = b.transpose(r - 2, r - 1).unwrap().contiguous().unwrap().transpose(r - 2, r - 1).unwrap();
			let in_place = batched(&a, &b_view, Bf16Kernel::Portable).unwrap();
			let native = native_available().then(|| batched(&a, &b, Bf16Kernel::Widest).unwrap());
			let flat = |t: &Tensor| bits(&t.flatten_all().unwrap().to_vec1::<f32>().unwrap());
			let expected = flat(&portable);
			assert!(flat(&in_place) == expected, "{lead:?} {m}×{k}×{n}");
			if let Some(native) = &native {
				assert!(flat(native) == expected, "{lead:?} {m}×{k}×{n}: the kernels' bits differ");
			}
			assert_eq!(portable.dims(), exact.dims());
			let worst = (&portable - &exact).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap();
			let worst = worst.to_scalar::<f32>().unwrap();
			assert!(worst <= 1e-5 * k as f32, "{lead:?} {m}×{k}×{n}: {worst}");
		}
		let a = Tensor::zeros((2, 4, 8), candle::DType::F32, &device).unwrap();
		for b in [(2, 7, 3), (3, 8, 3)] {
			let b = Tensor::zeros(b, candle::DType::F32, &device).unwrap();
			let err = batched(&a, &b, Bf16Kernel::Widest).unwrap_err().to_string();
			assert!(err.contains("bf16 batched product"), "{err}");
		}
	}

	#[test]
	fn unpacking_gives_the_rules_operands_in_the_weights_layout() {
		for (inputs, outputs) in [(1, 1), (7, 33), (19, 64)] {
			let w = values(inputs * outputs, 13);
			let unpacked = PackedBf16::pack(&w, inputs, outputs).unwrap().unpack();
			let rule: Vec<f32> = w.iter().map(|&v| openledger_primitives::attribution::bf16_to_f32(bf16_operand(v))).collect();
			assert_eq!(bits(&unpacked), bits(&rule), "{inputs}×{outputs}");
		}
	}

	#[test]
	fn shapes_are_checked_by_name() {
		assert!(PackedBf16::pack(&[1.0; 6], 4, 2).is_err());
		assert!(PackedBf16::pack(&[], 0, 0).is_err());
		let packed = PackedBf16::pack(&[1.0; 6], 3, 2).unwrap();
		assert_eq!((packed.inputs(), packed.outputs()), (3, 2));
		let err = packed.product(&[1.0; 5], 2, Threads::One, Bf16Kernel::Portable).unwrap_err().to_string();
		assert!(err.contains("5 elements for 2 rows of 3"), "{err}");
	}
}

