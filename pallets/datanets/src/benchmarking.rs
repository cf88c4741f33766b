//! Benchmarks of the DataNets pallet (`benchmark pallet --pallet pallet_datanets`), each at its worst case:
//! full LSH buckets to check, the largest membership to re-root.

use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use openledger_primitives::dataset::{
	ContentType, DataNetId, DataNetPolicy, DatasetId, Licence, Sketch, ValidationPolicy, LSH_BANDS, LSH_ROWS,
	MAX_FIELD_NAME_LEN, MAX_REQUIRED_FIELDS, SKETCH_LEN,
};
use sp_core::H256;
use sp_runtime::Saturating;
use sp_runtime::traits::Zero;

use crate::*;

/// A distinct hash for `i`, for made-up piece and content hashes.
fn made_up_hash(i: u64) -> H256 {
	H256(sp_io::hashing::blake2_256(&i.to_le_bytes()))
}

fn licence() -> Licence {
	BoundedVec::truncate_from(b"CC-BY-4.0".to_vec())
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	<T as Config>::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	let unit: BalanceOf<T> = 1_000_000_000u32.into();
	<T as Config>::Currency::set_balance(&who, unit.saturating_mul(unit).saturating_mul(1_000u32.into()));
	who
}

/// A sketch unlike every other `seed`'s, except that it shares band `shared_band` with `sketch(0, None)`.
fn sketch(seed: u32, shared_band: Option<u32>) -> Sketch {
	BoundedVec::truncate_from(
		(0..SKETCH_LEN)
			.map(|i| match shared_band {
				Some(band) if i / LSH_ROWS == band => i,
				_ => seed.saturating_mul(1_000).saturating_add(i),
			})
			.collect(),
	)
}

fn max_policy<T: Config>() -> PolicyOf<T> {
	DataNetPolicy {
		allowed_licences: BoundedVec::truncate_from(alloc::vec![licence(); T::MaxLicences::get() as usize]),
		max_dataset_bytes: u64::MAX,
		max_datasets: T::MaxDatasets::get(),
		contribution_deposit: 1_000u32.into(),
		// Limits that hold, so `propose` pays for reading and writing the daily count.
		max_proposals_per_day: u32::MAX,
		max_bytes_per_day: u64::MAX,
		// The validation job a proposal opens is the validation pallet's, measured there (its `open`) and added to
		// `propose`'s weight.
		validation: None,
	}
}

fn new_datanet<T: Config>(owner: &T::AccountId) -> DataNetId {
	Pallet::<T>::do_create(
		owner.clone(),
		BoundedVec::truncate_from(alloc::vec![b'n'; T::MaxNameLen::get() as usize]),
		BoundedVec::truncate_from(alloc::vec![b'm'; <T as Config>::MaxMetadataLen::get() as usize]),
		max_policy::<T>(),
	)
	.unwrap_or_default()
}

/// Registers a URI dataset owned by `owner` with `sketch`, via the runtime's registry.
fn register<T: Config + pallet_datasets::Config>(
	owner: &T::AccountId,
	seed: u32,
	sketch: Sketch,
) -> DatasetId {
	pallet_datasets::Pallet::<T>::do_register(
		owner.clone(),
		pallet_datasets::Registration {
			content_hash: made_up_hash(u64::from(seed) + 1),
			chunk_root: H256::zero(),
			rows: 1,
			bytes: 1,
			licence: licence(),
			sketch,
			source: pallet_datasets::RegistrationSource::Uri(BoundedVec::truncate_from(b"ipfs://x".to_vec())),
			metadata: BoundedVec::new(),
		},
	)
	.unwrap_or_default()
}

/// Fills every LSH band bucket of `sketch(0, None)` in `datanet` to one below `MaxBucketLen` with real
/// members that share only that band, so a check of dataset 0's sketch reads the most summaries (leaving
/// room for one more member).
fn fill_buckets<T: Config + pallet_datasets::Config>(
	owner: &T::AccountId,
	datanet: DataNetId,
) {
	let mut seed = 10u32;
	let room = T::MaxDatasets::get().saturating_sub(1);
	for band in 0..LSH_BANDS {
		for _ in 1..T::MaxBucketLen::get() {
			if Members::<T>::decode_len(datanet).unwrap_or(0) as u32 >= room {
				return;
			}
			seed = seed.saturating_add(1);
			let id = register::<T>(owner, seed, sketch(seed, Some(band)));
			let _ = Pallet::<T>::do_propose(owner.clone(), datanet, id);
			let _ = Pallet::<T>::do_approve(owner.clone(), datanet, id);
		}
	}
}

/// Adds curators to `datanet` (its owner is the first) until it has `MaxCurators`; returns the last added.
fn fill_curators<T: Config>(owner: &T::AccountId, datanet: DataNetId) -> Result<T::AccountId, BenchmarkError> {
	for i in 1..T::MaxCurators::get() {
		Pallet::<T>::do_add_curator(owner.clone(), datanet, account("curator", i, 0)).map_err(|_| "curator")?;
	}
	Ok(account("curator", T::MaxCurators::get().saturating_sub(1), 0))
}

