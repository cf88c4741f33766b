//! Paying a decided request out.

use openledger_primitives::rewards::{AcceptedAnswer, AnswerPayout};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Hands the fee and the standing weights to the rewards pallet and indexes the answer under each
	/// credited dataset; if the payout fails (the escrow cannot pay it) the fee is refunded instead.
	pub(crate) fn settle(id: RequestId, request: &mut Request<T>) {
		// A decided request always has a standing attribution (`try_state` checks it); without one there is
		// nothing to pay by, so the fee goes back.
		let Some(weights) = Standing::<T>::get(id) else {
			return Self::refund(id, request, Closure::RefundedPayoutFailed);
		};
		let answer = AcceptedAnswer {
			model_owner: request.model_owner.clone(),
			datanet: request.datanet,
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
}
