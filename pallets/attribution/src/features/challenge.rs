//! Challenging a decided request.

use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Holds `bond` from `challenger` and schedules the draw of a challenge committee (up to
	/// `challenge_committee_size` validators other than the server) `DrawDelay` blocks later, so that the
	/// challenger cannot choose its committee by choosing its block; it commits and reveals as a review
	/// committee does.
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
		let others = Self::servable(request.server.as_slice());
		ensure!(!others.is_empty(), Error::<T>::NoChallengeCommittee);
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		request.challenge = Some((challenger.clone(), bond));
		Self::schedule_draw(id, &mut request, Draw::Committee(Round::Challenge), Some(until), now);
		Self::deposit_event(Event::Challenged { request: id, challenger, bond });
		Requests::<T>::insert(id, request);
		Ok(())
	}
}
