//! Invariants checked by `try_state` and the property tests.

use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};
use openledger_primitives::{content::version_root, dataset::DataNetStatus};
use sp_core::H256;
use sp_runtime::{traits::Zero, Saturating};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Checks, for every DataNet, that every version's root and count can be recomputed from the
	/// membership history, that current members match the latest version, that proposal counts match,
	/// and that held deposits equal what the records say.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut datanet_holds: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		let mut contribution_holds: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, _) in DailyContributions::<T>::iter_keys() {
			ensure!(DataNets::<T>::contains_key(id), "a daily count of a DataNet that does not exist");
		}
		for (id, datanet) in DataNets::<T>::iter() {
			for version in 0..=datanet.version {
				let info = Versions::<T>::get(id, version).ok_or("a version is missing")?;
				let members = Self::members_of_version(id, version);
				let hashes: alloc::vec::Vec<H256> = members.iter().map(|(_, hash)| *hash).collect();
				ensure!(info.root == version_root(&hashes), "version root differs from its membership");
				ensure!(info.dataset_count as usize == members.len(), "version count differs from its membership");
			}
			let current = Members::<T>::get(id);
			ensure!(current.windows(2).all(|w| matches!(w, [a, b] if a < b)), "members not sorted");
			ensure!(MemberSince::<T>::iter_prefix(id).count() == current.len(), "MemberSince out of sync");
			let latest = Self::members_of_version(id, datanet.version);
			ensure!(latest.len() == current.len(), "latest version differs from current members");
			ensure!(
				Proposals::<T>::iter_prefix(id).count() == datanet.open_proposals as usize,
				"open proposal count out of sync"
			);
			ensure!(
				(datanet.status == DataNetStatus::Closed) == datanet.deposit.is_zero() ||
					T::DataNetDeposit::get().is_zero(),
				"a closed DataNet holds a deposit or an open one none"
			);
			let held = datanet_holds.entry(datanet.owner.clone()).or_default();
			*held = held.saturating_add(datanet.deposit);
			for (_, proposal) in Proposals::<T>::iter_prefix(id) {
				let held = contribution_holds.entry(proposal.proposer.clone()).or_default();
				*held = held.saturating_add(proposal.deposit);
			}
		}
		for (who, total) in datanet_holds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::DataNetDeposit.into(), &who) == total,
				"held DataNet deposits differ from the records"
			);
		}
		for (who, total) in contribution_holds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContributionDeposit.into(), &who) == total,
				"held contribution deposits differ from the records"
			);
		}
		Ok(())
	}
}
