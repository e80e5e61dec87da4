#!/usr/bin/env bash
# Create/refresh the repo-root .venv for the devnet from devnet/requirements*.txt.
# Idempotent: silent and fast when the stamp (hash of both files) matches and the venv imports.
# Needs only python3 (3.11+) and PyPI; PYTHON=... picks the interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-python3}"
stamp="$venv/.devnet-requirements.sha256"
want="$(cat "$here/requirements.txt" "$here/requirements-test.txt" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && "$venv/bin/python" -c "import pyrevm, coincurve, sha3" 2>/dev/null; then
  exit 0
fi
echo "devnet: installing the virtualenv at $venv (first use or requirements changed)" >&2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"
  if ! "$py" -m venv "$venv" 2>/dev/null; then
    # Debian without python3-venv: fall back to virtualenv from PyPI
    rm -rf "$venv"
    "$py" -m pip install --quiet --user --disable-pip-version-check virtualenv
    "$py" -m virtualenv --quiet "$venv"
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$here/requirements.txt" -r "$here/requirements-test.txt"
echo "$want" > "$stamp"
