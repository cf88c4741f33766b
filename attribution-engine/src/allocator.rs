//! How the C allocator keeps the large buffers every forward pass allocates and frees.

/// Allocations up to this come from the heap, where freed memory is reused; larger ones are `mmap`ed.
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory at the heap's top kept mapped for the next pass.
const TRIM_THRESHOLD: i32 = 128 << 20;

/// Keeps freed activation buffers in the heap for the next pass. Call once, at start-up.
///
/// glibc serves every allocation above its mmap threshold (128 KiB at first, adapting up to 32 MiB) with a fresh
/// `mmap` and unmaps it on free, and gives the heap's free top back to the kernel above its trim threshold. A
/// forward pass allocates buffers of tens of MiB and frees them a moment later, so every pass paid for page
/// faults and for the kernel zeroing the pages again. Here the thresholds are fixed from the start: allocations
/// up to 32 MiB come from the heap and up to 128 MiB of free top stays mapped.
///
/// Higher thresholds (1 GiB and 2 GiB) were tried first and gained as much in `bench speed`, but a serving
/// worker's peak resident memory rose past its 3 GiB budget (the 16 MiB dataset end-to-end test): memory freed in
/// one thread's arena is not reused by another. Measured in docs/BENCHMARKS.md.
///
/// An operator's own `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_` (glibc's environment) win. Returns
/// whether the settings took: false on other C libraries, where this does nothing.
pub fn keep_freed_buffers() -> bool {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		let set = |param: i32, variable: &str, value: i32| {
			// SAFETY: mallopt only sets glibc's tuning parameters (it takes the arena locks itself); any value is
			// valid to pass, and glibc refuses by returning 0 what it does not accept.
			std::env::var_os(variable).is_some() || unsafe { libc::mallopt(param, value) } == 1
		};
		set(libc::M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD)
			& set(libc::M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", TRIM_THRESHOLD)
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
