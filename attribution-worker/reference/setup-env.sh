#!/usr/bin/env bash
# Creates the Python reference env ($STATE_DIR/py-reference, ~6 GB with torch's CUDA wheels) idempotently
# and prints its python. Used by scripts/bench-worker.sh and to regenerate the engine's embedding fixture
# (attribution-engine/reference/make_embedding_fixture.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/../../scripts/lib.sh"
venv="$STATE_DIR/py-reference"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	# From scratch, so nothing of an env made by other requirements survives.
	rm -rf "$venv"
	python3 -m venv "$venv" >&2
	"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
	echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
