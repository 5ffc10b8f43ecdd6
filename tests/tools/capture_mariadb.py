#!/usr/bin/python3
"""Records the exact bytes a real MariaDB sends, as test vectors for mysql_wire/.

Speaks the protocol itself (no client library, so nothing is hidden or rewritten): connects,
authenticates with mysql_native_password, sends commands and writes each exchange to
tests/data/wire/<name>.<variant>.hex. It runs twice, once per result encoding:

  classic        CLIENT_PROTOCOL_41 without CLIENT_DEPRECATE_EOF or CLIENT_SESSION_TRACK
                 (the shape older drivers and pymysql negotiate)
  deprecate_eof  with CLIENT_DEPRECATE_EOF, CLIENT_SESSION_TRACK and CLIENT_CONNECT_ATTRS
                 (the shape Connector/C and MySQL 8 clients negotiate)

Both set CLIENT_MYSQL (bit 0), so the server uses no MariaDB extended capabilities, as the
proxy does (design decision 9).

File format (read by tests/unit/wire_capture.hpp):
  # <title naming the command>          first line
  # key: value                          metadata (command, capabilities, server, ...)
  C <header> <payload>                  one physical packet the client sent
  S <header> <payload>                  one physical packet the server sent
Bytes are hex; whitespace is ignored; "(78*16777207)" stands for that byte repeated that many
times, so a 17 MiB row costs a few hundred bytes. A server response is everything the server
sent until it was quiet for QUIET_SECONDS, so the files do not depend on any parser of ours.

Usage: capture_mariadb.py [--host 127.0.0.1] [--port 13306] [--user sqlcache]
                          [--password sqlcache] [--out tests/data/wire]
"""
import argparse
import hashlib
import os
import select
import socket
import struct
import sys

QUIET_SECONDS = 0.2
FIRST_BYTE_SECONDS = 10.0
RUN_MIN = 48  # runs of at least this many equal bytes are written as (hh*n)

# Capability flags, https://mariadb.com/kb/en/connection/#capabilities
CLIENT_MYSQL = 1 << 0
CLIENT_LONG_FLAG = 1 << 2
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_LOCAL_FILES = 1 << 7
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_TRANSACTIONS = 1 << 13
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PS_MULTI_RESULTS = 1 << 18
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
CLIENT_SESSION_TRACK = 1 << 23
CLIENT_DEPRECATE_EOF = 1 << 24

