//! Weights of the validation pallet.
//!
//! Counted, not measured: each weight is the storage it reads and writes (the largest committee where it depends
//! on it) plus a fixed compute allowance taken from the attribution pallet's measured `commit` and `close_round`,
//! whose logic these mirror. A benchmark for this pallet is listed in docs/VALIDATION.md as not yet written.

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions of this pallet.
pub trait WeightInfo {
	/// A member's commitment (also the start of a reveal window).
	fn commit_report() -> Weight;
	/// A member's reveal.
	fn reveal_report() -> Weight;
	/// Drawing a committee of up to `c` members from the active set.
	fn draw(c: u32) -> Weight;
	/// Closing a job with a committee of `c`: every vote read, a slash or a payment per member, the outcome recorded
	/// with the proposal.
	fn close(c: u32) -> Weight;
}

/// Compute allowance of one call, picoseconds (the attribution pallet's measured `commit`, rounded up).
const CALL_COMPUTE: u64 = 40_000_000;
/// Compute allowance per committee member when closing (a median part and an agreement check, a transfer or a
/// slash).
const MEMBER_COMPUTE: u64 = 30_000_000;

/// Weights for a runtime whose storage costs `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn commit_report() -> Weight {
		// Job, worker→validator, committee, vote, and every member's vote to see whether all committed; writes:
		// vote, job, two deadlines.
		Weight::from_parts(CALL_COMPUTE, 0).saturating_add(T::DbWeight::get().reads_writes(4 + 16, 4))
	}
	fn reveal_report() -> Weight {
		Weight::from_parts(CALL_COMPUTE, 0).saturating_add(T::DbWeight::get().reads_writes(4 + 16, 4))
	}
	fn draw(c: u32) -> Weight {
		// The active set, the entropy, the job; writes: the committee, the job, a deadline.
		Weight::from_parts(CALL_COMPUTE.saturating_add(MEMBER_COMPUTE.saturating_mul(c.into())), 0)
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn close(c: u32) -> Weight {
		// Per member: its vote, then a slash (ledger, hold, total, set: 4 reads, 4 writes) or a transfer of its share
		// (2 reads, 2 writes); then the proposal (2 reads, 1 write), and the job, committee and votes removed.
		let c = u64::from(c);
		Weight::from_parts(CALL_COMPUTE.saturating_add(MEMBER_COMPUTE.saturating_mul(c)), 0)
			.saturating_add(T::DbWeight::get().reads_writes(4u64.saturating_add(c.saturating_mul(5)), 3u64.saturating_add(c.saturating_mul(5))))
	}
}

impl WeightInfo for () {
	fn commit_report() -> Weight {
		Weight::from_parts(CALL_COMPUTE, 0)
	}
	fn reveal_report() -> Weight {
		Weight::from_parts(CALL_COMPUTE, 0)
	}
	fn draw(c: u32) -> Weight {
		Weight::from_parts(MEMBER_COMPUTE.saturating_mul(c.into()), 0)
	}
	fn close(c: u32) -> Weight {
		Weight::from_parts(MEMBER_COMPUTE.saturating_mul(c.into()), 0)
	}
}
