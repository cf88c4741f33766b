//! Validation committees: each proposal to a DataNet that validates is measured by validators' workers, who agree
//! on its report by commit–reveal (docs/VALIDATION.md).

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Perbill;

use openledger_primitives::validation::DEFAULT_REPORT_TOLERANCE;

use crate::{Attribution, Balances, BlockNumber, DataNets, Runtime, RuntimeHoldReason, ValidatorStaking, MINUTES};

parameter_types! {
	/// The committees' parameters until governance sets others (`validation.setParams`).
	pub const ValidationDefaults: pallet_validation::Params<BlockNumber> = pallet_validation::Params {
		// Three members, two of whom must agree, as attribution's review committees.
		committee_size: 3,
		quorum: 2,
		// Counts exactly, measured parts within docs/VALIDATION.md's "Agreement between validators".
		tolerance: DEFAULT_REPORT_TOLERANCE,
		// Five minutes to measure and commit: a worker measures a proposal in 25–50 s on 2 cores
		// (docs/VALIDATION.md), behind its answers. The window closes early once every member has committed.
		commit_window: 5 * MINUTES,
		// A minute to reveal; decided the block after the last reveal.
		reveal_window: MINUTES,
		// As attribution's members: 1 % for an outlier report or a broken commitment…
		member_slash: Perbill::from_percent(1),
		// …and 0.1 % for not committing at all.
		absence_slash: Perbill::from_parts(1_000_000),
	};
}

impl pallet_validation::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Validators = ValidatorStaking;
	/// The attribution pallet's entropy (BABE's VRF outputs hashed together): the same unsteerable draw.
	type Entropy = Attribution;
	type Slasher = ValidatorStaking;
	type OnValidated = DataNets;
	/// As attribution's draws: two blocks of randomness nobody knew when the proposal was signed.
	type DrawDelay = ConstU32<2>;
	type MaxCommittee = ConstU32<16>;
	type DefaultParams = ValidationDefaults;
	/// As attribution's parameters: root or the council.
	type AdminOrigin = crate::configs::governance::RootOrCouncil;
	type MaxDeadlinesPerBlock = ConstU32<16>;
	type WeightInfo = pallet_validation::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkValidators;
}

/// Sets the validation benchmarks up with the real staking pallet: bonded validators with worker keys, made
/// active, so slashes and fee shares move real balances.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkValidators;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_validation::BenchmarkHelper<crate::AccountId> for BenchmarkValidators {
	fn validators(count: u32) -> alloc::vec::Vec<crate::AccountId> {
		super::staking::benchmark_validators(count)
	}
}
