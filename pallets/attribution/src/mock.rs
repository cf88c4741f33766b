//! A test runtime with balances and attribution. Models, validators, slashing and payouts are small
//! implementations of their traits, recording what the pallet asks of them.
//!
//! Validators are 1..=n with worker keys `validator + WORKER_OFFSET`. Model 0 (owner MODEL_OWNER, fee FEE)
//! credits datasets 10, 11, 12, 13; model 1 is retired; model 2 costs more than anyone's `max_fee` in tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::cell::RefCell;
use std::collections::BTreeMap;

use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::Mutate, tokens::Preservation, VariantCountOf},
	weights::Weight,
	PalletId,
};
use openledger_primitives::{
	dataset::DatasetId,
	model::{ModelId, ModelRegistry, ServingTerms},
	rewards::{AcceptedAnswer, AnswerPayout},
	staking::{SessionIndex, SlashReason, SlashValidator, ValidatorSet},
};
use sp_runtime::{BuildStorage, DispatchError, Perbill};

use crate as pallet_attribution;
use crate::Params;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

pub const WORKER_OFFSET: AccountId = 100;
pub const REQUESTER: AccountId = 50;
pub const CHALLENGER: AccountId = 51;
pub const PAUPER: AccountId = 52;
pub const MODEL_OWNER: AccountId = 60;
/// Where the mock payout sends fees.
pub const PAYOUT_SINK: AccountId = 98;
pub const TREASURY: AccountId = 99;
pub const FEE: Balance = 1_000;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const MIN_BOND: Balance = 500;
pub const MAX_WEIGHTS: u32 = 4;
pub const MAX_COMMITTEE: u32 = 5;
pub const MAX_PROMPT: u32 = 64;
pub const MAX_OUTPUT: u32 = 128;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Attribution: pallet_attribution,
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
	static VALIDATORS: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static SLASHES: RefCell<Vec<(AccountId, Perbill, SlashReason)>> = const { RefCell::new(Vec::new()) };
	static PAYOUTS: RefCell<Vec<AcceptedAnswer<AccountId, Balance, MaxWeights>>> = const { RefCell::new(Vec::new()) };
	static PAYOUT_FAILS: RefCell<bool> = const { RefCell::new(false) };
	static MODELS: RefCell<BTreeMap<ModelId, MockModel>> = const { RefCell::new(BTreeMap::new()) };
}

/// A mock model's serving terms and credited datasets.
type MockModel = (ServingTerms<AccountId, Balance>, Vec<DatasetId>);

pub fn set_validators(validators: Vec<AccountId>) {
	VALIDATORS.with(|v| *v.borrow_mut() = validators);
}
pub fn worker(validator: AccountId) -> AccountId {
	validator + WORKER_OFFSET
}
pub fn slashes() -> Vec<(AccountId, Perbill, SlashReason)> {
	SLASHES.with(|s| s.borrow().clone())
}
pub fn payouts() -> Vec<AcceptedAnswer<AccountId, Balance, MaxWeights>> {
	PAYOUTS.with(|p| p.borrow().clone())
}
pub fn make_payouts_fail(fail: bool) {
	PAYOUT_FAILS.with(|f| *f.borrow_mut() = fail);
}
pub fn retire_model(model: ModelId) {
	MODELS.with(|m| {
		if let Some((terms, _)) = m.borrow_mut().get_mut(&model) {
			terms.active = false;
		}
	});
}

pub struct MockModels;
impl ModelRegistry<AccountId, Balance> for MockModels {
	fn terms(model: ModelId) -> Option<ServingTerms<AccountId, Balance>> {
		MODELS.with(|m| m.borrow().get(&model).map(|(terms, _)| terms.clone()))
	}
	fn credits_all(model: ModelId, datasets: &[DatasetId]) -> bool {
		MODELS
			.with(|m| m.borrow().get(&model).is_some_and(|(_, manifest)| datasets.iter().all(|d| manifest.contains(d))))
	}
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
		(1..=20).contains(validator).then(|| worker(*validator))
	}
	fn validator_of(worker: &AccountId) -> Option<AccountId> {
		worker.checked_sub(WORKER_OFFSET).filter(|v| (1..=20).contains(v))
	}
	fn commission_of(_: &AccountId) -> Perbill {
		Perbill::zero()
	}
}

