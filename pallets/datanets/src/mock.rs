//! A test runtime with balances, datasets and DataNets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use frame_support::{derive_impl, parameter_types, traits::VariantCountOf, weights::Weight};
use sp_runtime::BuildStorage;

use crate as pallet_datanets;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Has less than any deposit.
pub const PAUPER: AccountId = 3;
pub const CHARLIE: AccountId = 4;
pub const INITIAL_BALANCE: Balance = 1_000_000;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Registry: pallet_datasets,
		DataNetsPallet: pallet_datanets,
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

parameter_types! {
	pub const DepositBase: Balance = 100;
	pub const DepositPerByte: Balance = 1;
	pub const MaxUriLen: u32 = 128;
	pub const MaxMetadataLen: u32 = 256;
	pub const MaxPieces: u32 = 8;
}

parameter_types! {
	pub const DataNetDeposit: Balance = 1_000;
	pub const MaxNameLen: u32 = 64;
	pub const MaxCurators: u32 = 3;
	pub const MaxLicences: u32 = 4;
	pub const MaxDatasets: u32 = 5;
	pub const MaxBucketLen: u32 = 4;
	pub NearDuplicateThreshold: sp_runtime::Permill = sp_runtime::Permill::from_percent(80);
	pub const DayLength: u32 = 100;
}

impl pallet_datanets::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Datasets = Registry;
	type DataNetDeposit = DataNetDeposit;
	type MaxNameLen = MaxNameLen;
	type MaxMetadataLen = MaxMetadataLen;
	type MaxCurators = MaxCurators;
	type MaxLicences = MaxLicences;
	type MaxDatasets = MaxDatasets;
	type MaxBucketLen = MaxBucketLen;
	type NearDuplicateThreshold = NearDuplicateThreshold;
	type DayLength = DayLength;
	type Validation = MockValidation;
	type WeightInfo = ();
}

/// A job the DataNets pallet opened: (proposer, DataNet, dataset, version, fee).
pub type OpenedJob = (AccountId, u32, u64, u32, Balance);

thread_local! {
	static JOBS: core::cell::RefCell<Vec<OpenedJob>> = const { core::cell::RefCell::new(Vec::new()) };
	static REFUSE_JOBS: core::cell::RefCell<bool> = const { core::cell::RefCell::new(false) };
}

/// The jobs opened so far; a job's id is its index.
pub fn opened_jobs() -> Vec<OpenedJob> {
	JOBS.with(|j| j.borrow().clone())
}

/// Makes the validation pallet refuse new jobs (as with no validator active).
pub fn refuse_jobs(refuse: bool) {
	REFUSE_JOBS.with(|r| *r.borrow_mut() = refuse);
}

/// Records the jobs asked for; the validation pallet's own tests cover committees and fees.
pub struct MockValidation;
impl openledger_primitives::validation::ValidationJobs<AccountId, Balance> for MockValidation {
	fn open(
		proposer: &AccountId,
		datanet: u32,
		dataset: u64,
		version: u32,
		fee: Balance,
	) -> Result<u64, sp_runtime::DispatchError> {
		if REFUSE_JOBS.with(|r| *r.borrow()) {
			return Err(sp_runtime::DispatchError::Other("no validators"));
		}
		JOBS.with(|j| {
			let mut jobs = j.borrow_mut();
			jobs.push((*proposer, datanet, dataset, version, fee));
			Ok(jobs.len() as u64 - 1)
		})
	}

	fn open_weight() -> Weight {
		Weight::zero()
	}
}

impl pallet_datasets::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type MaxUriLen = MaxUriLen;
	type MaxMetadataLen = MaxMetadataLen;
	type MaxPieces = MaxPieces;
	type WeightInfo = ();
}

/// Builds test state: ALICE and BOB are rich, PAUPER has 10.
#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(ALICE, INITIAL_BALANCE), (BOB, INITIAL_BALANCE), (PAUPER, 10), (CHARLIE, INITIAL_BALANCE)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			JOBS.with(|j| j.borrow_mut().clear());
			refuse_jobs(false);
			System::set_block_number(1);
			// Piece uploads need an extrinsic index, as inside a real block.
			System::set_extrinsic_index(0);
		});
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			crate::Pallet::<Test>::do_try_state().unwrap();
			pallet_datasets::Pallet::<Test>::do_try_state().unwrap();
		});
	}
}
