#!/usr/bin/env bash
# The README's test command: set up the machine, build once (release profile), run the workspace tests,
# then the end-to-end tests against a real node through polkadot.js.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

started=$(date +%s)
"$here/setup.sh"
load_env
cd "$PROJECT_ROOT"

step "build: node + runtime wasm + worker + test harnesses (one cargo --release build)"
build_all
ok

step "lints: clippy on runtime-side crates (no unwrap/expect/indexing/unchecked arithmetic)"
# A check-mode build of the FRAME subset, in its own target dir so it never invalidates the release build.
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$STATE_DIR/target-clippy" cargo clippy --locked --release \
	-p openledger-primitives -p pallet-datasets -p pallet-datanets -p pallet-validator-staking -p pallet-models -p pallet-rewards -p pallet-attribution -p openledger-runtime -- -D warnings
# The worker runs off chain (its own lints: clippy's defaults, warnings denied), tests included.
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$STATE_DIR/target-clippy" cargo clippy --locked --release \
	-p attribution-worker --all-targets -- -D warnings
ok

# Includes the attribution worker: unit and property tests on small self-made models, and tests on the real
# weights fetched by setup.sh (MiniLM against the sentence-transformers fixture, SmolLM2 answering from context,
# validator mode bit-identical across two processes).
step "workspace tests (cargo nextest, --release: the same build as the node)"
cargo nextest run --locked --release --workspace --no-fail-fast
ok

step "end-to-end tests: a real --dev node (and worker) driven by polkadot.js"
export OPENLEDGER_NODE_BIN="$NODE_BIN" OPENLEDGER_WORKER_BIN="$WORKER_BIN"
(cd "$PROJECT_ROOT/scripts/e2e" && node --test --test-concurrency=1 ./*.test.mjs)
ok

echo "all tests passed in $(($(date +%s) - started))s"
