#!/usr/bin/python3
"""One user's cached results are not another user's, unless the operator says so per table or
globally; and what sharing then means, shown rather than assumed.

The test creates (over a direct connection as the test account) a scratch schema with a plain
table `shared`, a table `notes` with rows owned by app_a and by app_b, and a view `my_notes`
(SQL SECURITY INVOKER, filtering on CURRENT_USER()) that shows each user only their own notes:
the same SELECT text, different rows per user. Users app_a and app_b get SELECT on the schema;
app_nogrant gets nothing. Every answer through the proxy is compared with what the same user
gets directly from the database, and the backend's Com_select tells a miss (the database ran
the query) from a hit.

1. Default (share_across_users off): app_a's SELECT is a miss then a hit; app_b's identical
   SELECT is a miss (never app_a's entry) then a hit of its own; each sees their own notes
   through the view; app_nogrant gets the database's error 1142 while app_a's result is cached.
2. A table rule `{ match: <schema>.shared, share_across_users: true }`: app_b's SELECT of
   `shared` is a hit on app_a's entry; the view, without the rule, is still per user. And,
   as the documentation warns, app_nogrant is now served the shared rows: the database is
   not asked, so it cannot refuse.
3. `cache.share_across_users: true` with a rule turning it off for the view: `shared` is
   shared, the view stays per user.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402

import cache_e2e  # noqa: E402
import proxy  # noqa: E402

SCHEMA = "sqlcache_e2e_isolation"
USERS = {"app_a": "app_a", "app_b": "app_b", "app_nogrant": "app_nogrant"}
SHARED = f"SELECT id, name FROM {SCHEMA}.shared ORDER BY id"
MY_NOTES = f"SELECT body FROM {SCHEMA}.my_notes ORDER BY body"
ER_TABLEACCESS_DENIED = 1142

check = proxy.check


def setup():
    conn = cache_e2e.connect_direct()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCHEMA}")
        cur.execute(f"CREATE DATABASE {SCHEMA}")
        cur.execute(f"CREATE TABLE {SCHEMA}.shared (id INT PRIMARY KEY, name VARCHAR(20))")
        cur.execute(f"INSERT INTO {SCHEMA}.shared VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        cur.execute(f"CREATE TABLE {SCHEMA}.notes (owner VARCHAR(32), body VARCHAR(64))")
        cur.execute(f"INSERT INTO {SCHEMA}.notes VALUES ('app_a', 'a: salary review'), "
                    "('app_a', 'a: passwords'), ('app_b', 'b: lunch order')")
        cur.execute(f"CREATE SQL SECURITY INVOKER VIEW {SCHEMA}.my_notes AS SELECT body FROM "
                    f"{SCHEMA}.notes WHERE owner = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)")
        for user, password in USERS.items():
            cur.execute(f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' "
                        f"IDENTIFIED BY '{password}'")
        for user in ("app_a", "app_b"):
            cur.execute(f"GRANT SELECT ON {SCHEMA}.* TO '{user}'@'127.0.0.1'")
    conn.close()


def teardown():
    conn = cache_e2e.connect_direct()
    with conn.cursor() as cur:
        for user in ("app_a", "app_b"):
            try:
                cur.execute(f"REVOKE ALL PRIVILEGES ON {SCHEMA}.* FROM '{user}'@'127.0.0.1'")
            except pymysql.MySQLError:
                pass
        cur.execute("DROP USER IF EXISTS 'app_nogrant'@'127.0.0.1'")
        cur.execute(f"DROP DATABASE IF EXISTS {SCHEMA}")
    conn.close()


def connect_as(port, user):
    return cache_e2e.connect(port, user=user, password=USERS[user])


def answer(conn, sql):
    """('rows', rows) or ('error', code)."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return ("rows", cur.fetchall())
    except pymysql.MySQLError as e:
        return ("error", e.args[0])


class Proxied:
    """A proxy plus one connection per user, and the direct answers to compare with."""

    def __init__(self, p, direct_answers):
        self.p = p
        self.direct = direct_answers
        self.conns = {user: connect_as(p.port, user) for user in USERS}
        self.missed = False  # the first miss also reads the schema catalog

    def ask(self, user, sql):
        """(answer, database SELECTs it caused)."""
        with cache_e2e.Counter("Com_select") as selects:
            got = answer(self.conns[user], sql)
        # A miss's result is stored after the client has its answer, before the proxy reads
        # that client's next command: once a ping returns, another user's query can find it.
        self.conns[user].ping(reconnect=False)
        return got, selects.delta

    def close(self):
        for conn in self.conns.values():
            conn.close()


