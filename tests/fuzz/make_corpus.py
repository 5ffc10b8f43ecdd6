#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from real inputs,
prefixed with the selector bytes each target reads first (see the comment at the top of each
fuzz_*.cpp):

  wire targets, fuzz_stmt_execute   the MariaDB captures in tests/data/wire/
                                    (tests/tools/capture_mariadb.py)
  fuzz_cached_result                the result sets of those captures, stored the way the proxy
                                    stores them (SQCR header, generations, CRC-32C)
  fuzz_text_result                  the COM_QUERY responses of those captures, and schema
                                    catalogs (views, foreign keys, triggers) built here
  fuzz_resp_reply                   the redis-server captures in tests/data/resp/
                                    (tests/tools/capture_redis.py), and the messages of the
                                    near cache's listener (TRACKING_CAPTURES)
  fuzz_sql_analysis                 the statements of the SQL unit tests, the docs, the captured
                                    COM_QUERY/COM_STMT_PREPARE texts, sysbench's OLTP statements
                                    (/usr/share/sysbench/oltp_common.lua) and the bench queries
  fuzz_config_loader                tests/data/config/, the deploy/ configurations, the YAML
                                    blocks of the docs; command lines from the docs and deploy/

Seeds stay small: an input over MAX_SEED bytes is left out (the 17 MiB row, the 64 KiB strings).

