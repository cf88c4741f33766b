//! Invariants checked by `try_state` and the tests.

use alloc::collections::BTreeMap;
use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use sp_runtime::Saturating;

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks that ids are below `NextModelId`, retired models hold nothing, and each owner's held deposit is
	/// the sum of its active models' deposits.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextModelId::<T>::get();
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, model) in Models::<T>::iter() {
			ensure!(id < next, "a model id is not below NextModelId");
			match model.status {
				ModelStatus::Active => {
					let sum = held.entry(model.owner).or_default();
					*sum = sum.saturating_add(model.deposit);
				},
				ModelStatus::Retired => ensure!(model.deposit == Default::default(), "a retired model holds a deposit"),
			}
		}
		for (owner, sum) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &owner) == sum,
				"held model deposits differ from the records"
			);
		}
		Ok(())
	}
}
