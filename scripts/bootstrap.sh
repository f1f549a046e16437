#!/usr/bin/env bash
# Create .venv (Python >= 3.10 from python3) holding the tools the other scripts use: uv and nox.
# Sourced by demo.sh and test.sh; safe to run again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$ROOT/.venv"
fi
if ! "$ROOT/.venv/bin/python" -c "import nox, uv" 2>/dev/null; then
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install -q uv nox
fi
export PATH="$ROOT/.venv/bin:$PATH"
