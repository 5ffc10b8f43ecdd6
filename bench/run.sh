#!/usr/bin/env bash
# The benchmark, in one command: sqlcache against the database directly and against raw Redis,
# every scenario's contenders interleaved in the same run. docs/benchmarks.md explains it.
#
#   bench/run.sh            # the full run (under 15 minutes on 2 cores)
#   bench/run.sh --smoke    # a few seconds per scenario; checks the harness, not the figures
#
# What it does (the full run needs nothing else):
#   1. deploy/install-deps.sh and bench/install-bench-deps.sh (gnuplot, valgrind, perf);
#   2. builds the proxy in Release into build-bench/ and the timing client (bench/client)
#      into build-bench/bench-client/;
#   3. starts a private MariaDB (127.0.0.1:24306) and Redis (127.0.0.1:24379) from
#      deploy/local/, state in build-bench/state/, stopped again at the end;
#   4. runs bench/bench.py, which writes bench/results/<date>-<host>.md and .png, and prints
#      the results file's path (the only line on stdout; progress goes to stderr).
#
# Options (the e2e smoke test uses them to run against the test servers already up):
#   --smoke                 short runs, fewer rounds, at most 1,000 clients; results go to
#                           build-bench/bench-smoke/ unless --out is given
#   --out DIR               where the results file goes
#   --mysql-port P --redis-port P
#                           use these running servers (user sqlcache/sqlcache) instead of
#                           starting our own; the bench database is dropped afterwards
#   --binary FILE           use this sqlcache binary instead of building one
#   --client-build-dir DIR  where to build the timing client
#   --skip-deps             do not run the package installers
#   --only LIST             only these scenarios (comma-separated numbers, "profile")
#
# Environment: SQLCACHE_BENCH_MYSQL_PORT, SQLCACHE_BENCH_REDIS_PORT change our servers' ports.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

smoke=0
out=""
mysql_port=""
redis_port=""
binary=""
client_build=""
skip_deps=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --out) out="$2"; shift ;;
    --mysql-port) mysql_port="$2"; shift ;;
    --redis-port) redis_port="$2"; shift ;;
    --binary) binary="$2"; shift ;;
    --client-build-dir) client_build="$2"; shift ;;
    --skip-deps) skip_deps=1 ;;
    --only) only="$2"; shift ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'bench: %s\n' "$*" >&2; }
build_dir="$repo/build-bench"
jobs="$(nproc)"

if [ "$skip_deps" -eq 0 ]; then
  say "installing packages (no-op when present)"
  deploy/install-deps.sh >&2
  bench/install-bench-deps.sh >&2
fi

if [ -z "$binary" ]; then
  say "building the proxy (Release) in $build_dir"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSQLCACHE_TESTS=OFF >&2
  cmake --build "$build_dir" -j"$jobs" --target sqlcache >&2
  binary="$build_dir/proxy/sqlcache"
fi
[ -n "$client_build" ] || client_build="$(dirname "$(dirname "$binary")")/bench-client"
say "building the timing client in $client_build"
cmake -S bench/client -B "$client_build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$client_build" -j"$jobs" >&2

# Thousands of clients: the proxy holds two sockets per client, and the client one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

extra=()
if [ -z "$mysql_port" ] || [ -z "$redis_port" ]; then
  # Below the kernel's ephemeral range (32768-60999): a client connection elsewhere that
  # happened to get the same local port would otherwise keep the server from binding it.
  mysql_port="${SQLCACHE_BENCH_MYSQL_PORT:-24306}"
  redis_port="${SQLCACHE_BENCH_REDIS_PORT:-24379}"
  state_dir="$build_dir/state"
  mkdir -p "$state_dir"
  stop_servers() {
    SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_REDIS_PORT="$redis_port" deploy/local/redis.sh stop || true
    SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_MYSQL_PORT="$mysql_port" deploy/local/mariadb.sh stop || true
  }
  trap stop_servers EXIT
  say "starting MariaDB on 127.0.0.1:$mysql_port and Redis on 127.0.0.1:$redis_port"
  # The servers inherit the raised descriptor limit above: MariaDB keeps it as its
  # open_files_limit, which the 5,000-client level needs.
  SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_MYSQL_PORT="$mysql_port" deploy/local/mariadb.sh start
  SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_REDIS_PORT="$redis_port" deploy/local/redis.sh start
else
  extra+=(--drop-database)
fi

if [ -z "$out" ]; then
  if [ "$smoke" -eq 1 ]; then out="$build_dir/bench-smoke"; else out="$repo/bench/results"; fi
fi
[ "$smoke" -eq 1 ] && extra+=(--smoke)
[ -n "$only" ] && extra+=(--only "$only")

/usr/bin/python3 bench/bench.py --mysql-port "$mysql_port" --redis-port "$redis_port" \
  --binary "$binary" --client "$client_build/bench_client" --out "$out" "${extra[@]}"
