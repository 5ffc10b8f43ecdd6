# shellcheck shell=bash disable=SC2034  # variables here are for the scripts that source it
# Shared helpers for the shell end-to-end tests. Source it first thing:
#
#   . "$(dirname "$0")/lib/common.sh"
#   e2e_require_server
#   e2e_start_proxy --store none          # sets PROXY_PORT
#   mapfile -t args < <(e2e_client_args "$PROXY_PORT")
#   mariadb "${args[@]}" -e 'SELECT 1'
#
# Environment (set by deploy/local/test.sh, or by hand):
#   SQLCACHE_TEST_MYSQL_PORT      MariaDB on 127.0.0.1 (unset: the test is skipped, or fails
#                                 under CI=true)
#   SQLCACHE_TEST_MYSQL_USER/_PASSWORD   account with ALL on *.* (default sqlcache/sqlcache)
#   SQLCACHE_TEST_REDIS_PORT      Redis on 127.0.0.1 (optional; enables the redis passes)
#   SQLCACHE_BINARY               the proxy under test (set by ctest)
#   SQLCACHE_E2E_BYPASS_PROXY=1   harness self-check: every "proxy" is the database itself, so
#                                 a failure then is a bug in the test, not in the proxy

set -euo pipefail

E2E_NAME="$(basename "$0")"
E2E_MYSQL_HOST=127.0.0.1
E2E_MYSQL_PORT="${SQLCACHE_TEST_MYSQL_PORT:-}"
E2E_MYSQL_USER="${SQLCACHE_TEST_MYSQL_USER:-sqlcache}"
E2E_MYSQL_PASSWORD="${SQLCACHE_TEST_MYSQL_PASSWORD:-sqlcache}"
E2E_REDIS_PORT="${SQLCACHE_TEST_REDIS_PORT:-}"
E2E_PROXY_START_TIMEOUT=15
E2E_PROXY_STOP_TIMEOUT=15
E2E_TMP="$(mktemp -d "${TMPDIR:-/tmp}/sqlcache-e2e.XXXXXX")"
E2E_PROXY_PIDS=()
E2E_PROXY_LOGS=()
E2E_EXIT_HOOKS=()

e2e_log() { echo "$E2E_NAME: $*" >&2; }

e2e_fail() {
  e2e_log "FAIL: $*"
  exit 1
}

# A test without a database cannot prove anything. On a developer machine that is a skip
# (exit 0 with a message: ctest would count exit 77 as a failure); under CI it is a failure,
# so a misconfigured pipeline cannot pass by testing nothing.
e2e_require_server() {
  if [ -n "$E2E_MYSQL_PORT" ]; then
    return 0
  fi
  if [ "${CI:-}" = "true" ]; then
    e2e_fail "SQLCACHE_TEST_MYSQL_PORT is not set (required under CI=true)"
  fi
  echo "$E2E_NAME: skipped: no server (set SQLCACHE_TEST_MYSQL_PORT, see docs/testing.md)"
  exit 0
}

e2e_require_command() {
  command -v "$1" >/dev/null 2>&1 || e2e_fail "required command '$1' not found (deploy/install-deps.sh)"
}

# A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it).
e2e_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

e2e_port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts one proxy in front of the test database and sets PROXY_PORT (and PROXY_PID). Extra
# arguments go to the proxy (--store none, --store memory, --default-ttl 60s, ...). The
# proxy is stopped by the EXIT trap below; its log is printed when the test fails.
e2e_start_proxy() {
  if [ "${SQLCACHE_E2E_BYPASS_PROXY:-}" = "1" ]; then
    PROXY_PORT="$E2E_MYSQL_PORT"
    PROXY_ADMIN_PORT=""
    PROXY_PID=""
    e2e_log "SQLCACHE_E2E_BYPASS_PROXY=1: talking to the database directly instead of a proxy"
    return 0
  fi
  local binary="${SQLCACHE_BINARY:-}"
  if [ -z "$binary" ] || [ ! -x "$binary" ]; then
    e2e_fail "SQLCACHE_BINARY ('$binary') is not an executable"
  fi
  local port admin_port logfile
  port="$(e2e_free_port)"
  admin_port="$(e2e_free_port)"
  # Two picks in a row can get the same port (the first socket is closed before the second).
  while [ "$admin_port" = "$port" ]; do admin_port="$(e2e_free_port)"; done
  logfile="$E2E_TMP/proxy-${#E2E_PROXY_PIDS[@]}.log"
  # Several workers whatever the machine, so what they share is shared in the tests (and the
  # ThreadSanitizer stage of deploy/local/test.sh sees it); a test may ask for another count.
  local threads=(--threads 2)
  case " $* " in *" --threads "*) threads=() ;; esac
  "$binary" --listen "127.0.0.1:$port" --backend "$E2E_MYSQL_HOST:$E2E_MYSQL_PORT" \
    --admin "127.0.0.1:$admin_port" "${threads[@]}" "$@" >"$logfile" 2>&1 &
  local pid=$!
  E2E_PROXY_PIDS+=("$pid")
  E2E_PROXY_LOGS+=("$logfile")
  local waited=0
  until e2e_port_accepts "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      e2e_fail "proxy exited during startup ($binary $*)"
    fi
    if [ "$waited" -ge $((E2E_PROXY_START_TIMEOUT * 10)) ]; then
      e2e_fail "proxy did not accept connections on port $port within ${E2E_PROXY_START_TIMEOUT}s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  PROXY_PORT="$port"
  PROXY_ADMIN_PORT="$admin_port"
  PROXY_PID="$pid"
  e2e_log "proxy pid $pid on 127.0.0.1:$port ($*)"
}

