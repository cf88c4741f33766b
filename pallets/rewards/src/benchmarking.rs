//! Benchmarks of the rewards pallet (`benchmark pallet --pallet pallet_rewards`): `claim` and `set_split`
//! (calls), `pay` with up to `MaxWeights` credited datasets (the attribution pallet charges it), and
//! `on_session_end` with up to 100 validators (run by pallet-session).

use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use openledger_primitives::{
	attribution::Attribution,
	dataset::DatasetRegistry,
	rewards::{AcceptedAnswer, ALL_BASIS_POINTS},
};
use sp_runtime::traits::{Bounded, CheckedDiv};

use crate::*;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value().checked_div(&1_000u32.into()).unwrap_or_default());
	who
}

/// An answer crediting `w` datasets of distinct owners, equally (the last takes the remainder).
fn answer<T: Config>(w: u32) -> Result<AcceptedAnswer<T::AccountId, BalanceOf<T>, T::MaxWeights>, BenchmarkError> {
	let each = ALL_BASIS_POINTS.checked_div(w).unwrap_or(ALL_BASIS_POINTS);
	let weights = (0..w)
		.map(|i| {
			let owner: T::AccountId = account("owner", i, 0);
			let bps = if i.saturating_add(1) == w { ALL_BASIS_POINTS.saturating_sub(each.saturating_mul(i)) } else { each };
			(T::BenchmarkHelper::register_dataset(&owner, i), u16::try_from(bps).unwrap_or(u16::MAX))
		})
		.collect::<alloc::vec::Vec<_>>();
	let weights = Attribution::try_new(weights).map_err(|e| BenchmarkError::Stop(e.as_str()))?;
	let validators = alloc::vec![(account("server", 0, 0), 2)];
	Ok(AcceptedAnswer { model_owner: account("model-owner", 0, 0), datanet: 0, weights, fee: 1_000_000_000u32.into(), validators })
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn claim() -> Result<(), BenchmarkError> {
		let payer = funded::<T>("payer", 0);
		let answer = answer::<T>(1)?;
		Pallet::<T>::do_pay(&payer, &answer).unwrap_or_default();
		let owner = answer
			.weights
			.shares()
			.first()
			.and_then(|(dataset, _)| T::Datasets::summary(*dataset))
			.map(|summary| summary.owner)
			.unwrap_or_else(|| account("owner", 0, 0));
		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()));
		assert!(Pending::<T>::get(&owner) == Default::default());
		Ok(())
	}

	#[benchmark]
	fn set_split() {
		let split = FeeSplit { treasury: 500, model_owner: 1_500, validators: 1_000, contributors: 7_000 };
		#[extrinsic_call]
		_(RawOrigin::Root, split);
		assert_eq!(Split::<T>::get(), split);
	}

	#[benchmark]
	fn pay(w: Linear<1, { T::MaxWeights::get() }>) -> Result<(), BenchmarkError> {
		let payer = funded::<T>("payer", 0);
		let answer = answer::<T>(w)?;
		#[block]
		{
			Pallet::<T>::do_pay(&payer, &answer).unwrap_or_default();
		}
		assert!(Pending::<T>::get(account::<T::AccountId>("server", 0, 0)) != Default::default());
		Ok(())
	}


	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
