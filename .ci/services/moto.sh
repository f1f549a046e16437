#!/usr/bin/env bash
# moto's AWS emulator (EC2 and the rest behind one endpoint) for the AWS provider's tests.
#   .ci/services/moto.sh start   start moto_server on 127.0.0.1:${MOTO_CI_PORT:-5055} (idempotent),
#                                from a venv cached under /var/cache (moto pinned), with EC2's
#                                checks that moto skips by default switched on: an AMI, instance
#                                type or key pair that does not exist is refused as AWS refuses it
#   .ci/services/moto.sh stop    stop only the moto_server that `start` recorded (idempotent)
# Clients: endpoint http://127.0.0.1:5055, any access key, region us-east-1. Based on the
# project's shared CI recipe for moto. The tests start a second moto (IAM checks on) with
# $STATE/moto_server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_SPEC=${MOTO_CI_SPEC:-moto[server]==5.2.6}
STATE=${MOTO_CI_DIR:-/var/lib/ci-moto-parsl}
PORT=${MOTO_CI_PORT:-5055}
VENV=${MOTO_CI_VENV:-/var/cache/ci-moto/venv-${MOTO_SPEC//[^A-Za-z0-9.]/_}}

up() { "$VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/', timeout=2)" 2>/dev/null; }

stop() {
  stop_pid "$STATE/moto.pid" moto_server
  echo "moto stopped"
}

start() {
  mkdir -p "$STATE"
  if [ ! -x "$VENV/bin/moto_server" ]; then
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO_SPEC"
  fi
  ln -sfn "$VENV/bin/moto_server" "$STATE/moto_server"  # the tests start a second, IAM-checking moto with it
  if ! alive "$STATE/moto.pid" moto_server; then
    rm -f "$STATE/moto.pid"
    MOTO_ENABLE_AMI_VALIDATION=true MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION=true \
    MOTO_ENABLE_KEYPAIR_VALIDATION=true \
      nohup setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$STATE/moto.log" 2>&1 </dev/null &
    echo $! >"$STATE/moto.pid"
  fi
  for _ in $(seq 150); do up && break; sleep 0.2; done
  up || { echo "moto did not come up" >&2; tail -20 "$STATE/moto.log" >&2; exit 1; }
  echo "moto ready: http://127.0.0.1:$PORT (venv $VENV, pid $(cat "$STATE/moto.pid"))"
}

service_main "$@"
