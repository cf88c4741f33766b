//! Built-in chain specifications and loading one from a file.

use std::path::Path;

use openledger_primitives::token::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL};
use openledger_runtime::WASM_BINARY;
use sc_service::{ChainType, Properties};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// The chain specification type of this node.
pub type ChainSpec = sc_service::GenericChainSpec;

/// What wallets need to show OPEN: symbol, decimals, address format.
pub fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "the runtime wasm was not built (was SKIP_WASM_BUILD set?)".to_string())
}

/// `--dev`: Alice authors and finalises alone.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("OpenLedger Development")
		.with_id("openledger_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: four authorities (Alice, Bob, Charlie, Dave).
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("OpenLedger Local Testnet")
		.with_id("openledger_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// A chain specification from a JSON file, with an error that names the file and the problem.
pub fn from_file(path: &Path) -> Result<ChainSpec, String> {
	if !path.is_file() {
		return Err(format!(
			"chain spec '{}' not found: pass `dev`, `local`, or the path of a chain spec JSON file \
			 (make one with `openledger-node build-spec`)",
			path.display()
		));
	}
	ChainSpec::from_json_file(path.to_path_buf())
		.map_err(|e| format!("chain spec '{}' is not a valid chain specification: {e}", path.display()))
}
