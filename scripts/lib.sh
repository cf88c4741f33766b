# Shared helpers for the project's scripts (sourced, not run).
# shellcheck shell=bash

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_NAME=openledger-appchain
# Persistent state outside the clone so warm runs reuse the build.
STATE_DIR="${OPENLEDGER_STATE_DIR:-$HOME/.cache/$PROJECT_NAME}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$STATE_DIR/target}"
# The worker's weights (fetch-models.sh writes them; the worker and its tests read them from here).
export OPENLEDGER_MODELS_DIR="${OPENLEDGER_MODELS_DIR:-$STATE_DIR/models}"
# The wasm builder looks for Cargo.lock above the target dir; it lives in the clone instead.
export WASM_BUILD_WORKSPACE_HINT="$PROJECT_ROOT"
# The runtime build also builds the runtime one spec version later (`upgrade-test`), which the end-to-end upgrade
# test enacts (runtime/build.rs). Set for every build, so that no build undoes another's.
export OPENLEDGER_UPGRADE_RUNTIME=1
# One cargo profile (release) builds the node, the worker and the tests (see docs/BUILD.md).
NODE_BIN="$CARGO_TARGET_DIR/release/openledger-node"
WORKER_BIN="$CARGO_TARGET_DIR/release/attribution-worker"

_step_started=0
step() { _step_started=$(date +%s); printf '==> %s\n' "$*"; }
ok() { printf '    ok%s (%ss)\n' "${1:+: $1}" "$(($(date +%s) - _step_started))"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Whether process PID has exited and closed its files (a node's database lock). Not an empty command line: that
# reads empty as soon as its memory is released, while its files are closed only later. Nor a zombie leader
# alone: a killed node's main thread turns zombie (Z) while its other threads are still exiting, holding the
# shared file table and so the lock (measured: about 0.25 s after SIGKILL for a 3 GiB, 5-thread process); a
# node restarted in either window fails with "Database file is in use" (CI stops 44 and 54). An exiting thread
# leaves `task/` only after it has dropped its files, so a zombie leader that is its own last task has closed them.
exited() {
	local pid=$1 state tasks
	[ -r "/proc/$pid/stat" ] || return 0
	state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$state" ] && return 0
	[ "$state" = Z ] || [ "$state" = X ] || return 1
	tasks=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$tasks" -le 1 ]
}

# wait_exited PID SECONDS: waits until `exited PID`, checking every 50 ms; fails after SECONDS.
wait_exited() {
	local pid=$1 deadline=$((SECONDS + $2))
	until exited "$pid"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# The one build every script uses: node, runtime wasm, attribution worker and every test harness, in one cargo
# invocation. Cargo unifies features over the packages and targets it is asked to build, so building a subset
# (only the node, say) and later the workspace's tests would compile the shared dependency tree twice, with two
# feature sets (measured: the worker's dependencies change features of crates under sp-core, which rebuilt the
# node's whole tree). Extra arguments go to cargo.
#
# The lints run inside that build: clippy-driver, as cargo's workspace wrapper, compiles the workspace's own crates
# (all targets) and lints them with warnings denied — the runtime-side crates with the workspace's deny list (no
# unwrap/expect/indexing/unchecked arithmetic) — while rustc compiles the dependencies. Clippy in check mode
# would build the whole dependency tree a second time (≈ 10 min cold on 2 cores).
build_all() {
	linted_cargo build --locked --release --workspace --all-targets "$@"
}

# cargo with the workspace's crates compiled by clippy-driver, warnings denied (see build_all). Everything that
# builds into the shared target dir goes through it, so no build invalidates another's workspace crates.
linted_cargo() {
	RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings" cargo "$@"
}

# Loads what setup.sh chose (toolchain for the wasm runtime).
load_env() {
	[ -f "$STATE_DIR/env" ] || die "run scripts/setup.sh first ($STATE_DIR/env missing)"
	# shellcheck disable=SC1091
	source "$STATE_DIR/env"
}

# Prints a free TCP port below the kernel's ephemeral range, for a node that is killed and started again on the
# same ports: a port from the ephemeral range (what binding port 0 gives) can be taken while the node is down, as
# the source port of any outgoing connection or by another test's free port, and the node's RPC server then
# silently binds a random port instead.
stable_port() {
	python3 - <<'PY'
import random, socket
try:
    with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
for _ in range(1000):
    port = random.randrange(10000, max(10001, low))
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port below the ephemeral range")
PY
}

# rpc URL METHOD [PARAMS_JSON] → prints the JSON "result" (or fails).
rpc() {
	local url=$1 method=$2 params=${3:-[]}
	curl -sf --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" "$url" | jq -ce '.result'
}
