"""Shared pieces of the cache end-to-end tests (tests/e2e/cache_*.py): a proxy configuration
file with a key prefix of its own (so a test never sees entries left by another), pymysql
connections, and the backend's global status counters that tell a hit from a miss.

    config = cache_e2e.ConfigFile(store=cache_e2e.redis_url(), key_prefix=cache_e2e.prefix())
    with proxy.Proxy("--config", config.path) as p:
        with cache_e2e.Counter("Com_select") as selects:
            ...
        print(selects.delta)

Counters are global: nothing else may talk to the backend while one is read (ctest runs the
e2e tests serially).
"""

import os
import tempfile
import time

import pymysql

import proxy

TIMEOUT = 20


def prefix(test_name=None):
    """A Redis key prefix nobody else uses: the test, this process and this moment."""
    name = test_name or os.path.splitext(proxy.TEST_NAME)[0]
    return f"sqlcache-e2e:{name}:{os.getpid()}:{time.time_ns()}:"


def redis_url(port=None):
    return f"redis://{proxy.HOST}:{port or proxy.REDIS_PORT}"


def default_store():
    """Redis when the test environment has one, else the in-process store."""
    return redis_url() if proxy.REDIS_PORT else "memory"


# The proxy reads the schema catalog (one SELECT, through the client's session) before it stores
# its first result: the first miss of a fresh proxy makes the database run two SELECTs.
FIRST_MISS_CATALOG_READS = 1


def expect_hits():
    """False in the SQLCACHE_E2E_BYPASS_PROXY=1 self-check: the "proxy" is then the database,
    which runs every query; the tests check the answers and leave the counters alone."""
    return not proxy.BYPASS_PROXY


class ConfigFile:
    """A proxy configuration in a temporary YAML file (removed with the object). `rules` are
    (match, ttl) pairs; `extra` more lines under `cache:`, indented by two spaces.

    `command_timeout` defaults to 2s: the proxy's 200ms fails a store call open on a loaded
    CI machine now and then (an entry not stored), right in production but noise for tests
    that count misses. None keeps the proxy's default."""

    def __init__(self, store, key_prefix, default_ttl="60s", rules=(), extra="",
                 command_timeout="2s"):
        lines = ["cache:",
                 f'  store: "{store}"',
                 f'  key_prefix: "{key_prefix}"',
                 f"  default_ttl: {default_ttl}"]
        if command_timeout and store.startswith("redis"):
            lines.append(f"  command_timeout: {command_timeout}")
        if rules:
            lines.append("  tables:")
            lines += [f'    - {{ match: "{match}", ttl: {ttl} }}' for match, ttl in rules]
        self.text = "\n".join(lines) + "\n" + extra
        self._file = tempfile.NamedTemporaryFile("w", prefix="sqlcache-e2e-", suffix=".yaml")
        self._file.write(self.text)
        self._file.flush()
        self.path = self._file.name

    def close(self):
        self._file.close()


def connect(port, host=proxy.HOST, **kwargs):
    """A pymysql connection as the test user, autocommit on, every wait bounded."""
    options = dict(host=host, port=port, user=proxy.MYSQL_USER, password=proxy.MYSQL_PASSWORD,
                   autocommit=True, connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                   write_timeout=TIMEOUT, charset="utf8mb4")
    options.update(kwargs)
    return pymysql.connect(**options)


def connect_direct(**kwargs):
    return connect(proxy.MYSQL_PORT, **kwargs)


def backend_status(*names):
    """SHOW GLOBAL STATUS values (ints) over a fresh direct connection; reading them does not
    move Com_select or Com_stmt_execute."""
    conn = connect_direct()
    try:
        with conn.cursor() as cur:
            quoted = ", ".join("'" + name + "'" for name in names)
            cur.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({quoted})")
            values = {name: int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()
    return [values[name] for name in names]


class Counter:
    """How much a backend status counter moved during a `with` block (`.delta`)."""

    def __init__(self, name):
        self.name = name
        self.delta = None

    def __enter__(self):
        self._start = backend_status(self.name)[0]
        return self

    def __exit__(self, *exc):
        self.delta = backend_status(self.name)[0] - self._start
        return False


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