/// Pads `datanet`'s current members to `count` with made-up entries (the cost of re-rooting is what is
/// measured; those entries are never read as datasets).
fn pad_members<T: Config>(datanet: DataNetId, count: u32) {
	Members::<T>::mutate(datanet, |members| {
		let mut seed = 1_000_000u64;
		while (members.len() as u32) < count {
			seed = seed.saturating_add(1);
			let entry = (made_up_hash(seed), seed);
			let position = members.binary_search(&entry).unwrap_or_else(|p| p);
			if members.try_insert(position, entry).is_err() {
				break;
			}
		}
	});
}

#[benchmarks(where
	T: pallet_datasets::Config,
	<T as Config>::Currency: Mutate<T::AccountId>,
)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create() {
		let owner = funded::<T>("owner", 0);
		let name = BoundedVec::truncate_from(alloc::vec![b'n'; T::MaxNameLen::get() as usize]);
		let metadata = BoundedVec::truncate_from(alloc::vec![b'm'; <T as Config>::MaxMetadataLen::get() as usize]);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), name, metadata, max_policy::<T>());
		assert!(DataNets::<T>::contains_key(0));
	}

	#[benchmark]
	fn add_curator() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		for i in 2..T::MaxCurators::get() {
			Pallet::<T>::do_add_curator(owner.clone(), id, account("curator", i, 0)).map_err(|_| "curator")?;
		}
		let curator: T::AccountId = account("curator", 1, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, curator.clone());
		assert!(DataNets::<T>::get(id).is_some_and(|d| d.curators.contains(&curator)));
		Ok(())
	}

	#[benchmark]
	fn remove_curator() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		let last = fill_curators::<T>(&owner, id)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, last.clone());
		assert!(DataNets::<T>::get(id).is_some_and(|d| !d.curators.contains(&last)));
		Ok(())
	}

	#[benchmark]
	fn propose() {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		fill_buckets::<T>(&owner, id);
		let dataset = register::<T>(&owner, 0, sketch(0, None));
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, dataset);
		assert!(Proposals::<T>::contains_key(id, dataset));
	}

	#[benchmark]
	fn approve(m: Linear<1, { T::MaxDatasets::get() }>) -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		fill_buckets::<T>(&owner, id);
		pad_members::<T>(id, m.saturating_sub(1));
		let dataset = register::<T>(&owner, 0, sketch(0, None));
		Pallet::<T>::do_propose(owner.clone(), id, dataset).map_err(|_| "propose")?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, dataset);
		assert!(MemberSince::<T>::contains_key(id, dataset));
		Ok(())
	}

	#[benchmark]
	fn reject() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		let dataset = register::<T>(&owner, 0, sketch(0, None));
		Pallet::<T>::do_propose(owner.clone(), id, dataset).map_err(|_| "propose")?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, dataset, 1);
		assert!(!Proposals::<T>::contains_key(id, dataset));
		Ok(())
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		let dataset = register::<T>(&owner, 0, sketch(0, None));
		Pallet::<T>::do_propose(owner.clone(), id, dataset).map_err(|_| "propose")?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, dataset);
		assert!(!Proposals::<T>::contains_key(id, dataset));
		Ok(())
	}

	#[benchmark]
	fn remove_dataset(m: Linear<1, { T::MaxDatasets::get() }>) -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		let dataset = register::<T>(&owner, 0, sketch(0, None));
		Pallet::<T>::do_propose(owner.clone(), id, dataset).map_err(|_| "propose")?;
		Pallet::<T>::do_approve(owner.clone(), id, dataset).map_err(|_| "approve")?;
		pad_members::<T>(id, m);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, dataset);
		assert!(!MemberSince::<T>::contains_key(id, dataset));
		Ok(())
	}

	/// The last of `MaxCurators` curators sets the largest policy: every required field at its longest, and a
	/// probe set whose summary is read.
	#[benchmark]
	fn set_validation() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		let curator = fill_curators::<T>(&owner, id)?;
		let probe_set = register::<T>(&owner, 0, sketch(0, None));
		let field = BoundedVec::truncate_from(alloc::vec![b'f'; MAX_FIELD_NAME_LEN as usize]);
		let policy = ValidationPolicy {
			content_type: ContentType::Jsonl,
			required_fields: BoundedVec::truncate_from(alloc::vec![field; MAX_REQUIRED_FIELDS as usize]),
			probe_set: Some(probe_set),
			min_score: 50,
			fee: 1_000u32.into(),
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(curator), id, Some(policy.clone()));
		assert!(DataNets::<T>::get(id).is_some_and(|d| d.policy.validation == Some(policy)));
		Ok(())
	}

	#[benchmark]
	fn close() {
		let owner = funded::<T>("owner", 0);
		let id = new_datanet::<T>(&owner);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(DataNets::<T>::get(id).is_some_and(|d| d.deposit.is_zero()));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
