#!/usr/bin/env bash
# Measures the weights of the project's pallets with frame-benchmarking and writes each pallet's
# src/weights.rs. Builds the node with `--features runtime-benchmarks` in its own target directory
# ($OPENLEDGER_BENCH_TARGET_DIR, default $STATE_DIR/target-benchmarks), so the feature build never invalidates
# the main build's cache.
#   scripts/benchmark.sh                 # every project pallet the runtime benchmarks, 20 steps × 5 repeats
#   STEPS=50 REPEAT=20 scripts/benchmark.sh pallet_datanets
#   scripts/benchmark.sh --list          # print the pallets (name and directory) it would measure, build nothing
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
cd "$PROJECT_ROOT"

STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-5}"
BENCH_TARGET_DIR="${OPENLEDGER_BENCH_TARGET_DIR:-$STATE_DIR/target-benchmarks}"

# The pallets the node can benchmark: the `[name, Type]` entries of the runtime's `define_benchmarks!`
# (runtime/src), one name a line.
runtime_benchmarks() {
	find runtime/src -name '*.rs' -print0 | sort -z |
		xargs -0 sed -s -n '/define_benchmarks!(/,/^[[:space:]]*);/s/^[[:space:]]*\[\([A-Za-z0-9_]*\),.*/\1/p'
}

# The directory of the project's pallet `name` (pallet_validator_staking → the path the root Cargo.toml declares
# for pallet-validator-staking), or nothing if the project does not declare it as a path dependency.
pallet_dir() {
	sed -n "s|^${1//_/-} = {.*path = \"\([^\"]*\)\".*|\1|p" Cargo.toml
}

# Prints "name dir" for each pallet to measure: the ones given, or every project pallet in define_benchmarks!
# (FRAME's own — frame_*, and polkadot-sdk pallets pinned by version — are skipped: their weights ship with the
# SDK). Fails if a pallet is not benchmarked by the runtime or has no directory.
pallets_to_measure() {
	local listed name dir
	listed=$(runtime_benchmarks)
	[ -n "$listed" ] || die "found no define_benchmarks! entries in runtime/src"
	if [ $# -eq 0 ]; then
		for name in $listed; do
			dir=$(pallet_dir "$name")
			if [ -z "$dir" ]; then
				[[ "$name" == frame_* ]] || grep -q "^${name//_/-} = { version = " Cargo.toml ||
					die "define_benchmarks! (runtime/src) lists $name, which is neither a path dependency in Cargo.toml (a project pallet) nor a versioned polkadot-sdk crate"
				continue
			fi
			[ -d "$dir" ] || die "define_benchmarks! (runtime/src) lists $name, but its directory $dir (from Cargo.toml) does not exist"
			echo "$name $dir"
		done
		# A pallet with benchmarks the runtime does not list cannot be measured by the node.
		for dir in pallets/*/; do
			dir=${dir%/}
			[ -f "$dir/src/benchmarking.rs" ] || [ -d "$dir/src/benchmarking" ] || continue
			name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n1)
			grep -qxF "${name//-/_}" <<<"$listed" ||
				warn "$dir has benchmarks, but ${name//-/_} is not in the runtime's define_benchmarks! (runtime/src): not measured"
		done
	else
		for name in "$@"; do
			grep -qxF "$name" <<<"$listed" || die "$name is not in the runtime's define_benchmarks! (runtime/src)"
			dir=$(pallet_dir "$name")
			[ -n "$dir" ] || die "$name is not a project pallet (no path dependency ${name//_/-} in Cargo.toml)"
			[ -d "$dir" ] || die "no pallet directory $dir for $name"
			echo "$name $dir"
		done
	fi
}

if [ "${1:-}" = --list ]; then
	shift
	pallets_to_measure "$@"
	exit 0
fi
measure=$(pallets_to_measure "$@")
[ -n "$measure" ] || die "no pallets to measure"

load_env
step "build: node with runtime-benchmarks → $BENCH_TARGET_DIR"
# frame-benchmarking-cli's storage-access test runtime cannot find itself in this workspace's metadata (it is
# an optional dependency); `benchmark pallet` does not need it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
# Its own target directory: the feature changes the node's and the runtime's dependency tree, and building it
# into the shared one would rebuild the main build's crates (and runtime wasm) on the next `build_all`.
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --locked --release -p openledger-node --features runtime-benchmarks
ok
bench_node="$BENCH_TARGET_DIR/release/openledger-node"
bench_wasm="$BENCH_TARGET_DIR/release/wbuild/openledger-runtime/openledger_runtime.compact.compressed.wasm"
[ -x "$bench_node" ] || die "the benchmark build left no node binary at $bench_node"
[ -f "$bench_wasm" ] || die "the benchmark build left no runtime wasm at $bench_wasm"

while read -r pallet dir; do
	step "benchmark $pallet → $dir/src/weights.rs"
	"$bench_node" benchmark pallet --runtime "$bench_wasm" \
		--genesis-builder runtime --genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' --steps "$STEPS" --repeat "$REPEAT" \
		--template .maintain/weight-template.hbs --output "$dir/src/weights.rs"
	ok
done <<<"$measure"
