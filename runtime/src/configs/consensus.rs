//! Block production (BABE), finality (GRANDPA) and time.
//!
//! BABE rather than Aura because its slot leaders prove their slots with a VRF: each block carries a VRF output
//! its author could not choose (only withhold, by not producing the block), and the attribution pallet draws
//! servers and committees from those outputs (`pallet_attribution::Config::Randomness`). Under Aura the only
//! per-block randomness is the block hash, which the author can grind by reordering transactions.

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64, Get},
};
use sp_consensus_babe::{AllowedSlots, BabeEpochConfiguration};

use crate::{Babe, Historical, Runtime, RuntimeEvent, ValidatorStaking, DAYS, MILLISECS_PER_BLOCK, SLOT_DURATION};

/// GRANDPA set ids remembered with the session they began in: an equivocation can be reported for a week of
/// one-hour sessions, the default bonding period — after that the bond may be gone.
pub const MAX_SET_ID_SESSION_ENTRIES: u64 = 168;

parameter_types! {
	/// How long an equivocation report stays valid in the transaction pool.
	pub const ReportLongevity: u64 = DAYS as u64;
}

/// Upper bound on the validator set; the staking pallet elects at most this many.
pub const MAX_AUTHORITIES: u32 = 100;

/// BABE's genesis epoch configuration: a slot has a primary leader with probability 1/4 per validator-share, and
/// every other slot a secondary leader that also proves it with a VRF, so that every block carries a VRF output
/// (a block without one would leave the attribution draws on the previous block's output).
pub const BABE_GENESIS_EPOCH_CONFIG: BabeEpochConfiguration =
	BabeEpochConfiguration { c: (1, 4), allowed_slots: AllowedSlots::PrimaryAndSecondaryVRFSlots };

/// A BABE epoch — and so a session — is `SessionLength` slots (genesis sets it: 10 on development and local
/// chains, an hour by default). BABE's clients fix the epoch length at genesis, so the staking pallet does not
/// let anyone change it afterwards.
pub struct EpochDuration;
impl Get<u64> for EpochDuration {
	fn get() -> u64 {
		u64::from(pallet_validator_staking::SessionLength::<Runtime>::get())
	}
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ConstU64<MILLISECS_PER_BLOCK>;
	/// pallet-session ends epochs, at its session changes.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = crate::Session;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	/// Proof, against pallet-session's historical roots, that a BABE key belonged to a validator.
	type KeyOwnerProof = sp_session::MembershipProof;
	/// Equivocation reports (two blocks in one slot) are checked here and slashed by the staking pallet.
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, ValidatorStaking, Historical, ReportLongevity>;
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
	type OnTimestampSet = Babe;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}