# Sums the samples of the Prometheus metric lines starting with PATTERN (e.g.
# 'sqlcache_queries_total{outcome="hit"') on the admin endpoint of the proxy started last.
# Prints nothing when there is no admin endpoint or no such metric.
e2e_proxy_metric() {
  [ -n "${PROXY_ADMIN_PORT:-}" ] || return 0
  /usr/bin/python3 - "$PROXY_ADMIN_PORT" "$1" <<'PY'
import sys, urllib.request
port, prefix = sys.argv[1], sys.argv[2]
try:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
except OSError:
    sys.exit(0)
values = [float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix)]
if values:
    print(int(sum(values)))
PY
}

# True while the proxy started last is alive (a crash must fail the test even when every
# client happened to finish before it).
e2e_proxy_alive() {
  [ -z "${PROXY_PID:-}" ] || kill -0 "$PROXY_PID" 2>/dev/null
}

# Stops every proxy with SIGTERM and checks that each one exits by itself with status 0: a
# proxy that hangs on shutdown, or whose sanitizer reports a leak at exit (the ASan pass of
# deploy/local/test.sh), fails the test. Returns the number of unclean exits.
e2e_stop_proxies() {
  local pid unclean=0
  for pid in "${E2E_PROXY_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${E2E_PROXY_PIDS[@]}"; do
    local waited=0 status=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((E2E_PROXY_STOP_TIMEOUT * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      e2e_log "proxy pid $pid did not stop within ${E2E_PROXY_STOP_TIMEOUT}s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      unclean=$((unclean + 1))
    fi
    wait "$pid" 2>/dev/null || status=$?
    if [ "$status" -ne 0 ]; then
      e2e_log "proxy pid $pid exited with status $status"
      unclean=$((unclean + 1))
    fi
  done
  E2E_PROXY_PIDS=()
  return "$unclean"
}

# Registers a command to run when the test exits, however it exits (cleanup of scratch tables).
e2e_on_exit() { E2E_EXIT_HOOKS+=("$*"); }

e2e_cleanup() {
  local status=$?
  local hook
  for hook in "${E2E_EXIT_HOOKS[@]}"; do
    eval "$hook" || e2e_log "cleanup step failed: $hook"
  done
  if ! e2e_stop_proxies && [ "$status" -eq 0 ]; then
    e2e_log "FAIL: the proxy did not shut down cleanly"
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    local logfile
    for logfile in "${E2E_PROXY_LOGS[@]}"; do
      [ -s "$logfile" ] || continue
      e2e_log "---- last lines of $(basename "$logfile") ----"
      tail -n 40 "$logfile" >&2
    done
  fi
  rm -rf "$E2E_TMP"
  exit "$status"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# Arguments for the mariadb command-line client to reach PORT as the test user, one per line
# (read them with mapfile). --no-defaults keeps /etc/mysql/*.cnf out, so the output depends
# only on what the test chooses.
e2e_client_args() {
  printf '%s\n' --no-defaults --protocol=tcp -h "$E2E_MYSQL_HOST" -P "$1" \
    -u "$E2E_MYSQL_USER" "--password=$E2E_MYSQL_PASSWORD"
}

# Runs SQL from stdin as the test user directly on the database (setup and cleanup).
e2e_sql_direct() {
  local args
  mapfile -t args < <(e2e_client_args "$E2E_MYSQL_PORT")
  mariadb "${args[@]}" --batch "$@"
}
