#!/usr/bin/env bash
# The README's test command: set up the machine, build once (release profile), run the workspace tests,
# then the end-to-end tests against a real node through polkadot.js.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

# The end-to-end files in two lanes that run side by side: the CPU-heavy lane (every file whose worker generates,
# trains, indexes or reviews with answer windows to meet — two such files at once on two cores missed windows) and
# beside it the lane that mostly waits on blocks (the four-validator staking net without workers, then the
# chain-only tests). Within a lane the files run one at a time, in the order listed (`node --test` would sort
# them), so the two four-validator nets never overlap.
E2E_HEAVY=(studio worker testnet-workers hostile)
E2E_LIGHT=(testnet-staking node-smoke node-cli datanets rewards attribution app)

# run_lane FILE…: runs each end-to-end file in turn; fails (after running them all) if any failed.
run_lane() {
	local file failed=0
	for file in "$@"; do
		node --test --test-concurrency=1 "./$file.test.mjs" || failed=1
	done
	return "$failed"
}

run_e2e() {
	local dir="$PROJECT_ROOT/scripts/e2e" light_log light light_status=0 heavy_status=0 listed
	listed=$(printf '%s\n' "${E2E_HEAVY[@]}" "${E2E_LIGHT[@]}" | sort)
	# Every test file is in exactly one lane.
	[ "$listed" = "$(cd "$dir" && ls ./*.test.mjs | sed 's|^\./||; s|\.test\.mjs$||' | sort)" ] ||
		die "scripts/test.sh: E2E_HEAVY and E2E_LIGHT must list every scripts/e2e/*.test.mjs once"
	light_log=$(mktemp)
	(cd "$dir" && run_lane "${E2E_LIGHT[@]}") >"$light_log" 2>&1 &
	light=$!
	(cd "$dir" && run_lane "${E2E_HEAVY[@]}") || heavy_status=$?
	wait "$light" || light_status=$?
	echo "--- the light lane (${E2E_LIGHT[*]}):"
	cat "$light_log"
	rm -f "$light_log"
	[ "$heavy_status" -eq 0 ] && [ "$light_status" -eq 0 ] ||
		die "end-to-end tests failed (heavy lane: exit $heavy_status, light lane: exit $light_status)"
}

started=$(date +%s)
"$here/setup.sh"
load_env
cd "$PROJECT_ROOT"

step "build + lints: node, runtime wasm, worker and test harnesses in one cargo --release build, clippy on the workspace's crates"
build_all
ok

# Includes the attribution engine and worker: unit and property tests on small self-made models, and tests on the real
# weights fetched by setup.sh (MiniLM against the sentence-transformers fixture, SmolLM2 answering from context,
# validator mode bit-identical across two processes).
step "workspace tests (cargo nextest, --release: the same build as the node)"
linted_cargo nextest run --locked --release --workspace --no-fail-fast
ok

step "end-to-end tests: a real --dev node (and worker) driven by polkadot.js"
export OPENLEDGER_NODE_BIN="$NODE_BIN" OPENLEDGER_WORKER_BIN="$WORKER_BIN"
run_e2e
ok

echo "all tests passed in $(($(date +%s) - started))s"
