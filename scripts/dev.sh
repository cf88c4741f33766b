#!/usr/bin/env bash
# The README's run command: set up the machine, build, run a development chain with Alice's attribution
# worker, play the demo (a medical DataNet, a model, a question answered and credited), and keep running.
# Ctrl-C stops everything this script started.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

RPC_PORT="${RPC_PORT:-9944}"
METRICS_PORT="${METRICS_PORT:-9616}"

"$here/setup.sh"
load_env
cd "$PROJECT_ROOT"

step "build: node + runtime wasm + worker + test harnesses (one cargo --release build)"
build_all
ok

pids=()
cleanup() {
	trap - INT TERM EXIT
	for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "stopped"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

logs="$STATE_DIR/logs"
mkdir -p "$logs"
step "dev node (Alice authors every 2 s and finalizes; state is temporary)"
"$NODE_BIN" --dev --rpc-port "$RPC_PORT" --no-telemetry >"$logs/node.log" 2>&1 &
pids+=($!)
url="http://127.0.0.1:$RPC_PORT"
for _ in $(seq 1 120); do
	if rpc "$url" system_health >/dev/null 2>&1; then break; fi
	kill -0 "${pids[0]}" 2>/dev/null || { tail -20 "$logs/node.log"; die "the node exited"; }
	sleep 0.5
done
rpc "$url" system_health >/dev/null || die "the node RPC did not answer on $url"
ok

step "attribution worker (Alice's worker key //Alice//worker; metrics on 127.0.0.1:$METRICS_PORT)"
worker_data="$STATE_DIR/dev-worker"
rm -rf "$worker_data" # the dev chain is temporary, so is the worker's progress
RUST_LOG="${RUST_LOG:-info}" "$WORKER_BIN" run --node "ws://127.0.0.1:$RPC_PORT" --key //Alice//worker \
	--data-dir "$worker_data" --prometheus "127.0.0.1:$METRICS_PORT" --allow-file-uris --allow-private-uris \
	>"$logs/worker.log" 2>&1 &
pids+=($!)
sleep 2
kill -0 "${pids[1]}" 2>/dev/null || { tail -20 "$logs/worker.log"; die "the worker exited"; }
ok

APP_PORT="${APP_PORT:-8090}"
step "the DataNet app (app/serve.mjs) on http://127.0.0.1:$APP_PORT/"
node "$PROJECT_ROOT/app/serve.mjs" --listen "127.0.0.1:$APP_PORT" --node "ws://127.0.0.1:$RPC_PORT" >"$logs/app.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
	if curl -fsS -o /dev/null "http://127.0.0.1:$APP_PORT/"; then break; fi
	kill -0 "${pids[2]}" 2>/dev/null || { tail -20 "$logs/app.log"; die "the app exited"; }
	sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$APP_PORT/" || die "the app did not answer on http://127.0.0.1:$APP_PORT/"
ok

step "demo"
(cd "$PROJECT_ROOT/scripts/e2e" && node demo.mjs "ws://127.0.0.1:$RPC_PORT" "$url") ||
	warn "the demo did not finish; see $logs/worker.log"

cat <<MSG

  Chain:      $(rpc "$url" system_chain)  ($(rpc "$url" system_properties))
  Connect:    ws://127.0.0.1:$RPC_PORT   (polkadot.js apps: Settings → custom endpoint)
  Node log:   $logs/node.log
  Worker log: $logs/worker.log   (metrics: http://127.0.0.1:$METRICS_PORT/metrics)
  App:        http://127.0.0.1:$APP_PORT/   (wallet, DataNets, contribute, curate, answers, earnings; log $logs/app.log)
  Contribute: $WORKER_BIN submit-dataset FILE --datanet 0 --key //Charlie --node ws://127.0.0.1:$RPC_PORT
              (text, .jsonl or .csv; docs/CONTRIBUTING-DATA.md)

  Press Ctrl-C to stop.

MSG
last=""
while kill -0 "${pids[0]}" 2>/dev/null; do
	best=$(rpc "$url" chain_getHeader 2>/dev/null | jq -r '.number' || true)
	fin=$(rpc "$url" chain_getHeader "[$(rpc "$url" chain_getFinalizedHead 2>/dev/null || echo null)]" 2>/dev/null | jq -r '.number' || true)
	line="best #$((best)) finalized #$((fin))"
	[ "$line" != "$last" ] && printf '\r  %s ' "$line"
	last=$line
	sleep 2
done
die "the node exited; see $logs/node.log"
