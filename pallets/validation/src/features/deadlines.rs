//! Deadlines: every open job has exactly one, at the block its phase ends. `on_initialize` walks a cursor over
//! the blocks that are due, processing at most `MaxDeadlinesPerBlock` deadlines and skipping at most as many empty
//! blocks per block, so a burst of deadlines is spread over the following blocks.

use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::validation::ValidationJobId;
use sp_runtime::{traits::One, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
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
	fn on_deadline(id: ValidationJobId, now: BlockNumberFor<T>) -> Weight {
		let Some(mut job) = Jobs::<T>::get(id) else { return T::DbWeight::get().reads(1) };
		let committee = Committees::<T>::decode_len(id).unwrap_or(0).min(T::MaxCommittee::get() as usize) as u32;
		match job.phase {
			JobPhase::Drawing { .. } => match Self::on_draw(id, &mut job, now) {
				None => {
					Jobs::<T>::insert(id, job);
					T::WeightInfo::draw()
				},
				Some(recorded) => {
					Jobs::<T>::remove(id);
					T::WeightInfo::draw().saturating_add(recorded)
				},
			},
			JobPhase::Committing { .. } if Votes::<T>::iter_prefix(id).next().is_some() => {
				Self::start_reveal(id, &mut job, now);
				Jobs::<T>::insert(id, job);
				T::WeightInfo::commit_report()
			},
			JobPhase::Committing { .. } | JobPhase::Revealing { .. } => {
				let recorded = Self::close(id, &job);
				Jobs::<T>::remove(id);
				T::WeightInfo::close(committee).saturating_add(recorded)
			},
		}
	}
}
