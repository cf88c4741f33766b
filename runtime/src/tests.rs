//! Tests of the runtime's genesis presets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;

use sp_runtime::BuildStorage;

use crate::{
	genesis_config_presets::{get_preset, DEV_ENDOWMENT},
	RuntimeGenesisConfig,
};

fn build(preset: &str) -> sp_io::TestExternalities {
	let json = get_preset(&PresetId::from(preset)).expect("preset exists");
	let mut config = RuntimeGenesisConfig::default();
	// A preset is a patch over the default config.
	let mut full = serde_json::to_value(&config).unwrap();
	json_patch(&mut full, serde_json::from_slice(&json).unwrap());
	config = serde_json::from_value(full).unwrap();
	config.build_storage().unwrap().into()
}

fn json_patch(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(b), Value::Object(p)) =>
			for (k, v) in p {
				json_patch(b.entry(k).or_insert(Value::Null), v);
			},
		(b, p) => *b = p,
	}
}

#[test]
fn development_has_alice_as_sole_authority_and_sudo() {
	build(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<crate::Runtime>::get().len(), 1);
		assert_eq!(crate::Grandpa::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<crate::Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
		assert_eq!(crate::Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), DEV_ENDOWMENT);
	});
}

#[test]
fn local_testnet_has_four_authorities() {
	build(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<crate::Runtime>::get().len(), 4);
		assert_eq!(crate::Grandpa::grandpa_authorities().len(), 4);
	});
}

#[test]
fn unknown_preset_is_refused() {
	assert!(get_preset(&PresetId::from("mainnet")).is_none());
}
