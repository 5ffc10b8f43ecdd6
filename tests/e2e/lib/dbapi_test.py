"""The body of pymysql_basic.py and mysqldb_basic.py: plays lib/dbapi_scenario.py directly
(the reference), then through a proxy for each store (twice on the same proxy, so the second
play can be answered from the cache), and fails on the first step that differs."""

import os

import dbapi_scenario
import proxy


def main(driver):
    proxy.require_server()
    database = f"sqlcache_e2e_{driver.name}_{os.getpid()}"
    host, port = proxy.direct_address()
    reference = dbapi_scenario.play(driver, host, port, database)
    failures = 0
    for store in proxy.stores():
        with proxy.Proxy("--store", store, "--default-ttl", "60s") as p:
            for attempt in (1, 2):
                played = dbapi_scenario.play(driver, p.host, p.port, database)
                difference = dbapi_scenario.compare(reference, played)
                if difference:
                    failures += 1
                    proxy.log(f"DIFFERS with --store {store}, play {attempt}: {difference}")
                else:
                    proxy.log(f"--store {store}, play {attempt}: {len(played)} steps identical")
            if store != "none":
                p.require_cache_hits(f"the --store {store} plays")
    if failures:
        proxy.fail(f"{failures} play(s) through the proxy differ from the direct connection")
    print(f"{proxy.TEST_NAME}: PASS ({driver.name}: results identical to the direct connection)")