/// Records slashes; each is worth `fraction` of 10 000.
pub struct MockSlasher;
impl SlashValidator<AccountId, Balance> for MockSlasher {
	/// Records the slash and moves `fraction` of a 10 000 bond from the validator (its worker's account stands
	/// in for the bond) to the treasury, as the staking pallet would.
	fn slash(validator: &AccountId, fraction: Perbill, reason: SlashReason) -> Balance {
		use frame_support::traits::{fungible::Mutate, tokens::Preservation};
		SLASHES.with(|s| s.borrow_mut().push((*validator, fraction, reason)));
		let amount = fraction.mul_floor(10_000);
		match <Balances as Mutate<AccountId>>::transfer(&worker(*validator), &TREASURY, amount, Preservation::Expendable) {
			Ok(_) => amount,
			Err(_) => 0,
		}
	}
}

/// The most datasets one attribution may credit in the tests.
pub type MaxWeights = frame_support::traits::ConstU32<MAX_WEIGHTS>;

/// Moves the fee from escrow to PAYOUT_SINK and records the answer, or fails when told to.
pub struct MockPayout;
impl AnswerPayout<AccountId, Balance, MaxWeights> for MockPayout {
	fn pay(payer: &AccountId, answer: &AcceptedAnswer<AccountId, Balance, MaxWeights>) -> sp_runtime::DispatchResult {
		if PAYOUT_FAILS.with(|f| *f.borrow()) {
			return Err(DispatchError::Other("payout refused"));
		}
		Balances::transfer(payer, &PAYOUT_SINK, answer.fee, Preservation::Expendable)?;
		PAYOUTS.with(|p| p.borrow_mut().push(answer.clone()));
		Ok(())
	}
}

parameter_types! {
	/// Unlimited unless a test sets it.
	pub static DeadlineWeightBudget: Weight = Weight::MAX;
	pub const AttributionPalletId: PalletId = PalletId(*b"ol/escrw");
	pub const Treasury: AccountId = TREASURY;
	pub const RequestDepositBase: Balance = 5;
	pub const RequestDepositPerByte: Balance = 1;
}

/// Blocks a draw waits in the mock.
pub const DRAW_DELAY: u64 = 2;

std::thread_local! {
	/// The mock VRF's key: what only a block's author knows. Tests that play a requester never read it.
	pub static VRF_KEY: core::cell::Cell<u64> = const { core::cell::Cell::new(7) };
}

/// Stands in for BABE's `ParentBlockRandomness`: the parent block's "VRF output", a hash of a key nobody but the
/// test harness knows and the block number; none in the first block, as on a real chain.
pub struct MockVrf;
impl frame_support::traits::Randomness<Option<sp_core::H256>, u64> for MockVrf {
	fn random(subject: &[u8]) -> (Option<sp_core::H256>, u64) {
		use sp_runtime::traits::Hash;
		let parent = System::block_number().saturating_sub(1);
		let output = (parent > 0).then(|| {
			sp_runtime::traits::BlakeTwo256::hash_of(&(subject, VRF_KEY.with(|k| k.get()), parent))
		});
		(output, parent)
	}
}

impl pallet_attribution::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = MockModels;
	type Validators = MockValidators;
	type Randomness = MockVrf;
	type DrawDelay = frame_support::traits::ConstU64<DRAW_DELAY>;
	type Slasher = MockSlasher;
	type Payout = MockPayout;
	type Treasury = Treasury;
	type PalletId = AttributionPalletId;
	type MaxPromptLen = frame_support::traits::ConstU32<MAX_PROMPT>;
	type MaxOutputLen = frame_support::traits::ConstU32<MAX_OUTPUT>;
	type MaxWeights = MaxWeights;
	type MaxCommittee = frame_support::traits::ConstU32<MAX_COMMITTEE>;
	type MaxDeadlinesPerBlock = frame_support::traits::ConstU32<3>;
	type DeadlineWeightBudget = DeadlineWeightBudget;
	type RequestDepositBase = RequestDepositBase;
	type RequestDepositPerByte = RequestDepositPerByte;
	type AnswersPerPage = frame_support::traits::ConstU32<2>;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockSetup;
}

