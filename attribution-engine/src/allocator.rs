//! How the C allocator keeps the large buffers every forward pass allocates and frees.

/// Where to serve an allocation from the heap instead of a fresh `mmap`: below this, freed memory is reused.
const MMAP_THRESHOLD: i32 = 1 << 30;

/// Keeps freed activation buffers in the heap for the next pass. Call once, at start-up.
///
/// glibc serves every allocation above its mmap threshold (128 KiB at first, adapting up to 32 MiB) with a fresh
/// `mmap` and unmaps it on free, and trims the heap's top above 128 KiB. A forward pass allocates buffers of up to
/// hundreds of MiB (a batch's activations, attention scores) and frees them a moment later, so every pass pays
/// for page faults and for the kernel zeroing the new pages. Here allocations up to 1 GiB come from the heap and
/// up to 2 GiB of free top stays mapped.
///
/// Measured with `bench speed` on 2 cores, alternated, 3 + 3 and 2 + 2 runs (docs/BENCHMARKS.md): embeddings
/// 129.6–132.7 → 138.0–138.6 texts/s, exact attribution 3.87 / 3.90 → 3.75 / 3.82 s, masked 1.53 / 1.58 →
/// 1.49 / 1.44 s; peak resident memory 1.18 GB either way.
///
/// Returns whether both settings took: false on other C libraries, where this does nothing.
pub fn keep_freed_buffers() -> bool {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		// SAFETY: mallopt only sets glibc's tuning parameters (it takes the arena locks itself); any value is
		// valid to pass, and glibc refuses by returning 0 what it does not accept.
		unsafe {
			libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
				&& libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
		}
	}
	#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
	{
		false
	}
}

#[cfg(test)]
mod tests {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	#[test]
	fn glibc_takes_both_settings_and_large_buffers_still_allocate_and_free() {
		assert!(super::keep_freed_buffers());
		for _ in 0..3 {
			let buffer = vec![1u8; 256 << 20];
			assert_eq!(buffer.iter().map(|&b| usize::from(b)).sum::<usize>(), 256 << 20);
		}
	}
}
