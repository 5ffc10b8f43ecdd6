"""A deliberately small Redis client (RESP2 over a plain socket) for tests that must read and
overwrite the proxy's raw entries byte for byte. Debian's python3 has no redis module, and
redis-cli mangles binary values. Protocol: https://redis.io/docs/reference/protocol-spec/

    r = RespClient("127.0.0.1", 6379)
    keys = r.scan_keys("sqlcache-e2e:...:q:*")
    r.command("SET", key, b"\\x00garbage")
"""

import socket


class RespError(Exception):
    """An error reply (-ERR ..., -WRONGPASS ...)."""


class RespClient:
    def __init__(self, host, port, timeout=10.0, password=None, username=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buffer = b""
        if password is not None:
            if username is not None:
                self.command("AUTH", username, password)
            else:
                self.command("AUTH", password)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @staticmethod
    def _encode(args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(out)

    def _fill(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buffer += chunk

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill(len(self.buffer) + 1)
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            self._fill(length + 2)
            data, self.buffer = self.buffer[:length], self.buffer[length + 2:]
            return data
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self._reply() for _ in range(count)]
        raise ConnectionError(f"unexpected reply line {line!r}")

    def command(self, *args):
        self.sock.sendall(self._encode(args))
        return self._reply()

    def scan_keys(self, pattern):
        """Every key matching the glob `pattern` (SCAN, so a large Redis is not blocked)."""
        cursor = b"0"
        keys = set()
        while True:
            cursor, batch = self.command("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
            keys.update(batch)
            if cursor == b"0":
                return sorted(keys)
