#!/usr/bin/python3
"""The program every cache-aside tutorial starts from, minus the cache code: it lists the
planets, then looks each one up by id, with plain pymysql and nothing else. Pointed at the
proxy, it gets the caching the tutorial would have hand-written.

The app runs as separate processes (`--app PORT [--autocommit]`), one after another, against
one proxy: the first run fills the cache, and from the second run on the backend's
Com_select must not move. Every run's output must equal a run against the database itself.

Three passes, each must make 9 backend SELECTs in the first run and none after:
  tutorial_defaults     the app exactly as tutorials write it. pymysql's default is
                        autocommit=False: the session runs `SET AUTOCOMMIT = 0`, and its first
                        SELECT that reaches the server opens an implicit transaction, which
                        must not keep the reads after it from the cache.
  cache_in_transactions the same app, proxy configured with cache_in_transactions: true.
  autocommit            the app with autocommit=True (one keyword argument, no cache code).
"""

import os
import subprocess
import sys


def planet_report(host, port, user, password, autocommit):
    """The tutorial's demo, as tutorials write it (DictCursor, pymysql's defaults)."""
    import pymysql
    import pymysql.cursors

    options = {"autocommit": True} if autocommit else {}
    connection = pymysql.connect(host=host, port=port, user=user, password=password,
                                 database="tutorial", cursorclass=pymysql.cursors.DictCursor,
                                 **options)
    lines = []
    with connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM planet")
            planets = cursor.fetchall()
            for planet in planets:
                cursor.execute("SELECT id, name FROM planet WHERE id=%s", (planet["id"],))
                row = cursor.fetchone()
                lines.append(f"{row['id']}: {row['name']}")
    return lines


if len(sys.argv) >= 3 and sys.argv[1] == "--app":
    for line in planet_report("127.0.0.1", int(sys.argv[2]),
                              os.environ.get("SQLCACHE_TEST_MYSQL_USER") or "sqlcache",
                              os.environ.get("SQLCACHE_TEST_MYSQL_PASSWORD") or "sqlcache",
                              autocommit="--autocommit" in sys.argv[3:]):
        print(line)
    sys.exit(0)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402

RUNS = 3
QUERIES_PER_RUN = 9


def run_app(port, autocommit):
    """Runs the app in its own process; returns its output lines."""
    command = [sys.executable, os.path.abspath(__file__), "--app", str(port)]
    if autocommit:
        command.append("--autocommit")
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        proxy.fail(f"the app failed (exit {result.returncode}):\n{result.stderr}")
    return result.stdout.splitlines()


def run_pass(name, reference, autocommit, extra_config=""):
    """Runs the app RUNS times through a fresh proxy; returns the Com_select delta of each."""
    config = cache_e2e.ConfigFile(store=cache_e2e.default_store(), key_prefix=cache_e2e.prefix(),
                                  extra=extra_config)
    deltas = []
    with proxy.Proxy("--config", config.path) as p:
        for run in range(1, RUNS + 1):
            with cache_e2e.Counter("Com_select") as selects:
                output = run_app(p.port, autocommit)
            deltas.append(selects.delta)
            if output != reference:
                proxy.fail(f"{name}: run {run} through the proxy printed {output!r}, the "
                           f"database gives {reference!r}")
    config.close()
    print(f"tutorial_app pass={name} store={cache_e2e.default_store()} "
          f"queries_per_run={QUERIES_PER_RUN} "
          + " ".join(f"run{i + 1}_backend_selects={d}" for i, d in enumerate(deltas)))
    return deltas


def cached_from_second_run(deltas):
    return deltas[0] == QUERIES_PER_RUN + cache_e2e.FIRST_MISS_CATALOG_READS and not any(deltas[1:])


def main():
    proxy.require_server()
    reference = run_app(proxy.MYSQL_PORT, autocommit=False)
    if len(reference) != 8:
        proxy.fail(f"the app against the database printed {reference!r}, expected 8 planets")
    if reference != run_app(proxy.MYSQL_PORT, autocommit=True):
        proxy.fail("the app's output depends on autocommit against the database itself")

    failures = []
    passes = [("tutorial_defaults", False, ""),
              ("cache_in_transactions", False, "  cache_in_transactions: true\n"),
              ("autocommit", True, "")]
    for name, autocommit, extra in passes:
        deltas = run_pass(name, reference, autocommit, extra)
        if cache_e2e.expect_hits() and not cached_from_second_run(deltas):
            failures.append(f"{name}: backend SELECTs per run {deltas}; expected "
                            f"[{QUERIES_PER_RUN + cache_e2e.FIRST_MISS_CATALOG_READS}, 0, 0]: from the second run on the backend "
                            "must not see a SELECT")
    if failures:
        proxy.fail("\n  ".join(failures))
    print(f"{proxy.TEST_NAME}: ok")


if __name__ == "__main__":
    main()
