"""A redis-server owned by one test: its own port, directory and arguments, a child of the test
process (killed with it), optionally TLS-only with a throwaway CA made by the openssl command.

    with PrivateRedis(tls=True, extra=["--requirepass", "pw"]) as redis:
        redis.port, redis.ca_file
"""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import proxy

START_TIMEOUT = 10.0


def make_certificates(directory):
    """A CA and a server certificate it signed for localhost and 127.0.0.1 (EC P-256, 2 days).
    Returns the CA's path."""
    script = (
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.crt -days 2 -subj /CN=sqlcache-e2e-ca && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout server.key -out server.csr -subj /CN=localhost && "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.cnf && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
        "-out server.crt -days 2 -extfile san.cnf")
    result = subprocess.run(["sh", "-c", script], cwd=directory, capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        proxy.fail(f"openssl could not make the test certificates: {result.stderr[-2000:]}")
    return os.path.join(directory, "ca.crt")


class PrivateRedis:
    def __init__(self, tls=False, extra=()):
        self.tls = tls
        self.extra = list(extra)
        self.port = proxy.free_port()
        self.directory = tempfile.mkdtemp(prefix="sqlcache-e2e-redis-")
        self.ca_file = make_certificates(self.directory) if tls else None
        self.process = None

    def __enter__(self):
        if shutil.which("redis-server") is None:
            proxy.fail("redis-server is not installed (deploy/install-deps.sh)")
        command = ["redis-server", "--bind", proxy.HOST, "--dir", self.directory, "--save", "",
                   "--appendonly", "no", "--logfile", os.path.join(self.directory, "redis.log")]
        if self.tls:
            # --port 0: no plaintext listener at all, so a proxy that skipped TLS could not
            # reach this server.
            command += ["--port", "0", "--tls-port", str(self.port),
                        "--tls-cert-file", os.path.join(self.directory, "server.crt"),
                        "--tls-key-file", os.path.join(self.directory, "server.key"),
                        "--tls-ca-cert-file", self.ca_file, "--tls-auth-clients", "no"]
        else:
            command += ["--port", str(self.port)]
        command += self.extra
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                proxy.fail(f"redis-server did not start on port {self.port}: {self.log_tail()}")
            time.sleep(0.05)
        return self

    def _answers(self):
        """True once the server completes a (TLS) connection: a TCP accept alone is not enough
        for a TLS server, whose listener may come up before it serves."""
        try:
            raw = socket.create_connection((proxy.HOST, self.port), timeout=0.5)
        except OSError:
            return False
        try:
            if self.tls:
                context = ssl.create_default_context(cafile=self.ca_file)
                with context.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(b"PING\r\n")
                    return bool(s.recv(64))
            raw.sendall(b"PING\r\n")
            return bool(raw.recv(64))
        except OSError:
            return False
        finally:
            raw.close()

    def log_tail(self, lines=20):
        try:
            with open(os.path.join(self.directory, "redis.log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
        return False
