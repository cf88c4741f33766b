//! Session length (set at genesis only: it is BABE's epoch length) and bonding period (genesis and root).

use core::marker::PhantomData;
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::staking::SessionIndex;
use sp_runtime::traits::Zero;

use crate::*;

/// Shortest bonding period: pallet-session queues each set a session ahead, so a validator that leaves in
/// session `s` still serves in `s + 1` and must stay slashable through it.
pub const MIN_BONDING_SESSIONS: SessionIndex = 2;

impl<T: Config> Pallet<T> {
	/// Sets the session length (blocks) and the bonding period (sessions): genesis only.
	///
	/// # Errors
	/// - [`Error::InvalidSessionParams`] for a zero length or fewer than [`MIN_BONDING_SESSIONS`].
	pub(crate) fn do_set_session_params(
		session_length: BlockNumberFor<T>,
		bonding_sessions: SessionIndex,
	) -> DispatchResult {
		ensure!(!session_length.is_zero(), Error::<T>::InvalidSessionParams);
		Self::do_set_bonding_sessions(bonding_sessions)?;
		SessionLength::<T>::put(session_length);
		Ok(())
	}

	/// Sets the bonding period (sessions).
	///
	/// # Errors
	/// - [`Error::InvalidSessionParams`] for fewer than [`MIN_BONDING_SESSIONS`].
	pub fn do_set_bonding_sessions(bonding_sessions: SessionIndex) -> DispatchResult {
		ensure!(bonding_sessions >= MIN_BONDING_SESSIONS, Error::<T>::InvalidSessionParams);
		BondingSessions::<T>::put(bonding_sessions);
		Self::deposit_event(Event::BondingSessionsSet { bonding_sessions });
		Ok(())
	}
}

/// The session length as a `Get`, for pallet-session's `PeriodicSessions`.
pub struct SessionLengthOf<T>(PhantomData<T>);

impl<T: Config> Get<BlockNumberFor<T>> for SessionLengthOf<T> {
	fn get() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}
}
