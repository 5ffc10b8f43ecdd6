#!/usr/bin/python3
"""What the cache saves the database, and what a hit costs, in numbers.

1. 1,000 repeated reads of the same SELECT through the proxy and 1,000 straight to the
   database: the backend's Com_select delta of each (through the proxy, once its store
   connections are up: at most the one miss; directly: all 1,000). Printed as
   `repeated_reads=1000 proxy_backend_selects=.. direct_backend_selects=..`.
2. The latency of `SELECT * FROM tutorial.planet`: 2,000 runs as cache hits through the
   proxy and 2,000 directly, interleaved in blocks so both see the same machine load;
   medians printed as `hit_p50_us=.. direct_p50_us=..` (and p90s). Nothing is asserted about
   them: the machine is shared, and the numbers are for reading.

MySQLdb (C, libmariadb) is the client, so the client's own overhead stays small next to
what is measured.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import MySQLdb  # noqa: E402

import cache_e2e  # noqa: E402
import proxy  # noqa: E402

REPEATS = 1000
LATENCY_RUNS = 2000
BLOCK = 100
SELECT_ONE = "SELECT id, name FROM tutorial.planet WHERE id = 3"
SELECT_ALL = "SELECT * FROM tutorial.planet"
WARM_UP = "SELECT name FROM tutorial.planet WHERE id = 8"
WARM_UP_BOUND = 5.0


def connect(port):
    return MySQLdb.connect(host=proxy.HOST, port=port, user=proxy.MYSQL_USER,
                           password=proxy.MYSQL_PASSWORD, autocommit=True, charset="utf8mb4",
                           connect_timeout=20, read_timeout=20, write_timeout=20)


def repeat(conn, sql, times):
    """Runs `sql` `times` times; returns the distinct results seen."""
    seen = set()
    cur = conn.cursor()
    for _ in range(times):
        cur.execute(sql)
        seen.add(cur.fetchall())
    cur.close()
    return seen


def warm_up(conn):
    """Until another query is a hit: a fresh proxy opens its store connections on first use,
    and while they come up an entry may be stored a moment after the next read looked."""
    deadline = time.monotonic() + WARM_UP_BOUND
    cur = conn.cursor()
    while time.monotonic() < deadline:
        with cache_e2e.Counter("Com_select") as selects:
            cur.execute(WARM_UP)
            cur.fetchall()
        if selects.delta == 0 or not cache_e2e.expect_hits():
            break
        time.sleep(0.05)
    cur.close()


def timed_block(cur, sql, times, out):
    for _ in range(times):
        start = time.perf_counter_ns()
        cur.execute(sql)
        cur.fetchall()
        out.append((time.perf_counter_ns() - start) / 1000.0)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    proxy.require_server()
    config = cache_e2e.ConfigFile(store=cache_e2e.default_store(), key_prefix=cache_e2e.prefix())
    with proxy.Proxy("--config", config.path) as p:
        through = connect(p.port)
        direct = connect(proxy.MYSQL_PORT)

        warm_up(through)
        with cache_e2e.Counter("Com_select") as proxy_selects:
            proxy_results = repeat(through, SELECT_ONE, REPEATS)
        with cache_e2e.Counter("Com_select") as direct_selects:
            direct_results = repeat(direct, SELECT_ONE, REPEATS)
        print(f"repeated_reads={REPEATS} store={cache_e2e.default_store()} "
              f"proxy_backend_selects={proxy_selects.delta} "
              f"direct_backend_selects={direct_selects.delta}")
        if proxy_results != direct_results or len(direct_results) != 1:
            proxy.fail(f"answers differ: proxy {proxy_results!r}, direct {direct_results!r}")
        if direct_selects.delta < REPEATS:
            proxy.fail(f"direct reads counted {direct_selects.delta} SELECTs, expected "
                       f"{REPEATS}: the counter does not measure what this test thinks")
        if cache_e2e.expect_hits() and proxy_selects.delta > 1:
            proxy.fail(f"{proxy_selects.delta} of {REPEATS} repeated reads reached the "
                       "database; at most the first may")

        hit_us, direct_us = [], []
        hit_cur, direct_cur = through.cursor(), direct.cursor()
        timed_block(hit_cur, SELECT_ALL, 10, [])  # fill the entry, warm both paths
        timed_block(direct_cur, SELECT_ALL, 10, [])
        with cache_e2e.Counter("Com_select") as latency_selects:
            for _ in range(LATENCY_RUNS // BLOCK):
                timed_block(hit_cur, SELECT_ALL, BLOCK, hit_us)
                timed_block(direct_cur, SELECT_ALL, BLOCK, direct_us)
        hit_cur.close()
        direct_cur.close()
        through.close()
        direct.close()
    config.close()
    hit_selects = latency_selects.delta - LATENCY_RUNS
    print(f"hit_p50_us={cache_e2e.median(hit_us):.0f} "
          f"direct_p50_us={cache_e2e.median(direct_us):.0f} "
          f"hit_p90_us={percentile(hit_us, 0.9):.0f} "
          f"direct_p90_us={percentile(direct_us, 0.9):.0f} runs={LATENCY_RUNS} "
          f"query={SELECT_ALL!r}")
    if cache_e2e.expect_hits() and hit_selects != 0:
        proxy.fail(f"{hit_selects} of the timed proxy runs were not hits")
    print(f"{proxy.TEST_NAME}: ok")


if __name__ == "__main__":
    main()
