#!/usr/bin/python3
"""Redis over TLS with authentication, end to end: the proxy caches through it with the right
credentials, and with wrong ones says so once and serves every query from the database.

Private TLS-only redis-servers (`--port 0 --tls-port N`, certificates from a throwaway CA made
with openssl), each with a proxy given `--store rediss://...` and `--store-ca <the CA>`:

1. an ACL user limited to the proxy's keys and to the commands it needs
   (`~sqlcache:* +get +mget +set +incr`; the default user off), URL `rediss://user:pw@...`;
2. `--requirepass` and a password-only URL `rediss://:pw@...`;
3. the near cache through an ACL user given exactly what docs/caching.md lists for it
   (`+pttl` for the store, `+client|id +client|tracking +subscribe +ping` and the channel
   `&__redis__:invalidate` for the listener): the listener subscribes over TLS, and the
   repeated SELECTs are answered by the near cache; then the same without `+pttl`: lookups
   still hit in Redis, no copy of them is kept, and one `event=pttl_refused` line says why.

For each: with the right credentials, once a first SELECT has filled the cache, the same
SELECT repeated 10 times from 4 clients is always a hit (the backend's Com_select does not
move) and /metrics says the store is up. With a wrong
password, every answer is still the database's (Com_select moves every time: caching is off,
fail open), /metrics says the store is down, and the proxy's log holds exactly one
`component=redis event=down` line (two worker threads, each with its own connections: still
one line), naming the authentication failure (`auth failed`, `WRONGPASS`) and never the
password.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402
from private_redis import PrivateRedis  # noqa: E402

PLANETS = "SELECT id, name FROM tutorial.planet ORDER BY id"
CLIENTS = 4
ROUNDS = 10
ACL_USER = "sqlcache-e2e"
ACL_PASSWORD = "acl-Secret-42"
REQUIREPASS = "requirepass-Secret-17"
WRONG = "not-the-password-99"

check = proxy.check


def run_queries(port, expected):
    """One warming SELECT, then ROUNDS rounds of it on CLIENTS connections; returns (answers
    right, database SELECTs during the rounds)."""
    clients = [cache_e2e.connect(port) for _ in range(CLIENTS)]
    with clients[0].cursor() as cur:
        cur.execute(PLANETS)
        right = cur.fetchall() == expected
    # The proxy stores a miss's result after the client has its answer, before it reads that
    # client's next command: a ping on the same connection returns once the entry is stored.
    clients[0].ping(reconnect=False)
    with cache_e2e.Counter("Com_select") as selects:
        for _ in range(ROUNDS):
            for conn in clients:
                with conn.cursor() as cur:
                    cur.execute(PLANETS)
                    right = right and cur.fetchall() == expected
    for conn in clients:
        conn.close()
    return right, selects.delta


def proxy_on(url, redis, extra=""):
    """A proxy with `--store URL --store-ca CA`; the file only sets what has no flag: the key
    prefix (inside the ACL's ~sqlcache:*), a command timeout that a TLS handshake on a
    loaded CI machine fits in, and `extra` lines under `cache:`."""
    config = cache_e2e.ConfigFile(store=url, key_prefix=f"sqlcache:e2e-{os.getpid()}:",
                                  extra=extra)
    p = proxy.Proxy("--config", config.path, "--store", url, "--store-ca", redis.ca_file,
                    "--threads", "2")
    p.config = config  # kept alive (the file is removed with the object)
    return p


def scenario(label, redis, good_url, bad_url, secret, expected):
    queries = ROUNDS * CLIENTS
    with proxy_on(good_url, redis) as p:
        right, selects = run_queries(p.port, expected)
        up = p.metric("sqlcache_store_up")
        proxy.log(f"{label}, right credentials: {queries} queries, {selects} database SELECTs, "
                  f"store_up {up}")
        check(right, f"{label}: wrong rows with the right credentials")
        if cache_e2e.expect_hits():
            check(selects == 0, f"{label}: with the right credentials {queries} identical "
                  f"queries after a warming one should cost the database nothing, it ran "
                  f"{selects}: not cached "
                  f"through TLS Redis ({p.log_lines('component=redis')[:2]})")
            check(up == 1, f"{label}: sqlcache_store_up is {up} with the right credentials")
            check(not p.log_lines("component=redis", "event=down"),
                  f"{label}: the store went down with the right credentials: "
                  f"{p.log_lines('component=redis')[:2]}")

    with proxy_on(bad_url, redis) as p:
        right, selects = run_queries(p.port, expected)
        up = p.metric("sqlcache_store_up")
        down_lines = p.log_lines("component=redis", "event=down")
        proxy.log(f"{label}, wrong password: {queries} queries, {selects} database SELECTs, "
                  f"store_up {up}; log: {down_lines}")
        check(right, f"{label}: wrong rows with a wrong password (fail open must still answer)")
        if cache_e2e.expect_hits():
            check(selects == queries, f"{label}: with a wrong password every query should go to "
                  f"the database ({queries}), it ran {selects}")
            check(up == 0, f"{label}: sqlcache_store_up is {up} with a wrong password")
            check(len(down_lines) == 1, f"{label}: expected exactly one store-down line, got "
                  f"{len(down_lines)}: {down_lines}")
            check(all("auth failed" in line and "WRONGPASS" in line for line in down_lines),
                  f"{label}: the store-down line should name the authentication failure: "
                  f"{down_lines}")
            leaked = [line for line in p.log_text().splitlines() if WRONG in line or
                      secret in line]
            check(not leaked, f"{label}: a password appears in the proxy's log: {leaked[:2]}")


def near_cache_scenario(redis, url, expected, with_pttl):
    label = "near cache" if with_pttl else "near cache without +pttl"
    queries = ROUNDS * CLIENTS
    # A proxy without the near cache stores the entry, so that the near cache's proxy reads it
    # from Redis (GET, MGET and PTTL) rather than knowing it from its own store.
    with proxy_on(url, redis) as filler:
        filler_right, _ = run_queries(filler.port, expected)
        check(filler_right, f"{label}: wrong rows from the filling proxy")
    with proxy_on(url, redis, extra="  near_cache_limit: 16MiB\n") as p:
        deadline = time.monotonic() + 10
        while p.metric("sqlcache_near_cache_up") != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        right, selects = run_queries(p.port, expected)
        up = p.metric("sqlcache_near_cache_up")
        near_hits = p.metric("sqlcache_near_cache_hits_total")
        refused = p.log_lines("component=near_cache", "event=pttl_refused")
        proxy.log(f"{label}, ACL user: {queries} queries, {selects} database SELECTs, "
                  f"near_cache_up {up}, near hits {near_hits}, pttl_refused lines {len(refused)}")
        check(right, f"{label}: wrong rows")
        check(up == 1, f"{label}: the listener is not subscribed with the documented ACL "
              f"({p.log_lines('component=near_cache')[:2]})")
        check(not p.log_lines("component=redis", "event=down"),
              f"{label}: the store went down: {p.log_lines('component=redis')[:2]}")
        if cache_e2e.expect_hits():
            check(selects == 0, f"{label}: {queries} repeated queries cost the database "
                  f"{selects} SELECTs")
            if with_pttl:
                # The warming query read the entry from Redis; every repeat is a near hit.
                check(near_hits == queries, f"{label}: {near_hits} near hits of {queries} "
                      f"repeated queries")
                check(not refused, f"{label}: {refused}")
            else:
                # Lookups still work; what they read is not kept, and one line says why.
                check(near_hits == 0, f"{label}: {near_hits} near hits without a TTL to keep "
                      f"the copies by")
                check(len(refused) == 1 and "NOPERM" in refused[0],
                      f"{label}: expected one pttl_refused line naming NOPERM: {refused}")


def main():
    proxy.require_server()
    direct = cache_e2e.connect_direct()
    with direct.cursor() as cur:
        cur.execute(PLANETS)
        expected = cur.fetchall()
    direct.close()
    started = time.monotonic()

    acl = ["--user", "default", "off",
           "--user", ACL_USER, "on", f">{ACL_PASSWORD}", "~sqlcache:*",
           "+get", "+mget", "+set", "+incr"]
    with PrivateRedis(tls=True, extra=acl) as redis:
        base = f"rediss://{ACL_USER}:{{}}@127.0.0.1:{redis.port}"
        scenario("ACL user", redis, base.format(ACL_PASSWORD), base.format(WRONG), ACL_PASSWORD,
                 expected)

    near_acl = ["--user", "default", "off",
                "--user", ACL_USER, "on", f">{ACL_PASSWORD}", "~sqlcache:*",
                "+get", "+mget", "+set", "+incr", "+pttl",
                "+client|id", "+client|tracking", "+subscribe", "+ping",
                "&__redis__:invalidate"]
    for with_pttl in (True, False):
        acl = near_acl if with_pttl else [arg for arg in near_acl if arg != "+pttl"]
        with PrivateRedis(tls=True, extra=acl) as redis:
            near_cache_scenario(
                redis, f"rediss://{ACL_USER}:{ACL_PASSWORD}@127.0.0.1:{redis.port}", expected,
                with_pttl)

    with PrivateRedis(tls=True, extra=["--requirepass", REQUIREPASS]) as redis:
        base = f"rediss://:{{}}@127.0.0.1:{redis.port}"
        scenario("requirepass", redis, base.format(REQUIREPASS), base.format(WRONG), REQUIREPASS,
                 expected)

    proxy.check_all_passed()
    print(f"{proxy.TEST_NAME}: PASS (TLS + ACL user, TLS + ACL user with the near cache, with and without +pttl, "
          f"TLS + requirepass; "
          f"{time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
