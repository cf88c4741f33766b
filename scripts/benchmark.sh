#!/usr/bin/env bash
# Measures the weights of the project's pallets with frame-benchmarking and writes each pallet's
# src/weights.rs. Builds the node with `--features runtime-benchmarks` (a separate feature build).
#   scripts/benchmark.sh                 # every pallet, 20 steps × 5 repeats
#   STEPS=50 REPEAT=20 scripts/benchmark.sh pallet_datanets
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
load_env
cd "$PROJECT_ROOT"

STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-5}"
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_datasets pallet_datanets pallet_validator_staking)

step "build: node with runtime-benchmarks"
# frame-benchmarking-cli's storage-access test runtime cannot find itself in this workspace's metadata (it is
# an optional dependency); `benchmark pallet` does not need it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --locked --release -p openledger-node --features runtime-benchmarks
ok

for pallet in "${pallets[@]}"; do
	crate="${pallet#pallet_}"
	dir="pallets/${crate//_/-}"
	[ -d "$dir" ] || die "no pallet directory $dir for $pallet"
	step "benchmark $pallet → $dir/src/weights.rs"
	"$NODE_BIN" benchmark pallet --runtime "$CARGO_TARGET_DIR/release/wbuild/openledger-runtime/openledger_runtime.compact.compressed.wasm" \
		--genesis-builder runtime --genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' --steps "$STEPS" --repeat "$REPEAT" \
		--template .maintain/weight-template.hbs --output "$dir/src/weights.rs"
	ok
done
