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

step "build: node + runtime wasm (cargo --release)"
cargo build --locked --release -p openledger-node
ok

step "workspace tests (cargo nextest, --release: the same build as the node)"
cargo nextest run --locked --release --workspace --no-fail-fast
ok

step "end-to-end tests: a real --dev node driven by polkadot.js"
export OPENLEDGER_NODE_BIN="$NODE_BIN"
(cd "$PROJECT_ROOT/scripts/e2e" && node --test --test-concurrency=1 ./*.test.mjs)
ok

echo "all tests passed in $(($(date +%s) - started))s"
