//! Paying a decided request out.

use alloc::vec::Vec;
use openledger_primitives::rewards::{AcceptedAnswer, AnswerPayout, SERVER_SHARES};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Hands the fee, the standing weights and the validators who earned the validators' part to the rewards
	/// pallet and indexes the answer under each credited dataset; if the payout fails (the escrow cannot pay
	/// it) the fee is refunded instead.
	pub(crate) fn settle(id: RequestId, request: &mut Request<T>) {
		// A decided request always has a standing attribution (`try_state` checks it); without one there is
		// nothing to pay by, so the fee goes back.
		let Some(weights) = Standing::<T>::get(id) else {
			return Self::refund(id, request, Closure::RefundedPayoutFailed);
		};
		let answer = AcceptedAnswer {
			model_owner: request.model_owner.clone(),
			datanet: request.datanet,
			validators: Self::earners(id, request, &weights),
			weights,
			fee: request.fee,
		};
		if T::Payout::pay(&Self::escrow_account(), &answer).is_err() {
			return Self::refund(id, request, Closure::RefundedPayoutFailed);
		}
		for (dataset, bps) in answer.weights.into_inner() {
			let index = DatasetAnswerCount::<T>::get(dataset);
			if let Some(next) = index.checked_add(1) {
				DatasetAnswers::<T>::insert(dataset, index, (id, bps));
				DatasetAnswerCount::<T>::insert(dataset, next);
			}
		}
		request.phase = Phase::Closed(Closure::Paid);
		Self::retain(id, request);
		Self::deposit_event(Event::AnswerPaid { request: id, fee: request.fee });
	}

	/// Who earns the answer's validators' part, with their shares: the server ([`SERVER_SHARES`]) and each
	/// member of either committee (1 each) whose revealed vector lies within tolerance of the attribution
	/// that finally stands. Nobody is paid for a vector that lost, for a seat it left empty or for a reveal it
	/// never made.
	pub(crate) fn earners(id: RequestId, request: &Request<T>, stands: &AttributionOf<T>) -> Vec<(T::AccountId, u32)> {
		let tolerance = Self::params().tolerance;
		let agreed = |round: Round, validator: &T::AccountId| {
			matches!(
				Votes::<T>::get((id, round, validator)),
				Some(Vote { revealed: Some(weights), .. }) if weights.l1_distance(stands) <= tolerance
			)
		};
		let mut earners = Vec::new();
		if let Some(server) = request.server.as_ref().filter(|server| agreed(Round::Review, server)) {
			earners.push((server.clone(), SERVER_SHARES));
		}
		for round in [Round::Review, Round::Challenge] {
			for member in Committees::<T>::get(id, round).unwrap_or_default() {
				if agreed(round, &member) {
					earners.push((member, 1));
				}
			}
		}
		earners
	}
}
