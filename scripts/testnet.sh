#!/usr/bin/env bash
# A four-validator local testnet (`--chain local`: Alice, Bob, Charlie and Dave, each bonded at genesis) on
# loopback, each node with its own ports, base path, node key and keystore.
#
#   scripts/testnet.sh [start]   build if needed, start the four nodes, wait for finality, print endpoints
#   scripts/testnet.sh stop      stop the nodes this script started (and nothing else)
#   scripts/testnet.sh status    best and finalized block of each node
#   scripts/testnet.sh kill NAME     kill one node abruptly (SIGKILL), as a crash would
#   scripts/testnet.sh restart NAME  start a killed node again on its ports and database
#
# State lives in $OPENLEDGER_TESTNET_DIR (default $STATE_DIR/testnet): one directory per node with its chain
# database, keystore, node key and log, plus `nodes.tsv` (name, pid, p2p/rpc/prometheus ports) that `stop`
# reads. Set OPENLEDGER_SKIP_BUILD=1 to use the node already built.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

NAMES=(alice bob charlie dave)
DIR="${OPENLEDGER_TESTNET_DIR:-$STATE_DIR/testnet}"
TABLE="$DIR/nodes.tsv"
FINALITY_TIMEOUT="${FINALITY_TIMEOUT:-120}"
RESTART_TIMEOUT="${RESTART_TIMEOUT:-60}"