Usage: make_corpus.py   (rewrites the corpus folders)
"""
import glob
import hashlib
import importlib
import os
import pkgutil
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
CAPTURES = os.path.join(HERE, "..", "data", "wire")
RESP_CAPTURES = os.path.join(HERE, "..", "data", "resp")
SYSBENCH_OLTP = "/usr/share/sysbench/oltp_common.lua"
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED = 4096

# fuzz_response_tracker's shape selector: index into kShapes.
SHAPES = {"None": 0, "SinglePacket": 1, "ResultSets": 2, "Prepare": 3, "FieldList": 4,
          "Fetch": 5, "Auth": 6}
COMMAND_SHAPES = {
    "COM_QUERY": "ResultSets", "COM_STMT_EXECUTE": "ResultSets", "COM_STMT_PREPARE": "Prepare",
    "COM_FIELD_LIST": "FieldList", "COM_STMT_FETCH": "Fetch", "COM_CHANGE_USER": "Auth",
    "handshake response": "Auth", "COM_STMT_CLOSE": "None",
}
# Capability selector bits of fuzz_response_tracker (1: DEPRECATE_EOF, 2: SESSION_TRACK) and
# fuzz_generic_packets (1: PROTOCOL_41, 2: TRANSACTIONS, 4: SESSION_TRACK, 8: DEPRECATE_EOF).
TRACKER_CAPS = {"classic": 0, "deprecate_eof": 3}
PACKET_CAPS = {"classic": 3, "deprecate_eof": 15}


def decode(text):
    out = bytearray()
    for token in re.findall(r"\([0-9a-f]{2}\*\d+\)|[0-9a-f]{2}", text):
        if token.startswith("("):
            byte, count = token[1:-1].split("*")
            out += bytes([int(byte, 16)]) * int(count)
        else:
            out.append(int(token, 16))
    return bytes(out)


def load(path):
    meta, packets = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                key, _, value = line[1:].strip().partition(": ")
                meta[key] = value
            elif line[:1] in ("C", "S"):
                packets.append((line[0], decode(line[1:])))
    return meta, packets


def write(target, name, data):
    if len(data) > MAX_SEED:
        return
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


TARGETS = ("fuzz_packet_framing", "fuzz_handshake", "fuzz_response_tracker",
           "fuzz_generic_packets", "fuzz_stmt_execute", "fuzz_cached_result", "fuzz_resp_reply",
           "fuzz_sql_analysis", "fuzz_config_loader", "fuzz_text_result")


def main():
    for target in TARGETS:
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    wire_seeds()
    stmt_execute_seeds()
    cached_result_seeds()
    text_result_seeds()
    resp_seeds()
    tracking_seeds()
    sql_seeds()
    config_seeds()


def wire_seeds():
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        variant = name.rsplit(".", 1)[1]
        meta, packets = load(path)
        server = b"".join(p for d, p in packets if d == "S")
        command = meta.get("command", "")

        write("fuzz_packet_framing", name, b"\x05" + server)  # limit selector 5: no limit
        shape = COMMAND_SHAPES.get(command, "SinglePacket")
        if command != "greeting" and server:
            write("fuzz_response_tracker", name,
                  bytes([SHAPES[shape], TRACKER_CAPS[variant], len(name)]) + server)
        last = server_payloads(server)[-1:] if server else []
        if last and last[0][:1] in (b"\x00", b"\xfe", b"\xff"):
            write("fuzz_generic_packets", name, bytes([PACKET_CAPS[variant]]) + last[0])
        if command == "greeting":
            write("fuzz_handshake", name, b"\0" * 8 + server[4:])
        elif command == "handshake response":
            response = [p for d, p in packets if d == "C"][0][4:]
            write("fuzz_handshake", name, response[:4] + b"\0" * 4 + response)
        if command in ("COM_CHANGE_USER", "handshake response") and server[4:5] == b"\xfe":
            write("fuzz_handshake", name + ".switch", b"\0" * 8 + server_payloads(server)[0])
        client = [p for d, p in packets if d == "C"]
        if client and command.startswith("COM_"):
            write("fuzz_generic_packets", name + ".command",
                  bytes([PACKET_CAPS[variant]]) + client[0][4:])


def server_payloads(stream):
    out, current, pos = [], b"", 0
    while pos + 4 <= len(stream):
        length = int.from_bytes(stream[pos:pos + 3], "little")
        current += stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        if length < 0xFFFFFF:
            out.append(current)
            current = b""
    return out


# --- fuzz_stmt_execute -----------------------------------------------------------------------
# The captures hold the executes, not the prepares: how many parameters each statement has
# (from the statement in its title, and checked against the payload below).
EXECUTE_PARAMS = {"stmt_execute_params": 2, "stmt_execute_null_param": 2,
                  "stmt_execute_insert": 1}
FIXED = 1 + 4 + 1 + 4  # command, statement id, flags, iteration count


def stmt_execute_seeds():
    for path in sorted(glob.glob(os.path.join(CAPTURES, "stmt_execute*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        _, packets = load(path)
        payload = [p for d, p in packets if d == "C"][0][4:]
        n = EXECUTE_PARAMS.get(name.split(".")[0], 0)
        bitmap = (n + 7) // 8
        if n:
            assert len(payload) >= FIXED + bitmap + 1 + 2 * n and payload[FIXED + bitmap] == 1, name
        write("fuzz_stmt_execute", name, struct.pack("<HB", n, 0) + payload)
        if n:
            # The same execute as a client sends it the next time: types left out (flag 0),
            # the proxy remembering some.
            head = payload[:FIXED + bitmap]
            values = payload[FIXED + bitmap + 1 + 2 * n:]
            write("fuzz_stmt_execute", name + ".rebound",
                  struct.pack("<HB", n, 8) + head + b"\0" + values)


# --- fuzz_cached_result ----------------------------------------------------------------------
def lenenc_string(value):
    data = value.encode()
    assert len(data) < 0xFB
    return bytes([len(data)]) + data


def text_response(columns, rows, deprecate_eof):
    """A text result set as MariaDB frames it: column count, definitions, (EOF), rows, end."""
    payloads = [bytes([len(columns)])]
    for name in columns:
        payloads.append(b"".join(lenenc_string(s) for s in ("def", "", "", "", name, ""))
                        + b"\x0c\x21\x00\xff\xff\xff\x00\xfd\x00\x00\x00\x00\x00")
    if not deprecate_eof:
        payloads.append(b"\xfe\x00\x00\x02\x00")
    for row in rows:
        payloads.append(b"".join(b"\xfb" if v is None else lenenc_string(v) for v in row))
    payloads.append(b"\xfe\x00\x00\x02\x00\x00\x00" if deprecate_eof else b"\xfe\x00\x00\x02\x00")
    return b"".join(struct.pack("<I", len(p))[:3] + bytes([(i + 1) % 256]) + p
                    for i, p in enumerate(payloads))


# Catalog rows like cache/schema_catalog.cpp's query returns them.
CATALOGS = {
    "shop": [
        ("T", "shop", "orders", None, None, None),
        ("T", "shop", "order_lines", None, None, None),
        ("T", "shop", "stock", None, None, None),
        ("T", "shop", "open_orders", None, None, None),
        ("V", "shop", "open_orders",
         "select `o`.`id` AS `id` from `shop`.`orders` `o` where `o`.`open` = 1", None, None),
        ("F", "shop", "order_lines", "shop", "orders", "RESTRICT/CASCADE"),
        ("G", "shop", "order_lines", "UPDATE stock SET qty = qty - NEW.qty", "lines_ai", None),
    ],
    "hidden": [
        ("T", "app", "t", None, None, None),
        ("T", "app", "v", None, None, None),
        ("V", "app", "v", "", None, None),
        ("G", "app", "t", None, "t_ai", None),
        ("G", "app", "v", "BEGIN CALL p(); END", "v_ai", None),
    ],
}


def text_result_seeds():
    for path in sorted(glob.glob(os.path.join(CAPTURES, "query_*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        variant = name.rsplit(".", 1)[1]
        _, packets = load(path)
        server = b"".join(p for d, p in packets if d == "S")
        write("fuzz_text_result", name, bytes([1 if variant == "deprecate_eof" else 0]) + server)
    columns = ("T", "TABLE_SCHEMA", "TABLE_NAME", "NULL", "NULL", "NULL")
    for name, rows in CATALOGS.items():
        for deprecate_eof in (0, 1):
            write("fuzz_text_result", f"catalog_{name}.{deprecate_eof}",
                  bytes([deprecate_eof]) + text_response(columns, rows, deprecate_eof))


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def sqcr(generations, response, binary):
    """cache/cached_result.hpp's format."""
    head = b"SQCR" + bytes([1, 1 if binary else 0]) + struct.pack("<H", len(generations))
    body = b"".join(struct.pack("<Q", g) for g in generations) + response
    crc = crc32c(body, crc32c(head))
    return head + struct.pack("<I", crc) + body


