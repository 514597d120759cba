#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for development and CI (the shared crawl state's tests), from
# Debian's postgresql package: its own cluster under /tmp (as root it runs as Debian's postgres account,
# which may not enter the checkout), trust authentication on 127.0.0.1 only, fsync off: for tests, never data.
#
#   engine/postgres.sh start    # initialise the cluster the first time, start it, wait until it answers
#   engine/postgres.sh stop
#
# Then: PORTALWATCH_STATE_URL=postgresql://portalwatch@127.0.0.1:${PG_PORT:-5439}/portalwatch portalwatch ...
set -euo pipefail
data="${PG_STATE_DIR:-/tmp/portalwatch-postgres-${PG_PORT:-5439}}"
port="${PG_PORT:-5439}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$bin" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's postgres account.
owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$data"
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    owner "$bin/initdb" -D "$data" -U portalwatch --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "PostgreSQL already running on 127.0.0.1:$port"; return
  fi
  owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  owner "$bin/psql" -h 127.0.0.1 -p "$port" -U portalwatch -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'portalwatch'" | grep -q 1 \
    || owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U portalwatch portalwatch
  echo "PostgreSQL ready: postgresql://portalwatch@127.0.0.1:$port/portalwatch"
}

stop() {
  if [ -f "$data/PG_VERSION" ]; then owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; fi
  echo "PostgreSQL stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
