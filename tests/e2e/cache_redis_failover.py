#!/usr/bin/python3
"""Redis dies in the middle of a read load and comes back: the clients never notice.

A PRIVATE redis-server (own port, own process, started and killed by this test), a proxy on
it, and reader threads asking planet-by-id questions in a loop, each answer checked against
the database. Phases:
  1. warm: the cache answers (the backend's Com_select stops moving);
  2. `kill -9` of redis-server: reads go on, now to the database (fail open): zero client
     errors, every answer correct, and no stall (reads keep completing);
  3. redis-server restarted on the same port: within a few seconds the cache answers again
     (Com_select stops moving once more).
Prints the reads of each phase and the time until hits came back.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402

READERS = 4
QUIET_WINDOW = 0.5  # seconds without a backend SELECT that count as "served from the cache"
WARM_BOUND = 10.0
OUTAGE = 3.0
RECOVERY_BOUND = 10.0
BY_ID = "SELECT id, name FROM tutorial.planet WHERE id = %s"


class RedisServer:
    """redis-server as a child of this test (not daemonised: the test owns its pid)."""

    def __init__(self, port, directory):
        self.port = port
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", proxy.HOST, "--port", str(self.port), "--dir",
             self.directory, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not proxy.port_accepts(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                proxy.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no goodbye to the proxy's connections
            self.process.wait()


class Reader(threading.Thread):
    def __init__(self, index, port, planets, stop):
        super().__init__(name=f"reader-{index}", daemon=True)
        self.index = index
        self.port = port
        self.planets = planets
        self.stop = stop
        self.reads = 0
        self.errors = []

    def run(self):
        ids = sorted(self.planets)
        try:
            conn = cache_e2e.connect(self.port)
        except Exception as e:
            self.errors.append(f"reader {self.index}: connect: {e}")
            return
        with conn.cursor() as cur:
            n = self.index
            while not self.stop.is_set():
                planet_id = ids[n % len(ids)]
                n += 1
                try:
                    cur.execute(BY_ID, (planet_id,))
                    got = cur.fetchall()
                except Exception as e:
                    self.errors.append(f"reader {self.index}: {type(e).__name__}: {e}")
                    if len(self.errors) > 20:
                        return
                    continue
                if got != (self.planets[planet_id],):
                    self.errors.append(f"reader {self.index}: id {planet_id} gave {got!r}")
                self.reads += 1
        conn.close()


def total_reads(readers):
    return sum(reader.reads for reader in readers)


def wait_for_hits(bound):
    """Seconds until a QUIET_WINDOW passes with no backend SELECT, or None after `bound`."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        with cache_e2e.Counter("Com_select") as selects:
            time.sleep(QUIET_WINDOW)
        if selects.delta == 0:
            return time.monotonic() - started
    return None


def main():
    proxy.require_server()
    if shutil.which("redis-server") is None:
        proxy.fail("redis-server is not installed (deploy/install-deps.sh)")
    direct = cache_e2e.connect_direct()
    with direct.cursor() as cur:
        cur.execute("SELECT id, name FROM tutorial.planet")
        planets = {row[0]: row for row in cur.fetchall()}
    direct.close()

    directory = tempfile.mkdtemp(prefix="sqlcache-e2e-redis-")
    redis = RedisServer(proxy.free_port(), directory)
    redis.start()
    config = cache_e2e.ConfigFile(store=cache_e2e.redis_url(redis.port),
                                  key_prefix=cache_e2e.prefix(), command_timeout=None)
    stop = threading.Event()
    readers = []
    try:
        with proxy.Proxy("--config", config.path) as p:
            readers = [Reader(i, p.port, planets, stop) for i in range(READERS)]
            for reader in readers:
                reader.start()

            warm = wait_for_hits(WARM_BOUND)
            if cache_e2e.expect_hits() and warm is None:
                proxy.fail(f"the cache never answered within {WARM_BOUND}s before the outage")
            before = total_reads(readers)

            redis.kill()
            killed_at = time.monotonic()
            proxy.log(f"redis-server (port {redis.port}) killed with SIGKILL")
            time.sleep(OUTAGE)
            during = total_reads(readers) - before
            with cache_e2e.Counter("Com_select") as outage_selects:
                time.sleep(QUIET_WINDOW)
            if during < READERS * 10:
                proxy.fail(f"only {during} reads completed in {OUTAGE}s without Redis: stalled")
            if cache_e2e.expect_hits() and outage_selects.delta == 0:
                proxy.fail("no backend SELECTs while Redis was down: where did the answers "
                           "come from?")

            redis.start()
            restarted_at = time.monotonic()
            proxy.log(f"redis-server restarted on port {redis.port} "
                      f"({restarted_at - killed_at:.1f}s after the kill)")
            recovery = wait_for_hits(RECOVERY_BOUND)
            if cache_e2e.expect_hits() and recovery is None:
                proxy.fail(f"hits did not come back within {RECOVERY_BOUND}s of the restart")
            after = total_reads(readers) - before - during

            stop.set()
            for reader in readers:
                reader.join(30)
            if any(reader.is_alive() for reader in readers):
                proxy.fail("a reader did not finish")
    finally:
        stop.set()
        redis.kill()
        shutil.rmtree(directory, ignore_errors=True)
        config.close()

    errors = [error for reader in readers for error in reader.errors]
    recovery_text = f"{recovery:.2f}" if recovery is not None else "n/a"
    print(f"redis_failover readers={READERS} reads_before_kill={before} "
          f"reads_during_outage={during} reads_after_restart={after} client_errors={len(errors)} "
          f"hits_back_after_s={recovery_text}")
    if errors:
        proxy.fail("client errors:\n  " + "\n  ".join(errors[:20]))
    print(f"{proxy.TEST_NAME}: ok")


if __name__ == "__main__":
    main()
