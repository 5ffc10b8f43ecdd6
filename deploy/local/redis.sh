#!/usr/bin/env bash
# A throwaway Redis server for the demo and the tests: loopback only, its own port and
# directory, no persistence (nothing is worth keeping in a cache that the tests reset).
#
#   deploy/local/redis.sh start|stop|status
#
# Environment:
#   SQLCACHE_REDIS_PORT   TCP port on 127.0.0.1 (default 16379)
#   SQLCACHE_STATE_DIR    parent of the server's directory (default <repo>/.local); the
#                         server lives in $SQLCACHE_STATE_DIR/redis-<port>
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${SQLCACHE_REDIS_PORT:-16379}"
state_dir="${SQLCACHE_STATE_DIR:-$repo/.local}"
dir="$state_dir/redis-$port"
pidfile="$dir/redis.pid"
logfile="$dir/redis.log"
start_timeout=30
stop_timeout=30

log() { echo "redis.sh[$port]: $*" >&2; }

server_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

answers_ping() {
  [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]
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
  rm -f "$pidfile"
  # --save "" and --appendonly no: no persistence. --daemonize yes detaches (and starts a new
  # session, so a Ctrl-C aimed at demo.sh does not reach it); `stop` shuts it down.
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --save "" --appendonly no \
    --daemonize yes --pidfile "$pidfile" --logfile "$logfile" </dev/null

  local waited=0
  until answers_ping; do
    if [ "$waited" -ge $((start_timeout * 10)) ]; then
      log "server did not answer PING within ${start_timeout}s; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "running on 127.0.0.1:$port (pid $(server_pid || echo '?'))"
}

stop() {
  local pid
  if ! pid="$(server_pid)"; then
    log "not running"
    return 0
  fi
  redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
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
  rm -f "$pidfile"
  log "stopped"
}

status() {
  local pid
  if pid="$(server_pid)" && answers_ping; then
    echo "redis running on 127.0.0.1:$port (pid $pid)"
    return 0
  fi
  echo "redis not running (port $port)"
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
