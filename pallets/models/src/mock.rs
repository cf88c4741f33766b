//! A test runtime with balances and the model registry; DataNet versions come from [`MockDataNets`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::cell::RefCell;
use std::collections::BTreeMap;

use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use openledger_primitives::dataset::{DataNetId, DataNetVersions, DatasetId, VersionNumber};
use sp_runtime::BuildStorage;

use crate as pallet_models;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Has less than the deposit.
pub const PAUPER: AccountId = 3;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const MODEL_DEPOSIT: Balance = 500;
pub const MAX_DATASETS: u32 = 4;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ModelsPallet: pallet_models,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

thread_local! {
	static VERSIONS: RefCell<BTreeMap<(DataNetId, VersionNumber), Vec<DatasetId>>> = const { RefCell::new(BTreeMap::new()) };
}

/// DataNet versions made by [`add_version`].
pub struct MockDataNets;
impl DataNetVersions for MockDataNets {
	fn version_exists(datanet: DataNetId, version: VersionNumber) -> bool {
		VERSIONS.with(|v| v.borrow().contains_key(&(datanet, version)))
	}
	fn is_member(datanet: DataNetId, version: VersionNumber, dataset: DatasetId) -> bool {
		VERSIONS.with(|v| v.borrow().get(&(datanet, version)).is_some_and(|members| members.contains(&dataset)))
	}
}

/// Makes `version` of `datanet` with `members`.
pub fn add_version(datanet: DataNetId, version: VersionNumber, members: &[DatasetId]) {
	VERSIONS.with(|v| v.borrow_mut().insert((datanet, version), members.to_vec()));
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for MockDataNets {
	fn version_with(datasets: u32) -> (DataNetId, VersionNumber, Vec<DatasetId>) {
		let members: Vec<DatasetId> = (0..u64::from(datasets)).collect();
		add_version(9, 1, &members);
		(9, 1, members)
	}
}

parameter_types! {
	pub const ModelDeposit: Balance = MODEL_DEPOSIT;
	pub const MinFee: Balance = 1;
	pub const MaxDatasets: u32 = MAX_DATASETS;
	pub const MaxMetadataLen: u32 = 64;
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DataNets = MockDataNets;
	type ModelDeposit = ModelDeposit;
	type MinFee = MinFee;
	type MaxDatasets = MaxDatasets;
	type MaxMetadataLen = MaxMetadataLen;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockDataNets;
}

/// Builds test state: ALICE and BOB are rich, PAUPER has 10; DataNet 0 has version 1 = {10, 11, 12}.
#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		VERSIONS.with(|v| v.borrow_mut().clear());
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(ALICE, INITIAL_BALANCE), (BOB, INITIAL_BALANCE), (PAUPER, 10)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			add_version(0, 1, &[10, 11, 12]);
		});
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			crate::Pallet::<Test>::do_try_state().unwrap();
		});
	}
}
