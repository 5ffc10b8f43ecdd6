#!/usr/bin/python3
"""Records the exact bytes a real redis-server answers, as seeds for the RESP fuzz target
(tests/fuzz/make_corpus.py turns them into tests/fuzz/corpus/fuzz_resp_reply/).

Speaks RESP itself over a socket (no client library, so nothing is hidden or rewritten): for
each exchange it runs the setup commands, then writes the recorded commands in one write
(pipelined, as the proxy does for a lookup: GET + MGET) and records everything the server
sends until it is quiet for QUIET_SECONDS, so the files depend on no parser of ours.

File format (the one tests/data/wire uses, read by make_corpus.py):
  # <title>                 first line
  # key: value              metadata (server version)
  C <hex>                   what the client sent
  S <hex>                   what the server answered

Start a throwaway server first, e.g.
  SQLCACHE_STATE_DIR=$PWD/.local SQLCACHE_REDIS_PORT=56379 deploy/local/redis.sh start

Usage: capture_redis.py [--port 56379] [--out tests/data/resp]
"""
import argparse
import os
import select
import socket

QUIET_SECONDS = 0.2
FIRST_BYTE_SECONDS = 10.0
PREFIX = "sqlcache-capture:"


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def k(name):
    return PREFIX + name


# A value shaped like what the proxy stores (magic, version, flags, generation count, CRC,
# generations, response bytes), with bytes that look like RESP inside: a bulk string is binary
# safe, so none of them may confuse the reader.
BINARY_VALUE = (b"SQCR\x01\x00\x02\x00\xde\xad\xbe\xef" + b"\x07" + b"\x00" * 7 + b"\x01" + b"\x00" * 7
                + b"\x01\x00\x00\x01\x01\r\n$-1\r\n*2\r\n:5\r\n\x00\xff")
EVAL_NESTED = ("return {1, 'two', {3, false, {}}, redis.status_reply('FINE'), "
               "redis.error_reply('BAD thing'), -42}")

# name: (title, setup commands, recorded commands)
EXCHANGES = {
    "set_ok": ("SET key value PX ttl (a put)", [],
               [("SET", k("entry"), "hello", "PX", "60000")]),
    "get_hit_binary": ("GET of a binary value holding CR LF and RESP-like bytes",
                       [("SET", k("binary"), BINARY_VALUE)], [("GET", k("binary"))]),
    "get_miss": ("GET of a key that does not exist (nil bulk)", [], [("GET", k("missing"))]),
    "lookup_hit": ("GET + MGET pipelined (a lookup hit: entry, then generations 7 and unset)",
                   [("SET", k("entry"), "hello"), ("SET", k("gen:a"), "7")],
                   [("GET", k("entry")), ("MGET", k("gen:a"), k("gen:unset"))]),
    "lookup_miss": ("GET + MGET pipelined (a lookup miss)", [("SET", k("gen:a"), "7")],
                    [("GET", k("missing")), ("MGET", k("gen:a"), k("gen:b"), k("gen:c"))]),
    "incr_pipelined": ("INCR × 3 pipelined (a bump)", [("SET", k("gen:a"), "7")],
                       [("INCR", k("gen:a")), ("INCR", k("gen:new")), ("INCR", k("gen:a"))]),
    "incr_not_integer": ("INCR of a value that is not a counter (error)",
                         [("SET", k("entry"), "hello")], [("INCR", k("entry"))]),
    "decr_negative": ("DECRBY below zero (negative integer)", [],
                      [("DECRBY", k("gen:neg"), "1000000000000")]),
    "get_wrongtype": ("GET of a list (WRONGTYPE error)", [("RPUSH", k("list"), "a")],
                      [("GET", k("list"))]),
    "mget_wrongtype": ("MGET over a list key (nil for it)", [("RPUSH", k("list"), "a")],
                       [("MGET", k("list"), k("missing"))]),
    "unknown_command": ("an unknown command", [], [("NOSUCHCOMMAND", "x")]),
    "auth_without_password": ("AUTH on a server without a password (error)", [],
                              [("AUTH", "secret")]),
    "auth_user_without_acl": ("AUTH user password for an unknown user (error)", [],
                              [("AUTH", "sqlcache", "secret")]),
    "select": ("SELECT 3 then an out-of-range SELECT", [],
               [("SELECT", "3"), ("SELECT", "99"), ("SELECT", "0")]),
    "ping": ("PING (status reply)", [], [("PING",)]),
    "eval_nested": ("EVAL returning nested arrays, nil, status, error and integers", [],
                    [("EVAL", EVAL_NESTED, "0")]),
    "eval_empty_array": ("EVAL returning an empty array", [], [("EVAL", "return {}", "0")]),
    "eval_nil": ("EVAL returning nil", [], [("EVAL", "return nil", "0")]),
    "eval_script_error": ("EVAL raising an error", [], [("EVAL", "error('boom')", "0")]),
    "evalsha_noscript": ("EVALSHA of an unknown script (NOSCRIPT)", [],
                         [("EVALSHA", "0" * 40, "0")]),
    "mget_many": ("MGET of 64 keys, some set", [("SET", k("g%d" % i), str(i)) for i in range(0, 64, 3)],
                  [("MGET",) + tuple(k("g%d" % i) for i in range(64))]),
    "get_large": ("GET of a 3000-byte value", [("SET", k("large"), "x" * 3000)],
                  [("GET", k("large"))]),
    "hello_2": ("HELLO 2 (server facts as a flat RESP2 array)", [], [("HELLO", "2")]),
    "wrong_arity": ("GET without a key (arity error)", [], [("GET",)]),
    "inline_garbage": ("an inline command that is not RESP", [], [b"GARBAGE IN\r\n"]),
}


def read_until_quiet(sock):
    data = b""
    timeout = FIRST_BYTE_SECONDS
    while True:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
        timeout = QUIET_SECONDS


def encode(c):
    return c if isinstance(c, bytes) else command(*c)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=56379)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "resp"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with socket.create_connection((args.host, args.port)) as sock:
        sock.sendall(command("INFO", "server"))
        info = read_until_quiet(sock).decode(errors="replace")
        version = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                        if line.startswith("redis_version:")), "unknown")
        for name, (title, setup, recorded) in EXCHANGES.items():
            sock.sendall(command("FLUSHDB"))
            read_until_quiet(sock)
            if setup:
                sock.sendall(b"".join(encode(c) for c in setup))
                read_until_quiet(sock)
            request = b"".join(encode(c) for c in recorded)
            sock.sendall(request)
            reply = read_until_quiet(sock)
            with open(os.path.join(args.out, name + ".hex"), "w") as f:
                f.write("# %s\n# server: redis %s\n" % (title, version))
                f.write("C %s\n" % request.hex())
                f.write("S %s\n" % reply.hex())
            print("%s: %d bytes" % (name, len(reply)))
        sock.sendall(command("FLUSHDB"))
        read_until_quiet(sock)


if __name__ == "__main__":
    main()
