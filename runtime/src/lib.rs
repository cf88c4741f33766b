//! The OpenLedger attribution appchain runtime.
//!
//! Consensus: BABE block production (its VRF also seeds the attribution draws) and GRANDPA finality. Currency: OPEN (pallet-balances, 18 decimals).
//! `configs/` holds each pallet's configuration, `apis.rs` the runtime APIs the node and apps call,
//! `genesis_config_presets.rs` the `development` and `local_testnet` genesis states.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256, MultiAddress};
use sp_version::RuntimeVersion;

pub use openledger_primitives::{
	token::{EXISTENTIAL_DEPOSIT, MICRO_OPEN, MILLI_OPEN, OPEN, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL},
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature,
};
pub use pallet_balances::Call as BalancesCall;
#[cfg(feature = "std")]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing this runtime's extrinsic format.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// The keys a validator registers for consensus.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

#[cfg(not(feature = "upgrade-test"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("openledger"),
	impl_name: alloc::borrow::Cow::Borrowed("openledger-node"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// The `upgrade-test` build: this runtime one spec version later, which the end-to-end upgrade test enacts through
/// governance (scripts/e2e/testnet-workers.test.mjs, docs/GOVERNANCE.md). Nothing else differs.
#[cfg(feature = "upgrade-test")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("openledger"),
	impl_name: alloc::borrow::Cow::Borrowed("openledger-node"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// Target block time. BABE's slot is this long; it cannot change once the chain has started.
pub const MILLISECS_PER_BLOCK: u64 = 2_000;
/// BABE slot duration.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// How transactions name accounts: polkadot.js' default `MultiAddress`.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions: only FRAME's standard ones, so polkadot.js and wallets sign without custom
/// types.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// A transaction as it arrives from outside.
pub type UncheckedExtrinsic = generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What a transaction's signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Unsigned transactions the runtime makes itself: GRANDPA equivocation reports.
impl<LocalCall> frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

/// Storage migrations run on upgrade, each guarded by its pallet's storage version (docs/BUILD.md, "Runtime
/// upgrades"): version 1 of the attribution pallet hides servers' vectors until they reveal them, version 1 of
/// the rewards pallet pays validators per answer instead of from a session pool, version 2 of the DataNets pallet
/// adds validation policies and proposals' validation.
pub type Migrations = (
	pallet_attribution::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_rewards::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_datanets::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_datanets::migrations::v2::MigrateV1ToV2<Runtime>,
);

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	// BABE before Timestamp and Session: it reads the slot first, and sessions end with its epochs.
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	// Staking before Session: pallet-session's genesis asks staking for the first validator sets.
	#[runtime::pallet_index(7)]
	pub type ValidatorStaking = pallet_validator_staking;

	#[runtime::pallet_index(8)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(9)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(12)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(13)]
	pub type Models = pallet_models;

	#[runtime::pallet_index(14)]
	pub type Attribution = pallet_attribution;

	#[runtime::pallet_index(15)]
	pub type Rewards = pallet_rewards;

	#[runtime::pallet_index(20)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(21)]
	pub type CouncilMembership = pallet_membership<Instance1>;

	#[runtime::pallet_index(22)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(23)]
	pub type Whitelist = pallet_whitelist;

	#[runtime::pallet_index(10)]
	pub type Datasets = pallet_datasets;

	#[runtime::pallet_index(11)]
	pub type DataNets = pallet_datanets;

	#[runtime::pallet_index(16)]
	pub type Validation = pallet_validation;
}
