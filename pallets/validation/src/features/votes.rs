//! Committee members commit to their reports, then reveal them.

use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	staking::ValidatorSet,
	validation::{report_commitment, ValidationJobId, ValidationReport},
};
use sp_core::H256;
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The validator whose worker key `worker` is, if it sits on `id`'s committee.
	///
	/// # Errors
	/// - [`Error::NotOnCommittee`].
	fn member_of(worker: &T::AccountId, id: ValidationJobId) -> Result<T::AccountId, DispatchError> {
		let member = T::Validators::validator_of(worker).ok_or(Error::<T>::NotOnCommittee)?;
		ensure!(Committees::<T>::get(id).unwrap_or_default().contains(&member), Error::<T>::NotOnCommittee);
		Ok(member)
	}

	/// Records the commitment of the member whose worker key signed; when every member has committed, the
	/// reveal phase starts at once.
	///
	/// # Errors
	/// - [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::DuplicateCommit`].
	pub fn do_commit(worker: T::AccountId, id: ValidationJobId, commitment: H256) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let JobPhase::Committing { until } = job.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let member = Self::member_of(&worker, id)?;
		ensure!(!Votes::<T>::contains_key(id, &member), Error::<T>::DuplicateCommit);
		Votes::<T>::insert(id, &member, ReportVote { commitment, revealed: None });
		Self::deposit_event(Event::ReportCommitted { job: id, member });

		let committee = Committees::<T>::get(id).unwrap_or_default();
		if committee.iter().all(|m| Votes::<T>::contains_key(id, m)) {
			Deadlines::<T>::remove(until, id);
			Self::start_reveal(id, &mut job, frame_system::Pallet::<T>::block_number());
			Jobs::<T>::insert(id, job);
		}
		Ok(())
	}

	/// Opens the reveal window (the caller has removed the previous deadline).
	pub(crate) fn start_reveal(id: ValidationJobId, job: &mut Job<T>, now: BlockNumberFor<T>) {
		let until = now.saturating_add(Self::params().reveal_window);
		job.phase = JobPhase::Revealing { until };
		Deadlines::<T>::insert(until, id, ());
		Self::deposit_event(Event::ReportRevealStarted { job: id, until });
	}

	/// Records a member's revealed report after checking it against its commitment. When everyone who committed
	/// has revealed, the job is decided in the next block.
	///
	/// # Errors
	/// - [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotOnCommittee`], [`Error::NoCommitment`],
	///   [`Error::AlreadyRevealed`], [`Error::RevealMismatch`].
	pub fn do_reveal(worker: T::AccountId, id: ValidationJobId, report: ValidationReport, salt: [u8; 32]) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let JobPhase::Revealing { until } = job.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let member = Self::member_of(&worker, id)?;
		let mut vote = Votes::<T>::get(id, &member).ok_or(Error::<T>::NoCommitment)?;
		ensure!(vote.revealed.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(vote.commitment == report_commitment(id, &member, &report, &salt), Error::<T>::RevealMismatch);
		vote.revealed = Some(report);
		Votes::<T>::insert(id, &member, vote);
		Self::deposit_event(Event::ReportRevealed { job: id, member });

		if Votes::<T>::iter_prefix_values(id).all(|v| v.revealed.is_some()) {
			let next = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
			if next < until {
				job.phase = JobPhase::Revealing { until: next };
				Deadlines::<T>::remove(until, id);
				Deadlines::<T>::insert(next, id, ());
				Jobs::<T>::insert(id, job);
			}
		}
		Ok(())
	}
}
