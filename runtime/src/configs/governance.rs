//! Governance: a council instead of a key.
//!
//! - **Council** (`pallet-collective`, members kept by `pallet-membership`): motions pass by two thirds of the
//!   members. A motion may call anything whose origin is [`RootOrCouncil`]: the protocol's parameters
//!   (`attribution.setParams`), the fee split (`rewards.setSplit`), the bonding period and `forceSlash`
//!   (`validatorStaking`), and the council's own membership.
//! - **Root through the council** (`pallet-whitelist`): what only root may do — `system.setCode` (runtime
//!   upgrades), `system.setStorage`, any call of a future pallet — is first whitelisted by a two-thirds motion
//!   (`whitelist.whitelistCall(hash)`), then dispatched as root by any member
//!   (`council.execute(whitelist.dispatchWhitelistedCallWithPreimage(call))`). Nobody alone can act as root.
//! - **Sudo** stays only for development: its key is set in the `development` preset alone; `local_testnet`
//!   and any public network's genesis leave it empty (docs/GOVERNANCE.md).

use frame_support::{
	parameter_types,
	traits::{EitherOfDiverse, LinearStoragePrice, fungible::HoldConsideration},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use crate::{
	configs::RuntimeBlockWeights, AccountId, Balances, BlockNumber, Council, Preimage, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeHoldReason, RuntimeOrigin, MINUTES, OPEN,
};

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// The council's instance of `pallet-collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// A motion of at least two thirds of the council.
pub type CouncilTwoThirds = pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>;

/// Root (on development chains, sudo) or a two-thirds council motion: who changes the protocol's parameters.
pub type RootOrCouncil = EitherOfDiverse<EnsureRoot<AccountId>, CouncilTwoThirds>;

parameter_types! {
	/// How long a motion stays open for votes (10 minutes).
	pub const CouncilMotionDuration: BlockNumber = 10 * MINUTES;
	pub const CouncilMaxProposals: u32 = 32;
	pub const CouncilMaxMembers: u32 = 32;
	/// The heaviest call a motion may carry: half a block.
	pub MaxProposalWeight: Weight = {
		let (half, max) = (Perbill::from_percent(50), RuntimeBlockWeights::get().max_block);
		Weight::from_parts(half.mul_floor(max.ref_time()), half.mul_floor(max.proof_size()))
	};
	/// A whitelisted call not dispatched within a day may be removed by anyone.
	pub const DeferredDispatchExpiration: BlockNumber = 24 * 60 * MINUTES;
	pub const PreimageHoldReason: RuntimeHoldReason = RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// A preimage holds 1 OPEN plus 0.001 OPEN per byte from whoever notes it (a runtime is ~1 MiB: ~1 000 OPEN).
	pub const PreimageBaseDeposit: crate::Balance = OPEN;
	pub const PreimageByteDeposit: crate::Balance = OPEN / 1_000;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = CouncilMaxProposals;
	type MaxMembers = CouncilMaxMembers;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	// Membership is `pallet-membership`'s to change.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = RootOrCouncil;
	type KillOrigin = RootOrCouncil;
	// Members propose without a deposit: there are at most `CouncilMaxProposals` open motions.
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = RootOrCouncil;
	type RemoveOrigin = RootOrCouncil;
	type SwapOrigin = RootOrCouncil;
	type ResetOrigin = RootOrCouncil;
	type PrimeOrigin = RootOrCouncil;
	type MembershipInitialized = Council;
	type MembershipChanged = Council;
	type MaxMembers = CouncilMaxMembers;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = RootOrCouncil;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, crate::Balance>,
	>;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = RootOrCouncil;
	// Any one member may dispatch what two thirds whitelisted (`council.execute`).
	type DispatchWhitelistedOrigin = EitherOfDiverse<EnsureRoot<AccountId>, pallet_collective::EnsureMember<AccountId, CouncilCollective>>;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = crate::System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}
