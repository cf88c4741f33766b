//! Builds the runtime to wasm (`WASM_BINARY`) when compiled natively with `std`.

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("OPEN", 18)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// Compiling the runtime for wasm itself needs no build step.
#[cfg(not(feature = "std"))]
fn main() {}
