//! Benchmarks of the validator staking pallet (`benchmark pallet --pallet pallet_validator_staking`), each at
//! its worst case: the most unlocking chunks to scan, a candidate chilled on the way, an election over the
//! most candidates.

use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_runtime::{
	traits::{Bounded, CheckedDiv, Zero},
	Perbill, Saturating,
};

use crate::*;

/// An account with plenty of free balance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value().checked_div(&4u32.into()).unwrap_or_default());
	who
}

/// A bond comfortably above the validator minimum.
fn validator_bond<T: Config>() -> BalanceOf<T> {
	T::MinValidatorBond::get().saturating_mul(2u32.into())
}

/// A funded, bonded candidate with session keys and a worker key of its own.
fn candidate<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("candidate", index);
	let worker: T::AccountId = account("worker", index, 0);
	T::BenchmarkHelper::register_session_keys(&who);
	let amount = validator_bond::<T>().saturating_add(index.into());
	Pallet::<T>::do_bond(who.clone(), amount).unwrap_or_default();
	Pallet::<T>::do_validate(who.clone(), Perbill::zero(), worker).unwrap_or_default();
	who
}

/// Opens `chunks` unlocking chunks (one per session) on `who`'s ledger.
fn open_chunks<T: Config>(who: &T::AccountId, chunks: u32) {
	for _ in 0..chunks {
		Pallet::<T>::do_unbond(who.clone(), T::MinBond::get()).unwrap_or_default();
		CurrentSession::<T>::mutate(|s| *s = s.saturating_add(1));
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		let who = funded::<T>("staker", 0);
		let value = validator_bond::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), value);
		assert!(Ledgers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		let who = candidate::<T>(0);
		open_chunks::<T>(&who, T::MaxUnlockingChunks::get().saturating_sub(1));
		let value = T::MinBond::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), value);
	}

	/// The most chunks to scan, a new one to push, and the candidate chilled.
	#[benchmark]
	fn unbond() {
		let who = candidate::<T>(0);
		open_chunks::<T>(&who, T::MaxUnlockingChunks::get().saturating_sub(1));
		let active = Ledgers::<T>::get(&who).map(|l| l.active).unwrap_or_default();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), active);
		assert!(!Candidates::<T>::contains_key(&who));
	}

	/// `c` chunks, all unlocked and withdrawn; the emptied ledger and worker key removed.
	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnlockingChunks::get() }>) {
		let who = funded::<T>("staker", 0);
		let amount = T::MinBond::get().saturating_mul(c.into());
		Pallet::<T>::do_bond(who.clone(), amount).unwrap_or_default();
		open_chunks::<T>(&who, c);
		CurrentSession::<T>::mutate(|s| *s = s.saturating_add(BondingSessions::<T>::get()));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Ledgers::<T>::contains_key(&who));
	}

	/// An existing candidate replacing its worker key (more writes than a first `validate`).
	#[benchmark]
	fn validate() {
		let who = candidate::<T>(0);
		let worker: T::AccountId = account("new-worker", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Perbill::from_percent(10), worker.clone());
		assert_eq!(Workers::<T>::get(&who), Some(worker));
	}

	#[benchmark]
	fn chill() {
		let who = candidate::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Candidates::<T>::contains_key(&who));
	}

	#[benchmark]
	fn set_bonding_sessions() {
		#[extrinsic_call]
		_(RawOrigin::Root, 4);
		assert_eq!(BondingSessions::<T>::get(), 4);
	}

	/// The election over `c` candidates (run by pallet-session at each session change).
	#[benchmark]
	fn elect(c: Linear<1, { T::MaxCandidates::get() }>) {
		for i in 0..c {
			candidate::<T>(i);
		}
		let elected;
		#[block]
		{
			elected = Pallet::<T>::elect();
		}
		assert!(!elected.is_empty() && elected.len() as u32 <= T::MaxValidators::get());
	}

	/// A candidate with `c` unbonding chunks slashed by root: every chunk cut, candidacy removed.
	#[benchmark]
	fn force_slash(c: Linear<0, { T::MaxUnlockingChunks::get() }>) {
		let who = candidate::<T>(0);
		open_chunks::<T>(&who, c);
		#[extrinsic_call]
		_(RawOrigin::Root, who.clone(), Perbill::from_percent(10));
		assert!(!Candidates::<T>::contains_key(&who));
		assert!(!TotalSlashed::<T>::get().is_zero());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
