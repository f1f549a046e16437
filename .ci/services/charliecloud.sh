#!/usr/bin/env bash
# Charliecloud's ch-run and the test images as unpacked directories, for the charliecloud tests.
#   .ci/services/charliecloud.sh start   install charliecloud-runtime if missing and unpack the
#                                        test images under $CONTAINER_CI_CACHE/images/<name>
#                                        (see container-images.sh; idempotent)
#   .ci/services/charliecloud.sh stop    nothing runs between tests: ch-run has no daemon
# Debian, run as root (ch-run itself needs only unprivileged user namespaces).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/container-images.sh"

stop() {
  echo "charliecloud has no service to stop"
}

start() {
  command -v ch-run >/dev/null || apt_install charliecloud-runtime
  local name
  for name in $CONTAINER_CI_IMAGES; do rootfs_image "$name" >/dev/null; done
  [ "$(USER=${USER:-root} ch-run "$CONTAINER_CI_CACHE/images/py3" -- python3 -c 'import dill; print(1)')" = 1 ]
  echo "charliecloud ready: images $CONTAINER_CI_CACHE/images/{${CONTAINER_CI_IMAGES// /,}}"
}

service_main "$@"
