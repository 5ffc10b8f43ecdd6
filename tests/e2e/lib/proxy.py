"""Shared helpers for the Python end-to-end tests (run with Debian's /usr/bin/python3).

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    from proxy import Proxy, require_server, direct_address

    require_server()
    with Proxy("--store", "memory") as proxy:
        conn = pymysql.connect(host=proxy.host, port=proxy.port, ...)

Environment: the same variables as lib/common.sh (SQLCACHE_TEST_MYSQL_PORT,
SQLCACHE_TEST_MYSQL_USER/_PASSWORD, SQLCACHE_TEST_REDIS_PORT, SQLCACHE_BINARY,
SQLCACHE_E2E_BYPASS_PROXY); docs/testing.md describes them.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HOST = "127.0.0.1"
MYSQL_PORT = int(os.environ.get("SQLCACHE_TEST_MYSQL_PORT") or 0)
MYSQL_USER = os.environ.get("SQLCACHE_TEST_MYSQL_USER") or "sqlcache"
MYSQL_PASSWORD = os.environ.get("SQLCACHE_TEST_MYSQL_PASSWORD") or "sqlcache"
REDIS_PORT = int(os.environ.get("SQLCACHE_TEST_REDIS_PORT") or 0)
BYPASS_PROXY = os.environ.get("SQLCACHE_E2E_BYPASS_PROXY") == "1"
PROXY_START_TIMEOUT = 15.0
PROXY_STOP_TIMEOUT = 15.0
DEFAULT_THREADS = 2  # worker threads of a proxy whose arguments do not say --threads

TEST_NAME = os.path.basename(sys.argv[0])


def log(message):
    print(f"{TEST_NAME}: {message}", file=sys.stderr, flush=True)


def fail(message):
    log(f"FAIL: {message}")
    sys.exit(1)


# Soft checks: a test records every failed expectation and reports them all at the end
# (check_all_passed), so one run shows everything that is wrong, not only the first thing.
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        log(f"failed: {message}")
    return condition


def check_all_passed():
    if failures:
        fail("; ".join(failures))


def require_server():
    """Returns when a database is configured. Otherwise skips (exit 0 with a message; ctest
    would count 77 as a failure) on a developer machine, and fails under CI=true so a
    misconfigured pipeline cannot pass by testing nothing."""
    if MYSQL_PORT:
        return
    if os.environ.get("CI") == "true":
        fail("SQLCACHE_TEST_MYSQL_PORT is not set (required under CI=true)")
    print(f"{TEST_NAME}: skipped: no server (set SQLCACHE_TEST_MYSQL_PORT, see docs/testing.md)")
    sys.exit(0)


def direct_address():
    return HOST, MYSQL_PORT


def stores():
    """The --store values worth a pass: pure relay, the in-process store, and Redis when one is
    configured."""
    result = ["none", "memory"]
    if REDIS_PORT:
        result.append(f"redis://{HOST}:{REDIS_PORT}")
    return result


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it)."""
    return free_ports(1)[0]


