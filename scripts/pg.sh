#!/usr/bin/env bash
# Starts (or reuses) a throwaway PostgreSQL server for the tests, on
# 127.0.0.1, and prints its admin URL. The tests make one database each.
#   scripts/pg.sh [start|stop]
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/postgres" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
dir=${SHANGMI_PG_DIR:-/tmp/shangmi-pg}
port=${SHANGMI_PG_PORT:-55432}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  stop)
    [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    exit 0 ;;
esac
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  chmod 700 "$dir"
  as_pg "$bin/initdb" -D "$dir" -A trust -U postgres >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
fi
if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  as_pg "$bin/pg_ctl" -D "$dir" -w -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres"