# Whether `pid` is still one of our nodes (its command line names our base directory).
ours() {
	local pid=$1
	[ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--base-path $DIR/"
}

stop_nodes() {
	[ -f "$TABLE" ] || { echo "no testnet recorded in $DIR"; return 0; }
	local name pid
	while IFS=$'\t' read -r name pid _; do
		if ours "$pid"; then
			kill -INT "$pid" 2>/dev/null || true
			wait_exited "$pid" 15 || { kill -KILL "$pid" 2>/dev/null || true; wait_exited "$pid" 30 || true; }
			echo "stopped $name (pid $pid)"
		fi
	done <"$TABLE"
	rm -f "$TABLE"
}

status() {
	[ -f "$TABLE" ] || die "no testnet recorded in $DIR (start one with scripts/testnet.sh)"
	local name pid p2p rpc_port prom url best fin
	while IFS=$'\t' read -r name pid p2p rpc_port prom; do
		url="http://127.0.0.1:$rpc_port"
		if ours "$pid" && best=$(rpc "$url" chain_getHeader | jq -r '.number'); then
			fin=$(rpc "$url" chain_getHeader "[$(rpc "$url" chain_getFinalizedHead)]" | jq -r '.number')
			printf '  %-8s pid %-7s best #%-6d finalized #%-6d peers %s\n' "$name" "$pid" "$((best))" "$((fin))" \
				"$(rpc "$url" system_health | jq -r '.peers')"
		else
			printf '  %-8s pid %-7s down\n' "$name" "$pid"
		fi
	done <"$TABLE"
}

# The RPC URL of the first node.
first_url() { printf 'http://127.0.0.1:%s' "$(awk -F'\t' 'NR==1 {print $4}' "$TABLE")"; }

finalized() {
	local url=$1
	rpc "$url" chain_getHeader "[$(rpc "$url" chain_getFinalizedHead)]" | jq -r '.number'
}

# launch NAME P2P RPC PROMETHEUS [BOOTNODE]: starts one validator in the background; prints its pid.
launch() {
	local name=$1 p2p=$2 rpc_port=$3 prom=$4 bootnode=${5:-}
	local base="$DIR/$name"
	# `--<name>` puts the well-known development session keys in this node's keystore.
	"$NODE_BIN" --chain local --base-path "$base" --"$name" --node-key-file "$base/node-key" \
		--port "$p2p" --rpc-port "$rpc_port" --prometheus-port "$prom" \
		--no-mdns --no-telemetry --allow-private-ip ${bootnode:+--bootnodes "$bootnode"} \
		>>"$base/node.log" 2>&1 &
	echo $!
}

# The table row of node NAME.
row() { awk -F'\t' -v n="$1" '$1 == n' "$TABLE"; }

kill_node() {
	local name=$1 pid
	[ -f "$TABLE" ] || die "no testnet recorded in $DIR"
	pid=$(row "$name" | cut -f2)
	[ -n "$pid" ] || die "no node named $name"
	ours "$pid" || die "$name (pid $pid) is not running"
	kill -KILL "$pid"
	wait_exited "$pid" 30 || die "$name (pid $pid) did not exit within 30 s of SIGKILL"
	echo "killed $name (pid $pid)"
}

restart_node() {
	local name=$1 pid p2p rpc_port prom
	[ -f "$TABLE" ] || die "no testnet recorded in $DIR"
	IFS=$'\t' read -r _ pid p2p rpc_port prom <<<"$(row "$name")"
	[ -n "${pid:-}" ] || die "no node named $name"
	ours "$pid" && die "$name (pid $pid) is still running"
	# Killed by other means than `kill`: wait for its files to close, as `kill` does.
	wait_exited "$pid" 30 || die "$name (pid $pid) has not closed its files within 30 s"
	pid=$(launch "$name" "$p2p" "$rpc_port" "$prom" "$(cat "$DIR/bootnode")")
	awk -F'\t' -v OFS='\t' -v n="$name" -v p="$pid" '$1 == n {$2 = p} {print}' "$TABLE" >"$TABLE.tmp"
	mv "$TABLE.tmp" "$TABLE"
	# Back on its own RPC port, or a named failure: a node whose port was taken binds a random one and would
	# leave its worker retrying the old one.
	local deadline=$(($(date +%s) + RESTART_TIMEOUT))
	until rpc "http://127.0.0.1:$rpc_port" system_health >/dev/null 2>&1; do
		if ! ours "$pid" || [ "$(date +%s)" -ge "$deadline" ]; then
			tail -n 20 "$DIR/$name/node.log" >&2
			die "$name did not come back on RPC port $rpc_port within ${RESTART_TIMEOUT}s (log above)"
		fi
		sleep 0.5
	done
	echo "restarted $name (pid $pid)"
}

start_nodes() {
	if [ -z "${OPENLEDGER_SKIP_BUILD:-}" ]; then
		"$here/setup.sh"
		load_env
		step "build: node + runtime wasm + worker + test harnesses (one cargo --release build)"
		(cd "$PROJECT_ROOT" && build_all)
		ok
	fi
	[ -x "$NODE_BIN" ] || die "node binary $NODE_BIN missing (build first, or unset OPENLEDGER_SKIP_BUILD)"
	if [ -f "$TABLE" ]; then
		die "a testnet is already recorded in $DIR; run 'scripts/testnet.sh stop' first"
	fi
	mkdir -p "$DIR"
	step "four validators on loopback ($DIR)"
	local bootnode="" name base p2p rpc_port prom peer pid
	: >"$TABLE.tmp"
	for name in "${NAMES[@]}"; do
		base="$DIR/$name"
		mkdir -p "$base"
		[ -f "$base/node-key" ] || "$NODE_BIN" key generate-node-key --file "$base/node-key" 2>/dev/null
		peer=$("$NODE_BIN" key inspect-node-key --file "$base/node-key")
		p2p=$(stable_port); rpc_port=$(stable_port); prom=$(stable_port)
		pid=$(launch "$name" "$p2p" "$rpc_port" "$prom" "$bootnode")
		printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$pid" "$p2p" "$rpc_port" "$prom" >>"$TABLE.tmp"
		[ -n "$bootnode" ] || bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$peer"
	done
	mv "$TABLE.tmp" "$TABLE"
	echo "$bootnode" >"$DIR/bootnode"
	ok

	step "waiting for blocks to be finalized"
	local url deadline fin
	url=$(first_url)
	deadline=$(($(date +%s) + FINALITY_TIMEOUT))
	fin=0
	while [ "$(date +%s)" -lt "$deadline" ]; do
		fin=$(finalized "$url" 2>/dev/null || echo 0)
		[ "$((fin))" -ge 3 ] && break
		sleep 1
	done
	[ "$((fin))" -ge 3 ] || { status || true; die "no finality within ${FINALITY_TIMEOUT}s (logs in $DIR/*/node.log)"; }
	ok "finalized #$((fin))"

	echo
	while IFS=$'\t' read -r name pid p2p rpc_port prom; do
		printf '  %-8s ws://127.0.0.1:%-6s metrics http://127.0.0.1:%s/metrics  p2p %s  log %s\n' \
			"$name" "$rpc_port" "$prom" "$p2p" "$DIR/$name/node.log"
	done <"$TABLE"
	echo "  bootnode $(cat "$DIR/bootnode")"
	echo
	echo "  Stop with: scripts/testnet.sh stop"
}

case "${1:-start}" in
	start) start_nodes ;;
	stop) stop_nodes ;;
	status) status ;;
	kill) kill_node "${2:?usage: scripts/testnet.sh kill NAME}" ;;
	restart) restart_node "${2:?usage: scripts/testnet.sh restart NAME}" ;;
	*) die "usage: scripts/testnet.sh [start|stop|status|kill NAME|restart NAME]" ;;
esac
