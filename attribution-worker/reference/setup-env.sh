#!/usr/bin/env bash
# Creates the Python reference env ($STATE_DIR/py-reference, ~2.4 GB: CPU-only torch, see requirements.txt)
# idempotently and prints its python. Used by scripts/bench-worker.sh and to regenerate the embedding fixture
# (`$(bash attribution-worker/reference/setup-env.sh) attribution-worker/reference/make_embedding_fixture.py`).
# Progress goes to stderr; stdout is only the interpreter's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/../../scripts/lib.sh"
venv="$STATE_DIR/py-reference"
stamp="$venv/.requirements.sha256"
want=$(cat "$here/requirements.txt" "$here/cuda_stubs.py" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	command -v python3 >/dev/null || die "python3 (3.11) is needed for the reference env"
	command -v cc >/dev/null || die "a C compiler (cc) is needed to build the CUDA stand-ins (see requirements.txt)"
	# From scratch: an env made by an older requirements.txt may hold the 3.7 GB of nvidia-* wheels.
	rm -rf "$venv"
	python3 -m venv "$venv" >&2 || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
	# --no-deps: requirements.txt is the whole closure, minus torch's nvidia-* and triton requirements.
	"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
	"$venv/bin/python" "$here/cuda_stubs.py" "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/torch/lib" >&2
	# Nothing may be missing but what was left out on purpose.
	missing=$("$venv/bin/pip" check 2>/dev/null | grep -vE '^torch .* requires (nvidia-|triton)' || true)
	[ -z "$missing" ] || die "reference env incomplete: $missing"
	"$venv/bin/python" -c 'import torch, faiss, sentence_transformers; assert not torch.cuda.is_available(); torch.ones(2) @ torch.ones(2)' ||
		die "the reference env does not import"
	echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
