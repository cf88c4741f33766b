//! Genesis presets: `development` (Alice, bonded, alone authors and finalises) and `local_testnet` (four
//! bonded validators: Alice, Bob, Charlie, Dave). Both endow the well-known development accounts with OPEN,
//! fund the treasury, use 10-block sessions and a 2-session bonding period, and make the validators the
//! council. Only `development` has a sudo key (Alice); `local_testnet` is governed by its council alone, as a
//! public network would be. Neither is meant for a public network.
//!
//! Each validator's worker key is the development account `//<Name>//worker` (see [`worker_key`]).

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	configs::{treasury_account, BABE_GENESIS_EPOCH_CONFIG}, AccountId, AttributionConfig, BabeConfig, Balance, BalancesConfig, BlockNumber, RuntimeGenesisConfig,
	CouncilMembershipConfig, SessionConfig, SessionKeys, SudoConfig, ValidatorStakingConfig, EXISTENTIAL_DEPOSIT, OPEN,
};

/// What each endowed development account starts with.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * OPEN;
/// What each genesis validator bonds.
pub const DEV_VALIDATOR_BOND: Balance = 100_000 * OPEN;
/// Blocks per session on development and local chains (20 s), so elections are quick to watch and test.
pub const DEV_SESSION_LENGTH: BlockNumber = 10;
/// Sessions an unbonded chunk waits on development and local chains.
pub const DEV_BONDING_SESSIONS: u32 = 2;
/// What each development worker key starts with: enough to pay proof transactions upfront (successful ones
/// are refunded).
pub const DEV_WORKER_ENDOWMENT: Balance = 1_000 * OPEN;

/// Attribution on development and local chains: committees of 3 with a quorum of 2 (on `development`, with
/// one validator, nobody reviews and answers go straight to the challenge window), 5 % tolerance, a minute
/// to answer (time for a worker on two CPU cores to generate and attribute), 20 s each to commit and reveal, 10 s to
/// challenge (short, so development and test runs see answers paid soon); a 10 OPEN challenge bond; closed
/// requests keep their prompt, answer and votes for an hour.
pub fn dev_attribution_params() -> pallet_attribution::Params<Balance, BlockNumber> {
	pallet_attribution::Params {
		committee_size: openledger_primitives::attribution::DEFAULT_COMMITTEE_SIZE,
		quorum: 2,
		tolerance: openledger_primitives::attribution::DEFAULT_TOLERANCE_BPS,
		response_window: 30,
		commit_window: 10,
		reveal_window: 10,
		challenge_window: 5,
		challenge_committee_size: 3,
		challenge_quorum: 2,
		min_challenge_bond: 10 * OPEN,
		server_slash: sp_runtime::Perbill::from_percent(10),
		member_slash: sp_runtime::Perbill::from_percent(1),
		absence_slash: sp_runtime::Perbill::from_parts(1_000_000),
		challenger_reward: sp_runtime::Perbill::from_percent(50),
		inconclusive_fee: sp_runtime::Perbill::from_percent(10),
		retention: 1_800,
	}
}