def free_ports(count):
    """`count` distinct free ports: each socket stays bound until all are picked, so the
    kernel cannot hand the same port out twice (two free_port() calls in a row can)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def port_accepts(port, timeout=0.5):
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


class Proxy:
    """One sqlcache process in front of the test database, on a free port, for the duration of
    a `with` block. Extra arguments go to the proxy (e.g. "--store", "memory"). On exit it
    is stopped (SIGTERM, then SIGKILL); its log is printed if the block raised or if
    print_log() is called."""

    def __init__(self, *args):
        self.args = list(args)
        self.host = HOST
        self.port = None
        self.admin_port = None
        self.process = None
        self.logfile = None

    def __enter__(self):
        if BYPASS_PROXY:
            log("SQLCACHE_E2E_BYPASS_PROXY=1: talking to the database directly instead of a proxy")
            self.port = MYSQL_PORT
            return self
        binary = os.environ.get("SQLCACHE_BINARY", "")
        if not binary or not os.access(binary, os.X_OK):
            fail(f"SQLCACHE_BINARY ({binary!r}) is not an executable")
        self.port, self.admin_port = free_ports(2)
        command = [binary, "--listen", f"{HOST}:{self.port}",
                   "--backend", f"{HOST}:{MYSQL_PORT}",
                   "--admin", f"{HOST}:{self.admin_port}"] + self.args
        if "--threads" not in self.args:
            # Several workers whatever the machine, so what they share is shared in the tests
            # (and the ThreadSanitizer stage of deploy/local/test.sh sees it).
            command += ["--threads", str(DEFAULT_THREADS)]
        self.logfile = tempfile.NamedTemporaryFile(prefix="sqlcache-e2e-", suffix=".log")
        self.process = subprocess.Popen(command, stdout=self.logfile, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + PROXY_START_TIMEOUT
        while not port_accepts(self.port):
            if self.process.poll() is not None:
                self.print_log()
                fail(f"proxy exited during startup with status {self.process.returncode}: "
                     f"{' '.join(command)}")
            if time.monotonic() > deadline:
                self.stop()
                self.print_log()
                fail(f"proxy did not accept connections within {PROXY_START_TIMEOUT}s")
            time.sleep(0.1)
        log(f"proxy pid {self.process.pid} on {HOST}:{self.port} ({' '.join(self.args)})")
        return self

    def metric(self, prefix):
        """The sum of the Prometheus samples on lines starting with prefix (e.g.
        'sqlcache_queries_total{outcome="hit"'), or None when the proxy has no admin endpoint
        or no such metric."""
        if self.admin_port is None:
            return None
        try:
            url = f"http://{HOST}:{self.admin_port}/metrics"
            text = urllib.request.urlopen(url, timeout=5).read().decode()
        except OSError:
            return None
        values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith(prefix)]
        return int(sum(values)) if values else None

    def require_cache_hits(self, what):
        """Fails when the proxy says it answered nothing from its cache: the test would then
        have checked only the relay. Skipped when the proxy exposes no hit counter."""
        hits = self.metric('sqlcache_queries_total{outcome="hit"')
        log(f"cache hits during {what}: {'unknown' if hits is None else hits}")
        if hits == 0:
            fail(f"nothing was answered from the cache during {what}: cached results went "
                 "untested")

    def alive(self):
        return self.process is None or self.process.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit in time. Returns a complaint, or None when
        the proxy exited by itself with status 0 (a sanitizer reporting a leak at exit, in the
        ASan pass of deploy/local/test.sh, makes the status non-zero)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=PROXY_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return f"did not stop within {PROXY_STOP_TIMEOUT}s of SIGTERM"
        if self.process.returncode != 0:
            return f"exited with status {self.process.returncode}"
        return None

    def log_text(self):
        """Everything the proxy has logged so far ("" when there is no proxy process)."""
        if self.logfile is None:
            return ""
        self.logfile.flush()
        with open(self.logfile.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self, *needles):
        """The log lines that contain every one of `needles`."""
        return [line for line in self.log_text().splitlines()
                if all(needle in line for needle in needles)]

    def print_log(self, lines=40):
        if self.logfile is None:
            return
        tail = self.log_text().splitlines()[-lines:]
        if tail:
            log("---- last lines of the proxy log ----")
            for line in tail:
                print(line, file=sys.stderr)

    def __exit__(self, exc_type, exc, tb):
        crashed = not self.alive()
        complaint = self.stop()
        if exc_type is not None or complaint:
            self.print_log()
        if self.logfile is not None:
            self.logfile.close()
        if exc_type is None and crashed:
            fail(f"the proxy died during the test (status {self.process.returncode})")
        if exc_type is None and complaint:
            fail(f"the proxy did not shut down cleanly: it {complaint}")
        return False
