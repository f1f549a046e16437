#!/usr/bin/env bash
# Run the whole test suite: every nox session (each distribution alone, integration, lint,
# typecheck). Sessions that test against real services (Slurm, Grid Engine, sshd, PostgreSQL)
# install and start them, which needs root on Debian/Ubuntu.  Extra arguments go to nox,
# e.g. `bash scripts/test.sh -s core`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# The whole suite on a machine that has not built kube-apiserver yet (a fresh CI machine): start
# that build now, in the background, instead of inside the Kubernetes session.
if [ $# -eq 0 ] && [ "$(id -u)" = 0 ]; then
  bash .ci/services/kube.sh prebuild
fi
exec nox "$@"
