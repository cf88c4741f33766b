//! The worker's chain client is generated (subxt) from `attribution-worker/metadata/openledger.scale`; this checks
//! that file is the metadata of the runtime in this tree, so a runtime change cannot silently break the worker's
//! calls. It lives here, not in the worker, so that it still runs when the worker no longer compiles against the
//! stale file (a type it substitutes has moved). `UPDATE_METADATA=1 cargo test -p openledger-runtime --test
//! worker_metadata` rewrites it (docs/BUILD.md).

#![allow(clippy::expect_used)]

use std::path::PathBuf;

/// The metadata version the client is generated from.
const VERSION: u32 = 16;

#[test]
fn the_shipped_metadata_is_the_runtime_metadata() {
	// Inside externalities, as the runtime API runs: BABE's epoch duration, a metadata constant, is read from
	// storage (the session length genesis sets; the default here).
	let current = sp_io::TestExternalities::default()
		.execute_with(|| openledger_runtime::Runtime::metadata_at_version(VERSION))
		.expect("the runtime serves metadata v16");
	let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../attribution-worker/metadata/openledger.scale");
	if std::env::var_os("UPDATE_METADATA").is_some() {
		std::fs::write(&path, &*current).expect("write metadata");
	}
	let shipped = std::fs::read(&path).expect("metadata/openledger.scale exists");
	assert!(
		shipped == *current,
		"metadata/openledger.scale is stale: regenerate it with UPDATE_METADATA=1 (docs/BUILD.md) and rebuild"
	);
}
