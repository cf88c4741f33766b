//! Deadlines: every open request has exactly one, at the block its phase ends. `on_initialize` walks a
//! cursor over the blocks that are due, processing at most `MaxDeadlinesPerBlock` deadlines and skipping at
//! most as many empty blocks per block, so a burst of deadlines is spread over the following blocks instead
//! of overrunning one.

use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::One, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Moves `id`'s deadline from `from` (if it had one) to `to`.
	pub(crate) fn move_deadline(id: RequestId, from: Option<BlockNumberFor<T>>, to: BlockNumberFor<T>) {
		if let Some(from) = from {
			Deadlines::<T>::remove(from, id);
		}
		Deadlines::<T>::insert(to, id, ());
	}

	/// Processes the deadlines due at or before `now`; returns the weight used.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		let limit = T::MaxDeadlinesPerBlock::get();
		let mut weight = db.reads_writes(1, 1);
		let mut cursor = DeadlineCursor::<T>::get();
		let (mut processed, mut skipped) = (0u32, 0u32);
		while cursor <= now && processed < limit && skipped < limit {
			weight.saturating_accrue(db.reads(1));
			match Deadlines::<T>::iter_key_prefix(cursor).next() {
				Some(id) => {
					Deadlines::<T>::remove(cursor, id);
					weight.saturating_accrue(db.writes(1));
					weight.saturating_accrue(Self::on_deadline(id, now));
					processed.saturating_inc();
				},
				None => {
					cursor.saturating_accrue(One::one());
					skipped.saturating_inc();
				},
			}
		}
		DeadlineCursor::<T>::put(cursor);
		weight
	}

	/// Ends `id`'s current phase; returns the weight used.
	fn on_deadline(id: RequestId, now: BlockNumberFor<T>) -> Weight {
		let Some(mut request) = Requests::<T>::get(id) else {
			return T::DbWeight::get().reads(1);
		};
		let weight = match request.phase {
			Phase::Assigned { .. } => {
				Self::on_response_timeout(id, &mut request, now);
				T::WeightInfo::response_timeout()
			},
			Phase::Committing { round, .. } => {
				Self::on_commit_window_end(id, &mut request, round, now);
				T::WeightInfo::close_round(T::MaxCommittee::get(), T::MaxWeights::get())
			},
			Phase::Revealing { round, .. } => {
				Self::close_round(id, &mut request, round, now);
				T::WeightInfo::close_round(T::MaxCommittee::get(), T::MaxWeights::get())
			},
			Phase::Challengeable { .. } => {
				Self::settle(id, &mut request);
				T::WeightInfo::settle(T::MaxWeights::get())
			},
			Phase::Closed(_) => T::DbWeight::get().reads(1),
		};
		Requests::<T>::insert(id, request);
		weight
	}
}