BASE_CAPABILITIES = (CLIENT_MYSQL | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB | CLIENT_LOCAL_FILES
                     | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
                     | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS | CLIENT_PS_MULTI_RESULTS
                     | CLIENT_PLUGIN_AUTH | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
VARIANTS = {
    "classic": BASE_CAPABILITIES,
    "deprecate_eof": BASE_CAPABILITIES | CLIENT_DEPRECATE_EOF | CLIENT_SESSION_TRACK
    | CLIENT_CONNECT_ATTRS,
}

COM_INIT_DB = 0x02
COM_QUERY = 0x03
COM_FIELD_LIST = 0x04
COM_STATISTICS = 0x09
COM_PING = 0x0E
COM_CHANGE_USER = 0x11
COM_STMT_PREPARE = 0x16
COM_STMT_EXECUTE = 0x17
COM_STMT_CLOSE = 0x19
COM_STMT_RESET = 0x1A
COM_SET_OPTION = 0x1B
COM_STMT_FETCH = 0x1C
COM_RESET_CONNECTION = 0x1F
COMMAND_NAMES = {
    COM_INIT_DB: "COM_INIT_DB", COM_QUERY: "COM_QUERY", COM_FIELD_LIST: "COM_FIELD_LIST",
    COM_STATISTICS: "COM_STATISTICS", COM_PING: "COM_PING", COM_CHANGE_USER: "COM_CHANGE_USER",
    COM_STMT_PREPARE: "COM_STMT_PREPARE", COM_STMT_EXECUTE: "COM_STMT_EXECUTE",
    COM_STMT_CLOSE: "COM_STMT_CLOSE", COM_STMT_RESET: "COM_STMT_RESET",
    COM_SET_OPTION: "COM_SET_OPTION", COM_STMT_FETCH: "COM_STMT_FETCH",
    COM_RESET_CONNECTION: "COM_RESET_CONNECTION",
}

MAX_CHUNK = 0xFFFFFF


def native_password_scramble(password, nonce):
    """mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    mask = hashlib.sha1(nonce + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


def lenenc(n):
    if n < 0xFB:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfc" + struct.pack("<H", n)
    if n <= 0xFFFFFF:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def frame(payload, seq):
    """Physical packets for one payload, split at 0xFFFFFF bytes."""
    packets = []
    offset = 0
    while True:
        chunk = payload[offset:offset + MAX_CHUNK]
        packets.append(struct.pack("<I", len(chunk))[:3] + bytes([seq & 0xFF]) + chunk)
        seq += 1
        offset += len(chunk)
        if len(chunk) < MAX_CHUNK:
            return packets


def split_physical(data):
    """Splits a server byte stream at packet headers; a torn tail stays one piece."""
    pieces = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 4:
            pieces.append(data[pos:])
            break
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        end = min(len(data), pos + 4 + length)
        pieces.append(data[pos:end])
        pos = end
    return pieces


def payloads(data):
    """Logical payloads in a server byte stream (continuation chunks joined)."""
    out = []
    current = b""
    for piece in split_physical(data):
        length = piece[0] | piece[1] << 8 | piece[2] << 16
        current += piece[4:]
        if length < MAX_CHUNK:
            out.append(current)
            current = b""
    return out


def hex_with_runs(data):
    """Hex, with long runs of one byte written as (hh*n)."""
    out = []
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i >= RUN_MIN:
            out.append("(%02x*%d)" % (data[i], j - i))
        else:
            out.append(data[i:j].hex())
        i = j
    return "".join(out)


class Exchange:
    """One command and everything that followed it on the wire, in order."""

    def __init__(self, name, title, meta):
        self.name = name
        self.title = title
        self.meta = meta
        self.events = []  # ("C" | "S", physical packet bytes)

    def client(self, packets):
        self.events.extend(("C", p) for p in packets)

    def server(self, data):
        self.events.extend(("S", p) for p in split_physical(data))

    def server_bytes(self):
        return b"".join(p for d, p in self.events if d == "S")

    def write(self, directory, variant):
        path = os.path.join(directory, "%s.%s.hex" % (self.name, variant))
        with open(path, "w") as f:
            f.write("# %s\n" % self.title)
            for key, value in self.meta:
                f.write("# %s: %s\n" % (key, value))
            for direction, packet in self.events:
                f.write("%s %s %s\n" % (direction, packet[:4].hex(), hex_with_runs(packet[4:])))
        return path


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=FIRST_BYTE_SECONDS)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        self.sock.close()

    def read_until_quiet(self, quiet=QUIET_SECONDS):
        """Everything the server sends until it has been silent for `quiet` seconds."""
        chunks = []
        ready, _, _ = select.select([self.sock], [], [], FIRST_BYTE_SECONDS)
        while ready:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            ready, _, _ = select.select([self.sock], [], [], quiet)
        return b"".join(chunks)

    def send(self, packets):
        self.sock.sendall(b"".join(packets))


def parse_greeting(payload):
    """The fields of the initial handshake the client needs."""
    pos = 1
    end = payload.index(b"\0", pos)
    version = payload[pos:end].decode()
    pos = end + 1 + 4  # connection id
    nonce = payload[pos:pos + 8]
    pos += 8 + 1
    caps = struct.unpack_from("<H", payload, pos)[0]
    pos += 2 + 1 + 2
    caps |= struct.unpack_from("<H", payload, pos)[0] << 16
    pos += 2
    auth_len = payload[pos]
    pos += 1 + 10
    part2 = max(13, auth_len - 8)
    nonce += payload[pos:pos + part2 - 1]
    pos += part2
    plugin = payload[pos:].split(b"\0")[0].decode()
    return version, caps, nonce, plugin


def handshake_response(caps, user, auth, database, plugin):
    out = struct.pack("<IIB", caps, 1 << 24, 45) + b"\0" * 23  # utf8mb4_general_ci
    out += user.encode() + b"\0"
    out += lenenc(len(auth)) + auth
    out += database.encode() + b"\0"
    out += plugin.encode() + b"\0"
    if caps & CLIENT_CONNECT_ATTRS:
        attrs = b""
        for key, value in (("_client_name", "sqlcache-capture"), ("_os", "Linux")):
            attrs += lenenc(len(key)) + key.encode() + lenenc(len(value)) + value.encode()
        out += lenenc(len(attrs)) + attrs
    return out


class Session:
    """An authenticated connection that records exchanges."""

    def __init__(self, args, variant, exchanges):
        self.args = args
        self.variant = variant
        self.caps = VARIANTS[variant]
        self.exchanges = exchanges
        self.conn = None
        self.nonce = b""
        self.server_version = ""

    def meta(self, command, extra=()):
        return [("command", command), ("capabilities", "0x%08x" % self.caps),
                ("server", self.server_version)] + list(extra)

    def connect(self, record_as=None, password=None, plugin="mysql_native_password"):
        """Connects and authenticates; returns the server's answer to the handshake."""
        self.conn = Connection(self.args.host, self.args.port)
        greeting = self.conn.read_until_quiet()
        self.server_version, server_caps, self.nonce, _ = parse_greeting(payloads(greeting)[0])
        if record_as is None:
            ex = Exchange("greeting", "initial handshake (protocol 10) from the server",
                          self.meta("greeting", [("server_capabilities", "0x%08x" % server_caps)]))
            ex.server(greeting)
            self.exchanges.append(ex)
        password = self.args.password if password is None else password
        auth = native_password_scramble(password, self.nonce)
        if plugin != "mysql_native_password":
            auth = b""  # the server will ask for another plugin's data (auth switch)
        response = handshake_response(self.caps, self.args.user, auth, "tutorial", plugin)
        packets = frame(response, 1)
        self.conn.send(packets)
        answer = self.conn.read_until_quiet()
        name, title = record_as or ("auth_ok", "handshake response, then the server's OK")
        ex = Exchange(name, title, self.meta("handshake response"))
        ex.client(packets)
        ex.server(answer)
        first = payloads(answer)[0]
        if first[:1] == b"\xfe":  # auth switch: answer with the requested plugin's data
            switch_plugin, data = first[1:].split(b"\0", 1)
            assert switch_plugin == b"mysql_native_password", switch_plugin
            scramble = native_password_scramble(password, data.rstrip(b"\0"))
            seq = (answer[3] + 1) & 0xFF
            packets = frame(scramble, seq)
            self.conn.send(packets)
            ex.client(packets)
            answer = self.conn.read_until_quiet()
            ex.server(answer)
        self.exchanges.append(ex)
        return answer

    def exchange(self, name, command_byte, body, title=None, extra=(), quiet=QUIET_SECONDS):
        """Sends one command and records the server's complete answer."""
        payload = bytes([command_byte]) + body
        command = COMMAND_NAMES[command_byte]
        if title is None:
            title = command + (": " + body.decode() if command_byte == COM_QUERY else "")
        ex = Exchange(name, title, self.meta(command, extra))
        packets = frame(payload, 0)
        self.conn.send(packets)
        ex.client(packets)
        ex.server(self.conn.read_until_quiet(quiet))
        if name:
            self.exchanges.append(ex)
        return ex

    def query(self, name, sql, **kw):
        if name:
            self.clear_warnings()
        ex = self.exchange(name, COM_QUERY, sql.encode(), **kw)
        first = payloads(ex.server_bytes())[0]
        if first[:1] == b"\xff" and name is None:
            raise RuntimeError("setup statement failed: %s: %r" % (sql, first))
        if name and first[:1] != b"\xfb":
            self.record_warning_count(ex)
        return ex

    def clear_warnings(self):
        """Only a statement that uses a table clears the server's list of warnings; one that
        uses none (SELECT 1) adds to the list the previous statement left."""
        self.exchange(None, COM_QUERY, b"SELECT id FROM planet LIMIT 0")

    def record_warning_count(self, ex):
        """Adds the server's own count of the statement's warnings to the metadata, so tests
        can compare the tracker's count with it. Left out when the response ends in ERR (the
        error counts there) and after multi-statements (it is the last statement's count)."""
        if payloads(ex.server_bytes())[-1][:1] == b"\xff" or b";" in ex.events[0][1]:
            return
        answer = self.exchange(None, COM_QUERY, b"SELECT @@warning_count").server_bytes()
        rows = [p for p in payloads(answer)[2:] if p[:1] != b"\xfe"]
        ex.meta.append(("warning_count", rows[0][1:1 + rows[0][0]].decode()))

    def prepare(self, name, sql):
        ex = self.exchange(name, COM_STMT_PREPARE, sql.encode(),
                           title="COM_STMT_PREPARE: " + sql)
        first = payloads(ex.server_bytes())[0]
        if first[:1] == b"\xff":
            return None
        return struct.unpack_from("<I", first, 1)[0]

    def execute(self, name, stmt_id, title, flags=0, params=()):
        """COM_STMT_EXECUTE; params are (mysql type, bytes or None)."""
        if flags == 0:
            self.clear_warnings()
        body = struct.pack("<IBI", stmt_id, flags, 1)
        if params:
            bitmap = bytearray((len(params) + 7) // 8)
            for i, (_, value) in enumerate(params):
                if value is None:
                    bitmap[i // 8] |= 1 << (i % 8)
            body += bytes(bitmap) + b"\x01"
            body += b"".join(struct.pack("<BB", t, 0) for t, _ in params)
            body += b"".join(v for _, v in params if v is not None)
        ex = self.exchange(name, COM_STMT_EXECUTE, body, title="COM_STMT_EXECUTE: " + title)
        if flags == 0:
            self.record_warning_count(ex)
        return ex

    def close(self):
        self.conn.send(frame(b"\x01", 0))  # COM_QUIT
        self.conn.close()


MYSQL_TYPE_LONGLONG = 0x08
MYSQL_TYPE_VAR_STRING = 0xFD

TYPES_SQL = (
    "SELECT 1 AS i, -9223372036854775808 AS big, 18446744073709551615 AS ubig, 3.14 AS dec1, "
    "2.5e0 AS dbl, CAST(1.5 AS FLOAT) AS flt, DATE '2024-02-29' AS d, TIME '-838:59:59' AS t, "
    "TIMESTAMP '2024-02-29 23:59:59.123456' AS ts, NULL AS n, '' AS empty, 'h\u00e9llo' AS utf8, "
    "X'00FF10' AS bin, CAST(NULL AS SIGNED) AS null_int, b'101' AS bits, "
    "CAST(NULL AS DATE) AS null_date, JSON_OBJECT('k', 1) AS js")

LENGTHS_SQL = ("SELECT REPEAT('a', 250) AS l250, REPEAT('b', 251) AS l251, "
               "REPEAT('c', 65535) AS l65535, REPEAT('d', 65536) AS l65536")


def capture_variant(args, variant):
    exchanges = []
    s = Session(args, variant, exchanges)
    s.connect()
    s.query("query_select_planet", "SELECT * FROM planet")
    s.query("query_select_types", TYPES_SQL, title="COM_QUERY: many column types and NULLs")
    s.query("query_lenenc_lengths", LENGTHS_SQL,
            title="COM_QUERY: strings of 250, 251, 65535 and 65536 bytes")
    s.query("query_empty_result", "SELECT id, name FROM planet WHERE id < 0")
    s.query("query_warning", "SELECT 1/0 AS division")
    s.query(None, "CREATE TEMPORARY TABLE wire_capture_insert "
            "(id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(32))")
    s.query("query_insert", "INSERT INTO wire_capture_insert (name) VALUES ('a'), ('b'), ('c')")
    s.query("query_insert_warning", "INSERT IGNORE INTO wire_capture_insert (name) "
            "VALUES ('e'), (REPEAT('f', 40))",
            title="COM_QUERY: INSERT IGNORE that truncates a value (OK with a warning)")
    s.query("query_warning_before_metadata", "SELECT id FROM planet WHERE id = 1 AND 1/0",
            title="COM_QUERY: warnings raised before the column definitions are sent")
    s.query("query_error_after_metadata", "SELECT id, (SELECT id FROM planet) AS sub FROM planet",
            title="COM_QUERY: a subquery error raised while rows are produced")
    s.query("query_unknown_table", "SELECT * FROM no_such_table")
    s.query("query_multi_statement", "SELECT 1; SELECT 2")
    s.query("query_multi_statement_error", "SELECT 1; SELECT * FROM no_such_table; SELECT 3")
    s.query(None, "CREATE OR REPLACE PROCEDURE wire_capture_two_results() "
            "BEGIN SELECT id FROM planet WHERE id <= 2; SELECT name FROM planet WHERE id = 3; END")
    s.query("query_call_two_results", "CALL wire_capture_two_results()")
    s.query(None, "DROP PROCEDURE wire_capture_two_results")
    s.query("query_begin", "BEGIN")
    s.query("query_commit", "COMMIT")
    s.query("query_set_time_zone", "SET time_zone = '+01:00'")

    # LOAD DATA LOCAL INFILE: the server asks for the file (0xFB), the client sends its
    # content and an empty packet, the server answers with OK.
    s.query(None, "CREATE TEMPORARY TABLE wire_capture_infile (id INT, name VARCHAR(32))")
    ex = s.query("query_load_data_local",
                 "LOAD DATA LOCAL INFILE 'planets.csv' INTO TABLE wire_capture_infile "
                 "FIELDS TERMINATED BY ','")
    seq = (ex.server_bytes()[3] + 1) & 0xFF
    data = b"1,Mercury\n2,Venus\n3,Earth\n"
    packets = frame(data, seq) + frame(b"", seq + 1)
    s.conn.send(packets)
    ex.client(packets)
    ex.server(s.conn.read_until_quiet())

    # Prepared statements.
    with_params = s.prepare("stmt_prepare_params",
                            "SELECT id, name FROM planet WHERE id > ? AND name <> ?")
    no_params = s.prepare("stmt_prepare_no_params", "SELECT id, name FROM planet")
    s.prepare("stmt_prepare_error", "SELECT * FROM no_such_table WHERE id = ?")
    types = s.prepare("stmt_prepare_types", TYPES_SQL)
    insert = s.prepare("stmt_prepare_insert", "INSERT INTO wire_capture_insert (name) VALUES (?)")
    s.execute("stmt_execute_params", with_params, "id > 2 AND name <> 'Mars' (binary rows)",
              params=[(MYSQL_TYPE_LONGLONG, struct.pack("<q", 2)),
                      (MYSQL_TYPE_VAR_STRING, lenenc(4) + b"Mars")])
    s.execute("stmt_execute_null_param", with_params, "id > NULL (no rows)",
              params=[(MYSQL_TYPE_LONGLONG, None), (MYSQL_TYPE_VAR_STRING, lenenc(1) + b"x")])
    s.execute("stmt_execute_types", types, "many column types and NULLs (binary rows)")
    s.execute("stmt_execute_insert", insert, "INSERT (OK)",
              params=[(MYSQL_TYPE_VAR_STRING, lenenc(1) + b"d")])
    s.execute("stmt_execute_cursor", no_params, "read-only cursor: metadata only", flags=1)
    fetch3 = struct.pack("<II", no_params, 3)
    s.exchange("stmt_fetch_rows", COM_STMT_FETCH, fetch3,
               title="COM_STMT_FETCH: 3 rows of 8 (cursor stays open)")
    s.exchange("stmt_fetch_last", COM_STMT_FETCH, struct.pack("<II", no_params, 10),
               title="COM_STMT_FETCH: 10 rows, 5 left (last row sent)")
    s.exchange("stmt_fetch_exhausted", COM_STMT_FETCH, fetch3,
               title="COM_STMT_FETCH: after the last row")
    s.exchange("stmt_reset", COM_STMT_RESET, struct.pack("<I", no_params),
               title="COM_STMT_RESET")
    s.exchange("stmt_close", COM_STMT_CLOSE, struct.pack("<I", with_params),
               title="COM_STMT_CLOSE (the server sends nothing)")
    s.exchange("stmt_execute_unknown", COM_STMT_EXECUTE, struct.pack("<IBI", with_params, 0, 1),
               title="COM_STMT_EXECUTE: a closed statement (ERR)")

    # Other commands.
    s.exchange("field_list", COM_FIELD_LIST, b"planet\0", title="COM_FIELD_LIST: planet")
    s.exchange("field_list_unknown", COM_FIELD_LIST, b"no_such_table\0",
               title="COM_FIELD_LIST: no_such_table (ERR)")
    s.exchange("statistics", COM_STATISTICS, b"")
    s.exchange("ping", COM_PING, b"")
    s.exchange("init_db", COM_INIT_DB, b"tutorial", title="COM_INIT_DB: tutorial")
    s.exchange("init_db_unknown", COM_INIT_DB, b"no_such_db", title="COM_INIT_DB: no_such_db")
    s.exchange("set_option", COM_SET_OPTION, struct.pack("<H", 0),
               title="COM_SET_OPTION: MYSQL_OPTION_MULTI_STATEMENTS_ON")
    s.exchange("reset_connection", COM_RESET_CONNECTION, b"")
    s.query("query_large_row", "SELECT REPEAT('x', 17*1024*1024) AS big",
            title="COM_QUERY: one row of 17 MiB (split into 0xFFFFFF chunks)", quiet=1.0)

    # COM_CHANGE_USER naming a plugin the account does not use: the server switches it.
    body = args.user.encode() + b"\0" + b"\0" + b"tutorial\0" + struct.pack("<H", 45)
    body += b"caching_sha2_password\0"
    if s.caps & CLIENT_CONNECT_ATTRS:
        body += lenenc(0)
    ex = s.exchange("change_user", COM_CHANGE_USER, body,
                    title="COM_CHANGE_USER: auth switch request, scramble, OK")
    switch = payloads(ex.server_bytes())[0]
    assert switch[:1] == b"\xfe", switch
    data = switch[1:].split(b"\0", 1)[1].rstrip(b"\0")
    packets = frame(native_password_scramble(args.password, data), ex.server_bytes()[3] + 1)
    s.conn.send(packets)
    ex.client(packets)
    ex.server(s.conn.read_until_quiet())
    s.close()

    # The connection phase, failing and switching.
    failing = Session(args, variant, exchanges)
    failing.connect(record_as=("auth_wrong_password", "handshake response with a wrong "
                               "password, then the server's ERR"), password="wrong")
    failing.conn.close()
    switching = Session(args, variant, exchanges)
    switching.connect(record_as=("auth_switch", "handshake response naming another plugin: "
                                 "auth switch request, scramble, OK"),
                      plugin="caching_sha2_password")
    switching.close()
    return exchanges


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SQLCACHE_MYSQL_PORT",
                                                                       13306)))
    parser.add_argument("--user", default="sqlcache")
    parser.add_argument("--password", default="sqlcache")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "wire"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for variant in VARIANTS:
        for ex in capture_variant(args, variant):
            path = ex.write(args.out, variant)
            print("%-60s %8d server bytes" % (os.path.relpath(path), len(ex.server_bytes())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
