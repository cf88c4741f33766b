//! Validator staking and sessions: bonded OPEN elects the BABE/GRANDPA set at every session.

use frame_support::{
	parameter_types,
	traits::{ConstU32, Contains},
	PalletId,
};
use sp_runtime::traits::{AccountIdConversion, Convert, ConvertInto, OpaqueKeys};

use super::consensus::MAX_AUTHORITIES;
use crate::{
	AccountId, Babe, Balance, Balances, Runtime, RuntimeEvent, RuntimeHoldReason, SessionKeys, ValidatorStaking, OPEN,
};

/// The protocol treasury's pallet id; slashed bonds (and, later, the protocol's fee share) go to its account.
pub const TREASURY_PALLET_ID: PalletId = PalletId(*b"ol/trsry");

/// The protocol treasury's account.
pub fn treasury_account() -> AccountId {
	TREASURY_PALLET_ID.into_account_truncating()
}

parameter_types! {
	pub TreasuryAccount: AccountId = treasury_account();
	/// Smallest bond (1 OPEN).
	pub const MinBond: Balance = OPEN;
	/// Smallest bond to validate (10 000 OPEN): what a lie can cost must be worth more than the lie.
	pub const MinValidatorBond: Balance = 10_000 * OPEN;
	/// Held by pallet-session while an account has session keys: registering keys costs storage.
	pub const SessionKeyDeposit: Balance = OPEN;
}

/// Accounts with session keys registered: only they can validate.
pub struct HasSessionKeys;
impl Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_validator_staking::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type HasSessionKeys = HasSessionKeys;
	type Treasury = TreasuryAccount;
	/// The rewards pallet shares the validators' pool among the session's validators.
	// Validators are paid per answer (the rewards pallet), not per session.
	type OnSessionEnd = ();
	type Disabler = DisableInSession;
	type MinBond = MinBond;
	type MinValidatorBond = MinValidatorBond;
	type MaxValidators = ConstU32<MAX_AUTHORITIES>;
	type MaxCandidates = ConstU32<1_000>;
	type MaxUnlockingChunks = ConstU32<32>;
	type AdminOrigin = crate::configs::governance::RootOrCouncil;
	type WeightInfo = pallet_validator_staking::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSessionKeys;
}

/// Gives benchmark accounts (made-up) session keys, as `session.setKeys` would.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkSessionKeys;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_validator_staking::BenchmarkHelper<AccountId> for BenchmarkSessionKeys {
	fn register_session_keys(who: &AccountId) {
		let mut raw = [0u8; 32];
		raw.copy_from_slice(who.as_ref());
		let keys = SessionKeys {
			babe: sp_core::sr25519::Public::from_raw(raw).into(),
			grandpa: sp_core::ed25519::Public::from_raw(raw).into(),
		};
		pallet_session::NextKeys::<Runtime>::insert(who, keys);
	}
}

/// Makes `count` benchmark validators (at most the largest set the runtime allows) bonded and active, each with
/// a funded worker key, as bonding, `set_worker` and an election would; returns them.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_validators(count: u32) -> alloc::vec::Vec<AccountId> {
	use frame_benchmarking::account;
	use frame_support::{traits::fungible::Mutate, BoundedVec};

	let count = count.min(MAX_AUTHORITIES);
	let mut active = alloc::vec::Vec::new();
	for i in 0..count {
		let stash: AccountId = account("validator", i, 0);
		let worker: AccountId = account("worker", i, 0);
		let _ = Balances::set_balance(&stash, 1_000_000 * crate::OPEN);
		let _ = Balances::set_balance(&worker, 1_000 * crate::OPEN);
		let _ = pallet_validator_staking::Pallet::<Runtime>::do_bond(stash.clone(), 100_000 * crate::OPEN);
		pallet_validator_staking::Workers::<Runtime>::insert(&stash, &worker);
		pallet_validator_staking::WorkerOwners::<Runtime>::insert(&worker, &stash);
		active.push(stash);
	}
	pallet_validator_staking::ActiveValidators::<Runtime>::put(BoundedVec::truncate_from(active.clone()));
	active
}


impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// A validator is named by its account (the stash that bonded).
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	/// A session is a BABE epoch (`SessionLength` slots, set at genesis: see `configs/consensus.rs`).
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	/// The election, wrapped so each session's validator set is kept as a trie root for key-ownership
	/// proofs (GRANDPA equivocation reports).
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Runtime, ValidatorStaking>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// At most a third of the set disabled at once (the byzantine threshold), so a slashing spree cannot stop
	/// block production or finality.
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy<3>;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

/// Disables a slashed validator in pallet-session (within `DisablingStrategy`'s limit): BABE stops taking
/// its blocks until the next session, when the staking pallet disables it again if it still serves.
pub struct DisableInSession;
impl openledger_primitives::staking::DisableValidator<AccountId> for DisableInSession {
	fn disable(validator: &AccountId) {
		pallet_session::Pallet::<Runtime>::report_offence(
			validator.clone(),
			sp_staking::offence::OffenceSeverity(sp_runtime::Perbill::one()),
		);
	}
}

/// A validator needs no identification beyond its account (no nominators, no exposure).
pub struct NoIdentification;
impl Convert<AccountId, Option<()>> for NoIdentification {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = NoIdentification;
}

/// The author of each block, from BABE's pre-digest and the session's validators (the equivocation systems
/// read it).
impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	type EventHandler = ();
}
