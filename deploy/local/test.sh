#!/usr/bin/env bash
# The second command of the README, and all that CI runs (.ci/run): every test, against real
# servers, twice.
#
#   deploy/local/test.sh [extra ctest arguments, e.g. -L e2e or -R mariadb_cli]
#
# 1. installs the Debian packages (deploy/install-deps.sh; a no-op when present);
# 2. builds Release with -Werror into build-ci/;
# 3. starts a private MariaDB on 127.0.0.1:23306 and Redis on 127.0.0.1:26379 (state in
#    build-ci/state/; SQLCACHE_CI_MYSQL_PORT / SQLCACHE_CI_REDIS_PORT choose other ports),
#    stopped again however this script ends;
# 4. runs ctest there (unit, integration, e2e) with SQLCACHE_TEST_* pointing at them;
# 5. unless SQLCACHE_SKIP_ASAN=1: builds -O1 -g1 with AddressSanitizer and
#    UndefinedBehaviorSanitizer into build-asan/ and runs ctest again (leaks fail too; the unit
#    tests run as one process there, and the benchmark smoke run is left out);
# 6. unless SQLCACHE_SKIP_FUZZ=1: builds the libFuzzer targets with clang (ASan + UBSan) into
#    build-fuzz/ and runs each for SQLCACHE_FUZZ_SECONDS (default 10) from its seed corpus
#    (tests/fuzz/run.sh); each target counts as one test.
# 7. unless SQLCACHE_SKIP_TSAN=1: builds the proxy and the integration tests with
#    ThreadSanitizer into build-tsan/ and runs the integration tests and the end-to-end tests
#    not labelled `slow` there (a data race in a proxy or in a test binary fails the test).
#
# Every build has -Werror. Ends with the time each step took and the line "N passed, M failed"
# (a build that fails counts as one failure), and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo="$(pwd)"

jobs=2
# Fixed ports, so a developer knows where to look; overridable where another run holds them.
mysql_port="${SQLCACHE_CI_MYSQL_PORT:-23306}"
redis_port="${SQLCACHE_CI_REDIS_PORT:-26379}"
passed=0
failed=0
failures=()

# Each `say` starts a step; the summary lists how long every step took, so a slow stage shows.
step_name=""
step_started=0
step_times=()
end_step() {
  [ -n "$step_name" ] && step_times+=("$(printf '%5d s  %s' $((SECONDS - step_started)) "$step_name")")
  step_name=""
}
say() {
  end_step
  step_name="$*"
  step_started=$SECONDS
  printf '\n==== %s\n' "$*"
}

record_failure() {
  failed=$((failed + 1))
  failures+=("$1")
}

# Runs ctest in BUILD_DIR and adds its counts to the totals. ctest's own summary line
# ("95% tests passed, 3 tests failed out of 60") is the source; a run that finds no tests,
# or dies before its summary, counts as a failure: testing nothing must not pass. Except with
# --may-select-none first, for a stage whose own selection the caller's arguments narrow
# (deploy/local/test.sh -L e2e selects no integration test in build-tsan).
run_ctest() {
  local may_select_none=0
  if [ "$1" = "--may-select-none" ]; then
    may_select_none=1
    shift
  fi
  local build_dir=$1
  shift
  local log="$build_dir/ctest.log"
  ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" --timeout 600 "$@" 2>&1 | tee "$log"
  local summary total fails
  summary="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)"
  if [ -z "$summary" ] && [ "$may_select_none" -eq 1 ] && grep -q '^No tests were found' "$log"; then
    echo "(no test selected in $build_dir)"
    return
  fi
  if [ -z "$summary" ]; then
    record_failure "ctest in $build_dir (no summary: no tests found, or ctest failed)"
    return
  fi
  fails="$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$summary")"
  total="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")"
  passed=$((passed + total - fails))
  failed=$((failed + fails))
  if [ "$fails" -ne 0 ]; then
    while IFS= read -r line; do
      failures+=("$build_dir: $line")
    done < <(sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^\s+[0-9]+ - ' | sed -E 's/^\s+//')
  fi
}

# Runs every fuzz target for a bounded time; each one is a passed or failed test. run.sh prints
# "<target>: N execs" or "<target>: FAILED ..." per target; a build that fails (no target line
# at all) counts as one failure.
run_fuzz() {
  local seconds="${SQLCACHE_FUZZ_SECONDS:-10}"
  local log=build-fuzz/run.log
  mkdir -p build-fuzz
  SQLCACHE_FUZZ_JOBS=$jobs tests/fuzz/run.sh "$seconds" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local targets=0 line
  while IFS= read -r line; do
    targets=$((targets + 1))
    if [[ "$line" =~ ^fuzz_[a-z_]+:\ [0-9]+\ execs$ ]]; then
      passed=$((passed + 1))
    else
      record_failure "fuzz: $line"
    fi
  done < <(grep -E '^fuzz_[a-z_]+: ([0-9]+ execs$|FAILED)' "$log")
  if [ "$targets" -eq 0 ]; then
    record_failure "fuzz targets (tests/fuzz/run.sh exited $status before running any; see $log)"
  elif [ "$status" -ne 0 ] && ! grep -qE '^fuzz_[a-z_]+: FAILED' "$log"; then
    record_failure "tests/fuzz/run.sh exited $status (see $log)"
  fi
}

