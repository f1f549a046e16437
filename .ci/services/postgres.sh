#!/usr/bin/env bash
# Start or stop a real PostgreSQL server (Debian's `postgresql` package) for the monitoring tests.
#
#   bash .ci/services/postgres.sh start|stop|status
#
# No systemd: a private cluster in $PARSL_PG_DATA (default /var/tmp/parsl-ci-postgres), owned by
# the `postgres` user, listening on 127.0.0.1:$PARSL_PG_PORT (default 55432) only, with a `parsl`
# role and a `parsl_test` database. Idempotent: starting a running server, or stopping a stopped
# one, succeeds. The tests connect to
#   postgresql+psycopg://parsl@127.0.0.1:55432/parsl_test   (PARSL_TEST_POSTGRES_URL overrides)
set -euo pipefail

DATA="${PARSL_PG_DATA:-/var/tmp/parsl-ci-postgres}"
PORT="${PARSL_PG_PORT:-55432}"

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    if [ -z "$dir" ]; then
        echo "postgres.sh: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq postgresql >/dev/null
        dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    fi
    echo "$dir"
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
    if is_running; then
        echo "postgres.sh: already running on 127.0.0.1:$PORT"
        return 0
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
        mkdir -p "$DATA"
        chown postgres: "$DATA" 2>/dev/null || true
        chmod 700 "$DATA"
        as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
        cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
fsync = off
CONF
    fi
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start >/dev/null
    local psql=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
    if [ "$(as_postgres "${psql[@]}" -c "select 1 from pg_roles where rolname='parsl'")" != 1 ]; then
        as_postgres "${psql[@]}" -c "create role parsl login createdb"
    fi
    if [ "$(as_postgres "${psql[@]}" -c "select 1 from pg_database where datname='parsl_test'")" != 1 ]; then
        as_postgres "${psql[@]}" -c "create database parsl_test owner parsl"
    fi
    echo "postgres.sh: running on 127.0.0.1:$PORT (data $DATA)"
}

stop() {
    if is_running; then
        as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    echo "postgres.sh: stopped"
}

BIN="$(pg_bin)"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if is_running; then echo running; else echo stopped; exit 1; fi ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
