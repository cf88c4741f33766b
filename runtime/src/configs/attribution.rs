//! Proof of Attribution: inference requests, committees, challenges. Protocol parameters (committee size,
//! quorum, tolerance, windows, slashes) are storage set by genesis and by root; the bounds here are fixed.

use frame_support::{parameter_types, traits::ConstU32, weights::Weight, PalletId};

use super::{datanets::DatasetDepositPerByte, rewards::MaxAttributionWeights, staking::TreasuryAccount, RuntimeBlockWeights};
use crate::{Balance, Balances, Models, Rewards, Runtime, RuntimeHoldReason, ValidatorStaking};

parameter_types! {
	/// The escrow account (`ol/escrw`) holds the fee of every open request.
	pub const AttributionPalletId: PalletId = PalletId(*b"ol/escrw");
	/// What `on_initialize` may spend on deadlines per block.
	pub DeadlineWeightBudget: Weight = RuntimeBlockWeights::get().max_block.checked_div(4).unwrap_or_default();
	/// A request's deposit besides its prompt and answer: the 4 000 bytes its record, committees and votes
	/// may take, at the price of a byte of dataset state.
	pub RequestDepositBase: Balance = DatasetDepositPerByte::get().saturating_mul(4_000);
}

impl pallet_attribution::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Validators = ValidatorStaking;
	/// BABE's VRF output of the parent block: its author could withhold the block, not choose the output.
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	/// Two blocks: knowing a draw in advance takes the authors of both blocks after the transaction
	/// (docs/ATTRIBUTION.md, "What colluding validators can still do").
	type DrawDelay = frame_support::traits::ConstU32<2>;
	type Slasher = ValidatorStaking;
	/// Accepted answers' fees are split and credited by the rewards pallet.
	type Payout = Rewards;
	type Treasury = TreasuryAccount;
	type PalletId = AttributionPalletId;
	/// 4 KiB of question.
	type MaxPromptLen = ConstU32<4_096>;
	/// 8 KiB of answer, stored so apps can read it.
	type MaxOutputLen = ConstU32<8_192>;
	/// As many datasets as the rewards pallet credits in one payout.
	type MaxWeights = MaxAttributionWeights;
	type MaxCommittee = ConstU32<16>;
	type MaxDeadlinesPerBlock = ConstU32<32>;
	/// A quarter of the block: a burst of deadlines never starves the transactions (commits and reveals) that
	/// must land in their windows.
	type DeadlineWeightBudget = DeadlineWeightBudget;
	/// Requests pay for the state they hold until pruned at the same price per byte as datasets (10 µOPEN):
	/// a 100-byte question holds (4 000 + 100 + 8 192) × 10 µOPEN ≈ 0.12 OPEN for its retention.
	type RequestDepositBase = RequestDepositBase;
	type RequestDepositPerByte = DatasetDepositPerByte;
	type AnswersPerPage = ConstU32<50>;
	type AdminOrigin = crate::configs::governance::RootOrCouncil;
	type WeightInfo = pallet_attribution::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSetup;
}

/// Sets the attribution benchmarks up with the real pallets: bonded validators with worker keys made
/// active ([`super::staking::benchmark_validators`]), registered datasets with distinct owners, and a model crediting them.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkSetup;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_attribution::BenchmarkHelper<crate::AccountId, crate::Balance> for BenchmarkSetup {
	fn setup(
		validators: u32,
		datasets: u32,
	) -> (
		alloc::vec::Vec<crate::AccountId>,
		openledger_primitives::model::ModelId,
		alloc::vec::Vec<openledger_primitives::dataset::DatasetId>,
	) {
		use frame_benchmarking::account;
		use frame_support::BoundedVec;
		use pallet_rewards::BenchmarkHelper as _;

		let active = super::staking::benchmark_validators(validators);

		let mut members = alloc::vec::Vec::new();
		for i in 0..datasets {
			let owner: crate::AccountId = account("owner", i, 0);
			members.push(super::rewards::BenchmarkDatasets::register_dataset(&owner, i));
		}
		members.sort_unstable();
		let owner: crate::AccountId = account("model-owner", 0, 0);
		let model = pallet_models::NextModelId::<Runtime>::get();
		pallet_models::Models::<Runtime>::insert(
			model,
			pallet_models::Model {
				owner,
				base_model: Default::default(),
				adapter: None,
				manifest: pallet_models::Manifest {
					datanet: 0,
					version: 1,
					datasets: BoundedVec::truncate_from(members.clone()),
					hyperparameters_hash: Default::default(),
					influence_hash: Default::default(),
				},
				fee: crate::OPEN,
				metadata: BoundedVec::new(),
				status: pallet_models::ModelStatus::Active,
				deposit: 0,
				registered_at: 0,
			},
		);
		pallet_models::NextModelId::<Runtime>::put(model.saturating_add(1));
		(active, model, members)
	}
}
