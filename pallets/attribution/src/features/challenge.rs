//! Challenging a decided request.

use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Holds `bond` from `challenger` and draws a challenge committee (up to `challenge_committee_size`
	/// validators other than the server), which commits and reveals as a review committee does.
	///
	/// # Errors
	/// - [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::BondTooSmall`],
	///   [`Error::NoChallengeCommittee`], [`Error::InsufficientBalance`].
	pub fn do_challenge(challenger: T::AccountId, id: RequestId, bond: BalanceOf<T>) -> DispatchResult {
		let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let Phase::Challengeable { until } = request.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let params = Self::params();
		ensure!(bond >= params.min_challenge_bond, Error::<T>::BondTooSmall);
		let committee =
			Self::draw_committee(request.seed, Round::Challenge, &request.server, params.challenge_committee_size);
		ensure!(!committee.is_empty(), Error::<T>::NoChallengeCommittee);
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		let commit_until = now.saturating_add(params.commit_window);
		request.challenge = Some((challenger.clone(), bond));
		request.phase = Phase::Committing { round: Round::Challenge, until: commit_until };
		Self::move_deadline(id, Some(until), commit_until);
		Self::deposit_event(Event::Challenged { request: id, challenger, bond });
		Self::deposit_event(Event::CommitteeDrawn {
			request: id,
			round: Round::Challenge,
			members: committee.to_vec(),
			until: commit_until,
		});
		Committees::<T>::insert(id, Round::Challenge, committee);
		Requests::<T>::insert(id, request);
		Ok(())
	}
}
