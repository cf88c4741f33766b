//! Block production (Aura), finality (GRANDPA) and time.

use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;

use crate::{Aura, Historical, Runtime, RuntimeEvent, ValidatorStaking, DAYS, SLOT_DURATION};

/// GRANDPA set ids remembered with the session they began in: an equivocation can be reported for a week of
/// one-hour sessions, the default bonding period — after that the bond may be gone.
pub const MAX_SET_ID_SESSION_ENTRIES: u64 = 168;

parameter_types! {
	/// How long an equivocation report stays valid in the transaction pool.
	pub const ReportLongevity: u64 = DAYS as u64;
}

/// Upper bound on the validator set; the staking pallet elects at most this many.
pub const MAX_AUTHORITIES: u32 = 100;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<MAX_SET_ID_SESSION_ENTRIES>;
	/// Proof, against pallet-session's historical roots, that a GRANDPA key belonged to a validator.
	type KeyOwnerProof = sp_session::MembershipProof;
	/// Equivocation reports (submitted unsigned by any voter that sees one) are checked here and slashed by
	/// the staking pallet.
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, ValidatorStaking, Historical, ReportLongevity>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}