def cached_result_seeds():
    autocommit = 0x0002
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        variant = name.rsplit(".", 1)[1]
        meta, packets = load(path)
        command = meta.get("command", "")
        if command not in ("COM_QUERY", "COM_STMT_EXECUTE"):
            continue
        server = b"".join(p for d, p in packets if d == "S")
        if not server or server[4] in (0x00, 0xFB, 0xFF):
            continue  # not a result set
        value = sqcr([1, 5], server, command == "COM_STMT_EXECUTE")
        selector = (autocommit << 2) | (2 if variant == "deprecate_eof" else 0)
        write("fuzz_cached_result", name, bytes([selector]) + value)


# --- fuzz_resp_reply -------------------------------------------------------------------------
def resp_seeds():
    for path in sorted(glob.glob(os.path.join(RESP_CAPTURES, "*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        _, packets = load(path)
        request = b"".join(p for d, p in packets if d == "C")
        reply = b"".join(p for d, p in packets if d == "S")
        # The generation count the lookup readers expect: the keys of the MGET, if any.
        generations = request.count(b"MGET") and request.split(b"MGET", 1)[1].count(b"$")
        seed = int(hashlib.sha256(name.encode()).hexdigest()[:2], 16) or 1
        write("fuzz_resp_reply", name, bytes([seed, generations % 8]) + reply)


# What redis-server 7.0.15 sent the near cache's listener, read with a raw socket: the replies
# to CLIENT ID, CLIENT TRACKING and SUBSCRIBE, invalidations of one and of two keys, the one of
# a FLUSHALL (a nil list), and the answer to a PING on a subscribed connection.
TRACKING_CAPTURES = {
    "tracking_setup": b":4\r\n+OK\r\n*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n",
    "tracking_invalidations": (
        b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$11\r\nt:gen:t:a.b\r\n"
        b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$7\r\nt:gen:x\r\n"
        b"$7\r\nt:gen:y\r\n"),
    "tracking_flush_and_pong": (b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"
                                b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
}


def tracking_seeds():
    for name, reply in TRACKING_CAPTURES.items():
        write("fuzz_resp_reply", name, bytes([1, 0]) + reply)


# --- fuzz_sql_analysis -----------------------------------------------------------------------
# fuzz_sql_analysis's selector: bit 0 prepared, bit 1 NO_BACKSLASH_ESCAPES, bit 2 ANSI_QUOTES,
# bits 3-4 server (0 unknown, 1 MySQL 8.0.34, 2 MariaDB 10.11.6).
SQL_PREPARED, SQL_ANSI, SQL_MYSQL8, SQL_MARIADB = 1, 4, 1 << 3, 2 << 3
SQL_STARTERS = {
    "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "REPLACE", "SET", "USE", "CREATE", "DROP",
    "ALTER", "TRUNCATE", "RENAME", "CALL", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "ANALYZE",
    "LOCK", "UNLOCK", "GRANT", "REVOKE", "PREPARE", "EXECUTE", "DEALLOCATE", "HANDLER", "FLUSH",
    "DO", "BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "LOAD", "TABLE",
    "VALUES", "HELP", "CHECK", "CHECKSUM", "CACHE", "XA", "KILL", "OPTIMIZE", "REPAIR",
}
CPP_LITERAL = re.compile(r'R"([^(\s]*)\((.*?)\)\1"|"((?:[^"\\\n]|\\.)*)"', re.S)
SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'",
                  "v": "\v", "f": "\f", "a": "\a", "b": "\b", "?": "?"}


def unescape_cpp(text):
    out, i = bytearray(), 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = text[i + 1]
        if e == "x":
            m = re.match(r"[0-9a-fA-F]+", text[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        else:
            out += SIMPLE_ESCAPES.get(e, e).encode()
            i += 2
    return bytes(out)


def cpp_string_literals(source):
    """Each string literal of a C++ file, adjacent literals joined as the compiler does."""
    out, last_end, current = [], None, None
    for m in CPP_LITERAL.finditer(source):
        value = m.group(2).encode() if m.group(2) is not None else unescape_cpp(m.group(3))
        if current is not None and source[last_end:m.start()].strip() == "":
            current += value
        else:
            if current is not None:
                out.append(current)
            current = value
        last_end = m.end()
    if current is not None:
        out.append(current)
    return out


def looks_like_sql(text):
    t = text.lstrip()
    while t.startswith((b"(", b"/*")):
        if t.startswith(b"/*") and not t.startswith((b"/*!", b"/*M!")):
            end = t.find(b"*/")
            if end < 0:
                return False
            t = t[end + 2:].lstrip()
        elif t.startswith(b"("):
            t = t[1:].lstrip()
        else:
            return True  # an executable comment
    m = re.match(rb"([A-Za-z]+)(\s|\(|;|$)", t)
    if not m:
        return False
    word = m.group(1).decode().upper()
    if len(t) == len(m.group(1)):  # a statement of one word
        return word in ("BEGIN", "COMMIT", "ROLLBACK", "UNLOCK")
    return word in SQL_STARTERS


def sql_variants(sql):
    """The selectors a statement is worth seeding with."""
    selectors = [0]
    if b"?" in sql:
        selectors.append(SQL_PREPARED)
    if b'"' in sql:
        selectors.append(SQL_ANSI)
    if b"/*!" in sql or b"/*M!" in sql:
        selectors += [SQL_MYSQL8, SQL_MARIADB]
    return selectors


def sql_statements():
    """(origin, statement) pairs, in a stable order."""
    for path in sorted(glob.glob(os.path.join(REPO, "tests", "unit", "sql_*_test.cpp"))):
        with open(path) as f:
            for literal in cpp_string_literals(f.read()):
                if looks_like_sql(literal):
                    yield os.path.basename(path)[:-len("_test.cpp")], literal
    docs = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    for path in docs:
        with open(path, "rb") as f:
            text = f.read()
        origin = os.path.basename(path)[:-len(".md")]
        for block in re.findall(rb"```sql\n(.*?)```", text, re.S):
            for line in block.splitlines():
                if looks_like_sql(line):
                    yield origin, line
        for span in re.findall(rb"`([^`\n]+)`", text):
            if looks_like_sql(span):
                yield origin, span.replace("\u2026".encode(), b"")
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.hex"))):
        _, packets = load(path)
        client = [p for d, p in packets if d == "C"]
        if client and len(client[0]) > 5 and client[0][4] in (0x03, 0x16):
            yield "capture", client[0][5:]
    if os.path.exists(SYSBENCH_OLTP):
        with open(SYSBENCH_OLTP, "rb") as f:
            lua = f.read()
        block = lua[lua.find(b"local stmt_defs"):]
        block = block[:block.find(b"\n}")]
        for template in re.findall(rb'"((?:SELECT|UPDATE|DELETE|INSERT)[^"]*)"', block):
            prepared = template.replace(b"%u", b"1")
            yield "sysbench", prepared
            yield "sysbench", prepared.replace(b"?", b"5003")  # --db-ps-mode=disable
    sys.path.insert(0, REPO)
    try:
        import bench.lib.scenarios as scenarios
        for module in pkgutil.iter_modules(scenarios.__path__):
            mod = importlib.import_module("bench.lib.scenarios." + module.name)
            for attr in sorted(dir(mod)):
                value = getattr(mod, attr)
                if attr.endswith("QUERY") and isinstance(value, str):
                    yield "bench", value.format(n=1).encode()
    except ImportError as e:  # the bench needs MySQLdb; without it, its queries are left out
        print("make_corpus.py: bench queries left out: %s" % e, file=sys.stderr)


def sql_seeds():
    seen = set()
    for origin, sql in sql_statements():
        for selector in sql_variants(sql):
            seed = bytes([selector]) + sql
            if seed in seen:
                continue
            seen.add(seed)
            digest = hashlib.sha256(seed).hexdigest()[:12]
            write("fuzz_sql_analysis", "%s-%s" % (origin, digest), seed)


# --- fuzz_config_loader ----------------------------------------------------------------------
def config_files():
    for path in sorted(glob.glob(os.path.join(REPO, "tests", "data", "config", "*.yaml"))):
        with open(path, "rb") as f:
            yield "data-" + os.path.basename(path)[:-len(".yaml")], f.read()
    for path in ("deploy/docker/sqlcache.yaml", "deploy/systemd/sqlcache.yaml"):
        with open(os.path.join(REPO, path), "rb") as f:
            yield path.split("/")[1] + "-sqlcache", f.read()
    with open(os.path.join(REPO, "deploy", "kubernetes", "configmap.yaml"), "rb") as f:
        configmap = f.read()
    embedded = configmap.split(b"sqlcache.yaml: |\n", 1)[1]
    yield "kubernetes-configmap", b"".join(
        line[4:] + b"\n" for line in embedded.splitlines() if line.startswith(b"    ") or not line)
    docs = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    for path in docs:
        with open(path, "rb") as f:
            text = f.read()
        origin = os.path.basename(path)[:-len(".md")]
        for i, block in enumerate(re.findall(rb"```yaml\n(.*?)```", text, re.S)):
            yield "%s-yaml%d" % (origin, i), block


def command_lines():
    docs = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    for path in docs:
        with open(path, "rb") as f:
            text = f.read().replace(b"\\\n", b" ")
        for line in re.findall(rb"^\s*(?:sqlcache|docker run [^\n]*?sqlcache:\S+) (--[^\n]*)$",
                               text, re.M):
            yield line.split(b" #")[0].split()
    with open(os.path.join(REPO, "deploy", "systemd", "sqlcache.service"), "rb") as f:
        for line in f:
            if line.startswith(b"ExecStart="):
                yield line.split()[1:]


def config_seeds():
    for name, text in config_files():
        write("fuzz_config_loader", name, b"\0" + text)
    seen = set()
    for args in command_lines():
        seed = b"\1" + b"\0".join(args)
        if seed not in seen:
            seen.add(seed)
            write("fuzz_config_loader", "argv-" + hashlib.sha256(seed).hexdigest()[:12], seed)


if __name__ == "__main__":
    main()
