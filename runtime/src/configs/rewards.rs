//! OPEN rewards: the fee split's account and bounds.

use frame_support::{parameter_types, PalletId};

use super::staking::TreasuryAccount;
use crate::{Balances, Datasets, Runtime};

parameter_types! {
	/// The rewards account (`ol/rewrd`) holds everything pending.
	pub const RewardsPalletId: PalletId = PalletId(*b"ol/rewrd");
	/// Most datasets one answer may credit.
	pub const MaxAttributionWeights: u32 = 64;
}

impl pallet_rewards::Config for Runtime {
	type Currency = Balances;
	type Datasets = Datasets;
	type PalletId = RewardsPalletId;
	type Treasury = TreasuryAccount;
	type MaxWeights = MaxAttributionWeights;
	type AdminOrigin = crate::configs::governance::RootOrCouncil;
	type WeightInfo = pallet_rewards::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkDatasets;
}

/// Registers a real (URI) dataset owned by `owner`, distinct for each `seed`, after funding the owner's
/// deposit: what the benchmarks and the runtime tests credit.
#[cfg(any(test, feature = "runtime-benchmarks"))]
pub(crate) fn register_uri_dataset(
	owner: &crate::AccountId,
	seed: u32,
) -> Result<openledger_primitives::dataset::DatasetId, sp_runtime::DispatchError> {
	use frame_support::{traits::fungible::Mutate, BoundedVec};
	use openledger_primitives::dataset::SKETCH_LEN;
	let _ = Balances::set_balance(owner, 1_000 * crate::OPEN);
	let hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&seed.to_le_bytes());
	pallet_datasets::Pallet::<Runtime>::do_register(
		owner.clone(),
		pallet_datasets::Registration {
			content_hash: hash,
			chunk_root: hash,
			rows: 1,
			bytes: 1,
			licence: BoundedVec::truncate_from(b"CC-BY-4.0".to_vec()),
			sketch: BoundedVec::truncate_from((0..SKETCH_LEN).map(|i| seed.wrapping_mul(1_000).wrapping_add(i)).collect()),
			source: pallet_datasets::RegistrationSource::Uri(BoundedVec::truncate_from(b"ipfs://x".to_vec())),
			metadata: BoundedVec::new(),
		},
	)
}

/// Registers real (URI) datasets for the rewards benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkDatasets;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_rewards::BenchmarkHelper<crate::AccountId> for BenchmarkDatasets {
	fn register_dataset(owner: &crate::AccountId, seed: u32) -> openledger_primitives::dataset::DatasetId {
		register_uri_dataset(owner, seed).unwrap_or_default()
	}
}
