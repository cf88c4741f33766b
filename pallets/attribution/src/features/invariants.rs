//! Invariants checked by `try_state` and the tests.

use alloc::collections::BTreeMap;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks that the escrow holds exactly its existential deposit plus the fee of every open request; that
	/// every open request has exactly one deadline, at the end of its phase, and closed ones none; that held
	/// challenge bonds are those of challenges being decided; and that ids are below `NextRequestId`.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextRequestId::<T>::get();
		let mut open_fees = BalanceOf::<T>::default();
		let mut open = 0u32;
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, request) in Requests::<T>::iter() {
			ensure!(id < next, "a request id is not below NextRequestId");
			ensure!(Answers::<T>::contains_key(id) == Standing::<T>::contains_key(id), "an answer without weights");
			if let Some(until) = request.phase.until() {
				open_fees = open_fees.saturating_add(request.fee);
				open = open.saturating_add(1);
				ensure!(Deadlines::<T>::contains_key(until, id), "an open request has no deadline at its phase end");
			}
			let deciding_challenge = matches!(
				request.phase,
				Phase::Committing { round: Round::Challenge, .. } | Phase::Revealing { round: Round::Challenge, .. }
			);
			if let (true, Some((challenger, bond))) = (deciding_challenge, request.challenge) {
				let sum = bonds.entry(challenger).or_default();
				*sum = sum.saturating_add(bond);
			}
		}
		ensure!(Deadlines::<T>::iter().count() == open as usize, "deadlines do not match the open requests");
		let escrow = T::Currency::balance(&Self::escrow_account());
		ensure!(
			escrow == T::Currency::minimum_balance().saturating_add(open_fees),
			"the escrow does not hold exactly the open requests' fees"
		);
		for (challenger, sum) in bonds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &challenger) == sum,
				"held challenge bonds differ from the open challenges"
			);
		}
		Ok(())
	}
}
