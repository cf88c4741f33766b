//! A test runtime with balances and validation. The validator set, the entropy, slashing and the DataNets pallet
//! are small implementations of their traits, recording what the pallet asks of them.
//!
//! Validators are 1..=n with worker keys `validator + WORKER_OFFSET`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::cell::RefCell;

use frame_support::{derive_impl, parameter_types, traits::VariantCountOf, weights::Weight};
use openledger_primitives::{
	dataset::{DataNetId, DatasetId},
	draw::DrawEntropy,
	staking::{SessionIndex, SlashReason, SlashValidator, ValidatorSet},
	validation::{OnValidated, ValidationJobId, ValidationReport, DEFAULT_REPORT_TOLERANCE},
};
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};

use crate as pallet_validation;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

pub const WORKER_OFFSET: AccountId = 100;
pub const PROPOSER: AccountId = 50;
pub const PAUPER: AccountId = 52;
pub const FEE: Balance = 1_000;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const COMMITTEE: u32 = 3;
pub const DRAW_DELAY: u64 = 2;
pub const COMMIT_WINDOW: u64 = 5;
pub const REVEAL_WINDOW: u64 = 5;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Validation: pallet_validation,
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

/// What the DataNets pallet was told: (DataNet, dataset, job, the agreed report).
pub type Outcome = (DataNetId, DatasetId, ValidationJobId, Option<ValidationReport>);

thread_local! {
	static VALIDATORS: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static SLASHES: RefCell<Vec<(AccountId, Perbill, SlashReason)>> = const { RefCell::new(Vec::new()) };
	static OUTCOMES: RefCell<Vec<Outcome>> = const { RefCell::new(Vec::new()) };
	static ENTROPY: RefCell<H256> = const { RefCell::new(H256::zero()) };
}

pub fn set_validators(validators: Vec<AccountId>) {
	VALIDATORS.with(|v| *v.borrow_mut() = validators);
}
pub fn set_entropy(entropy: H256) {
	ENTROPY.with(|e| *e.borrow_mut() = entropy);
}
pub fn worker(validator: AccountId) -> AccountId {
	validator + WORKER_OFFSET
}
pub fn slashes() -> Vec<(AccountId, Perbill, SlashReason)> {
	SLASHES.with(|s| s.borrow().clone())
}
pub fn outcomes() -> Vec<Outcome> {
	OUTCOMES.with(|o| o.borrow().clone())
}

pub struct MockValidators;
impl ValidatorSet<AccountId> for MockValidators {
	fn current_session() -> SessionIndex {
		0
	}
	fn active_validators() -> Vec<AccountId> {
		VALIDATORS.with(|v| v.borrow().clone())
	}
	fn worker_of(validator: &AccountId) -> Option<AccountId> {
		Self::active_validators().contains(validator).then(|| worker(*validator))
	}
	fn validator_of(worker: &AccountId) -> Option<AccountId> {
		let validator = worker.checked_sub(WORKER_OFFSET)?;
		Self::active_validators().contains(&validator).then_some(validator)
	}
	fn commission_of(_: &AccountId) -> Perbill {
		Perbill::zero()
	}
}

pub struct MockEntropy;
impl DrawEntropy for MockEntropy {
	fn entropy() -> H256 {
		ENTROPY.with(|e| *e.borrow())
	}
}

/// Records the slash; moves nothing (the staking pallet's own tests cover the money).
pub struct MockSlasher;
impl SlashValidator<AccountId, Balance> for MockSlasher {
	fn slash(validator: &AccountId, fraction: Perbill, reason: SlashReason) -> Balance {
		SLASHES.with(|s| s.borrow_mut().push((*validator, fraction, reason)));
		fraction.mul_floor(10_000u128)
	}
}

/// The weight the mock DataNets pallet says recording an outcome used.
pub const RECORDING_WEIGHT: Weight = Weight::from_parts(7_000_000, 100);

pub struct MockDataNets;
impl OnValidated for MockDataNets {
	fn validated(datanet: DataNetId, dataset: DatasetId, job: ValidationJobId, report: Option<ValidationReport>) -> Weight {
		OUTCOMES.with(|o| o.borrow_mut().push((datanet, dataset, job, report)));
		RECORDING_WEIGHT
	}
}

parameter_types! {
	pub const DrawDelay: u64 = DRAW_DELAY;
	pub const MaxCommittee: u32 = 5;
	pub const MaxDeadlinesPerBlock: u32 = 4;
	pub const MemberSlash: Perbill = Perbill::from_percent(1);
	pub const AbsenceSlash: Perbill = Perbill::from_parts(1_000_000);
	pub const DefaultParams: pallet_validation::Params<u64> = pallet_validation::Params {
		committee_size: COMMITTEE,
		quorum: 2,
		tolerance: DEFAULT_REPORT_TOLERANCE,
		commit_window: COMMIT_WINDOW,
		reveal_window: REVEAL_WINDOW,
		member_slash: Perbill::from_percent(1),
		absence_slash: Perbill::from_parts(1_000_000),
	};
}

impl pallet_validation::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Validators = MockValidators;
	type Entropy = MockEntropy;
	type Slasher = MockSlasher;
	type OnValidated = MockDataNets;
	type DrawDelay = DrawDelay;
	type MaxCommittee = MaxCommittee;
	type DefaultParams = DefaultParams;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxDeadlinesPerBlock = MaxDeadlinesPerBlock;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Makes validators 1..=count (at most 64) active; their worker keys follow from `WORKER_OFFSET`.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn validators(count: u32) -> Vec<AccountId> {
		let validators: Vec<AccountId> = (1..=AccountId::from(count.min(64))).collect();
		set_validators(validators.clone());
		validators
	}
}

/// Four validators (1–4) and a funded proposer; block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = (1..=4).map(|v| (v, INITIAL_BALANCE)).collect();
	balances.push((PROPOSER, INITIAL_BALANCE));
	balances.push((PAUPER, 10));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }.assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		set_validators(vec![1, 2, 3, 4]);
		set_entropy(H256::repeat_byte(7));
		SLASHES.with(|s| s.borrow_mut().clear());
		OUTCOMES.with(|o| o.borrow_mut().clear());
		System::set_block_number(1);
	});
	ext
}

/// Runs blocks up to and including `n`, with `on_initialize` and the invariants after each.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Validation::on_initialize(next);
		Validation::do_try_state().unwrap();
	}
}
