"""One sqlcache process for the benchmark: its own YAML file (a key prefix of its own, so runs
and contenders never share Redis entries), its own ports, its /metrics counters and memory."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

from . import database


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Proxy:
    """store: "memory", "none" or a redis:// URL; cache_lines: more `cache:` keys, indented."""

    def __init__(self, binary, name, store, backend_port, work_dir, key_prefix,
                 threads=0, wrapper=(), cache_lines=()):
        self.binary, self.name, self.store = binary, name, store
        self.cache_lines = list(cache_lines)
        self.backend_port, self.work_dir = backend_port, work_dir
        self.key_prefix, self.threads, self.wrapper = key_prefix, threads, list(wrapper)
        self.port = self.admin_port = None
        self.process = None

    def config_text(self):
        # A TTL far longer than the run: an entry warmed at the start must still be a hit at
        # the end, or the figures would measure expiry instead of the hit path.
        return "\n".join([
            f"listen: 127.0.0.1:{self.port}",
            f"threads: {self.threads}",
            f"backend: {{ host: 127.0.0.1, port: {self.backend_port} }}",
            "cache:",
            f"  store: \"{self.store}\"",
            f"  key_prefix: \"{self.key_prefix}\"",
            "  default_ttl: 1h",
            *self.cache_lines,
            f"admin: {{ listen: 127.0.0.1:{self.admin_port} }}",
            "log: { level: warn }",
            "",
        ])

    def start(self, timeout=60):
        self.port, self.admin_port = free_port(), free_port()
        config = os.path.join(self.work_dir, f"{self.name}.yaml")
        with open(config, "w") as f:
            f.write(self.config_text())
        log = open(os.path.join(self.work_dir, f"{self.name}.log"), "ab")
        self.process = subprocess.Popen(self.wrapper + [self.binary, "--config", config],
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while not (accepts(self.port) and accepts(self.admin_port)):
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy {self.name} exited with {self.process.returncode}; "
                                   f"see {self.work_dir}/{self.name}.log")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"proxy {self.name} did not listen within {timeout}s")
            time.sleep(0.05)
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=60):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def rss_kib(self):
        return database.rss_kib(self.process.pid)

    def metrics(self):
        """{'name{labels}': value} from /metrics."""
        url = f"http://127.0.0.1:{self.admin_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    values[name] = float(value)
                except ValueError:
                    pass
        return values

    def outcomes(self):
        """Queries by outcome (hit, miss, bypass, write), all protocols together."""
        counts = {"hit": 0.0, "miss": 0.0, "bypass": 0.0, "write": 0.0}
        for name, value in self.metrics().items():
            found = re.match(r'sqlcache_queries_total\{outcome="(\w+)"', name)
            if found and found.group(1) in counts:
                counts[found.group(1)] += value
        return counts


def hit_ratio(before, after):
    hits = after["hit"] - before["hit"]
    misses = after["miss"] - before["miss"]
    return hits / (hits + misses) if hits + misses > 0 else None


def invalidate_schema(proxy, schema):
    """POST /cache/invalidate?schema=…: bumps the schema's generation, so every entry filled
    before (by this proxy, or while other contenders wrote around it) is unreachable."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{proxy.admin_port}/cache/invalidate?schema={schema}", method="POST",
        data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
