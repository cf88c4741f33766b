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
	/// an answer always comes with the server's commitment and a decided request with a standing attribution;
	/// that
	/// every open request has exactly one deadline, at the end of its phase, every closed request not yet
	/// pruned one, at the end of its retention, and pruned ones none (so nothing closed outlives its
	/// retention); that pruned requests kept nothing but their record and standing attribution; that each
	/// requester holds exactly the deposits of its unpruned requests; that held challenge bonds are those of
	/// challenges being decided; and that ids are below `NextRequestId`.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextRequestId::<T>::get();
		let mut open_fees = BalanceOf::<T>::default();
		let mut scheduled = 0u32;
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, request) in Requests::<T>::iter() {
			ensure!(id < next, "a request id is not below NextRequestId");
			if Self::is_pruned(id) {
				ensure!(!request.phase.is_open(), "an open request was pruned");
				ensure!(request.deposit == Default::default(), "a pruned request still has a deposit");
				ensure!(
					!Answers::<T>::contains_key(id)
						&& Committees::<T>::iter_prefix(id).next().is_none()
						&& Votes::<T>::iter_prefix((id,)).next().is_none(),
					"a pruned request kept its answer, committees or votes"
				);
				continue;
			}
			let server_vote = request.server.as_ref().is_some_and(|s| Votes::<T>::contains_key((id, Round::Review, s)));
			ensure!(Answers::<T>::contains_key(id) == server_vote, "an answer without the server's commitment");
			let decided = matches!(
				request.phase,
				Phase::Challengeable { .. }
					| Phase::Drawing { draw: Draw::Committee(Round::Challenge), .. }
					| Phase::Committing { round: Round::Challenge, .. }
					| Phase::Revealing { round: Round::Challenge, .. }
					| Phase::Closed(Closure::Paid)
			);
			ensure!(!decided || Standing::<T>::contains_key(id), "a decided request has no standing attribution");
			let sum = deposits.entry(request.requester.clone()).or_default();
			*sum = sum.saturating_add(request.deposit);
			scheduled = scheduled.saturating_add(1);
			match (request.phase.until(), request.retained_until) {
				(Some(until), None) => {
					open_fees = open_fees.saturating_add(request.fee);
					ensure!(Deadlines::<T>::contains_key(until, id), "an open request has no deadline at its phase end");
				},
				(None, Some(until)) => ensure!(
					Deadlines::<T>::contains_key(until, id),
					"a closed request is not scheduled for pruning at the end of its retention"
				),
				_ => return Err("a request is open with a retention, or closed without one".into()),
			}
			let deciding_challenge = matches!(
				request.phase,
				Phase::Drawing { draw: Draw::Committee(Round::Challenge), .. }
					| Phase::Committing { round: Round::Challenge, .. }
					| Phase::Revealing { round: Round::Challenge, .. }
			);
			ensure!(
				request.server.is_some()
					|| !request.phase.is_open()
					|| matches!(request.phase, Phase::Drawing { draw: Draw::Server, .. }),
				"an open request past its server's draw has no server"
			);
			if let (true, Some((challenger, bond))) = (deciding_challenge, request.challenge) {
				let sum = bonds.entry(challenger).or_default();
				*sum = sum.saturating_add(bond);
			}
		}
		ensure!(
			Deadlines::<T>::iter().count() == scheduled as usize,
			"deadlines do not match the open and unpruned requests"
		);
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
		for (requester, sum) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::RequestDeposit.into(), &requester) == sum,
				"a requester's held deposits differ from its unpruned requests'"
			);
		}
		Ok(())
	}
}
