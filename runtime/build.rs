//! Builds the runtime to wasm (`WASM_BINARY`) when compiled natively with `std`; with
//! `OPENLEDGER_UPGRADE_RUNTIME` set (scripts/lib.sh sets it for every build), also the same runtime with the
//! `upgrade-test` feature (spec version + 1), as `upgrade_test_runtime.compact.compressed.wasm` next to it: the
//! runtime the end-to-end upgrade test enacts.

#[cfg(feature = "std")]
fn main() {
	build_runtime();
	println!("cargo:rerun-if-env-changed=OPENLEDGER_UPGRADE_RUNTIME");
	if std::env::var_os("OPENLEDGER_UPGRADE_RUNTIME").is_some_and(|v| !v.is_empty()) {
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_feature("upgrade-test")
			.set_file_name("upgrade_test_runtime")
			.build();
	}
}

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn build_runtime() {
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("OPEN", 18)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn build_runtime() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// Compiling the runtime for wasm itself needs no build step.
#[cfg(not(feature = "std"))]
fn main() {}
