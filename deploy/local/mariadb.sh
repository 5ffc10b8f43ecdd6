#!/usr/bin/env bash
# A throwaway MariaDB server for the demo and the tests: private data directory, loopback only,
# its own port, socket and pid file, no option files read (--no-defaults), so it never touches
# a system installation and several can run side by side on different ports.
#
#   deploy/local/mariadb.sh start|stop|status
#
# Environment:
#   SQLCACHE_MYSQL_PORT   TCP port on 127.0.0.1 (default 13306)
#   SQLCACHE_STATE_DIR    parent of the data directory (default <repo>/.local); the server
#                         lives in $SQLCACHE_STATE_DIR/mariadb-<port>
#
# Every start (re)creates the accounts and the sample schema (deploy/local/sample-schema.sql),
# so the state the tests see is known: users sqlcache/sqlcache (ALL on *.* with GRANT OPTION:
# tests create users with exactly the grants they need), sqlcache_tls/sqlcache_tls (ALL on *.*,
# REQUIRE SSL: only over TLS), app_a/app_a and app_b/app_b (DML on tutorial.*), database
# tutorial with the eight planets, empty sbtest. The server offers TLS with a certificate from
# a private CA made by make-certs.sh (<dir>/tls/ca.pem; clients also find the path in @@ssl_ca).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${SQLCACHE_MYSQL_PORT:-13306}"
state_dir="${SQLCACHE_STATE_DIR:-$repo/.local}"
dir="$state_dir/mariadb-$port"
datadir="$dir/data"
socket="$dir/mariadb.sock"
pidfile="$dir/mariadb.pid"
errlog="$dir/error.log"
start_timeout=60
stop_timeout=60

mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

log() { echo "mariadb.sh[$port]: $*" >&2; }

server_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Administrative statements go over the private socket as root (unix_socket authentication:
# we run as root), never over TCP, so they work before any TCP account exists.
as_root() { mariadb --no-defaults --protocol=socket --socket="$socket" -u root; }

accepts_connections() {
  mariadb-admin --no-defaults --protocol=socket --socket="$socket" -u root \
    --connect-timeout=2 ping >/dev/null 2>&1
}

install_datadir() {
  log "initialising $datadir"
  mkdir -p "$datadir"
  if ! mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$datadir" \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1; then
    log "mariadb-install-db failed:"
    tail -n 30 "$dir/install.log" >&2
    return 1
  fi
}

create_accounts() {
  as_root <<'SQL'
CREATE USER IF NOT EXISTS 'sqlcache'@'127.0.0.1' IDENTIFIED BY 'sqlcache';
CREATE USER IF NOT EXISTS 'sqlcache'@'localhost' IDENTIFIED BY 'sqlcache';
GRANT ALL ON *.* TO 'sqlcache'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL ON *.* TO 'sqlcache'@'localhost' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'sqlcache_tls'@'127.0.0.1' IDENTIFIED BY 'sqlcache_tls' REQUIRE SSL;
GRANT ALL ON *.* TO 'sqlcache_tls'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'app_a'@'127.0.0.1' IDENTIFIED BY 'app_a';
CREATE USER IF NOT EXISTS 'app_a'@'localhost' IDENTIFIED BY 'app_a';
CREATE USER IF NOT EXISTS 'app_b'@'127.0.0.1' IDENTIFIED BY 'app_b';
CREATE USER IF NOT EXISTS 'app_b'@'localhost' IDENTIFIED BY 'app_b';
GRANT SELECT, INSERT, UPDATE, DELETE ON tutorial.* TO 'app_a'@'127.0.0.1', 'app_a'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON tutorial.* TO 'app_b'@'127.0.0.1', 'app_b'@'localhost';
SQL
}

start() {
  if pid="$(server_pid)"; then
    log "already running (pid $pid)"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use by another process"
    return 1
  fi
  mkdir -p "$dir"
  [ -d "$datadir/mysql" ] || install_datadir
  rm -f "$socket" "$pidfile"
  "$here/make-certs.sh" "$dir/tls" localhost

  # setsid: a Ctrl-C in the terminal that started us (demo.sh) must not reach the server;
  # the caller stops it with `stop`, which shuts it down cleanly.
  # Settings: loopback only; the users above are matched by address, so no name resolution;
  # max_connections above what the e2e tests open at once, with room for two of them
  # overlapping: each client holds a backend connection through the proxy, from the moment it
  # connects (hostile_slowloris opens 500, concurrent_clients 200); utf8mb4 like Debian's
  # packaged configuration; the
  # binary log and durable flushes are pointless for a throwaway server.
  setsid "$mariadbd" --no-defaults \
    --user="$(id -un)" \
    --datadir="$datadir" \
    --port="$port" --bind-address=127.0.0.1 \
    --socket="$socket" --pid-file="$pidfile" --log-error="$errlog" \
    --skip-name-resolve \
    --ssl-ca="$dir/tls/ca.pem" --ssl-cert="$dir/tls/server.pem" --ssl-key="$dir/tls/server.key" \
    --max-allowed-packet=256M --local-infile=ON \
    --max-connections=1000 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --skip-log-bin --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=128M \
    </dev/null >/dev/null 2>&1 &
  local launched=$!

  local waited=0
  until accepts_connections; do
    if ! kill -0 "$launched" 2>/dev/null; then
      log "server exited during startup; last lines of $errlog:"
      tail -n 30 "$errlog" >&2 || true
      return 1
    fi
    if [ "$waited" -ge $((start_timeout * 10)) ]; then
      log "server did not accept connections within ${start_timeout}s; last lines of $errlog:"
      tail -n 30 "$errlog" >&2 || true
      kill "$launched" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done

  create_accounts
  as_root <"$here/sample-schema.sql"
  log "running on 127.0.0.1:$port (pid $launched, data in $datadir)"
}

stop() {
  local pid
  if ! pid="$(server_pid)"; then
    log "not running"
    return 0
  fi
  mariadb-admin --no-defaults --protocol=socket --socket="$socket" -u root \
    --connect-timeout=5 shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((stop_timeout * 10)) ]; then
      log "server (pid $pid) did not stop within ${stop_timeout}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "stopped"
}

status() {
  local pid
  if pid="$(server_pid)" && accepts_connections; then
    echo "mariadb running on 127.0.0.1:$port (pid $pid)"
    return 0
  fi
  echo "mariadb not running (port $port)"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
