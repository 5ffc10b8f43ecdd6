#!/usr/bin/python3
"""200 clients at once, each on its own pymysql connection through one proxy, all get correct
answers: every thread logs in, waits at a barrier so the queries really overlap, then asks for
planets by id (many threads ask the same question: cache hits and misses interleave) and
echoes a value only it knows (an answer delivered to the wrong client shows up at once)."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402

import proxy  # noqa: E402

CLIENTS = 200
ROUNDS = 5
TIMEOUT = 30.0
BY_ID = "SELECT id, name FROM tutorial.planet WHERE id = %s"


def connect(host, port):
    return pymysql.connect(host=host, port=port, user=proxy.MYSQL_USER,
                           password=proxy.MYSQL_PASSWORD, autocommit=True, connect_timeout=20,
                           read_timeout=TIMEOUT, write_timeout=TIMEOUT)


def reference_planets():
    conn = connect(*proxy.direct_address())
    with conn.cursor() as cur:
        cur.execute("SELECT id, name FROM tutorial.planet")
        rows = {row[0]: row for row in cur.fetchall()}
    conn.close()
    return rows


def client(index, target, planets, barrier, errors):
    try:
        conn = connect(target.host, target.port)
    except Exception as e:
        errors.append(f"client {index}: connect failed: {e}")
        barrier.abort()
        return
    try:
        barrier.wait(timeout=TIMEOUT)
        ids = sorted(planets)
        with conn.cursor() as cur:
            for round_ in range(ROUNDS):
                planet_id = ids[(index + round_) % len(ids)]
                cur.execute(BY_ID, (planet_id,))
                got = cur.fetchall()
                if got != (planets[planet_id],):
                    errors.append(f"client {index} round {round_}: id {planet_id} gave {got!r}")
                token = f"client-{index}-round-{round_}"
                cur.execute("SELECT %s", (token,))
                echoed = cur.fetchall()
                if echoed != ((token,),):
                    errors.append(f"client {index} round {round_}: echo gave {echoed!r}")
    except threading.BrokenBarrierError:
        errors.append(f"client {index}: not every client could connect")
    except Exception as e:
        errors.append(f"client {index}: {type(e).__name__}: {e}")
    finally:
        conn.close()


def main():
    proxy.require_server()
    planets = reference_planets()
    if len(planets) != 8:
        proxy.fail(f"tutorial.planet should hold the eight planets, holds {planets!r}")

    with proxy.Proxy("--store", "memory", "--default-ttl", "60s") as target:
        errors = []  # list.append is atomic under the GIL
        barrier = threading.Barrier(CLIENTS)
        threads = [threading.Thread(target=client, args=(i, target, planets, barrier, errors),
                                    daemon=True) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 2 * TIMEOUT  # one deadline for all, not one each
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            errors.append(f"{stuck} client(s) still waiting after {2 * TIMEOUT}s")
        if not errors:
            target.require_cache_hits("the concurrent lookups")

    if errors:
        for e in errors[:20]:
            proxy.log(e)
        proxy.fail(f"{len(errors)} wrong or failed answer(s) from {CLIENTS} concurrent clients")
    print(f"{proxy.TEST_NAME}: PASS ({CLIENTS} clients x {ROUNDS} rounds, all answers correct)")


if __name__ == "__main__":
    main()
