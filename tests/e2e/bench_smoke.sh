#!/usr/bin/env bash
# The benchmark harness works end to end: bench/run.sh --smoke against the test servers (every
# scenario for a few seconds, one or two rounds, up to 1,000 clients) produces a results file
# whose tables are well-formed, whose targets are all judged, and whose runs saw no error and
# no stale read (bench/check_results.py). The figures themselves are not checked: a shared,
# loaded machine makes them meaningless at this length.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
e2e_require_server
e2e_require_command sysbench
e2e_require_command redis-cli
[ -n "$E2E_REDIS_PORT" ] || e2e_fail "SQLCACHE_TEST_REDIS_PORT is not set (the bench needs Redis)"
binary="${SQLCACHE_BINARY:-}"
[ -x "$binary" ] || e2e_fail "SQLCACHE_BINARY ('$binary') is not an executable"

repo="${SQLCACHE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
out="$E2E_TMP/results"
started=$SECONDS
if ! timeout 300 "$repo/bench/run.sh" --smoke --skip-deps --out "$out" \
  --mysql-port "$E2E_MYSQL_PORT" --redis-port "$E2E_REDIS_PORT" --binary "$binary" \
  >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"; then
  tail -n 40 "$E2E_TMP/run.err" >&2
  e2e_fail "bench/run.sh --smoke failed"
fi
e2e_log "bench/run.sh --smoke took $((SECONDS - started)) s"

results="$(find "$out" -name '*.md' | head -n 1)"
[ -n "$results" ] || e2e_fail "no results file in $out"
if ! /usr/bin/python3 "$repo/bench/check_results.py" "$results"; then
  cat "$results" >&2
  e2e_fail "the results file is not well-formed"
fi
echo "$E2E_NAME: PASS (smoke run, well-formed results: $(basename "$results"))"
