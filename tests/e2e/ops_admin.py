"""Operations, end to end against the real MariaDB (and Redis when configured):

- /metrics after a scripted workload shows exactly the expected hits, misses and writes, and
  every line parses as Prometheus text exposition;
- POST /cache/invalidate makes the next read a miss; a bearer token protects it;
- SIGHUP applies new TTL rules to a running proxy without dropping a connected client, and a
  broken file is rejected while the old configuration stays;
- /readyz turns false when the backend is unreachable and true again after.

The backend is reached through a small TCP forwarder owned by this test, so "the backend is
stopped" can be played without stopping the shared test database.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from proxy import HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER, fail, free_ports, log, port_accepts, require_server  # noqa: E402

import pymysql  # noqa: E402
from raw_mysql import RawConnection, packet  # noqa: E402

TOKEN = "s3cret-admin-token"


class Forwarder:
    """Accepts on `port` and pipes each connection to the database; stop() closes everything."""

    def __init__(self, port):
        self.port = port
        self.sockets = []
        self.running = False

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, self.port))
        self.listener.listen(64)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                backend = socket.create_connection((HOST, MYSQL_PORT))
            except OSError:
                client.close()
                continue
            self.sockets += [client, backend]
            threading.Thread(target=self._pipe, args=(client, backend), daemon=True).start()
            threading.Thread(target=self._pipe, args=(backend, client), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.running = False
        try:
            # Wakes the thread blocked in accept() and stops listening at once (a bare close
            # leaves the socket listening until accept returns).
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass
        self.sockets = []


def write_config(path, planet_ttl, broken=False):
    store = f"redis://{HOST}:{os.environ['SQLCACHE_TEST_REDIS_PORT']}" if os.environ.get(
        "SQLCACHE_TEST_REDIS_PORT") else "memory"
    text = f"""
cache:
  store: {store}
  key_prefix: "ops-{os.getpid()}-{time.monotonic_ns()}:"
  default_ttl: 60s
  tables:
    - {{ match: tutorial.planet, ttl: {planet_ttl} }}
admin:
  token: {TOKEN}
"""
    if broken:
        text += "  not_a_key: [\n"
    with open(path, "w") as f:
        f.write(text)


def http(admin_port, method, path, token=None):
    request = urllib.request.Request(f"http://{HOST}:{admin_port}{path}", method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
                    r'[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$')


def scrape(admin_port):
    status, body = http(admin_port, "GET", "/metrics")
    if status != 200:
        fail(f"/metrics answered {status}")
    values = {}
    for line in body.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        if not SAMPLE.match(line):
            fail(f"/metrics line is not Prometheus text exposition: {line!r}")
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values


def prepare(raw, sql):
    """COM_STMT_PREPARE; returns the statement id (classic EOF framing: no DEPRECATE_EOF)."""
    reply = raw.command(b"\x16" + sql.encode())
    if reply[:1] != b"\x00":
        fail(f"prepare failed: {reply!r}")
    statement_id = int.from_bytes(reply[1:5], "little")
    columns = int.from_bytes(reply[5:7], "little")
    params = int.from_bytes(reply[7:9], "little")
    for _ in range(params + (1 if params else 0) + columns + (1 if columns else 0)):
        raw.read_packet()
    return statement_id


def execute(raw, statement_id, value, with_types):
    """COM_STMT_EXECUTE with one BIGINT parameter; returns the rows' payloads."""
    payload = b"\x17" + statement_id.to_bytes(4, "little") + b"\x00" + (1).to_bytes(4, "little")
    payload += b"\x00" + (b"\x01\x08\x00" if with_types else b"\x00")
    payload += value.to_bytes(8, "little", signed=True)
    raw.send_raw(packet(payload, 0))
    _, first = raw.read_packet()
    if first[:1] == b"\xff":
        fail(f"execute failed: {first[3:]!r}")
    columns = first[0]
    for _ in range(columns + 1):  # definitions and their EOF
        raw.read_packet()
    rows = []
    while True:
        _, row = raw.read_packet()
        if row[:1] == b"\xfe" and len(row) < 9:
            return rows
        rows.append(row)


def outcome(values, outcome, protocol):
    return values.get(f'sqlcache_queries_total{{outcome="{outcome}",protocol="{protocol}"}}', 0)


