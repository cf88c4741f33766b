//! Building the genesis state by the same rules as the calls.

use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::staking::SessionIndex;
use sp_runtime::Perbill;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Sets the session parameters (when given) and bonds each `(stash, bond, worker)` as a validating
	/// candidate with no commission. Session keys are not checked: pallet-session's genesis stores them after.
	///
	/// # Errors
	/// - [`Error::InvalidSessionParams`], and whatever bonding or registering a candidate refuses
	///   ([`Error::AlreadyBonded`], [`Error::BondBelowMinimum`], [`Error::InsufficientBalance`],
	///   [`Error::WorkerKeyInUse`], [`Error::TooManyCandidates`]).
	pub(crate) fn do_build_genesis(
		session_length: Option<BlockNumberFor<T>>,
		bonding_sessions: Option<SessionIndex>,
		validators: &[(T::AccountId, BalanceOf<T>, T::AccountId)],
	) -> DispatchResult {
		if session_length.is_some() || bonding_sessions.is_some() {
			Self::do_set_session_params(
				session_length.unwrap_or_else(SessionLength::<T>::get),
				bonding_sessions.unwrap_or_else(BondingSessions::<T>::get),
			)?;
		}
		for (stash, bond, worker) in validators {
			Self::do_bond(stash.clone(), *bond)?;
			Self::register_candidate(stash.clone(), Perbill::zero(), worker.clone())?;
		}
		Ok(())
	}
}
