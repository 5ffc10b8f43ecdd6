#!/usr/bin/env bash
# sysbench's oltp_read_write workload runs through the proxy without a single error: 10 s with
# client-side statements (--db-ps-mode=disable: COM_QUERY) and 10 s with server-side prepared
# statements (--db-ps-mode=auto: COM_STMT_PREPARE/EXECUTE/CLOSE), 4 threads, on 2 tables of
# 1000 rows in database sbtest, with the in-process cache in front (reads hit, writes
# invalidate, transactions interleave).
#
# "Without an error": sysbench exits 0 (any error it does not ignore is fatal), no reconnects,
# transactions were done, and no ignored errors. sysbench ignores deadlocks by default; a
# uniform key distribution makes them rare on a table this small, and when the database
# itself reports deadlocks during the run (Innodb_deadlocks), that many ignored errors are
# the database's doing, not the proxy's, and are tolerated.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
e2e_require_server
e2e_require_command sysbench

sysbench_on() {
  local port=$1
  shift
  timeout 60 sysbench oltp_read_write --mysql-host=127.0.0.1 --mysql-port="$port" \
    --mysql-user="$E2E_MYSQL_USER" --mysql-password="$E2E_MYSQL_PASSWORD" --mysql-db=sbtest \
    --tables=2 --table-size=1000 "$@"
}

deadlocks() {
  echo "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'" | e2e_sql_direct --skip-column-names | cut -f 2
}

# Reads one "name: value" counter from sysbench's report.
counter() { sed -n "s/^ *$1: *\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1; }

e2e_on_exit "sysbench_on $E2E_MYSQL_PORT cleanup >/dev/null 2>&1"
sysbench_on "$E2E_MYSQL_PORT" cleanup >/dev/null 2>&1 || true  # leftovers of an aborted run

e2e_start_proxy --store memory --default-ttl 60s
sysbench_on "$PROXY_PORT" prepare >"$E2E_TMP/prepare.out" 2>&1 ||
  { cat "$E2E_TMP/prepare.out" >&2; e2e_fail "sysbench prepare through the proxy failed"; }

failures=0
for mode in disable auto; do
  out="$E2E_TMP/run-$mode.out"
  before="$(deadlocks)"
  rc=0
  sysbench_on "$PROXY_PORT" run --threads=4 --time=10 --rand-type=uniform \
    --db-ps-mode="$mode" >"$out" 2>&1 || rc=$?
  after="$(deadlocks)"
  transactions="$(counter transactions "$out")"
  ignored="$(counter 'ignored errors' "$out")"
  reconnects="$(counter reconnects "$out")"
  server_deadlocks=$((after - before))
  e2e_log "--db-ps-mode=$mode: exit $rc, transactions ${transactions:-?}, ignored errors ${ignored:-?}, reconnects ${reconnects:-?}, server deadlocks $server_deadlocks"
  problem=""
  if [ "$rc" -ne 0 ] || grep -q FATAL "$out"; then
    problem="sysbench failed"
  elif [ -z "$transactions" ] || [ "$transactions" -eq 0 ]; then
    problem="no transaction completed"
  elif [ "${reconnects:-1}" -ne 0 ]; then
    problem="$reconnects reconnect(s)"
  elif [ -z "$ignored" ] || [ "$ignored" -gt "$server_deadlocks" ]; then
    problem="${ignored:-?} ignored error(s), only $server_deadlocks explained by server deadlocks"
  fi
  if [ -n "$problem" ]; then
    failures=$((failures + 1))
    e2e_log "FAILED with --db-ps-mode=$mode: $problem"
    grep -v '^ *$' "$out" | head -n 40 >&2
  fi
  e2e_proxy_alive || e2e_fail "the proxy died during the --db-ps-mode=$mode run"
done

sysbench_on "$PROXY_PORT" cleanup >/dev/null 2>&1 || e2e_fail "sysbench cleanup through the proxy failed"
[ "$failures" -eq 0 ] || e2e_fail "$failures sysbench run(s) through the proxy had errors"
echo "$E2E_NAME: PASS (oltp_read_write, text and prepared statements, no errors)"