# build BUILD_DIR [--target NAME]... [cmake configure arguments]
# Configures and builds (every target, or only the named ones); a failed build is recorded,
# and ctest still runs afterwards: what was built is still worth testing, and targets that
# are missing show up as failed tests.
build() {
  local build_dir=$1
  shift
  local targets=()
  while [ "${1:-}" = "--target" ]; do
    targets+=(--target "$2")
    shift 2
  done
  say "building $build_dir ($*${targets[*]:+; ${targets[*]}})"
  if cmake -S . -B "$build_dir" "$@" && cmake --build "$build_dir" -j"$jobs" "${targets[@]}"; then
    return 0
  fi
  record_failure "build of $build_dir"
  return 1
}

stop_servers() {
  SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_REDIS_PORT=$redis_port deploy/local/redis.sh stop
  SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_MYSQL_PORT=$mysql_port deploy/local/mariadb.sh stop
}

summary() {
  stop_servers >/dev/null 2>&1 || true
  [ "$finished" -eq 1 ] || record_failure "test.sh stopped early"
  end_step
  echo
  echo "Time per step ($SECONDS s in all):"
  printf '  %s\n' "${step_times[@]}"
  if [ ${#failures[@]} -ne 0 ]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failures[@]}"
  fi
  echo
  echo "$passed passed, $failed failed"
  if [ "$failed" -ne 0 ]; then
    exit 1
  fi
  exit 0
}

state_dir="$repo/build-ci/state"
finished=0
trap summary EXIT
trap 'record_failure "interrupted"; finished=1; exit 130' INT TERM

say "installing dependencies"
deploy/install-deps.sh || {
  record_failure "deploy/install-deps.sh"
  finished=1
  exit 1
}

build build-ci -DCMAKE_BUILD_TYPE=Release -DSQLCACHE_WERROR=ON

say "starting MariaDB on 127.0.0.1:$mysql_port and Redis on 127.0.0.1:$redis_port"
mkdir -p "$state_dir"
if ! SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_MYSQL_PORT=$mysql_port deploy/local/mariadb.sh start ||
  ! SQLCACHE_STATE_DIR="$state_dir" SQLCACHE_REDIS_PORT=$redis_port deploy/local/redis.sh start; then
  record_failure "starting the test servers"
  finished=1
  exit 1
fi

export SQLCACHE_TEST_MYSQL_PORT=$mysql_port
export SQLCACHE_TEST_MYSQL_USER=sqlcache
export SQLCACHE_TEST_MYSQL_PASSWORD=sqlcache
export SQLCACHE_TEST_REDIS_PORT=$redis_port
# The servers are there, so a test that finds none is misconfigured: fail it, never skip.
export CI=true

say "ctest in build-ci (Release)"
run_ctest build-ci "$@"

if [ "${SQLCACHE_SKIP_ASAN:-}" = "1" ]; then
  say "SQLCACHE_SKIP_ASAN=1: skipping the sanitizer build"
else
  # -O1 -g1, as AddressSanitizer recommends: line tables are all its reports need, and it
  # builds in well under the time of RelWithDebInfo's -O2 -g (the slowest stage of CI).
  # Precompiled headers (SQLCACHE_PCH) save about 45 s here; the Release build above, without
  # them, is the one that catches a missing #include.
  build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DSQLCACHE_SANITIZE=ON -DSQLCACHE_WERROR=ON -DSQLCACHE_PCH=ON
  # Each ctest pass starts from an empty cache, so it proves what it sees by itself.
  redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
  say "ctest in build-asan (AddressSanitizer, UndefinedBehaviorSanitizer)"
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1,halt_on_error=1
  run_ctest build-asan "$@"
fi

if [ "${SQLCACHE_SKIP_FUZZ:-}" = "1" ]; then
  say "SQLCACHE_SKIP_FUZZ=1: skipping the fuzz targets"
else
  say "fuzz targets (libFuzzer, ASan + UBSan), ${SQLCACHE_FUZZ_SECONDS:-10} s each"
  run_fuzz
fi

if [ "${SQLCACHE_SKIP_TSAN:-}" = "1" ]; then
  say "SQLCACHE_SKIP_TSAN=1: skipping the ThreadSanitizer build"
else
  # Only what the tests of this stage need: the proxy and the integration test binary. -O1
  # -g1 (ThreadSanitizer asks for -O1 or more; line tables are all its reports need) builds
  # in about two thirds of the time of RelWithDebInfo's -O2 -g (89 s against 143 s here).
  # ctest sets TSAN_OPTIONS for every test (tests/CMakeLists.txt). The load runs (label
  # `slow`) would add about 90 s for code paths the other tests take already.
  build build-tsan --target sqlcache --target integration_tests \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DSQLCACHE_TSAN=ON -DSQLCACHE_WERROR=ON -DSQLCACHE_PCH=ON
  redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
  say "ctest in build-tsan (ThreadSanitizer: integration tests, end-to-end tests but the slow ones)"
  run_ctest --may-select-none build-tsan -L '^(integration|e2e)$' -LE '^slow$' "$@"
fi
finished=1
