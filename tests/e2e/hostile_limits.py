#!/usr/bin/python3
"""The proxy's connection limits, each met by a real client, each with the error a MySQL client
expects, and none of them disturbing the other clients:

1. max_connections (5): the 6th client gets error 1040 "Too many connections" (pymysql raises
   it; a raw socket reads it as the first packet, SQL state 08004, then the close), the five
   keep working, and a slot freed by a client that leaves is taken by the next one.
2. max_packet_size (64KiB): a 100 KiB statement from pymysql gets error 1153 (not "server has
   gone away": the proxy lets the client finish sending before it closes), so does a raw
   client sending a 16 MiB multi-chunk packet (MariaDB itself resets that one mid-send); a
   60 KiB statement passes, and a client connected meanwhile keeps getting answers.
3. idle_timeout (2s): a client idle for 3 s finds its connection closed (pymysql: 2013/2006);
   a raw client sees the close between 2 s and 2 s + slack after its last command; a client
   sending a command every 0.5 s for 4 s is never closed; a 2.5 s command is not cut short,
   and its client is closed once idle after it; the backend connections of the closed clients
   are released.

SQLCACHE_E2E_BYPASS_PROXY=1 plays 2 and 3 against MariaDB itself with the same limits set
globally (max_allowed_packet, wait_timeout; restored afterwards), and leaves out 1 (MariaDB
admits one connection over max_connections for a SUPER account like the test's).
"""

import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402

import cache_e2e  # noqa: E402
import proxy  # noqa: E402
from raw_mysql import Closed, RawConnection, error_code, packet  # noqa: E402

PLANETS = "SELECT id, name FROM tutorial.planet ORDER BY id"
MAX_CONNECTIONS = 5
MAX_PACKET = 64 * 1024
IDLE_TIMEOUT = 2.0
LATE_SLACK = 3.0
EARLY_TOLERANCE = 0.2

check = proxy.check


def config_file(text):
    f = tempfile.NamedTemporaryFile("w", prefix="sqlcache-e2e-", suffix=".yaml")
    f.write(text)
    f.flush()
    return f


def planets(conn):
    with conn.cursor() as cur:
        cur.execute(PLANETS)
        return cur.fetchall()


def mysql_error(call):
    """Runs call(); returns (code, message) of the pymysql error it raised, or None."""
    try:
        call()
    except pymysql.MySQLError as e:
        return (e.args[0] if e.args else None, e.args[1] if len(e.args) > 1 else str(e))
    return None


def set_global(name, value):
    conn = cache_e2e.connect_direct()
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT @@global.{name}")
            before = cur.fetchone()[0]
            cur.execute(f"SET GLOBAL {name} = {int(value)}")
    finally:
        conn.close()
    return before


# 1. max_connections ------------------------------------------------------------------------

def max_connections(expected):
    if proxy.BYPASS_PROXY:
        proxy.log("max_connections: left out against the database itself (see the docstring)")
        return
    config = config_file(f"max_connections: {MAX_CONNECTIONS}\n")
    with proxy.Proxy("--config", config.name, "--store", "memory") as p:
        clients = [cache_e2e.connect(p.port) for _ in range(MAX_CONNECTIONS)]
        for conn in clients:
            check(planets(conn) == expected, "a client under the limit got wrong rows")

        refused = mysql_error(lambda: cache_e2e.connect(p.port).close())
        check(refused is not None and refused[0] == 1040 and
              "Too many connections" in refused[1],
              f"client {MAX_CONNECTIONS + 1} should get error 1040 'Too many connections', "
              f"got {refused!r}")
        proxy.log(f"max_connections: client {MAX_CONNECTIONS + 1} got {refused!r}")

        raw = RawConnection(p.host, p.port, 10)
        try:
            sequence_id, payload = raw.read_packet()
            check(sequence_id == 0 and error_code(payload) == 1040 and payload[3:9] == b"#08004",
                  f"a raw client over the limit should read ERR 1040 #08004 with sequence id 0 "
                  f"first, read {sequence_id} {payload[:40]!r}")
            try:
                raw.read_packet()
                check(False, "the proxy kept the refused connection open")
            except Closed:
                pass
        finally:
            raw.close()

        for conn in clients:
            check(planets(conn) == expected, "a client under the limit stopped working after "
                  "others were refused")
        clients.pop().close()
        deadline = time.monotonic() + 5
        newcomer = None
        while newcomer is None and time.monotonic() < deadline:
            try:
                newcomer = cache_e2e.connect(p.port)
            except pymysql.MySQLError:
                time.sleep(0.1)
        if check(newcomer is not None, "the slot of a client that left was not freed within 5s"):
            check(planets(newcomer) == expected, "the newcomer got wrong rows")
            clients.append(newcomer)
        rejected = p.metric("sqlcache_client_connections_rejected_total")
        check(rejected is not None and rejected >= 2,
              f"sqlcache_client_connections_rejected_total is {rejected}, expected >= 2")
        for conn in clients:
            conn.close()
    config.close()


