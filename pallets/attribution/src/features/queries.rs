//! What apps and workers read: one request in full, and the answers that credited a dataset, as the views the
//! runtime API returns (`openledger_primitives::attribution::{InferenceView, DatasetAnswers}`).

use alloc::vec::Vec;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	attribution::{
		Attribution, DatasetAnswer, DatasetAnswers as AnswersPage, InferenceView, RequestStatus, Unbounded, VoteView,
	},
	dataset::DatasetId,
};

use crate::*;

/// A request as the runtime API returns it.
pub type InferenceViewOf<T> =
	InferenceView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<BlockNumber> Phase<BlockNumber> {
	/// The phase's name, and the round it decides while committing or revealing.
	pub fn status(&self) -> (RequestStatus, Option<Round>) {
		match self {
			Phase::Drawing { draw: Draw::Server, .. } => (RequestStatus::Drawing, None),
			Phase::Drawing { draw: Draw::Committee(round), .. } => (RequestStatus::Drawing, Some(*round)),
			Phase::Assigned { .. } => (RequestStatus::Assigned, None),
			Phase::Committing { round, .. } => (RequestStatus::Committing, Some(*round)),
			Phase::Revealing { round, .. } => (RequestStatus::Revealing, Some(*round)),
			Phase::Challengeable { .. } => (RequestStatus::Challengeable, None),
			Phase::Closed(Closure::Paid) => (RequestStatus::Paid, None),
			Phase::Closed(Closure::RefundedNoAnswer) => (RequestStatus::RefundedNoAnswer, None),
			Phase::Closed(Closure::RefundedNoQuorum) => (RequestStatus::RefundedNoQuorum, None),
			Phase::Closed(Closure::RefundedPayoutFailed) => (RequestStatus::RefundedPayoutFailed, None),
			Phase::Closed(Closure::Declined) => (RequestStatus::Declined, None),
		}
	}
}

fn unbounded<T: Config>(weights: AttributionOf<T>) -> Option<Attribution<Unbounded>> {
	// Cannot fail: every bound fits under `Unbounded`.
	weights.rebound().ok()
}

impl<T: Config> Pallet<T> {
	/// A request with its prompt, answer, standing weights and every committee member's vote (once pruned:
	/// its record and standing weights only).
	pub fn inference(id: RequestId) -> Option<InferenceViewOf<T>> {
		let request = Requests::<T>::get(id)?;
		let mut votes = Vec::new();
		for round in [Round::Review, Round::Challenge] {
			for member in Committees::<T>::get(id, round).unwrap_or_default() {
				let vote = Votes::<T>::get((id, round, &member));
				votes.push(VoteView {
					round,
					commitment: vote.as_ref().map(|v| v.commitment),
					revealed: vote.and_then(|v| v.revealed).and_then(unbounded::<T>),
					member,
				});
			}
		}
		let answer = Answers::<T>::get(id);
		let server_vote = request.server.as_ref().and_then(|server| Votes::<T>::get((id, Round::Review, server)));
		let (status, round) = request.phase.status();
		let (challenger, challenge_bond) = request.challenge.map(|(who, bond)| (Some(who), Some(bond))).unwrap_or_default();
		Some(InferenceView {
			id,
			status,
			round,
			until: request.phase.until(),
			requester: request.requester,
			model: request.model,
			datanet: request.datanet,
			version: request.version,
			fee: request.fee,
			created_at: request.created_at,
			server: request.server,
			assignments: request.assignments,
			prompt: Prompts::<T>::get(id).map(|p| p.into_inner()),
			output: answer.as_ref().map(|a| a.output.to_vec()),
			worker: answer.as_ref().map(|a| a.worker.clone()),
			server_commitment: server_vote.as_ref().map(|v| v.commitment),
			submitted_weights: server_vote.and_then(|v| v.revealed).and_then(unbounded::<T>),
			weights: Standing::<T>::get(id).and_then(unbounded::<T>),
			verdict: request.verdict,
			challenger,
			challenge_bond,
			votes,
			deposit: request.deposit,
			retained_until: request.retained_until,
		})
	}

	/// The `page`-th page (`AnswersPerPage` entries, oldest first) of the paid answers that credited `dataset`.
	pub fn by_dataset(dataset: DatasetId, page: u32) -> AnswersPage {
		let total = DatasetAnswerCount::<T>::get(dataset);
		let size = T::AnswersPerPage::get();
		let start = page.saturating_mul(size);
		let end = start.saturating_add(size).min(total);
		let answers = (start..end)
			.filter_map(|index| DatasetAnswers::<T>::get(dataset, index))
			.map(|(request, bps)| DatasetAnswer { request, bps })
			.collect();
		AnswersPage { dataset, page, total, answers }
	}
}
