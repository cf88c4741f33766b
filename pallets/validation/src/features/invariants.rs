//! What must hold between blocks (`try_state`, and after every step of the property tests).

use frame_support::{ensure, traits::{fungible::InspectHold, Get}};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// The parameters in force are consistent; every open job has exactly one deadline, at the end of its phase,
	/// and a committee once drawn; every vote belongs to an open job's committee; each proposer's held fees are the
	/// fees of its open jobs.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		ensure!(Self::params().is_valid(T::MaxCommittee::get()), "the parameters in force are inconsistent");
		let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, job) in Jobs::<T>::iter() {
			ensure!(Deadlines::<T>::contains_key(job.phase.until(), id), "an open job has no deadline at its phase's end");
			ensure!(Deadlines::<T>::iter().filter(|(_, j, _)| *j == id).count() == 1, "a job has several deadlines");
			let drawn = Committees::<T>::contains_key(id);
			ensure!(drawn != matches!(job.phase, JobPhase::Drawing { .. }), "a committee exists exactly once drawn");
			let entry = held.entry(job.proposer.clone()).or_default();
			*entry = entry.saturating_add(job.fee);
		}
		for (id, member, _) in Votes::<T>::iter() {
			ensure!(Committees::<T>::get(id).unwrap_or_default().contains(&member), "a vote from outside a committee");
		}
		for (_, id, _) in Deadlines::<T>::iter() {
			ensure!(Jobs::<T>::contains_key(id), "a deadline of a closed job");
		}
		for (proposer, fees) in held {
			let hold = T::Currency::balance_on_hold(&HoldReason::ValidationFee.into(), &proposer);
			ensure!(hold == fees, "held validation fees differ from the open jobs' fees");
		}
		Ok(())
	}
}