# 2. max_packet_size ------------------------------------------------------------------------

def statement_of_size(size):
    """A SELECT of exactly `size` bytes of packet payload (command byte included)."""
    head, tail = "SELECT LENGTH('", "') AS n"
    filler = size - 1 - len(head) - len(tail)
    return head + "x" * filler + tail, filler


def oversized_raw_multichunk(port):
    """A raw client logs in and sends a 16 MiB + 10 byte COM_QUERY (two chunks). Returns what
    it read back: 'error <code>', 'closed', 'reset', or a description."""
    conn = RawConnection(proxy.HOST, port, 20)
    try:
        conn.login(proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
        first = b"\x03SELECT '" + b"y" * (0xFFFFFF - 9)
        data = (b"\xff\xff\xff\x00" + first + packet(b"y" * 9 + b"'", 1))
        try:
            conn.send_raw(data)
        except OSError as e:
            return f"send failed: {type(e).__name__}"
        try:
            _, payload = conn.read_packet()
        except Closed as e:
            return f"closed ({e})"
        code = error_code(payload)
        return f"error {code}" if code is not None else f"reply {payload[:16]!r}"
    finally:
        conn.close()


def max_packet_size(expected):
    config = config_file(f"max_packet_size: {MAX_PACKET // 1024}KiB\n")
    restore = set_global("max_allowed_packet", MAX_PACKET) if proxy.BYPASS_PROXY else None
    try:
        with proxy.Proxy("--config", config.name, "--store", "memory") as p:
            observer = cache_e2e.connect(p.port)
            check(planets(observer) == expected, "the observer's first query is wrong")

            fits, filler = statement_of_size(MAX_PACKET - 4 * 1024)
            conn = cache_e2e.connect(p.port)
            with conn.cursor() as cur:
                cur.execute(fits)
                check(cur.fetchall() == ((filler,),),
                      "a statement under max_packet_size did not get its answer")
            too_big, _ = statement_of_size(100 * 1024)

            def send_too_big():
                with conn.cursor() as cur:
                    cur.execute(too_big)
            refused = mysql_error(send_too_big)
            proxy.log(f"max_packet_size: a 100 KiB statement got {refused!r}")
            check(refused is not None and refused[0] == 1153,
                  f"a statement over max_packet_size should get error 1153, got {refused!r}")
            conn.close()

            outcome = oversized_raw_multichunk(p.port)
            proxy.log(f"max_packet_size: a 16 MiB raw packet got {outcome}")
            # MariaDB itself resets such a connection while the client is still sending, so the
            # client never reads its error; the proxy lets the client finish first.
            if not proxy.BYPASS_PROXY:
                check(outcome == "error 1153",
                      f"a 16 MiB packet should get error 1153, got {outcome}")

            check(planets(observer) == expected,
                  "the observer stopped getting answers after the oversized packets")
            observer.close()
            if not proxy.BYPASS_PROXY:
                counted = p.metric("sqlcache_client_packets_too_large_total")
                check(counted == 2, f"sqlcache_client_packets_too_large_total is {counted}, "
                      "expected 2")
    finally:
        if restore is not None:
            set_global("max_allowed_packet", restore)
        config.close()


# 3. idle_timeout ---------------------------------------------------------------------------

class BusyClient(threading.Thread):
    def __init__(self, port, expected, duration):
        super().__init__(name="busy-client", daemon=True)
        self.port, self.expected, self.duration = port, expected, duration
        self.rounds = 0
        self.errors = []

    def run(self):
        try:
            conn = cache_e2e.connect(self.port)
            end = time.monotonic() + self.duration
            while time.monotonic() < end:
                if planets(conn) != self.expected:
                    self.errors.append("wrong rows")
                self.rounds += 1
                time.sleep(0.5)
            conn.close()
        except Exception as e:
            self.errors.append(f"{type(e).__name__}: {e}")


class LongCommandClient(threading.Thread):
    """Runs one command longer than idle_timeout (not cut short: the client is not idle while
    the server works), then idles: it must be closed all the same."""

    def __init__(self, port):
        super().__init__(name="long-command-client", daemon=True)
        self.port = port
        self.long_command = None
        self.after_idle = None

    def run(self):
        conn = cache_e2e.connect(self.port)
        def sleep():
            with conn.cursor() as cur:
                cur.execute(f"SELECT SLEEP({IDLE_TIMEOUT + 0.5})")
                cur.fetchall()
        self.long_command = mysql_error(sleep) or "ok"
        time.sleep(IDLE_TIMEOUT + 1.0)
        self.after_idle = mysql_error(lambda: planets(conn))
        conn.close()


def idle_timeout(expected):
    config = config_file(f"idle_timeout: {int(IDLE_TIMEOUT * 1000)}ms\n")
    restore = set_global("wait_timeout", IDLE_TIMEOUT) if proxy.BYPASS_PROXY else None
    try:
        threads_before = cache_e2e.backend_status("Threads_connected")[0]
        with proxy.Proxy("--config", config.name, "--store", "memory") as p:
            busy = BusyClient(p.port, expected, IDLE_TIMEOUT * 2)
            busy.start()
            long_command = LongCommandClient(p.port)
            long_command.start()
            idle = cache_e2e.connect(p.port)
            check(planets(idle) == expected, "the idle client's first query is wrong")

            raw = RawConnection(p.host, p.port, IDLE_TIMEOUT + LATE_SLACK + 5)
            raw.login(proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
            last_command = time.monotonic()
            try:
                raw.read_packet()
                outcome = "a packet"
            except Closed:
                outcome = "closed"
            except socket.timeout:
                outcome = "still open"
            waited = time.monotonic() - last_command
            raw.close()
            proxy.log(f"idle_timeout: a raw client idle since login: {outcome} after "
                      f"{waited:.2f}s")
            check(outcome == "closed" and
                  IDLE_TIMEOUT - EARLY_TOLERANCE <= waited <= IDLE_TIMEOUT + LATE_SLACK,
                  f"an idle raw client should be closed after {IDLE_TIMEOUT}s: {outcome} after "
                  f"{waited:.2f}s")

            time.sleep(max(0.0, IDLE_TIMEOUT + 1.0 - (time.monotonic() - last_command)))
            lost = mysql_error(lambda: planets(idle))
            proxy.log(f"idle_timeout: the idle pymysql client's next query: {lost!r}")
            check(lost is not None and lost[0] in (2006, 2013),
                  f"the idle client's next query should fail with 2013/2006, got {lost!r}")
            idle.close()

            busy.join(timeout=30)
            check(not busy.errors and busy.rounds >= 6,
                  f"a client sending a command every 0.5s was disturbed: {busy.rounds} rounds, "
                  f"{busy.errors[:3]}")
            long_command.join(timeout=30)
            proxy.log(f"idle_timeout: a {IDLE_TIMEOUT + 0.5}s command: {long_command.long_command}"
                      f"; the next query {IDLE_TIMEOUT + 1.0}s later: {long_command.after_idle!r}")
            check(long_command.long_command == "ok",
                  f"a command running longer than idle_timeout was cut: "
                  f"{long_command.long_command!r}")
            check(long_command.after_idle is not None and
                  long_command.after_idle[0] in (2006, 2013),
                  "a client idle after a command longer than idle_timeout should be closed, its "
                  f"next query got {long_command.after_idle!r}")
            if not proxy.BYPASS_PROXY:
                counted = p.metric('sqlcache_client_timeouts_total{phase="idle"')
                check(counted == 3, f"the proxy counted {counted} idle timeouts, expected 3")
            deadline = time.monotonic() + 10
            now = cache_e2e.backend_status("Threads_connected")[0]
            while now > threads_before and time.monotonic() < deadline:
                time.sleep(0.1)
                now = cache_e2e.backend_status("Threads_connected")[0]
            check(now <= threads_before, f"the backend has {now} connections, {threads_before} "
                  "before: the idle clients' backend connections were not released")
    finally:
        if restore is not None:
            set_global("wait_timeout", restore)
        config.close()


def main():
    proxy.require_server()
    direct = cache_e2e.connect_direct()
    expected = planets(direct)
    direct.close()
    started = time.monotonic()
    for part in (max_connections, max_packet_size, idle_timeout):
        part_started = time.monotonic()
        part(expected)
        proxy.log(f"{part.__name__}: {time.monotonic() - part_started:.1f}s")
    proxy.check_all_passed()
    print(f"{proxy.TEST_NAME}: PASS (max_connections, max_packet_size, idle_timeout; "
          f"{time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
