//! Benchmarks of the datasets pallet (`benchmark pallet --pallet pallet_datasets`).

use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use openledger_primitives::{
	content::{merkle_root, piece_hash, PIECE_SIZE},
	dataset::{DatasetId, SKETCH_LEN},
};
use sp_core::H256;
use sp_runtime::Saturating;

use crate::*;

/// A distinct hash for `i`, for made-up piece and content hashes.
fn made_up_hash(i: u64) -> H256 {
	H256(sp_io::hashing::blake2_256(&i.to_le_bytes()))
}

fn funded<T: Config>() -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = whitelisted_caller();
	let unit: BalanceOf<T> = 1_000_000_000u32.into();
	T::Currency::set_balance(&who, unit.saturating_mul(unit).saturating_mul(1_000u32.into()));
	who
}

fn sketch() -> openledger_primitives::dataset::Sketch {
	BoundedVec::truncate_from((0..SKETCH_LEN).collect())
}

fn full<S: Get<u32>>(byte: u8) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(alloc::vec![byte; S::get() as usize])
}

/// Registers an inline dataset of `pieces` pieces whose piece hashes are made up (its content is never
/// uploaded) and returns its id.
fn register_inline<T: Config>(owner: &T::AccountId, pieces: u32, last_piece_len: u32) -> DatasetId
where
	T::Currency: Mutate<T::AccountId>,
{
	let hashes: alloc::vec::Vec<H256> = (0..pieces).map(|i| made_up_hash(u64::from(i) + 1)).collect();
	let bytes = u64::from(pieces.saturating_sub(1))
		.saturating_mul(u64::from(PIECE_SIZE))
		.saturating_add(u64::from(last_piece_len));
	Pallet::<T>::do_register(
		owner.clone(),
		Registration {
			content_hash: merkle_root(&hashes),
			chunk_root: H256::zero(),
			rows: 1,
			bytes,
			licence: BoundedVec::truncate_from(b"CC-BY-4.0".to_vec()),
			sketch: sketch(),
			source: RegistrationSource::Inline { piece_hashes: BoundedVec::truncate_from(hashes) },
			metadata: full::<T::MaxMetadataLen>(1),
		},
	)
	.map_err(|_| "registration failed")
	.unwrap_or_default()
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register(p: Linear<1, { T::MaxPieces::get() }>) {
		let owner = funded::<T>();
		let hashes: alloc::vec::Vec<H256> = (0..p).map(|i| made_up_hash(u64::from(i) + 1)).collect();
		let content_hash = merkle_root(&hashes);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner),
			content_hash,
			H256::zero(),
			1,
			u64::from(p).saturating_mul(u64::from(PIECE_SIZE)),
			BoundedVec::truncate_from(b"CC-BY-4.0".to_vec()),
			sketch(),
			RegistrationSource::Inline { piece_hashes: BoundedVec::truncate_from(hashes) },
			full::<T::MaxMetadataLen>(1),
		);
		assert!(DatasetByContent::<T>::contains_key(content_hash));
	}

	#[benchmark]
	fn upload_piece(b: Linear<1, PIECE_SIZE>) {
		let owner = funded::<T>();
		let data = alloc::vec![7u8; b as usize];
		let hashes = alloc::vec![piece_hash(&data)];
		let id = Pallet::<T>::do_register(
			owner.clone(),
			Registration {
				content_hash: merkle_root(&hashes),
				chunk_root: H256::zero(),
				rows: 1,
				bytes: u64::from(b),
				licence: BoundedVec::truncate_from(b"CC-BY-4.0".to_vec()),
				sketch: sketch(),
				source: RegistrationSource::Inline { piece_hashes: BoundedVec::truncate_from(hashes) },
				metadata: BoundedVec::new(),
			},
		)
		.map_err(|_| "registration failed")
		.unwrap_or_default();
		// Inside a block an extrinsic index is always set.
		frame_support::storage::unhashed::put(sp_core::storage::well_known_keys::EXTRINSIC_INDEX, &0u32);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 0, BoundedVec::truncate_from(data));
		assert!(UploadedPieces::<T>::contains_key(id, 0));
	}

	#[benchmark]
	fn update_metadata() {
		let owner = funded::<T>();
		let id = register_inline::<T>(&owner, 1, 10);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, full::<T::MaxMetadataLen>(2));
		assert_eq!(Datasets::<T>::get(id).map(|d| d.metadata), Some(full::<T::MaxMetadataLen>(2)));
	}

	#[benchmark]
	fn retire(p: Linear<0, { T::MaxPieces::get() }>) {
		let owner = funded::<T>();
		let id = register_inline::<T>(&owner, p.max(1), 10);
		for index in 0..p {
			UploadedPieces::<T>::insert(id, index, ());
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(!Datasets::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
