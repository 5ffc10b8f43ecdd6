"""A deliberately small MySQL client over a raw socket, for tests that must send what no real
driver would (garbage, truncated packets, unknown commands). Only mysql_native_password, no
TLS, no compression: enough to log in to MariaDB or to the proxy in front of it.

Packet format: https://mariadb.com/kb/en/0-packet/ (3-byte little-endian length, 1-byte
sequence id, payload). Handshake: https://mariadb.com/kb/en/connection/
"""

import hashlib
import socket
import struct

CLIENT_LONG_PASSWORD = 0x1
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
UTF8MB4_GENERAL_CI = 45

COM_PING = 0x0E


class Closed(Exception):
    """The peer closed (or reset) the connection."""


def packet(payload, sequence_id):
    return struct.pack("<I", len(payload))[:3] + bytes([sequence_id & 0xFF]) + payload


def native_password_token(password, scramble):
    """SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    mask = hashlib.sha1(scramble + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


class RawConnection:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)  # every read is bounded: a hang becomes socket.timeout
        self.buffer = b""

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self, n):
        while len(self.buffer) < n:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise Closed(str(e)) from e
            if not chunk:
                raise Closed("connection closed by peer")
            self.buffer += chunk

    def read_packet(self):
        """Returns (sequence_id, payload). Raises Closed, or socket.timeout on a hang."""
        self._fill(4)
        length = int.from_bytes(self.buffer[:3], "little")
        sequence_id = self.buffer[3]
        self._fill(4 + length)
        payload = self.buffer[4:4 + length]
        self.buffer = self.buffer[4 + length:]
        return sequence_id, payload

    def read_greeting(self):
        """Parses the initial handshake packet (protocol 10) into a dict."""
        _, p = self.read_packet()
        if p[:1] == b"\xff":
            raise RuntimeError(f"server refused the connection: {p[3:]!r}")
        if p[0] != 10:
            raise RuntimeError(f"unexpected protocol version {p[0]}")
        end = p.index(b"\0", 1)
        pos = end + 1 + 4  # server version, connection id
        auth1 = p[pos:pos + 8]
        pos += 8 + 1  # filler
        caps = int.from_bytes(p[pos:pos + 2], "little")
        pos += 2 + 1 + 2  # capabilities (low), character set, status flags
        caps |= int.from_bytes(p[pos:pos + 2], "little") << 16
        pos += 2
        auth_length = p[pos]
        pos += 1 + 10  # auth data length, reserved (MariaDB: extended capabilities)
        auth2_length = max(13, auth_length - 8)
        auth2 = p[pos:pos + auth2_length]
        pos += auth2_length
        plugin = p[pos:].split(b"\0", 1)[0].decode()
        return {"capabilities": caps, "scramble": auth1 + auth2[:12], "plugin": plugin}

    def handshake_response(self, greeting, user, password):
        """The HandshakeResponse41 payload for mysql_native_password."""
        caps = greeting["capabilities"] & (CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 |
                                           CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION |
                                           CLIENT_PLUGIN_AUTH)
        token = native_password_token(password, greeting["scramble"])
        return (struct.pack("<IIB", caps, 16 * 1024 * 1024, UTF8MB4_GENERAL_CI) + b"\0" * 23 +
                user.encode() + b"\0" + bytes([len(token)]) + token +
                b"mysql_native_password\0")

    def login(self, user, password):
        """Reads the greeting, authenticates (following one auth switch if asked). Returns the
        final OK payload; raises RuntimeError on ERR."""
        greeting = self.read_greeting()
        self.send_raw(packet(self.handshake_response(greeting, user, password), 1))
        sequence_id, reply = self.read_packet()
        if reply[:1] == b"\xfe":  # auth switch request: plugin name, then new scramble
            plugin, _, data = reply[1:].partition(b"\0")
            if plugin != b"mysql_native_password":
                raise RuntimeError(f"cannot answer auth switch to {plugin!r}")
            token = native_password_token(password, data.rstrip(b"\0"))
            self.send_raw(packet(token, sequence_id + 1))
            sequence_id, reply = self.read_packet()
        if reply[:1] != b"\x00":
            raise RuntimeError(f"login failed: {reply!r}")
        return reply

    def command(self, payload):
        """Sends one command packet (sequence id 0) and returns the first reply payload."""
        self.send_raw(packet(payload, 0))
        return self.read_packet()[1]


def error_code(payload):
    """The error code of an ERR packet payload, or None when it is not one."""
    if payload[:1] != b"\xff" or len(payload) < 3:
        return None
    return int.from_bytes(payload[1:3], "little")