/// The public keys of the development worker accounts `//Alice//worker` … `//Eve//worker` (sr25519;
/// checked against the derivation by the runtime's tests). No derivation in `no_std`, hence the bytes.
const DEV_WORKER_KEYS: [(Sr25519Keyring, [u8; 32]); 5] = [
	(Sr25519Keyring::Alice, [
		222, 8, 144, 226, 248, 113, 196, 38, 52, 128, 24, 140, 60, 111, 39, 25, 65, 152, 166, 31, 28, 86, 218, 132, 104,
		81, 160, 37, 84, 225, 159, 63,
	]),
	(Sr25519Keyring::Bob, [
		196, 6, 240, 99, 110, 39, 231, 187, 133, 141, 1, 215, 104, 62, 175, 166, 104, 39, 211, 44, 236, 58, 211, 212,
		66, 135, 227, 88, 72, 171, 171, 42,
	]),
	(Sr25519Keyring::Charlie, [
		112, 184, 111, 181, 154, 243, 170, 74, 106, 235, 119, 139, 134, 161, 64, 39, 49, 163, 194, 17, 135, 114, 216,
		134, 214, 13, 8, 201, 16, 39, 168, 64,
	]),
	(Sr25519Keyring::Dave, [
		80, 105, 120, 232, 153, 205, 8, 97, 87, 3, 94, 84, 172, 174, 102, 49, 14, 42, 35, 219, 154, 127, 130, 239, 41,
		217, 242, 119, 1, 76, 5, 28,
	]),
	(Sr25519Keyring::Eve, [
		194, 38, 40, 178, 126, 126, 1, 165, 87, 173, 108, 233, 172, 191, 78, 47, 59, 179, 184, 24, 133, 146, 108, 249,
		186, 147, 216, 138, 195, 67, 186, 65,
	]),
];

/// The worker key of a development validator: the account of `//<Name>//worker`.
pub fn worker_key(who: Sr25519Keyring) -> Option<AccountId> {
	DEV_WORKER_KEYS.iter().find(|(k, _)| *k == who).map(|(_, key)| AccountId::new(*key))
}

/// The session keys (BABE, GRANDPA) of one well-known development validator.
fn session_keys(who: Sr25519Keyring) -> SessionKeys {
	let grandpa = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	let babe: BabeId = who.public().into();
	let grandpa: GrandpaId = grandpa.public().into();
	SessionKeys { babe, grandpa }
}

/// Genesis with `validators` bonded and validating (their session keys registered) and forming the council,
/// the development accounts endowed, the treasury funded, and `root` as sudo if any.
fn genesis(validators: &[Sr25519Keyring], endowed: Vec<AccountId>, root: Option<AccountId>) -> Value {
	let mut balances: Vec<(AccountId, Balance)> = endowed.into_iter().map(|who| (who, DEV_ENDOWMENT)).collect();
	balances.push((treasury_account(), EXISTENTIAL_DEPOSIT));
	balances.extend(DEV_WORKER_KEYS.iter().map(|(_, key)| (AccountId::from(*key), DEV_WORKER_ENDOWMENT)));
	let stakers = validators
		.iter()
		.filter_map(|v| Some((v.to_account_id(), DEV_VALIDATOR_BOND, worker_key(*v)?)))
		.collect::<Vec<_>>();
	let keys = validators
		.iter()
		.map(|v| (v.to_account_id(), v.to_account_id(), session_keys(*v)))
		.collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances },
		validator_staking: ValidatorStakingConfig {
			validators: stakers,
			session_length: Some(DEV_SESSION_LENGTH),
			bonding_sessions: Some(DEV_BONDING_SESSIONS),
		},
		session: SessionConfig { keys },
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		attribution: AttributionConfig { params: Some(dev_attribution_params()) },
		council_membership: CouncilMembershipConfig {
			members: validators.iter().map(|v| v.to_account_id()).collect::<Vec<_>>().try_into().unwrap_or_default(),
		},
		sudo: SudoConfig { key: root },
	})
}

/// Every well-known development account (Alice … Ferdie and their stashes).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| !matches!(k, Sr25519Keyring::One | Sr25519Keyring::Two))
		.map(|k| k.to_account_id())
		.collect()
}

/// `development`: Alice, bonded, is the only validator and the council; she also holds sudo, for quick
/// experiments.
pub fn development() -> Value {
	genesis(&[Sr25519Keyring::Alice], dev_accounts(), Some(Sr25519Keyring::Alice.to_account_id()))
}

/// `local_testnet`: four bonded validators on one machine or a LAN, governed as a public network would be: the
/// four form the council and there is no sudo key.
pub fn local_testnet() -> Value {
	let validators = [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];
	genesis(&validators, dev_accounts(), None)
}

/// The JSON genesis patch of a named preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}
