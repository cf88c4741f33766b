//! Benchmarks of the model registry (`benchmark pallet --pallet pallet_models`), `register` at every manifest
//! length up to `MaxDatasets` (each dataset's membership is read).

use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::{
	traits::{Bounded, CheckedDiv},
	Saturating,
};

use crate::*;

fn funded<T: Config>() -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account("owner", 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value().checked_div(&4u32.into()).unwrap_or_default());
	who
}

fn manifest<T: Config>(datasets: u32) -> Manifest<T> {
	let (datanet, version, members) = T::BenchmarkHelper::version_with(datasets);
	Manifest {
		datanet,
		version,
		datasets: BoundedVec::truncate_from(members),
		hyperparameters_hash: H256::repeat_byte(1),
		influence_hash: H256::repeat_byte(2),
	}
}

fn registered<T: Config>(owner: &T::AccountId) -> ModelId {
	Pallet::<T>::do_register(
		owner.clone(),
		H256::zero(),
		None,
		manifest::<T>(1),
		T::MinFee::get(),
		BoundedVec::new(),
	)
	.unwrap_or_default()
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register(d: Linear<1, { T::MaxDatasets::get() }>) {
		let owner = funded::<T>();
		let manifest = manifest::<T>(d);
		let metadata = BoundedVec::truncate_from(alloc::vec![b'm'; T::MaxMetadataLen::get() as usize]);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), H256::zero(), Some(H256::zero()), manifest, T::MinFee::get(), metadata);
		assert!(Models::<T>::contains_key(0));
	}

	#[benchmark]
	fn set_fee() {
		let owner = funded::<T>();
		let id = registered::<T>(&owner);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, T::MinFee::get().saturating_add(7u32.into()));
	}

	#[benchmark]
	fn retire() {
		let owner = funded::<T>();
		let id = registered::<T>(&owner);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Retired));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
