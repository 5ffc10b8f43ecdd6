#!/usr/bin/python3
"""A damaged cache value is never served: the database answers instead, the proxy counts it,
and logs it once.

A private redis-server, a proxy on it with two worker threads, six pymysql clients. A SELECT
of the planets is cached (the second run is a hit: the backend's Com_select stays still), and
its entry is found in Redis by the test's key prefix (SCAN). Then, nine times, the live entry
is overwritten and one of the clients (in turn, so both threads meet damaged values) asks
again:

- random bytes: as long as the entry, five bytes, and the right magic followed by noise;
- a valid-looking value with one byte flipped: inside a planet's name (the dangerous case:
  without the checksum the client would read a misspelt planet), in the generations, in
  the format version;
- truncated: to half, to 11 bytes (shorter than the header), by its last byte.

Each time the client gets exactly the database's rows, the database answered (Com_select +1),
sqlcache_cache_corrupt_values_total goes up by one, and the proxy has put the good entry back
(byte for byte the value it stored first; the next query is a hit). At the end the proxy's log
holds exactly one corrupt_value line (not one per query, nor one per thread).
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402
from private_redis import PrivateRedis  # noqa: E402
from redis_resp import RespClient  # noqa: E402

PLANETS = "SELECT id, name FROM tutorial.planet ORDER BY id"
CLIENTS = 6
HEADER = 12  # magic, version, flags, generation count, CRC-32C (cache/cached_result.hpp)


def flip(value, position):
    return value[:position] + bytes([value[position] ^ 0x20]) + value[position + 1:]


def damages(good, planet_name):
    """(description, damaged value) pairs, in the order they are tried."""
    rng = random.Random(20240611)
    name_at = good.find(planet_name)
    if name_at < 0:
        proxy.fail(f"the cached entry does not hold {planet_name!r}: not the expected format")
    return [
        ("random bytes, same length", bytes(rng.randrange(256) for _ in range(len(good)))),
        ("random bytes, 5 long", bytes(rng.randrange(256) for _ in range(5))),
        ("magic then noise", b"SQCR" + bytes(rng.randrange(256) for _ in range(len(good) - 4))),
        (f"one flipped byte in {planet_name.decode()!r}", flip(good, name_at + 1)),
        ("one flipped byte in the generations", flip(good, HEADER)),
        ("one flipped byte in the format version", flip(good, 4)),
        ("truncated to half", good[:len(good) // 2]),
        ("truncated to 11 bytes", good[:HEADER - 1]),
        ("truncated by its last byte", good[:-1]),
    ]


def rows_of(conn):
    with conn.cursor() as cur:
        cur.execute(PLANETS)
        return cur.fetchall()


def main():
    proxy.require_server()
    direct = cache_e2e.connect_direct()
    expected = rows_of(direct)
    direct.close()
    if proxy.BYPASS_PROXY:
        proxy.log("SQLCACHE_E2E_BYPASS_PROXY=1: there is no cache to damage; answers only")

    failures = []
    started = time.monotonic()
    prefix = cache_e2e.prefix()
    with PrivateRedis() as redis, RespClient(proxy.HOST, redis.port) as r:
        config = cache_e2e.ConfigFile(store=cache_e2e.redis_url(redis.port), key_prefix=prefix)
        with proxy.Proxy("--config", config.path, "--threads", "2") as p:
            clients = [cache_e2e.connect(p.port) for _ in range(CLIENTS)]

            # A miss's result is stored after the client has its answer, before the proxy
            # reads that client's next command: a ping on the same connection returns once the
            # entry is stored.
            with cache_e2e.Counter("Com_select") as warm:
                first = rows_of(clients[0])
                clients[0].ping(reconnect=False)
                second = rows_of(clients[1])
            if first != expected or second != expected:
                proxy.fail("wrong rows before any damage")
            if proxy.BYPASS_PROXY:
                print(f"{proxy.TEST_NAME}: PASS (bypass self-check)")
                return
            want = 1 + cache_e2e.FIRST_MISS_CATALOG_READS  # the proxy's first miss
            if warm.delta != want:
                proxy.fail(f"warming: the database ran {warm.delta} SELECTs for two identical "
                           f"queries, expected {want} (the second a hit)")
            keys = r.scan_keys(prefix + "q:*")
            if len(keys) != 1:
                proxy.fail(f"expected one entry under {prefix}q:*, found {keys!r}")
            key = keys[0]
            good = r.command("GET", key)
            proxy.log(f"entry {key.decode()!r}: {len(good)} bytes")

            corrupt_before = p.metric("sqlcache_cache_corrupt_values_total")
            if corrupt_before != 0:
                proxy.fail(f"sqlcache_cache_corrupt_values_total is {corrupt_before} before "
                           "any damage")
            planet = expected[2][1].encode()
            for n, (what, damaged) in enumerate(damages(good, planet)):
                r.command("SET", key, damaged, "EX", 60)
                conn = clients[n % CLIENTS]
                with cache_e2e.Counter("Com_select") as selects:
                    got = rows_of(conn)
                conn.ping(reconnect=False)
                counted = p.metric("sqlcache_cache_corrupt_values_total")
                stored = r.command("GET", key)
                with cache_e2e.Counter("Com_select") as after:
                    again = rows_of(clients[(n + 1) % CLIENTS])
                verdict = []
                if got != expected:
                    verdict.append(f"WRONG ROWS {got!r}")
                if selects.delta != 1:
                    verdict.append(f"database ran {selects.delta} SELECTs, expected 1")
                if counted != n + 1:
                    verdict.append(f"corrupt counter {counted}, expected {n + 1}")
                if stored != good:
                    verdict.append("the good entry was not put back")
                if again != expected or after.delta != 0:
                    verdict.append(f"next query: {'right' if again == expected else 'WRONG'} "
                                   f"rows, {after.delta} database SELECTs (expected a hit)")
                proxy.log(f"{what}: {'; '.join(verdict) or 'database answered, counted, repaired'}")
                if verdict:
                    failures.append(f"{what}: {'; '.join(verdict)}")

            lines = p.log_lines("corrupt_value")
            proxy.log(f"corrupt_value log lines: {len(lines)}")
            if len(lines) != 1:
                failures.append(f"the proxy logged {len(lines)} corrupt_value lines for "
                                f"{n + 1} damaged values, expected exactly 1: {lines[:3]}")
            for conn in clients:
                conn.close()
        config.close()
    if failures:
        proxy.fail("; ".join(failures))
    print(f"{proxy.TEST_NAME}: PASS (9 damaged values: database answered, counted, logged "
          f"once; {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
