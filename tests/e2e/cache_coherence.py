#!/usr/bin/python3
"""Randomised coherence: no read that started after a write was acknowledged returns older
data, whichever proxy instance served it.

Two proxy instances share one Redis (and key prefix). Several pymysql clients, spread over
both instances, each run a seeded random mix of operations on a few one-row tables:
  - reads of one table's counter (`SELECT v FROM t WHERE id = 1`, the cacheable query),
  - reads of two tables joined (one entry depending on two tables' generations),
  - autocommit writes `UPDATE t SET v = LAST_INSERT_ID(v + 1)`: the OK packet's insert id is
    the value this write produced, so every write knows its own value without another query,
  - the same write inside BEGIN ... COMMIT (invalidation at COMMIT), acknowledged when the
    COMMIT returns.
Each write records (table, value, ack time); each read (table(s), values, start time). The
check: for every read and every table it returned, the value is at least the largest value
of any write on that table acknowledged before the read started. Counters only grow, so an
older value is a stale read.

Prints the operations checked, the violations (must be 0) and how many reads the cache
answered (the backend's Com_select against the number of reads), which must be a real
share: a test that only ever missed would prove nothing.

A second pass adds one more client as many applications have one: pymysql's default
autocommit=False, reads only, never commits, so its implicit transaction keeps the snapshot
of its first read (REPEATABLE READ). Its own reads are not checked (old rows are right for
it); everyone else's still are. It once found a snapshot read stored as the current entry
(docs/caching.md, "Transactions"); any violation fails the test.
"""

import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402

SEED = int(os.environ.get("SQLCACHE_COHERENCE_SEED", "20240521"))
CLIENTS = 4
OPERATIONS = 500  # per client
TABLES = ["coherence_a", "coherence_b", "coherence_c"]
SCHEMA = "sqlcache_e2e_coherence"
WRITE_SHARE = 0.15
TRANSACTION_SHARE = 0.3  # of the writes
JOIN_SHARE = 0.2  # of the reads
DEADLINE = 120.0  # seconds for the whole run: a hang fails instead of blocking ctest
# Self-check of the test: SQLCACHE_COHERENCE_WRITE_DIRECT=1 sends the writes straight to the
# database, behind the proxies' backs. Stale reads must then be reported (exit 1), which shows
# the check can see them.
WRITE_DIRECT = os.environ.get("SQLCACHE_COHERENCE_WRITE_DIRECT") == "1"


def setup_tables():
    conn = cache_e2e.connect_direct()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {SCHEMA}")
        for table in TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table}")
            cur.execute(f"CREATE TABLE {SCHEMA}.{table} (id INT PRIMARY KEY, v BIGINT NOT NULL) "
                        "ENGINE=InnoDB")
            cur.execute(f"INSERT INTO {SCHEMA}.{table} VALUES (1, 0)")
    conn.close()


def final_values():
    conn = cache_e2e.connect_direct(database=SCHEMA)
    values = {}
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT v FROM {table} WHERE id = 1")
            values[table] = cur.fetchone()[0]
    conn.close()
    return values


def drop_tables():
    conn = cache_e2e.connect_direct()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCHEMA}")
    conn.close()


class Worker(threading.Thread):
    """One client. `snapshot_reader`: autocommit off, reads only, never commits; its reads are
    not checked (its transaction's snapshot makes old rows the right answer for it)."""

    def __init__(self, index, port, seed, snapshot_reader=False):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index = index
        self.port = port
        self.random = random.Random(seed)
        self.snapshot_reader = snapshot_reader
        self.writes = []  # (table, value, ack_time)
        self.reads = []  # (start_time, {table: value})
        self.error = None

    def run(self):
        try:
            conn = cache_e2e.connect(self.port, database=SCHEMA,
                                     autocommit=not self.snapshot_reader)
            writer = conn
            if WRITE_DIRECT:
                writer = cache_e2e.connect(proxy.MYSQL_PORT, database=SCHEMA)
            with conn.cursor() as cur, writer.cursor() as write_cur:
                for _ in range(OPERATIONS):
                    if not self.snapshot_reader and self.random.random() < WRITE_SHARE:
                        self.write(write_cur)
                    else:
                        self.read(cur)
            conn.close()
            if writer is not conn:
                writer.close()
        except Exception as e:  # reported by the main thread
            self.error = f"client {self.index}: {type(e).__name__}: {e}"

    def write(self, cur):
        table = self.random.choice(TABLES)
        in_transaction = self.random.random() < TRANSACTION_SHARE
        if in_transaction:
            cur.execute("BEGIN")
        cur.execute(f"UPDATE {table} SET v = LAST_INSERT_ID(v + 1) WHERE id = 1")
        value = cur.lastrowid
        if in_transaction:
            cur.execute("COMMIT")
        self.writes.append((table, value, time.monotonic()))

    def read(self, cur):
        start = time.monotonic()
        if self.random.random() < JOIN_SHARE:
            first, second = self.random.sample(TABLES, 2)
            cur.execute(f"SELECT x.v, y.v FROM {first} x JOIN {second} y ON y.id = x.id "
                        "WHERE x.id = 1")
            row = cur.fetchone()
            self.reads.append((start, {first: row[0], second: row[1]}))
        else:
            table = self.random.choice(TABLES)
            cur.execute(f"SELECT v FROM {table} WHERE id = 1")
            self.reads.append((start, {table: cur.fetchone()[0]}))


