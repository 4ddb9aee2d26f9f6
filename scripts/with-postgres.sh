#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback, then remove the cluster.
#   scripts/with-postgres.sh COMMAND [ARGS...]
# The command sees DATABASE_URL. initdb refuses to run as root, so as root the cluster belongs to
# the 'postgres' system user (created by Debian's postgresql package).
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL server binaries not found; install Debian's postgresql package" >&2
  exit 1
fi
# SVIDOK_PG_DIR=DIR keeps the cluster in DIR (created on first use) instead of a throwaway one:
# the server stops when the command ends, the data stays (bench/run.py --keep reuses its fixtures).
keep=${SVIDOK_PG_DIR:-}
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  dir=$(cd "$keep" && pwd)
else
  dir=$(mktemp -d /tmp/svidok-pg.XXXXXX)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    echo "As root the cluster runs as the 'postgres' user, which does not exist; install Debian's postgresql package" >&2
    rm -rf "$dir"
    exit 1
  fi
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
# The server tools run from the cluster's directory: the postgres user may not be able to enter the caller's.
pg() { (cd "$dir" && "${as_pg[@]}" "$@"); }
cleanup() {
  if [ -n "$keep" ]; then
    pg "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  else
    pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
fresh=1
if [ -n "$keep" ] && [ -f "$dir/data/PG_VERSION" ]; then
  fresh=0
else
  pg "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
if [ "$fresh" = 1 ]; then
  pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres svidok
fi
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/svidok"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
