//! A test runtime with balances and rewards. Datasets 0–4 exist: 0, 1, 2 owned by DANA, EVE, FRED; 3 and 4 both
//! by GINA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use frame_support::{derive_impl, parameter_types, traits::VariantCountOf, BoundedVec, PalletId};
use openledger_primitives::dataset::{DatasetId, DatasetRegistry, DatasetSummary};
use sp_core::H256;
use sp_runtime::BuildStorage;

use crate as pallet_rewards;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

/// Pays fees (the attribution pallet's escrow in the real runtime).
pub const ESCROW: AccountId = 1;
pub const MODEL_OWNER: AccountId = 2;
pub const DANA: AccountId = 10;
pub const EVE: AccountId = 11;
pub const FRED: AccountId = 12;
pub const GINA: AccountId = 13;
pub const VALIDATOR_A: AccountId = 20;
pub const VALIDATOR_B: AccountId = 21;
pub const VALIDATOR_C: AccountId = 22;
pub const TREASURY: AccountId = 99;
pub const ESCROW_BALANCE: Balance = 1_000_000_000;
pub const MAX_WEIGHTS: u32 = 5;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Rewards: pallet_rewards,
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

/// The owners of datasets 0–4.
pub fn owner_of(dataset: DatasetId) -> Option<AccountId> {
	match dataset {
		0 => Some(DANA),
		1 => Some(EVE),
		2 => Some(FRED),
		3 | 4 => Some(GINA),
		_ => None,
	}
}

pub struct MockDatasets;
impl DatasetRegistry<AccountId> for MockDatasets {
	fn summary(id: DatasetId) -> Option<DatasetSummary<AccountId>> {
		owner_of(id).map(|owner| DatasetSummary {
			owner,
			content_hash: H256::repeat_byte(id as u8),
			bytes: 1,
			rows: 1,
			licence: BoundedVec::new(),
			sketch: BoundedVec::new(),
			available: true,
		})
	}
	fn add_reference(_: DatasetId) -> sp_runtime::DispatchResult {
		Ok(())
	}
	fn remove_reference(_: DatasetId) -> sp_runtime::DispatchResult {
		Ok(())
	}
}

parameter_types! {
	pub const RewardsPalletId: PalletId = PalletId(*b"ol/rewrd");
	pub const Treasury: AccountId = TREASURY;
	pub const MaxWeights: u32 = MAX_WEIGHTS;
}

impl pallet_rewards::Config for Test {
	type Currency = Balances;
	type Datasets = MockDatasets;
	type PalletId = RewardsPalletId;
	type Treasury = Treasury;
	type MaxWeights = MaxWeights;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockDatasets;
}

/// Datasets 0–4 exist already; the benchmarks use them (at most five distinct owners' datasets).
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockDatasets {
	fn register_dataset(_owner: &AccountId, seed: u32) -> DatasetId {
		u64::from(seed % 5)
	}
}

/// Builds test state: ESCROW has fees to pay, the split is the default. The treasury is not in the balances
/// genesis: the rewards genesis gives it its existential deposit, as it does on any chain.
#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(ESCROW, ESCROW_BALANCE), (DANA, 1)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_rewards::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
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
