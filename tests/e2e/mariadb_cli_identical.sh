#!/usr/bin/env bash
# The mariadb command-line client prints byte-identical output through the proxy and directly
# from the database, for a script covering DDL, DML, every common column type, warnings,
# errors, USE, multi-statement queries and multi-packet rows.
#
# Passes, run one after another so they never interfere (each recreates the same scratch
# database): direct (the reference), proxy --store none (pure relay), proxy --store memory
# twice in a row (the second run repeats every SELECT, so any wrong cache hit would show),
# and proxy --store redis://... when SQLCACHE_TEST_REDIS_PORT is set. Each pass renders the
# script three ways: --batch, --batch --raw, and --table --show-warnings.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
e2e_require_server
e2e_require_command mariadb

data_dir="$(cd "$(dirname "$0")/data" && pwd)"
scratch_db="sqlcache_e2e_cli_$$"
sed "s/@DB@/$scratch_db/g" "$data_dir/cli_script.sql" >"$E2E_TMP/script.sql"
cp "$data_dir/cli_big_rows.sql" "$E2E_TMP/big.sql"
# A statement larger than 16 MiB, so the client's packets are split too.
/usr/bin/python3 -c 'import sys; sys.stdout.write("SELECT LENGTH(\x27" + "xy" * 8700000 + "\x27) AS sent;\n")' \
  >>"$E2E_TMP/big.sql"

# Plays every rendering against PORT; outputs go to $E2E_TMP/<label>.<rendering>.{out,err}.
play() {
  local label=$1 port=$2 mode
  local client
  mapfile -t client < <(e2e_client_args "$port")
  client=(mariadb "${client[@]}" --default-character-set=utf8mb4 --max-allowed-packet=256M
    --force --connect-timeout=10)
  for mode in batch raw table; do
    local flags=()
    case $mode in
      batch) flags=(--batch) ;;
      raw) flags=(--batch --raw) ;;
      table) flags=(--table --show-warnings) ;;
    esac
    # The exit status is compared too: the script has deliberate errors, so it is 1 both ways.
    local rc=0
    timeout 60 "${client[@]}" "${flags[@]}" <"$E2E_TMP/script.sql" \
      >"$E2E_TMP/$label.$mode.out" 2>"$E2E_TMP/$label.$mode.err" || rc=$?
    echo "exit status $rc" >>"$E2E_TMP/$label.$mode.err"
  done
  rc=0
  timeout 60 "${client[@]}" --batch <"$E2E_TMP/big.sql" \
    >"$E2E_TMP/$label.big.out" 2>"$E2E_TMP/$label.big.err" || rc=$?
  echo "exit status $rc" >>"$E2E_TMP/$label.big.err"
}

failures=0
# Compares every output of LABEL with the direct reference and reports what differed.
compare_with_direct() {
  local label=$1 mode stream
  for mode in batch raw table big; do
    for stream in out err; do
      local expected="$E2E_TMP/direct.$mode.$stream" actual="$E2E_TMP/$label.$mode.$stream"
      if ! cmp -s "$expected" "$actual"; then
        failures=$((failures + 1))
        e2e_log "DIFFERS: $label, rendering $mode, std$stream ($(cmp "$expected" "$actual" 2>&1 | head -n 1))"
        diff -a <(cut -c 1-300 "$expected") <(cut -c 1-300 "$actual") | head -n 40 >&2 || true
      fi
    done
  done
  e2e_proxy_alive || e2e_fail "the proxy died during pass $label"
}

# A caching pass is only worth something if the cache answered part of it: then those answers
# were byte-identical too. Reads the proxy's hit counter (skipped if it exposes none).
require_cache_hits() {
  local hits
  hits="$(e2e_proxy_metric 'sqlcache_queries_total{outcome="hit"')"
  e2e_log "cache hits over the --store $1 runs: ${hits:-unknown}"
  if [ -n "$hits" ] && [ "$hits" -eq 0 ]; then
    e2e_fail "--store $1 answered nothing from the cache: cached results went untested"
  fi
}

play direct "$E2E_MYSQL_PORT"
# The reference itself must show what the script is meant to exercise, or the comparison
# proves nothing (a broken script compares equal with itself).
grep -q 'Grüße, 日本語, emoji 😀' "$E2E_TMP/direct.batch.out" || e2e_fail "reference output lacks the multibyte row"
grep -q "ERROR 1146" "$E2E_TMP/direct.batch.err" || e2e_fail "reference output lacks the deliberate error"
grep -q "1292" "$E2E_TMP/direct.batch.out" || e2e_fail "reference output lacks the warning"
grep -q "multi 2" "$E2E_TMP/direct.batch.out" || e2e_fail "reference output lacks the multi-statement result"
grep -q "^18000000" "$E2E_TMP/direct.big.out" || e2e_fail "reference output lacks the big row"
grep -q "^done$" "$E2E_TMP/direct.batch.out" || e2e_fail "reference script did not run to its end"

e2e_start_proxy --store none
play store-none "$PROXY_PORT"
compare_with_direct store-none

e2e_start_proxy --store memory --default-ttl 60s
play store-memory-1 "$PROXY_PORT"
compare_with_direct store-memory-1
play store-memory-2 "$PROXY_PORT"
compare_with_direct store-memory-2
require_cache_hits memory

if [ -n "$E2E_REDIS_PORT" ]; then
  e2e_start_proxy --store "redis://127.0.0.1:$E2E_REDIS_PORT" --default-ttl 60s
  play store-redis-1 "$PROXY_PORT"
  compare_with_direct store-redis-1
  play store-redis-2 "$PROXY_PORT"
  compare_with_direct store-redis-2
  require_cache_hits redis
fi

echo "DROP DATABASE IF EXISTS $scratch_db" | e2e_sql_direct
if [ "$failures" -ne 0 ]; then
  e2e_fail "$failures output(s) differ from the direct connection"
fi
echo "$E2E_NAME: PASS (outputs byte-identical to the direct connection)"
