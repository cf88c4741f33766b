//! The chain client is generated (subxt) from `metadata/openledger.scale`; this checks that file is the
//! metadata of the runtime in this tree, so a runtime change cannot silently break the worker's calls.
//! `UPDATE_METADATA=1 SKIP_WASM_BUILD=1 CARGO_TARGET_DIR=/tmp/metadata cargo test -p attribution-worker --test
//! metadata` rewrites it (docs/BUILD.md).

use std::path::PathBuf;

/// The metadata version the client is generated from.
const VERSION: u32 = 16;

#[test]
fn the_shipped_metadata_is_the_runtime_metadata() {
	let current = openledger_runtime::Runtime::metadata_at_version(VERSION).expect("the runtime serves metadata v16");
	let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("metadata/openledger.scale");
	if std::env::var_os("UPDATE_METADATA").is_some() {
		std::fs::write(&path, &*current).expect("write metadata");
	}
	let shipped = std::fs::read(&path).expect("metadata/openledger.scale exists");
	assert!(
		shipped == *current,
		"metadata/openledger.scale is stale: regenerate it with UPDATE_METADATA=1 (docs/BUILD.md) and rebuild"
	);
}
