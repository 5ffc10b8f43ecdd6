#!/usr/bin/python3
"""Slowloris: 500 connections that never finish the handshake do not shut anyone else out, and
the proxy closes every one of them after its handshake_timeout.

A proxy with `handshake_timeout: 2s`. The attack opens 500 connections: half never send a byte,
half trickle a real handshake response one byte every 250 ms (a whole one would take ~20 s, so
only the deadline can end them; a deadline that each byte pushed back would never fire). While
they are open, a normal pymysql client connects and queries again and again. Checks:

- every normal connect+query succeeds with the right rows, at least one while 90% or more of
  the attackers were still open;
- every attacker is closed by the proxy between 2 s and 2 s + slack after it connected (not
  earlier: a proxy that drops connections at once is not "healthy" either), the trickling ones
  after having sent bytes;
- afterwards the proxy is healthy: /healthz answers, a new client queries, the proxy reports
  500 handshake timeouts and no open client connections, and the backend's Threads_connected
  is back where it was (each attacker held a backend connection during its handshake: the
  greeting comes from the database).

SQLCACHE_E2E_BYPASS_PROXY=1 plays it against MariaDB itself with connect_timeout=2 (the
database's handshake timeout), restored afterwards. MariaDB applies it to each read, so the
trickling attackers keep it waiting for ~25 s (as long as they trickle): only the silent ones
are held to the deadline there.
"""

import os
import selectors
import socket
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402
import raw_mysql  # noqa: E402

ATTACKERS = 500
HANDSHAKE_TIMEOUT = 2.0
# A loaded CI machine (the sanitizer pass) may fire the timer late; never early.
LATE_SLACK = 3.0
EARLY_TOLERANCE = 0.2
TRICKLE_INTERVAL = 0.25
ATTACK_BOUND = 30.0  # the whole attack must be over by then, or something hangs
PLANETS = "SELECT id, name FROM tutorial.planet ORDER BY id"


class Attacker:
    def __init__(self, index, sock, trickle):
        self.index = index
        self.sock = sock
        self.trickle = trickle
        self.opened = time.monotonic()
        self.closed = None
        self.received = b""
        self.to_send = None  # trickle: the framed handshake response, once the greeting is in
        self.sent = 0
        self.next_send = 0.0


def greeting_complete(received):
    if len(received) < 4:
        return False
    return len(received) >= 4 + int.from_bytes(received[:3], "little")


def parse_greeting(received):
    """The greeting as lib/raw_mysql.py parses it, from bytes already read."""
    conn = raw_mysql.RawConnection.__new__(raw_mysql.RawConnection)
    conn.buffer = received
    conn.sock = None
    return conn.read_greeting()


def open_attackers(port):
    attackers = []
    for i in range(ATTACKERS):
        sock = socket.create_connection((proxy.HOST, port), timeout=10)
        sock.setblocking(False)
        attackers.append(Attacker(i, sock, trickle=(i % 2 == 1)))
    return attackers


class NormalClient(threading.Thread):
    """Connects, queries and disconnects in a loop until stopped; records each outcome with the
    number of attackers open when it completed."""

    def __init__(self, port, expected, open_count):
        super().__init__(name="normal-client", daemon=True)
        self.port = port
        self.expected = expected
        self.open_count = open_count
        self.stop = threading.Event()
        self.successes = []  # (seconds the connect+query took, attackers open then)
        self.failures = []

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn = cache_e2e.connect(self.port, connect_timeout=10, read_timeout=10)
                try:
                    with conn.cursor() as cur:
                        cur.execute(PLANETS)
                        rows = cur.fetchall()
                finally:
                    conn.close()
                if rows != self.expected:
                    self.failures.append(f"wrong rows: {rows!r}")
                else:
                    self.successes.append((time.monotonic() - started, self.open_count()))
            except Exception as e:
                self.failures.append(f"{type(e).__name__}: {e}")
            time.sleep(0.1)