/// The benchmarks' validators and model in the mock: validators 1..=n, model 0 with datasets 10..
#[cfg(feature = "runtime-benchmarks")]
pub struct MockSetup;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for MockSetup {
	fn setup(validators: u32, datasets: u32) -> (Vec<AccountId>, ModelId, Vec<DatasetId>) {
		let validators: Vec<AccountId> = (1..=u64::from(validators.min(20))).collect();
		set_validators(validators.clone());
		let datasets: Vec<DatasetId> = (10..10 + u64::from(datasets)).collect();
		MODELS.with(|m| {
			m.borrow_mut().insert(
				7,
				(ServingTerms { owner: MODEL_OWNER, fee: FEE, datanet: 3, version: 2, active: true }, datasets.clone()),
			)
		});
		(validators, 7, datasets)
	}
}

/// Test parameters: committee of 3, quorum 2, tolerance 500, windows 5/3/3/4, challenge 5 of quorum 3, closed
/// requests kept 10 blocks.
pub fn test_params() -> Params<Balance, u64> {
	Params {
		committee_size: 3,
		quorum: 2,
		tolerance: 500,
		response_window: 5,
		commit_window: 3,
		reveal_window: 3,
		challenge_window: 4,
		challenge_committee_size: 5,
		challenge_quorum: 3,
		min_challenge_bond: MIN_BOND,
		server_slash: Perbill::from_percent(10),
		member_slash: Perbill::from_percent(1),
		absence_slash: Perbill::from_parts(1_000_000),
		challenger_reward: Perbill::from_percent(50),
		inconclusive_fee: Perbill::from_percent(10),
		retention: 10,
	}
}

/// Builds test state.
pub struct ExtBuilder {
	validators: Vec<AccountId>,
	params: Params<Balance, u64>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { validators: (1..=4).collect(), params: test_params() }
	}
}

impl ExtBuilder {
	/// The active validators (1..=4 by default).
	pub fn validators(mut self, validators: Vec<AccountId>) -> Self {
		self.validators = validators;
		self
	}

	pub fn params(mut self, params: Params<Balance, u64>) -> Self {
		self.params = params;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(AccountId, Balance)> =
			[REQUESTER, CHALLENGER, MODEL_OWNER, TREASURY, PAYOUT_SINK].iter().map(|a| (*a, INITIAL_BALANCE)).collect();
		balances.extend((1..=20).map(|v| (worker(v), INITIAL_BALANCE)));
		balances.push((PAUPER, 10));
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_attribution::GenesisConfig::<Test> { params: Some(self.params) }
			.assimilate_storage(&mut storage)
			.unwrap();
		let validators = self.validators;
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			set_validators(validators);
			SLASHES.with(|s| s.borrow_mut().clear());
			PAYOUTS.with(|p| p.borrow_mut().clear());
			make_payouts_fail(false);
			MODELS.with(|m| {
				let mut m = m.borrow_mut();
				m.clear();
				let terms = |fee, active| ServingTerms { owner: MODEL_OWNER, fee, datanet: 3, version: 2, active };
				m.insert(0, (terms(FEE, true), vec![10, 11, 12, 13]));
				m.insert(1, (terms(FEE, false), vec![10]));
				m.insert(2, (terms(10 * INITIAL_BALANCE, true), vec![10]));
			});
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

/// Runs blocks up to `n`, calling `on_initialize` as the executive does.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		System::set_parent_hash(sp_core::H256::from_low_u64_be(next));
		Attribution::on_initialize(next);
	}
}
