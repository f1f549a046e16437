#!/usr/bin/env bash
# Network namespaces for the HTEX partition tests (parsl-executors/htex/tests/test_partition.py).
#   .ci/services/netns.sh start   install iproute2 and iptables if missing, check that this
#                                 machine lets root make a namespace (the tests make their own)
#   .ci/services/netns.sh stop    nothing to stop: each test removes what it made
# Debian, run as root.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start() {
  if ! command -v ip >/dev/null || ! command -v iptables >/dev/null; then
    apt_install iproute2 iptables
  fi
  local probe="parsl-ci-probe-$$"
  ip netns add "$probe"
  ip netns exec "$probe" iptables -S >/dev/null
  ip netns del "$probe"
  echo "netns ready"
}

stop() {
  echo "netns: nothing to stop"
}

service_main "$@"