def run_attack(port, expected):
    """Returns (attackers, normal client) once every attacker is closed or ATTACK_BOUND passed."""
    attackers = open_attackers(port)
    opened_all = time.monotonic()
    proxy.log(f"{ATTACKERS} attackers connected in {opened_all - attackers[0].opened:.2f}s")
    open_set = {a.index: a for a in attackers}
    normal = NormalClient(port, expected, lambda: len(open_set))
    normal.start()

    selector = selectors.DefaultSelector()
    for a in attackers:
        selector.register(a.sock, selectors.EVENT_READ, a)

    def close(a, now):
        a.closed = now
        selector.unregister(a.sock)
        a.sock.close()
        del open_set[a.index]

    while open_set and time.monotonic() - opened_all < ATTACK_BOUND:
        for key, _ in selector.select(timeout=0.05):
            a = key.data
            try:
                chunk = a.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""  # reset by the peer: closed all the same
            if not chunk:
                close(a, time.monotonic())
                continue
            a.received += chunk
            if a.trickle and a.to_send is None and greeting_complete(a.received):
                greeting = parse_greeting(a.received)
                response = raw_mysql.RawConnection.handshake_response(
                    None, greeting, proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
                a.to_send = raw_mysql.packet(response, 1)
                a.next_send = time.monotonic()
        now = time.monotonic()
        for a in list(open_set.values()):
            if a.to_send is None or now < a.next_send or a.sent >= len(a.to_send) - 1:
                continue  # never the last byte: the response must stay incomplete
            try:
                a.sock.send(a.to_send[a.sent:a.sent + 1])
                a.sent += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                close(a, now)
                continue
            a.next_send = now + TRICKLE_INTERVAL
    for a in list(open_set.values()):
        selector.unregister(a.sock)
        a.sock.close()
    selector.close()
    normal.stop.set()
    normal.join(timeout=30)
    return attackers, normal


def set_connect_timeout(seconds):
    conn = cache_e2e.connect_direct()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@global.connect_timeout")
            before = cur.fetchone()[0]
            cur.execute(f"SET GLOBAL connect_timeout = {int(seconds)}")
    finally:
        conn.close()
    return before


def wait_until(predicate, bound):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def check(attackers, normal, failures):
    still_open = [a for a in attackers if a.closed is None]
    if still_open:
        failures.append(f"{len(still_open)} attackers were still open {ATTACK_BOUND}s after the "
                        "attack began: the handshake timeout did not close them")
    lifetimes = [a.closed - a.opened for a in attackers if a.closed is not None]
    early = [a for a in attackers
             if a.closed is not None and a.closed - a.opened < HANDSHAKE_TIMEOUT - EARLY_TOLERANCE]
    late = [a for a in attackers
            if a.closed is not None and a.closed - a.opened > HANDSHAKE_TIMEOUT + LATE_SLACK]
    if proxy.BYPASS_PROXY:
        # MariaDB's connect_timeout bounds each read, not the login: a trickle keeps it waiting
        # (here until the trickle stops). The proxy's deadline is one for the whole login.
        late = [a for a in late if not a.trickle]
    if early:
        failures.append(f"{len(early)} attackers were closed before the {HANDSHAKE_TIMEOUT}s "
                        f"handshake timeout (first after {min(lifetimes):.2f}s)")
    if late:
        kinds = sorted({'trickling' if a.trickle else 'silent' for a in late})
        failures.append(f"{len(late)} attackers ({', '.join(kinds)}) lived longer than "
                        f"{HANDSHAKE_TIMEOUT + LATE_SLACK}s (longest {max(lifetimes):.2f}s)")
    trickled = [a.sent for a in attackers if a.trickle]
    if min(trickled) < 4:
        failures.append(f"a trickling attacker sent only {min(trickled)} bytes: the attack did "
                        "not happen as designed")
    if lifetimes:
        proxy.log(f"attackers closed after {min(lifetimes):.2f}s .. {max(lifetimes):.2f}s; "
                  f"trickling ones sent {min(trickled)}..{max(trickled)} bytes first")
    if normal.failures:
        failures.append(f"the normal client failed {len(normal.failures)} times during the "
                        f"attack: {normal.failures[:3]}")
    during = [s for s in normal.successes if s[1] >= ATTACKERS * 0.9]
    if not during:
        failures.append(f"no normal connect+query completed while 90% of the attackers were "
                        f"open ({len(normal.successes)} completed in all)")
    else:
        slowest = max(s[0] for s in during)
        proxy.log(f"normal client: {len(normal.successes)} connect+query rounds, {len(during)} "
                  f"with >= {int(ATTACKERS * 0.9)} attackers open, slowest {slowest:.3f}s")


def main():
    proxy.require_server()
    expected_rows = None
    conn = cache_e2e.connect_direct()
    with conn.cursor() as cur:
        cur.execute(PLANETS)
        expected_rows = cur.fetchall()
    conn.close()
    threads_before = cache_e2e.backend_status("Threads_connected")[0]

    config = tempfile.NamedTemporaryFile("w", prefix="sqlcache-e2e-", suffix=".yaml")
    config.write(f"handshake_timeout: {int(HANDSHAKE_TIMEOUT * 1000)}ms\n")
    config.flush()
    failures = []
    restore_connect_timeout = set_connect_timeout(HANDSHAKE_TIMEOUT) if proxy.BYPASS_PROXY \
        else None
    started = time.monotonic()
    try:
        with proxy.Proxy("--config", config.name, "--store", "memory") as p:
            attackers, normal = run_attack(p.port, expected_rows)
            check(attackers, normal, failures)
            if not p.alive():
                proxy.fail("the proxy died during the attack")

            # Healthy afterwards.
            late = cache_e2e.connect(p.port)
            with late.cursor() as cur:
                cur.execute(PLANETS)
                if cur.fetchall() != expected_rows:
                    failures.append("a client after the attack got wrong rows")
            late.close()
            if not proxy.BYPASS_PROXY:
                healthz = http_status(p.admin_port, "/healthz")
                if healthz != 200:
                    failures.append(f"/healthz answered {healthz} after the attack")
                timeouts = p.metric('sqlcache_client_timeouts_total{phase="handshake"')
                if timeouts != ATTACKERS:
                    failures.append(f"the proxy counted {timeouts} handshake timeouts, expected "
                                    f"{ATTACKERS}")
                open_now = wait_until(
                    lambda: p.metric("sqlcache_client_connections ") == 0, 10)
                if not open_now:
                    failures.append("the proxy still reports open client connections: "
                                    f"{p.metric('sqlcache_client_connections ')}")
            threads_after = wait_until(
                lambda: (lambda n: n if n <= threads_before else None)(
                    cache_e2e.backend_status("Threads_connected")[0]), 10)
            if threads_after is None:
                failures.append(
                    f"the backend still has {cache_e2e.backend_status('Threads_connected')[0]} "
                    f"connections, {threads_before} before the attack: backend connections of "
                    "timed-out handshakes were not released")
    finally:
        if restore_connect_timeout is not None:
            set_connect_timeout(restore_connect_timeout)
        config.close()
    if failures:
        proxy.fail("; ".join(failures))
    print(f"{proxy.TEST_NAME}: PASS ({ATTACKERS} half-open handshakes closed after "
          f"{HANDSHAKE_TIMEOUT}s, normal client unaffected, {time.monotonic() - started:.1f}s)")


def http_status(port, path):
    try:
        return urllib.request.urlopen(f"http://{proxy.HOST}:{port}{path}", timeout=5).status
    except OSError as e:
        return str(e)


if __name__ == "__main__":
    main()
