#!/usr/bin/env bash
# Podman (with runc) and the test images, for the container plugins' tests; no systemd needed.
#   .ci/services/podman.sh start   install podman + runc if missing, configure them for this VM,
#                                  import the test images (localhost/parsl-ci/<name>, see
#                                  container-images.sh) and serve the Docker API on
#                                  $PODMAN_CI_SOCK for the docker CLI (idempotent)
#   .ci/services/podman.sh stop    stop only the API service that `start` recorded (idempotent)
# Debian, run as root. Based on the project's shared CI recipe for podman. Two settings this kind
# of VM needs: podman's default ulimits exceed the hard limits a root without CAP_SYS_RESOURCE
# has (capped below), and crun refuses hybrid cgroups (runtime = runc).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/container-images.sh"
STATE=${PODMAN_CI_DIR:-/var/lib/ci-podman}
SOCK=${PODMAN_CI_SOCK:-/run/ci-podman/podman.sock}
CONF=/etc/containers/containers.conf

stop() {
  stop_pid "$STATE/api.pid" podman
  echo "podman API stopped"
}

configure() {
  local hn hu pm want
  hn=$(ulimit -Hn); [ "$hn" = unlimited ] && hn=1048576; [ "$hn" -gt 1048576 ] && hn=1048576
  hu=$(ulimit -Hu); pm=$(cat /proc/sys/kernel/pid_max)
  { [ "$hu" = unlimited ] || [ "$hu" -gt "$pm" ]; } && hu=$pm
  want=$(printf '# written by .ci/services/podman.sh\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\nruntime = "runc"\n' \
         "$hn" "$hn" "$hu" "$hu")
  if [ "$(cat "$CONF" 2>/dev/null)" != "$want" ]; then
    [ -f "$CONF" ] && ! grep -q '^# written by ' "$CONF" && cp -n "$CONF" "$CONF.orig"
    mkdir -p /etc/containers; printf '%s\n' "$want" > "$CONF"
  fi
  touch /etc/containers/nodocker
}

start() {
  mkdir -p "$STATE" "$(dirname "$SOCK")"
  dpkg -s podman runc >/dev/null 2>&1 || apt_install podman runc
  configure
  local name dir
  for name in $CONTAINER_CI_IMAGES; do
    podman image exists "localhost/parsl-ci/$name" && continue
    dir=$(rootfs_image "$name")
    tar -C "$dir" --exclude=./.complete -c . | podman import -q - "localhost/parsl-ci/$name" >/dev/null
  done
  [ "$(podman run --rm --network=host localhost/parsl-ci/py3 python3 -c 'import dill; print(1)')" = 1 ]
  if ! alive "$STATE/api.pid" podman; then
    rm -f "$SOCK"
    nohup podman system service --time=0 "unix://$SOCK" > "$STATE/api.log" 2>&1 &
    echo $! > "$STATE/api.pid"
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
  fi
  if command -v docker >/dev/null; then
    DOCKER_HOST=unix://$SOCK docker image inspect localhost/parsl-ci/py3 >/dev/null
  fi
  echo "podman ready: images localhost/parsl-ci/{${CONTAINER_CI_IMAGES// /,}}; Docker API DOCKER_HOST=unix://$SOCK"
}

service_main "$@"
