#!/usr/bin/env bash
# The README's test command: set up the machine, build once (release profile), run the workspace tests,
# then the end-to-end tests against a real node through polkadot.js.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

# The end-to-end files in three lanes that run side by side. Most of an end-to-end file's time is spent waiting on
# blocks and windows (worker.test.mjs alone keeps the two cores ≈ 20 % busy); each lane holds at most one file
# whose worker answers, trains or indexes at a time: the four-validator nets (staking without workers, then the
# one with four workers; never at once), the dev-chain worker then the hostile inputs, and the studio then the
# chain-only tests. Within a lane the files run one at a time, in the order listed (`node --test` would sort them).
# Measured together (2026-12-06): 1 064 s, against 1 815 s in two lanes; the second lane sets the pace.
E2E_LANES=(
	"testnet-staking testnet-workers"
	"worker hostile"
	"studio node-smoke node-cli datanets rewards attribution app"
)

# run_lane FILE…: runs each end-to-end file in turn; fails (after running them all) if any failed.
run_lane() {
	local file failed=0
	for file in "$@"; do
		node --test --test-concurrency=1 "./$file.test.mjs" || failed=1
	done
	return "$failed"
}

run_e2e() {
	local dir="$PROJECT_ROOT/scripts/e2e" lane i status failed=0 listed
	local -a pids=() logs=()
	# shellcheck disable=SC2086 # each lane is a list of words
	listed=$(printf '%s\n' ${E2E_LANES[*]} | sort)
	# Every test file is in exactly one lane.
	[ "$listed" = "$(cd "$dir" && ls ./*.test.mjs | sed 's|^\./||; s|\.test\.mjs$||' | sort)" ] ||
		die "scripts/test.sh: E2E_LANES must list every scripts/e2e/*.test.mjs once"
	for lane in "${E2E_LANES[@]}"; do
		logs+=("$(mktemp)")
		# shellcheck disable=SC2086
		(cd "$dir" && run_lane $lane) >"${logs[-1]}" 2>&1 &
		pids+=("$!")
	done
	for i in "${!pids[@]}"; do
		if wait "${pids[$i]}"; then status=ok; else status="FAILED"; failed=1; fi
		echo "--- lane $((i + 1)) (${E2E_LANES[$i]}): $status"
		cat "${logs[$i]}"
		rm -f "${logs[$i]}"
	done
	[ "$failed" -eq 0 ] || die "end-to-end tests failed (see the lanes above)"
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
