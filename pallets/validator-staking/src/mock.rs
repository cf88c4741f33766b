//! A test runtime with balances and validator staking. pallet-session is played by [`rotate_session`],
//! which calls the `SessionManager` hooks in the order pallet-session does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::cell::RefCell;
use std::collections::BTreeSet;

use frame_support::{
	derive_impl, parameter_types,
	traits::{Contains, VariantCountOf},
};
use openledger_primitives::staking::{OnSessionEnd, SessionIndex};
use pallet_session::SessionManager;
use sp_runtime::{BuildStorage, Weight};

use crate as pallet_validator_staking;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
/// Has less than any bond.
pub const PAUPER: AccountId = 5;
pub const TREASURY: AccountId = 99;
/// Worker keys are the validator's id plus this.
pub const WORKER_OFFSET: AccountId = 100;
pub const INITIAL_BALANCE: Balance = 1_000_000;
pub const MIN_BOND: Balance = 10;
pub const MIN_VALIDATOR_BOND: Balance = 1_000;
pub const MAX_VALIDATORS: u32 = 3;
pub const MAX_CANDIDATES: u32 = 5;
pub const MAX_CHUNKS: u32 = 3;
pub const BONDING_SESSIONS: SessionIndex = 2;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Staking: pallet_validator_staking,
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
	static SESSION_KEYS: RefCell<BTreeSet<AccountId>> = const { RefCell::new(BTreeSet::new()) };
	static ENDED_SESSIONS: RefCell<Vec<(SessionIndex, Vec<AccountId>)>> = const { RefCell::new(Vec::new()) };
	static DISABLED_CALLS: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// Plays pallet-session's `NextKeys`.
pub struct MockSessionKeys;
impl Contains<AccountId> for MockSessionKeys {
	fn contains(who: &AccountId) -> bool {
		SESSION_KEYS.with(|keys| keys.borrow().contains(who))
	}
}

/// Registers (or, with `false`, purges) `who`'s session keys.
pub fn set_session_keys(who: AccountId, present: bool) {
	SESSION_KEYS.with(|keys| {
		if present {
			keys.borrow_mut().insert(who);
		} else {
			keys.borrow_mut().remove(&who);
		}
	});
}

/// Records each ended session and its validators, as the rewards pallet would see them.
pub struct RecordSessionEnd;
impl OnSessionEnd<AccountId> for RecordSessionEnd {
	fn on_session_end(session: SessionIndex, validators: &[AccountId]) -> Weight {
		ENDED_SESSIONS.with(|ended| ended.borrow_mut().push((session, validators.to_vec())));
		Weight::zero()
	}
}

/// Records each validator the pallet disables, as pallet-session would be told.
pub struct RecordDisabled;
impl openledger_primitives::staking::DisableValidator<AccountId> for RecordDisabled {
	fn disable(validator: &AccountId) {
		DISABLED_CALLS.with(|calls| calls.borrow_mut().push(*validator));
	}
}

/// Every validator disabled so far, in order (again at each session it still serves).
pub fn disabled_calls() -> Vec<AccountId> {
	DISABLED_CALLS.with(|calls| calls.borrow().clone())
}

/// Sessions ended so far, with their validators.
pub fn ended_sessions() -> Vec<(SessionIndex, Vec<AccountId>)> {
	ENDED_SESSIONS.with(|ended| ended.borrow().clone())
}

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const MinBond: Balance = MIN_BOND;
	pub const MinValidatorBond: Balance = MIN_VALIDATOR_BOND;
	pub const MaxValidators: u32 = MAX_VALIDATORS;
	pub const MaxCandidates: u32 = MAX_CANDIDATES;
	pub const MaxUnlockingChunks: u32 = MAX_CHUNKS;
}

impl pallet_validator_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type HasSessionKeys = MockSessionKeys;
	type Treasury = Treasury;
	type OnSessionEnd = RecordSessionEnd;
	type Disabler = RecordDisabled;
	type MinBond = MinBond;
	type MinValidatorBond = MinValidatorBond;
	type MaxValidators = MaxValidators;
	type MaxCandidates = MaxCandidates;
	type MaxUnlockingChunks = MaxUnlockingChunks;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockSessionKeys;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockSessionKeys {
	fn register_session_keys(who: &AccountId) {
		set_session_keys(*who, true);
	}
}

/// The session pallet-session would be in.
pub fn session() -> SessionIndex {
	crate::CurrentSession::<Test>::get()
}

/// Ends the current session the way pallet-session does: `end_session(i)`, `start_session(i + 1)` with the
/// set queued earlier, then `new_session(i + 2)` to queue the next.
pub fn rotate_session() {
	let ending = session();
	<Staking as SessionManager<AccountId>>::end_session(ending);
	<Staking as SessionManager<AccountId>>::start_session(ending + 1);
	<Staking as SessionManager<AccountId>>::new_session(ending + 2);
}

/// Rotates until `target` is the current session.
pub fn run_to_session(target: SessionIndex) {
	while session() < target {
		rotate_session();
	}
}

/// The validators authoring the current session.
pub fn active() -> Vec<AccountId> {
	crate::ActiveValidators::<Test>::get().into_inner()
}

/// The worker key of validator `who` in these tests.
pub fn worker(who: AccountId) -> AccountId {
	who + WORKER_OFFSET
}

/// Builds test state: ALICE, BOB, CHARLIE and DAVE are rich, PAUPER has 5, the treasury exists; genesis
/// validators are bonded with session keys, then sessions 0 and 1 are planned and 0 started.
pub struct ExtBuilder {
	validators: Vec<(AccountId, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { validators: vec![(ALICE, 5_000)] }
	}
}

impl ExtBuilder {
	/// Genesis validators and their bonds.
	pub fn validators(mut self, validators: Vec<(AccountId, Balance)>) -> Self {
		self.validators = validators;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		SESSION_KEYS.with(|keys| keys.borrow_mut().clear());
		ENDED_SESSIONS.with(|ended| ended.borrow_mut().clear());
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![
				(ALICE, INITIAL_BALANCE),
				(BOB, INITIAL_BALANCE),
				(CHARLIE, INITIAL_BALANCE),
				(DAVE, INITIAL_BALANCE),
				(PAUPER, 5),
				(TREASURY, 1),
			],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_validator_staking::GenesisConfig::<Test> {
			validators: self.validators.iter().map(|(who, bond)| (*who, *bond, worker(*who))).collect(),
			session_length: Some(10),
			bonding_sessions: Some(BONDING_SESSIONS),
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			for (who, _) in &self.validators {
				set_session_keys(*who, true);
			}
			// What pallet-session's genesis does.
			<Staking as SessionManager<AccountId>>::new_session_genesis(0);
			<Staking as SessionManager<AccountId>>::new_session_genesis(1);
			<Staking as SessionManager<AccountId>>::start_session(0);
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