def main():
    require_server()
    binary = os.environ.get("SQLCACHE_BINARY", "")
    # TLS files that cannot be read stop the proxy at startup with the key and the file named,
    # never a proxy that runs without the TLS it was asked for.
    for flags, expected in (
            (["--tls-cert", "missing-c.pem", "--tls-key", "missing-k.pem"],
             "client_tls.cert: cannot read missing-c.pem: No such file or directory"),
            (["--backend-tls", "verify_ca", "--backend-ca", "missing-ca.pem"],
             "backend.tls.ca: cannot read missing-ca.pem: No such file or directory")):
        refused = subprocess.run([binary, "--listen", f"{HOST}:0", *flags], capture_output=True,
                                 text=True, timeout=10, stdin=subprocess.DEVNULL)
        if refused.returncode != 1 or expected not in refused.stdout + refused.stderr:
            fail(f"{flags}: expected exit 1 and {expected!r}, got {refused.returncode}: "
                 f"{refused.stdout + refused.stderr!r}")
    log("unreadable TLS files are refused at startup, named")
    forwarder_port, port, admin_port = free_ports(3)
    forwarder = Forwarder(forwarder_port)
    forwarder.start()
    config = tempfile.NamedTemporaryFile(prefix="sqlcache-ops-", suffix=".yaml", delete=False)
    config.close()
    write_config(config.name, "60s")
    logfile = tempfile.NamedTemporaryFile(prefix="sqlcache-ops-", suffix=".log")
    proxy = subprocess.Popen([binary, "--config", config.name, "--listen", f"{HOST}:{port}",
                              "--backend", f"{HOST}:{forwarder_port}",
                              "--admin", f"{HOST}:{admin_port}"],
                             stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not (port_accepts(port) and port_accepts(admin_port)):
            if proxy.poll() is not None or time.monotonic() > deadline:
                fail("proxy did not start")
            time.sleep(0.1)
        conn = pymysql.connect(host=HOST, port=port, user=MYSQL_USER, password=MYSQL_PASSWORD,
                               database="tutorial", autocommit=True)
        cur = conn.cursor()

        # 1. A scripted workload and the counts it must produce.
        before = scrape(admin_port)
        query = "SELECT id, name FROM planet WHERE id = 4 /* ops */"
        for _ in range(3):
            cur.execute(query)
            assert cur.fetchall() == ((4, "Mars"),)
        cur.execute("UPDATE planet SET name = 'Mars' WHERE id = 4")
        cur.execute(query)
        cur.fetchall()
        after = scrape(admin_port)
        hits = outcome(after, "hit", "text") - outcome(before, "hit", "text")
        misses = outcome(after, "miss", "text") - outcome(before, "miss", "text")
        writes = outcome(after, "write", "any") - outcome(before, "write", "any")
        if (hits, misses, writes) != (2, 2, 1):
            fail(f"expected 2 hits, 2 misses, 1 write; /metrics says {hits}, {misses}, {writes}")
        rule_hits = after.get('sqlcache_table_hits_total{table="tutorial.planet"}', 0)
        if rule_hits < 2:
            fail(f"per-table hits for tutorial.planet: {rule_hits}, expected at least 2")
        log(f"metrics: hits={hits:.0f} misses={misses:.0f} writes={writes:.0f}, exposition valid")

        # 2. Admin invalidation: token required, then the next read is a miss.
        status, _ = http(admin_port, "POST", "/cache/invalidate?table=tutorial.planet")
        if status != 401:
            fail(f"invalidate without the token answered {status}, expected 401")
        status, body = http(admin_port, "POST", "/cache/invalidate?table=tutorial.planet", TOKEN)
        if status != 200:
            fail(f"invalidate answered {status}: {body}")
        before = scrape(admin_port)
        cur.execute(query)
        cur.fetchall()
        after = scrape(admin_port)
        if outcome(after, "miss", "text") - outcome(before, "miss", "text") != 1:
            fail("the read after POST /cache/invalidate was not a miss")
        log("admin invalidation: next read is a miss; the token is enforced")

        # A prepared statement from before a reload and a flush keeps working after them.
        raw = RawConnection(HOST, port, 5)
        raw.login(MYSQL_USER, MYSQL_PASSWORD)
        statement = prepare(raw, "SELECT name FROM tutorial.planet WHERE id = ?")
        if b"Mars" not in b"".join(execute(raw, statement, 4, True)):
            fail("prepared execute did not return Mars")
        if b"Mars" not in b"".join(execute(raw, statement, 4, False)):
            fail("prepared re-execute did not return Mars")

        # 3. SIGHUP: ttl 0 for the table now; the same connection keeps working and bypasses.
        write_config(config.name, "0")
        proxy.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        before = scrape(admin_port)
        cur.execute(query)
        cur.fetchall()
        after = scrape(admin_port)
        zero = after.get('sqlcache_bypass_total{reason="ttl_zero"}', 0) - before.get(
            'sqlcache_bypass_total{reason="ttl_zero"}', 0)
        if zero != 1:
            fail(f"after reload to ttl: 0 the read was not bypassed (ttl_zero delta {zero})")
        write_config(config.name, "60s", broken=True)
        proxy.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        if proxy.poll() is not None:
            fail("the proxy exited on a broken reload")
        cur.execute(query)
        cur.fetchall()
        final = scrape(admin_port)
        zero = final.get('sqlcache_bypass_total{reason="ttl_zero"}', 0) - after.get(
            'sqlcache_bypass_total{reason="ttl_zero"}', 0)
        if zero != 1:
            fail("a broken reload did not keep the running configuration")
        logfile.flush()
        with open(logfile.name) as f:
            if "reload_rejected" not in f.read():
                fail("a broken reload was not logged as reload_rejected")
        log("reload: new TTL rules apply to a connected client; a broken file is rejected")
        status, _ = http(admin_port, "POST", "/cache/flush", TOKEN)
        if status != 200:
            fail(f"/cache/flush answered {status}")
        for value, name in ((4, b"Mars"), (3, b"Earth")):
            if name not in b"".join(execute(raw, statement, value, False)):
                fail(f"a statement prepared before reload and flush lost its way (id {value})")
        raw.close()
        log("a statement prepared before a reload and a cache flush keeps working")
        conn.close()

        # 4. Readiness follows the backend.
        status, body = http(admin_port, "GET", "/readyz")
        if status != 200:
            fail(f"/readyz answered {status} with the backend up: {body}")
        forwarder.stop()
        status, body = http(admin_port, "GET", "/readyz")
        if status != 503:
            fail(f"/readyz answered {status} with the backend down: {body}")
        forwarder = Forwarder(forwarder_port)
        forwarder.start()
        status, body = http(admin_port, "GET", "/readyz")
        if status != 200:
            fail(f"/readyz answered {status} after the backend came back: {body}")
        status, _ = http(admin_port, "GET", "/healthz")
        if status != 200:
            fail("/healthz is not 200")
        log("readiness: true, false with the backend down, true again")
        print("ops_admin.py: ok")
    finally:
        if proxy.poll() is None:
            proxy.send_signal(signal.SIGTERM)
            try:
                proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proxy.kill()
        forwarder.stop()
        os.unlink(config.name)


if __name__ == "__main__":
    main()