def check(workers):
    """(reads checked, list of violations)."""
    acked = {table: [] for table in TABLES}  # (ack_time, value), sorted by time
    for worker in workers:
        for table, value, ack in worker.writes:
            acked[table].append((ack, value))
    # The largest value acknowledged up to each ack time (values of one table grow, but acks
    # of different clients may arrive out of order, hence the running maximum).
    floors = {}
    for table, events in acked.items():
        events.sort()
        running = 0
        floors[table] = []
        for ack, value in events:
            running = max(running, value)
            floors[table].append((ack, running))

    def floor(table, start):
        best = 0
        for ack, value in floors[table]:  # small lists: a linear scan is fine
            if ack >= start:
                break
            best = value
        return best

    violations = []
    checked = 0
    workers_checked = [worker for worker in workers if not worker.snapshot_reader]
    # The writes' own record must be right, or the check below proves nothing: every table's
    # writes produced exactly the values 1..n, n being the final value in the database.
    final = final_values()
    for table, events in acked.items():
        values = sorted(value for _, value in events)
        if values != list(range(1, len(values) + 1)) or final[table] != len(values):
            proxy.fail(f"{table}: the writes recorded values {values[:10]}... but the table "
                       f"holds {final[table]} after {len(values)} increments")
    for worker in workers_checked:
        for start, values in worker.reads:
            checked += 1
            for table, value in values.items():
                expected = floor(table, start)
                if value < expected:
                    violations.append(f"client {worker.index} read {table}.v = {value} at "
                                      f"{start:.6f}, but {expected} was acknowledged before")
    return checked, violations


def run_pass(name, snapshot_readers):
    """Fresh tables, two fresh proxies, the clients; returns the violations found."""
    setup_tables()
    config = cache_e2e.ConfigFile(store=cache_e2e.default_store(), key_prefix=cache_e2e.prefix())
    with proxy.Proxy("--config", config.path) as first, \
            proxy.Proxy("--config", config.path) as second:
        ports = [first.port, second.port]
        workers = [Worker(i, ports[i % 2], SEED + i) for i in range(CLIENTS)]
        workers += [Worker(CLIENTS + i, ports[i % 2], SEED + CLIENTS + i, snapshot_reader=True)
                    for i in range(snapshot_readers)]
        with cache_e2e.Counter("Com_select") as selects:
            started = time.monotonic()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(max(0.0, DEADLINE - (time.monotonic() - started)))
            elapsed = time.monotonic() - started
        if any(worker.is_alive() for worker in workers):
            proxy.fail(f"{name}: the clients did not finish within {DEADLINE:.0f}s")
        errors = [worker.error for worker in workers if worker.error]
        if errors:
            proxy.fail(f"{name}: client errors:\n  " + "\n  ".join(errors))
    config.close()

    checked, violations = check(workers)
    writes = sum(len(worker.writes) for worker in workers)
    reads = sum(len(worker.reads) for worker in workers)
    # A write runs no SELECT on the backend; every read that reached the backend ran one.
    hits = reads - selects.delta
    print(f"coherence pass={name} seed={SEED} clients={len(workers)} "
          f"snapshot_readers={snapshot_readers} proxies=2 store={cache_e2e.default_store()} "
          f"operations={reads + writes} writes={writes} reads_checked={checked} "
          f"violations={len(violations)} backend_selects={selects.delta} cache_hits={hits} "
          f"seconds={elapsed:.1f}")
    for violation in violations[:10]:
        print("  " + violation)
    if cache_e2e.expect_hits() and hits < reads // 10:
        proxy.fail(f"{name}: only {hits} of {reads} reads were answered by the cache: the test "
                   "did not exercise it")
    return violations


def main():
    proxy.require_server()
    violations = run_pass("autocommit_clients", snapshot_readers=0)
    if violations:
        proxy.fail(f"{len(violations)} stale reads")
    # An autocommit=0 client reads from an old snapshot; its answers must never be stored
    # for the others (a read inside a transaction does not fill the cache).
    snapshot = run_pass("with_snapshot_reader", snapshot_readers=1)
    if snapshot:
        proxy.fail(f"{len(snapshot)} stale reads of autocommit clients while an autocommit=0 "
                   "client held an old snapshot")
    drop_tables()
    print(f"{proxy.TEST_NAME}: ok")


if __name__ == "__main__":
    main()
