#!/usr/bin/python3
"""A client sending garbage gets an error packet or a closed connection, never a hang, and it
does not disturb anyone else: a pymysql client connected at the same time keeps getting
correct answers between and after the garbage, new clients can still log in, and the proxy
process survives.

Every read has a timeout, so a proxy that waits forever on a broken client fails the test
with "HANG" instead of blocking ctest."""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402

import proxy  # noqa: E402
from raw_mysql import (COM_PING, Closed, RawConnection, error_code,  # noqa: E402
                       packet)

READ_TIMEOUT = 10.0
PLANETS = "SELECT id, name FROM tutorial.planet ORDER BY id"


def outcome_after(conn):
    """Reads until the peer answers with ERR or closes. Returns 'error <code>' or 'closed'."""
    while True:
        try:
            _, payload = conn.read_packet()
        except Closed:
            return "closed"
        code = error_code(payload)
        if code is not None:
            return f"error {code}"


def half_close(conn):
    """We will send nothing more: a peer waiting for the rest of a packet sees end of file."""
    conn.sock.shutdown(socket.SHUT_WR)


def logged_in(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    conn.login(proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
    return conn


# Each case sends one kind of garbage and returns what came back ('error <code>', 'closed'),
# or None for cases that close before reading. socket.timeout escapes as a hang.

def http_request_instead_of_handshake(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    conn.send_raw(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    half_close(conn)
    conn.read_greeting()
    return outcome_after(conn)


def packet_length_larger_than_data(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    conn.read_greeting()
    conn.send_raw(b"\xff\xff\xff\x01" + b"\x00" * 20)  # claims 16 MiB - 1, sends 20 bytes
    half_close(conn)
    return outcome_after(conn)


def framed_garbage_handshake_response(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    conn.read_greeting()
    conn.send_raw(packet(bytes((i * 37 + 11) % 256 for i in range(64)), 1))
    return outcome_after(conn)


def empty_handshake_response(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    conn.read_greeting()
    conn.send_raw(packet(b"", 1))
    return outcome_after(conn)


def handshake_response_with_wrong_sequence_id(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    greeting = conn.read_greeting()
    response = conn.handshake_response(greeting, proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
    conn.send_raw(packet(response, 7))
    return outcome_after(conn)


def truncated_handshake_response_then_close(target):
    conn = RawConnection(target.host, target.port, READ_TIMEOUT)
    greeting = conn.read_greeting()
    response = conn.handshake_response(greeting, proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)
    full = packet(response, 1)
    conn.send_raw(full[:len(full) // 2])
    conn.close()
    return None


def connect_and_close_at_once(target):
    RawConnection(target.host, target.port, READ_TIMEOUT).close()
    return None


def unknown_command_after_login(target):
    conn = logged_in(target)
    reply = conn.command(b"\xee")
    code = error_code(reply)
    if code is None:
        return f"unexpected reply {reply[:16]!r}"
    # The server keeps the session after an unknown command; so should the proxy.
    try:
        after = conn.command(bytes([COM_PING]))
    except Closed:
        return f"error {code}, then closed"
    ping = "OK" if after[:1] == b"\x00" else repr(after[:16])
    return f"error {code}, then ping {ping}"


def empty_command_packet_after_login(target):
    conn = logged_in(target)
    conn.send_raw(packet(b"", 0))
    return outcome_after(conn)


def packet_length_larger_than_data_after_login(target):
    conn = logged_in(target)
    conn.send_raw(b"\xe8\x03\x00\x00\x03SELECT")  # claims 1000 bytes, sends 7
    half_close(conn)
    return outcome_after(conn)


CASES = [
    http_request_instead_of_handshake,
    packet_length_larger_than_data,
    framed_garbage_handshake_response,
    empty_handshake_response,
    handshake_response_with_wrong_sequence_id,
    truncated_handshake_response_then_close,
    connect_and_close_at_once,
    unknown_command_after_login,
    empty_command_packet_after_login,
    packet_length_larger_than_data_after_login,
]


def pymysql_connect(target):
    return pymysql.connect(host=target.host, port=target.port, user=proxy.MYSQL_USER,
                           password=proxy.MYSQL_PASSWORD, autocommit=True, connect_timeout=10,
                           read_timeout=READ_TIMEOUT, write_timeout=READ_TIMEOUT)


def planets(conn):
    with conn.cursor() as cur:
        cur.execute(PLANETS)
        return cur.fetchall()


def main():
    proxy.require_server()
    direct = pymysql.connect(host=proxy.HOST, port=proxy.MYSQL_PORT, user=proxy.MYSQL_USER,
                             password=proxy.MYSQL_PASSWORD, autocommit=True, connect_timeout=10)
    expected = planets(direct)
    direct.close()
    if len(expected) != 8:
        proxy.fail(f"tutorial.planet should hold the eight planets, holds {expected!r}")

    failures = []
    with proxy.Proxy("--store", "memory") as target:
        observer = pymysql_connect(target)
        if planets(observer) != expected:
            proxy.fail("the observer's first query through the proxy is already wrong")
        for case in CASES:
            try:
                result = case(target)
            except socket.timeout:
                result = "HANG"
            except Exception as e:  # a broken exchange is a result to report, not a crash
                result = f"{type(e).__name__}: {e}"
            acceptable = result is None or result == "closed" or result.startswith("error ")
            proxy.log(f"{case.__name__}: {result or 'sent, closed by us'}")
            if not acceptable:
                failures.append(f"{case.__name__}: {result}")
            if not target.alive():
                proxy.fail(f"the proxy died after {case.__name__}")
            try:
                if planets(observer) != expected:
                    failures.append(f"observer got wrong rows after {case.__name__}")
            except pymysql.MySQLError as e:
                failures.append(f"observer failed after {case.__name__}: {e}")
                observer = pymysql_connect(target)

        # Newcomers are still welcome, raw and through a driver.
        try:
            fresh = logged_in(target)
            if fresh.command(bytes([COM_PING]))[:1] != b"\x00":
                failures.append("a fresh raw login could not ping")
            fresh.close()
            late = pymysql_connect(target)
            if planets(late) != expected:
                failures.append("a fresh pymysql client got wrong rows")
            late.close()
        except Exception as e:
            failures.append(f"fresh client after the garbage failed: {type(e).__name__}: {e}")
        observer.close()

    if failures:
        proxy.fail("; ".join(failures))
    print(f"{proxy.TEST_NAME}: PASS ({len(CASES)} kinds of garbage, observer unaffected)")


if __name__ == "__main__":
    main()
