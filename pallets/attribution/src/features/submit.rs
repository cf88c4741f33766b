//! The server's answer, with a commitment to its attribution.

use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{dataset::VersionNumber, model::ModelId, staking::ValidatorSet};
use sp_core::H256;

use crate::*;

/// A request waiting for its server's answer, the server, and the end of its response window.
type Awaiting<T> = (Request<T>, <T as frame_system::Config>::AccountId, BlockNumberFor<T>);

impl<T: Config> Pallet<T> {
	/// Records the answer of `id`'s server, signed by its worker key, with its commitment to its attribution
	/// ([`openledger_primitives::attribution::commitment`] under the review round, keyed by the server): the
	/// vector stays hidden until the review committee has committed, so nobody can copy it. Schedules the
	/// review committee's draw `DrawDelay` blocks later, so that the server cannot choose its reviewers by
	/// choosing its block.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`], [`Error::ProofMismatch`].
	pub fn do_submit_result(
		worker: T::AccountId,
		id: RequestId,
		model: ModelId,
		version: VersionNumber,
		output: BoundedVec<u8, T::MaxOutputLen>,
		commitment: H256,
	) -> DispatchResult {
		let (mut request, server, until) = Self::awaiting(&worker, id, model, version)?;
		let now = frame_system::Pallet::<T>::block_number();
		Answers::<T>::insert(id, Answer { server: server.clone(), worker: worker.clone(), output, submitted_at: now });
		Votes::<T>::insert((id, Round::Review, &server), Vote { commitment, revealed: None });
		Self::deposit_event(Event::ResultSubmitted { request: id, server, worker });
		Self::schedule_draw(id, &mut request, Draw::Committee(Round::Review), Some(until), now);
		Requests::<T>::insert(id, request);
		Ok(())
	}

	/// `id`, its server and the end of its response window, if it waits for an answer (or a decline) that
	/// `worker` may give: the server's worker key, for the request's model and DataNet version.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotAssignedWorker`], [`Error::ProofMismatch`].
	pub(crate) fn awaiting(
		worker: &T::AccountId,
		id: RequestId,
		model: ModelId,
		version: VersionNumber,
	) -> Result<Awaiting<T>, DispatchError> {
		let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let Phase::Assigned { until } = request.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let server = request.server.clone().ok_or(Error::<T>::WrongPhase)?;
		ensure!(T::Validators::worker_of(&server).as_ref() == Some(worker), Error::<T>::NotAssignedWorker);
		ensure!(model == request.model && version == request.version, Error::<T>::ProofMismatch);
		Ok((request, server, until))
	}
}
