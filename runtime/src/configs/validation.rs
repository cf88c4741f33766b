//! Validation committees: each proposal to a DataNet that validates is measured by validators' workers, who agree
//! on its report by commit–reveal (docs/VALIDATION.md).

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Perbill;

use crate::{Attribution, Balances, DataNets, Runtime, RuntimeHoldReason, ValidatorStaking, MINUTES};

parameter_types! {
	/// As attribution's members: 1 % for an outlier report or a broken commitment…
	pub const ValidationMemberSlash: Perbill = Perbill::from_percent(1);
	/// …and 0.1 % for not committing at all.
	pub const ValidationAbsenceSlash: Perbill = Perbill::from_parts(1_000_000);
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
	/// Three members, two of whom must agree, as attribution's review committees.
	type CommitteeSize = ConstU32<3>;
	type MaxCommittee = ConstU32<16>;
	type Quorum = ConstU32<2>;
	/// Five minutes to measure and commit: a worker measures a proposal in 25–50 s on 2 cores
	/// (docs/VALIDATION.md), behind its answers. The window closes early once every member has committed.
	type CommitWindow = ConstU32<{ 5 * MINUTES }>;
	/// A minute to reveal; decided the block after the last reveal.
	type RevealWindow = ConstU32<{ MINUTES }>;
	type MaxDeadlinesPerBlock = ConstU32<16>;
	type MemberSlash = ValidationMemberSlash;
	type AbsenceSlash = ValidationAbsenceSlash;
	type WeightInfo = pallet_validation::weights::SubstrateWeight<Runtime>;
}
