//! Deadlines: every open request has exactly one, at the block its phase ends, and every closed request not yet
//! pruned one, at the end of its retention (`features/retention.rs`). `on_initialize` walks a
//! cursor over the blocks that are due, processing deadlines while their weight fits `DeadlineWeightBudget` (a
//! share of the block) and at most `MaxDeadlinesPerBlock` of them, and skipping at most as many empty blocks per
//! block, so a burst of deadlines is spread over the following blocks instead of overrunning one. Each deadline is
//! charged for what it holds (its committee's size, its attribution's length), not the worst case; at least one is
//! processed per block, so the queue always moves.

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

	/// Processes the deadlines due at or before `now` within the weight budget; returns the weight used.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		let (limit, budget) = (T::MaxDeadlinesPerBlock::get(), T::DeadlineWeightBudget::get());
		let mut weight = db.reads_writes(1, 1);
		let mut cursor = DeadlineCursor::<T>::get();
		let (mut processed, mut skipped) = (0u32, 0u32);
		while cursor <= now && processed < limit && skipped < limit {
			weight.saturating_accrue(db.reads(1));
			match Deadlines::<T>::iter_key_prefix(cursor).next() {
				Some(id) => {
					let request = Requests::<T>::get(id);
					let cost = request.as_ref().map_or(Weight::zero(), |r| Self::deadline_cost(id, r));
					let charged = cost.saturating_add(db.reads_writes(3, 1));
					if processed > 0 && weight.saturating_add(charged).any_gt(budget) {
						break;
					}
					Deadlines::<T>::remove(cursor, id);
					if let Some(request) = request {
						Self::on_deadline(id, request, now);
					}
					weight.saturating_accrue(charged);
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

	/// What ending `request`'s current phase costs, from what it holds: the committee drawn for the round
	/// (attributions counted at their bound), the standing attribution's length, or (pruning) the larger of
	/// its two committees.
	fn deadline_cost(id: RequestId, request: &Request<T>) -> Weight {
		let len = |n: Option<usize>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(u32::MAX);
		match request.phase {
			// Counted, not measured: a server redraw (which the timeout benchmark measures) plus the
			// committee's write.
			Phase::Drawing { .. } => T::WeightInfo::response_timeout().saturating_add(T::DbWeight::get().writes(1)),
			// Counted, not measured: the silent server's absence slash (its ledger, the hold moved to the treasury,
			// the slash total, and the set read to know it stays in it).
			Phase::Assigned { .. } => T::WeightInfo::response_timeout().saturating_add(T::DbWeight::get().reads_writes(6, 5)),
			Phase::Committing { round, .. } | Phase::Revealing { round, .. } => {
				let committee = len(Committees::<T>::decode_len(id, round)).min(T::MaxCommittee::get());
				let close = T::WeightInfo::close_round(committee, T::MaxWeights::get());
				// Counted, not measured: in a review the server's vote and its slash; after a challenge the
				// challenger's reward from the treasury and the pay of everyone who agreed.
				let extra = match round {
					Round::Review => T::DbWeight::get().reads_writes(3, 2),
					Round::Challenge => T::DbWeight::get().reads_writes(2, 2).saturating_add(Self::earners_cost(id)),
				};
				close.saturating_add(extra)
			},
			Phase::Challengeable { .. } => {
				let weights = Standing::<T>::get(id).map(|w| w.len());
				T::WeightInfo::settle(len(weights).min(T::MaxWeights::get())).saturating_add(Self::earners_cost(id))
			},
			Phase::Closed(_) => {
				// The larger committee (none drawn: 0).
				let members = [Round::Review, Round::Challenge]
					.into_iter()
					.map(|round| Committees::<T>::decode_len(id, round).map_or(0, |n| len(Some(n))))
					.max()
					.unwrap_or(0)
					.min(T::MaxCommittee::get());
				T::WeightInfo::prune(members)
			},
		}
	}

	/// Counted, not measured: finding who earns an answer's validators' part (a vote read for the server and
	/// for each member of either committee) and crediting each of them (a write).
	fn earners_cost(id: RequestId) -> Weight {
		let members = [Round::Review, Round::Challenge]
			.into_iter()
			.map(|round| Committees::<T>::decode_len(id, round).unwrap_or(0).min(T::MaxCommittee::get() as usize))
			.sum::<usize>()
			.saturating_add(1) as u64;
		T::DbWeight::get().reads_writes(members.saturating_add(2), members)
	}

	/// Ends `id`'s current phase.
	fn on_deadline(id: RequestId, mut request: Request<T>, now: BlockNumberFor<T>) {
		match request.phase {
			Phase::Drawing { draw, .. } => Self::on_draw(id, &mut request, draw, now),
			Phase::Assigned { .. } => Self::on_response_timeout(id, &mut request, now),
			Phase::Committing { round, .. } => Self::on_commit_window_end(id, &mut request, round, now),
			Phase::Revealing { round, .. } => Self::close_round(id, &mut request, round, now),
			Phase::Challengeable { .. } => Self::settle(id, &mut request),
			// A closed request's only deadline is the end of its retention.
			Phase::Closed(_) => Self::prune(id, &mut request),
		}
		Requests::<T>::insert(id, request);
	}
}
