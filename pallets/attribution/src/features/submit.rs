//! The server's answer.

use frame_support::pallet_prelude::*;
use openledger_primitives::{dataset::VersionNumber, model::ModelId, staking::ValidatorSet};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Records the answer of `id`'s server, signed by its worker key, and draws the review committee; with
	/// nobody to draw (a single validator) the answer is decided at once and the challenge window opens.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`], [`Error::ProofMismatch`],
	///   and the errors of the weight checks.
	pub fn do_submit_result(
		worker: T::AccountId,
		id: RequestId,
		model: ModelId,
		version: VersionNumber,
		output: BoundedVec<u8, T::MaxOutputLen>,
		weights: Weights<T>,
	) -> DispatchResult {
		let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let Phase::Assigned { until } = request.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		ensure!(T::Validators::worker_of(&request.server).as_ref() == Some(&worker), Error::<T>::NotAssignedWorker);
		ensure!(model == request.model && version == request.version, Error::<T>::ProofMismatch);
		let weights = Self::check_attribution(request.model, weights)?;

		let now = frame_system::Pallet::<T>::block_number();
		let server = request.server.clone();
		Answers::<T>::insert(
			id,
			Answer {
				server: server.clone(),
				worker: worker.clone(),
				output,
				weights: weights.clone(),
				submitted_at: now,
			},
		);
		Standing::<T>::insert(id, weights);
		Deadlines::<T>::remove(until, id);
		Self::deposit_event(Event::ResultSubmitted { request: id, server: server.clone(), worker });

		let params = Self::params();
		let committee = Self::draw_committee(request.seed, Round::Review, &server, params.committee_size);
		if committee.is_empty() {
			Self::decided(id, &mut request, Round::Review, Verdict::Confirmed, now);
		} else {
			let commit_until = now.saturating_add(params.commit_window);
			request.phase = Phase::Committing { round: Round::Review, until: commit_until };
			Self::move_deadline(id, None, commit_until);
			Self::deposit_event(Event::CommitteeDrawn {
				request: id,
				round: Round::Review,
				members: committee.to_vec(),
				until: commit_until,
			});
			Committees::<T>::insert(id, Round::Review, committee);
		}
		Requests::<T>::insert(id, request);
		Ok(())
	}
}
