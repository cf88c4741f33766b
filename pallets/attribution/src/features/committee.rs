//! Committee members commit to their vectors, then reveal them.

use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{attribution::commitment, staking::ValidatorSet};
use sp_core::H256;
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The validator whose worker key `worker` is, if it sits on `id`'s `round` committee.
	///
	/// # Errors
	/// - [`Error::NotOnCommittee`].
	fn member_of(worker: &T::AccountId, id: RequestId, round: Round) -> Result<T::AccountId, DispatchError> {
		let member = T::Validators::validator_of(worker).ok_or(Error::<T>::NotOnCommittee)?;
		let committee = Committees::<T>::get(id, round).unwrap_or_default();
		ensure!(committee.contains(&member), Error::<T>::NotOnCommittee);
		Ok(member)
	}

	/// Who reveals with `worker`'s key in `id`'s `round`: a committee member, or, in the review round, the
	/// server revealing the vector it committed to with its answer.
	///
	/// # Errors
	/// - [`Error::NotOnCommittee`].
	fn revealer_of(
		worker: &T::AccountId,
		id: RequestId,
		request: &Request<T>,
		round: Round,
	) -> Result<T::AccountId, DispatchError> {
		let validator = T::Validators::validator_of(worker).ok_or(Error::<T>::NotOnCommittee)?;
		let serves = round == Round::Review && request.server.as_ref() == Some(&validator);
		ensure!(
			serves || Committees::<T>::get(id, round).unwrap_or_default().contains(&validator),
			Error::<T>::NotOnCommittee
		);
		Ok(validator)
	}

	/// Records the commitment of the member whose worker key signed; when every member has committed, the
	/// reveal phase starts at once.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::DuplicateCommit`].
	pub fn do_commit(worker: T::AccountId, id: RequestId, hash: H256) -> DispatchResult {
		let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let Phase::Committing { round, until } = request.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let member = Self::member_of(&worker, id, round)?;
		ensure!(!Votes::<T>::contains_key((id, round, &member)), Error::<T>::DuplicateCommit);
		Votes::<T>::insert((id, round, &member), Vote { commitment: hash, revealed: None });
		Self::deposit_event(Event::Committed { request: id, round, member });

		let committee = Committees::<T>::get(id, round).unwrap_or_default();
		if committee.iter().all(|m| Votes::<T>::contains_key((id, round, m))) {
			let now = frame_system::Pallet::<T>::block_number();
			Self::start_reveal(id, &mut request, round, Some(until), now);
			Requests::<T>::insert(id, request);
		}
		Ok(())
	}

	/// The commit window closed: members who committed (and the server, in a review) reveal; with no
	/// commitment at all the round is decided at once (no quorum).
	pub(crate) fn on_commit_window_end(id: RequestId, request: &mut Request<T>, round: Round, now: BlockNumberFor<T>) {
		let committed = Votes::<T>::iter_prefix((id, round)).next().is_some();
		if committed {
			Self::start_reveal(id, request, round, None, now);
		} else {
			Self::close_round(id, request, round, now);
		}
	}

	/// Opens the reveal window.
	pub(crate) fn start_reveal(
		id: RequestId,
		request: &mut Request<T>,
		round: Round,
		from: Option<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
	) {
		let until = now.saturating_add(Self::params().reveal_window);
		request.phase = Phase::Revealing { round, until };
		Self::move_deadline(id, from, until);
		Self::deposit_event(Event::RevealStarted { request: id, round, until });
	}

	/// Records a member's (or, in a review, the server's) revealed vector after checking it against its
	/// commitment and the model. When everyone who committed has revealed, the round is decided in the next
	/// block.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::NoCommitment`],
	///   [`Error::AlreadyRevealed`], [`Error::RevealMismatch`], and the errors of the weight checks.
	pub fn do_reveal(worker: T::AccountId, id: RequestId, weights: Weights<T>, salt: [u8; 32]) -> DispatchResult {
		let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let Phase::Revealing { round, until } = request.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let member = Self::revealer_of(&worker, id, &request, round)?;
		let mut vote = Votes::<T>::get((id, round, &member)).ok_or(Error::<T>::NoCommitment)?;
		ensure!(vote.revealed.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(vote.commitment == commitment(id, round, &member, &weights, &salt), Error::<T>::RevealMismatch);
		vote.revealed = Some(Self::check_attribution(request.model, weights)?);
		Votes::<T>::insert((id, round, &member), vote);
		Self::deposit_event(Event::Revealed { request: id, round, member });

		if Votes::<T>::iter_prefix_values((id, round)).all(|v| v.revealed.is_some()) {
			let next = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
			if next < until {
				request.phase = Phase::Revealing { round, until: next };
				Self::move_deadline(id, Some(until), next);
				Requests::<T>::insert(id, request);
			}
		}
		Ok(())
	}
}
