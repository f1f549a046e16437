# Shared by the service scripts in this folder (sourced, not run).

# alive PIDFILE [COMM]: whether the process in PIDFILE runs (and is called COMM).
alive() {
  local p; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
  [ -z "${2:-}" ] || [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ]
}

# stop_pid PIDFILE COMM: TERM (then KILL after 10 s) the process in PIDFILE if it is COMM.
stop_pid() {
  local p; p=$(cat "$1" 2>/dev/null) || return 0
  if alive "$1" "$2"; then
    kill -TERM "$p"
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$1"
}

# service_main "$@": run start or stop, the only two verbs every service script offers.
service_main() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
}

# apt_install PACKAGE...: install Debian packages (root), refreshing the package lists first.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