def direct_answers():
    result = {}
    for user in USERS:
        conn = connect_as(proxy.MYSQL_PORT, user)
        for sql in (SHARED, MY_NOTES):
            result[(user, sql)] = answer(conn, sql)
        conn.close()
    a_notes, b_notes = result[("app_a", MY_NOTES)], result[("app_b", MY_NOTES)]
    if a_notes[0] != "rows" or b_notes[0] != "rows" or a_notes == b_notes:
        proxy.fail(f"the view should show each user their own notes: {a_notes!r} {b_notes!r}")
    if result[("app_nogrant", SHARED)] != ("error", ER_TABLEACCESS_DENIED):
        proxy.fail(f"app_nogrant should be refused: {result[('app_nogrant', SHARED)]!r}")
    return result


def expect(px, user, sql, outcome, label):
    """outcome: 'miss' (the database ran it) or 'hit'. The answer must be what `user` gets
    directly, unless `served` says otherwise."""
    got, selects = px.ask(user, sql)
    right = px.direct[(user, sql)]
    check(got == right, f"{label}: {user} got {got!r}, directly {right!r}")
    if cache_e2e.expect_hits():
        want = 1 if outcome == "miss" else 0
        if outcome == "miss" and not px.missed:
            want += cache_e2e.FIRST_MISS_CATALOG_READS
            px.missed = True
        check(selects == want, f"{label}: {user}'s query should be a {outcome} (database "
              f"SELECTs {want}), the database ran {selects}")
    proxy.log(f"{label}: {user}: {got[0]}, database SELECTs {selects} ({outcome} expected)")
    return got


def config(extra=""):
    return cache_e2e.ConfigFile(store=cache_e2e.default_store(), key_prefix=cache_e2e.prefix(),
                                extra=extra)


def part_default(direct):
    cfg = config()
    with proxy.Proxy("--config", cfg.path) as p:
        px = Proxied(p, direct)
        expect(px, "app_a", SHARED, "miss", "default")
        expect(px, "app_a", SHARED, "hit", "default")
        expect(px, "app_b", SHARED, "miss", "default (never app_a's entry)")
        expect(px, "app_b", SHARED, "hit", "default (its own entry)")
        expect(px, "app_a", MY_NOTES, "miss", "default view")
        expect(px, "app_a", MY_NOTES, "hit", "default view")
        expect(px, "app_b", MY_NOTES, "miss", "default view (own notes, not app_a's)")
        got, _ = px.ask("app_nogrant", SHARED)
        check(got == ("error", ER_TABLEACCESS_DENIED),
              f"default: app_nogrant should get the database's error {ER_TABLEACCESS_DENIED} "
              f"while app_a's result is cached, got {got!r}")
        px.close()
    cfg.close()


def part_per_table(direct):
    rules = (f"  tables:\n"
             f"    - {{ match: \"{SCHEMA}.shared\", ttl: 60s, share_across_users: true }}\n")
    cfg = config(rules)
    with proxy.Proxy("--config", cfg.path) as p:
        px = Proxied(p, direct)
        expect(px, "app_a", SHARED, "miss", "per-table sharing")
        expect(px, "app_b", SHARED, "hit", "per-table sharing (app_a's entry)")
        expect(px, "app_a", MY_NOTES, "miss", "per-table sharing, view without the rule")
        expect(px, "app_b", MY_NOTES, "miss", "per-table sharing, view without the rule")
        # The documented price of sharing: the database is not asked, so it cannot refuse.
        got, selects = px.ask("app_nogrant", SHARED)
        if cache_e2e.expect_hits():
            check(got == direct[("app_a", SHARED)] and selects == 0,
                  "per-table sharing: docs/caching.md says a shared entry is served to any "
                  f"user, privileges unchecked; app_nogrant got {got!r} ({selects} database "
                  "SELECTs)")
        px.close()
    cfg.close()


def part_global(direct):
    extra = ("  share_across_users: true\n"
             f"  tables:\n"
             f"    - {{ match: \"{SCHEMA}.my_notes\", ttl: 60s, share_across_users: false }}\n")
    cfg = config(extra)
    with proxy.Proxy("--config", cfg.path) as p:
        px = Proxied(p, direct)
        expect(px, "app_a", SHARED, "miss", "global sharing")
        expect(px, "app_b", SHARED, "hit", "global sharing (app_a's entry)")
        expect(px, "app_a", MY_NOTES, "miss", "global sharing, view ruled unshared")
        expect(px, "app_b", MY_NOTES, "miss", "global sharing, view ruled unshared")
        px.close()
    cfg.close()


def main():
    proxy.require_server()
    started = time.monotonic()
    setup()
    try:
        direct = direct_answers()
        part_default(direct)
        part_per_table(direct)
        part_global(direct)
    finally:
        teardown()
    proxy.check_all_passed()
    print(f"{proxy.TEST_NAME}: PASS (per-user keys by default, per-table and global sharing; "
          f"{time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
