#!/usr/bin/env bash
# Set everything up in .venv and run the demo workflow twice: on local threads (the core alone),
# then on the HighThroughputExecutor plugin, named by string in a TOML config.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
editables=()
for d in parsl-core parsl-executors/* parsl-providers/* parsl-staging/* parsl-monitoring; do
  [ -f "$d/pyproject.toml" ] && editables+=(-e "$d")
done
VIRTUAL_ENV="$ROOT/.venv" uv pip install -q "${editables[@]}"
cd examples
echo "== parsl plugins"
parsl plugins
echo "== demo on local threads (no config)"
parsl run demo.py
echo "== demo on the HighThroughputExecutor (config: examples/htex-local.toml)"
parsl run --config htex-local.toml demo.py
