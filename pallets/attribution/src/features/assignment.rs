//! Drawing servers and committees from the active validators, from randomness nobody knew when the
//! transaction that asked for the draw was signed.
//!
//! Every block mixes the runtime's randomness (BABE's VRF output of the parent block) into [`DrawEntropy`]. A
//! request, an answer or a challenge does not draw at once: it waits in [`Phase::Drawing`] for `DrawDelay`
//! blocks, and the draw then uses the entropy of that block with the request id. Knowing a draw when the
//! transaction is signed therefore needs every VRF output of the blocks in between, which only their authors
//! learn in advance. `docs/ATTRIBUTION.md` states what colluding authors can still do.

use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::{Get, Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{draw::draw, staking::ValidatorSet};
use sp_core::H256;
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	Saturating,
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Mixes this block's randomness into [`DrawEntropy`] (at the start of every block, before any draw).
	/// Without any (the first block), the parent hash stands in.
	pub(crate) fn mix_entropy() {
		let (random, _) = T::Randomness::random(b"ol/draw");
		let fresh = random.map(|r| r.encode()).unwrap_or_else(|| frame_system::Pallet::<T>::parent_hash().encode());
		DrawEntropy::<T>::mutate(|entropy| *entropy = BlakeTwo256::hash_of(&(*entropy, fresh)));
	}

	/// The seed of `id`'s draws in this block.
	fn draw_seed(id: RequestId) -> H256 {
		BlakeTwo256::hash_of(&(b"ol/request", id, DrawEntropy::<T>::get()))
	}

	/// The active validators except those in `excluded`. Every active validator registered a worker key
	/// (`validate` requires one), so none is filtered out here: reading each one's key would cost a storage
	/// proof per validator on every request. One whose key vanished simply cannot answer and times out.
	pub(crate) fn servable(excluded: &[T::AccountId]) -> Vec<T::AccountId> {
		T::Validators::active_validators().into_iter().filter(|v| !excluded.contains(v)).collect()
	}

	/// The server for `id`'s `assignment`-th draw (0 first), not one of `excluded`.
	pub(crate) fn draw_server(id: RequestId, assignment: u8, excluded: &[T::AccountId]) -> Option<T::AccountId> {
		let seed = BlakeTwo256::hash_of(&(Self::draw_seed(id), b"server", assignment));
		draw(Self::servable(excluded), 1, seed).into_iter().next()
	}

	/// Up to `size` validators other than `server` for `id`'s `round`.
	pub(crate) fn draw_committee(id: RequestId, round: Round, server: &T::AccountId, size: u32) -> Committee<T> {
		let seed = BlakeTwo256::hash_of(&(Self::draw_seed(id), round));
		let members = draw(Self::servable(core::slice::from_ref(server)), size as usize, seed);
		Committee::<T>::truncate_from(members)
	}

	/// The block at which a draw asked for at `now` is made.
	pub(crate) fn draw_block(now: BlockNumberFor<T>) -> BlockNumberFor<T> {
		now.saturating_add(T::DrawDelay::get())
	}

	/// Puts `request` in [`Phase::Drawing`] for `draw`, `DrawDelay` blocks from `now` (its deadline moved
	/// from `from`).
	pub(crate) fn schedule_draw(
		id: RequestId,
		request: &mut Request<T>,
		draw: Draw,
		from: Option<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
	) -> BlockNumberFor<T> {
		let until = Self::draw_block(now);
		request.phase = Phase::Drawing { draw, until };
		Self::move_deadline(id, from, until);
		until
	}

	/// `server` replaces `previous` (silent, or declined) as `id`'s server, with a new response window.
	pub(crate) fn assign_replacement(
		id: RequestId,
		request: &mut Request<T>,
		previous: T::AccountId,
		server: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		let until = now.saturating_add(Self::params().response_window);
		request.server = Some(server.clone());
		request.assignments = request.assignments.saturating_add(1);
		request.phase = Phase::Assigned { until };
		Self::move_deadline(id, None, until);
		Self::deposit_event(Event::ServerReplaced { request: id, previous, server, until });
	}

	/// The draw `request` waited for: its server, then its answer is awaited; or a committee, which then
	/// commits. With nobody to draw, a request is refunded, a review goes straight to the server's reveal (a
	/// single validator: its own vector stands once revealed) and a challenge is inconclusive.
	pub(crate) fn on_draw(id: RequestId, request: &mut Request<T>, draw: Draw, now: BlockNumberFor<T>) {
		let params = Self::params();
		let (round, server) = match (draw, request.server.clone()) {
			(Draw::Server, None) => {
				let Some(server) = Self::draw_server(id, 0, &[]) else {
					return Self::refund(id, request, Closure::RefundedNoAnswer);
				};
				let until = now.saturating_add(params.response_window);
				request.server = Some(server.clone());
				request.phase = Phase::Assigned { until };
				Self::move_deadline(id, None, until);
				Self::deposit_event(Event::ServerAssigned { request: id, server, until });
				return;
			},
			// A server declined (`features/decline.rs`): another one is drawn; with nobody else, the decline
			// stands.
			(Draw::Server, Some(previous)) => {
				let Some(server) = Self::draw_server(id, request.assignments, core::slice::from_ref(&previous)) else {
					return Self::refund(id, request, Closure::Declined);
				};
				return Self::assign_replacement(id, request, previous, server, now);
			},
			(Draw::Committee(round), Some(server)) => (round, server),
			// A committee is only drawn for an answered request, which has a server (`try_state` checks it).
			(Draw::Committee(_), None) => return Self::refund(id, request, Closure::RefundedNoQuorum),
		};
		let size = match round {
			Round::Review => params.committee_size,
			Round::Challenge => params.challenge_committee_size,
		};
		let committee = Self::draw_committee(id, round, &server, size);
		if committee.is_empty() {
			return match round {
				Round::Review => Self::start_reveal(id, request, round, None, now),
				Round::Challenge => {
					// Nobody left to decide it: not the challenger's doing, so the whole bond comes back.
					Self::settle_bond(id, request, sp_runtime::Perbill::zero());
					Self::decided(id, request, round, Verdict::ChallengeInconclusive, now)
				},
			};
		}
		let until = now.saturating_add(params.commit_window);
		request.phase = Phase::Committing { round, until };
		Self::move_deadline(id, None, until);
		Self::deposit_event(Event::CommitteeDrawn { request: id, round, members: committee.to_vec(), until });
		Committees::<T>::insert(id, round, committee);
	}
}

/// The entropy this pallet's draws use, for the other pallets that draw validators (validation committees).
impl<T: Config> openledger_primitives::draw::DrawEntropy for Pallet<T> {
	fn entropy() -> H256 {
		DrawEntropy::<T>::get()
	}
}
