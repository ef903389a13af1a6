#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on a loopback port, owned by an
# unprivileged user (PostgreSQL refuses to run as root).
#
#   eval "$(scripts/postgres.sh start)"      # exports KARNEL_TEST_POSTGRES_URL and KARNEL_TEST_POSTGRES_DIR
#   scripts/postgres.sh restart "$KARNEL_TEST_POSTGRES_DIR"   # same port, same data
#   scripts/postgres.sh stop "$KARNEL_TEST_POSTGRES_DIR"      # stops it and deletes the folder
#
# `start` installs PostgreSQL from Debian's packages when no server is found and this is root
# with apt-get. As root it runs the cluster as the user `karnelpg` (created when missing).
# Everything for people goes to stderr; stdout carries only the `export` lines.
set -euo pipefail

pg_user=karnelpg

find_bin_dir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

bin_dir() {
  local dir
  if dir=$(find_bin_dir); then echo "$dir"; return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    if dir=$(find_bin_dir); then echo "$dir"; return 0; fi
  fi
  echo "postgres.sh: PostgreSQL is not installed (initdb and pg_ctl not found)" >&2
  return 1
}

# Runs a command as the cluster's owner: as root, the unprivileged user; otherwise ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$pg_user" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local bin dir port password
  bin=$(bin_dir)
  if [ "$(id -u)" = 0 ] && ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/karnel-postgres.XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown "$pg_user" "$dir"; fi
  port=$(free_port)
  password=$(node -e "console.log(require('node:crypto').randomBytes(12).toString('hex'))")
  printf '%s\n' "$password" >"$dir/pwfile"
  if [ "$(id -u)" = 0 ]; then chown "$pg_user" "$dir/pwfile"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U karnel --pwfile="$dir/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; return 1
  }
  rm -f "$dir/pwfile"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || {
    cat "$dir/server.log" >&2; return 1
  }
  as_owner "$bin/createdb" -h "$dir" -p "$port" -U karnel karnel
  echo "$port" >"$dir/port"
  echo "postgres.sh: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
  echo "export KARNEL_TEST_POSTGRES_URL=postgres://karnel:$password@127.0.0.1:$port/karnel"
  echo "export KARNEL_TEST_POSTGRES_DIR=$dir"
}

check_dir() {
  if [ -z "${1:-}" ] || [ ! -d "$1/data" ]; then
    echo "postgres.sh: '${1:-}' is not a cluster folder made by 'postgres.sh start'" >&2
    exit 2
  fi
}

stop() {
  local bin
  check_dir "${1:-}"
  bin=$(find_bin_dir)
  as_owner "$bin/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$1"
}

restart() {
  local bin
  check_dir "${1:-}"
  bin=$(find_bin_dir)
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -m "${2:-fast}" -w -t 60 restart >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  restart) restart "${2:-}" "${3:-fast}" ;;
  *) echo "usage: postgres.sh start | stop <dir> | restart <dir> [fast|immediate]" >&2; exit 2 ;;
esac
