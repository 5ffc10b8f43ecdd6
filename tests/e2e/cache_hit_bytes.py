#!/usr/bin/python3
"""A cache hit is byte-for-byte the database's own response. A raw-socket client (lib/
raw_mysql.py) sends the same COM_QUERY three times, to the database and twice to the proxy,
and keeps every byte of each text result (packet headers included): the miss, the hit and
the direct response must be identical, and the hit must not reach the database (Com_select
does not move). Done with the classic result format and with CLIENT_DEPRECATE_EOF (the OK
packet that ends the rows instead of EOF), which are different bytes and separate entries;
with Redis when configured, and with the in-process store.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import cache_e2e  # noqa: E402
import proxy  # noqa: E402
import raw_mysql  # noqa: E402

CLIENT_DEPRECATE_EOF = 0x01000000
COM_QUERY = 0x03
QUERIES = [
    "SELECT * FROM tutorial.planet ORDER BY id",
    "SELECT id, name, 1.5 AS ratio, NULL AS nothing, CAST('2024-02-29' AS DATE) AS day, "
    "'Zürich 東京' AS text FROM tutorial.planet WHERE id IN (3, 4) ORDER BY id",
    "SELECT name FROM tutorial.planet WHERE id = 99",  # no rows
]


class Client(raw_mysql.RawConnection):
    """The raw client, optionally asking for CLIENT_DEPRECATE_EOF."""

    def __init__(self, port, deprecate_eof):
        super().__init__(proxy.HOST, port, timeout=10)
        self.deprecate_eof = deprecate_eof
        self.login(proxy.MYSQL_USER, proxy.MYSQL_PASSWORD)

    def handshake_response(self, greeting, user, password):
        payload = super().handshake_response(greeting, user, password)
        if not self.deprecate_eof:
            return payload
        if not greeting["capabilities"] & CLIENT_DEPRECATE_EOF:
            proxy.fail("the server did not offer CLIENT_DEPRECATE_EOF")
        caps = int.from_bytes(payload[:4], "little") | CLIENT_DEPRECATE_EOF
        return caps.to_bytes(4, "little") + payload[4:]

    def query_bytes(self, sql):
        """Every byte of the response to COM_QUERY `sql`, which must be one result set."""
        self.send_raw(raw_mysql.packet(bytes([COM_QUERY]) + sql.encode(), 0))
        response = b""

        def next_packet():
            nonlocal response
            sequence_id, payload = self.read_packet()
            response += raw_mysql.packet(payload, sequence_id)
            return payload

        first = next_packet()
        if first[:1] in (b"\x00", b"\xff") or first[0] >= 0xFB:
            proxy.fail(f"{sql!r}: expected a result set, got {first[:60]!r}")
        for _ in range(first[0]):  # column count (< 251: one byte)
            next_packet()
        if not self.deprecate_eof:
            if next_packet()[:1] != b"\xfe":
                proxy.fail(f"{sql!r}: no EOF after the column definitions")
        while True:
            payload = next_packet()
            if payload[:1] == b"\xff":
                proxy.fail(f"{sql!r}: error in the rows: {payload!r}")
            if payload[:1] == b"\xfe" and len(payload) < 0xFFFFFF:
                return response  # EOF, or the OK that replaces it


def check_store(store, deprecate_eof, reference):
    label = f"store {store}, {'CLIENT_DEPRECATE_EOF' if deprecate_eof else 'classic EOF'}"
    config = cache_e2e.ConfigFile(store=store, key_prefix=cache_e2e.prefix())
    checked = 0
    with proxy.Proxy("--config", config.path) as p:
        client = Client(p.port, deprecate_eof)
        for index, sql in enumerate(QUERIES):
            expected_miss = 1 + (cache_e2e.FIRST_MISS_CATALOG_READS if index == 0 else 0)
            with cache_e2e.Counter("Com_select") as miss_selects:
                miss = client.query_bytes(sql)
            with cache_e2e.Counter("Com_select") as hit_selects:
                hit = client.query_bytes(sql)
            if miss != reference[sql]:
                proxy.fail(f"{label}: {sql!r}: the relayed miss differs from the database's "
                           f"bytes:\n  direct {reference[sql].hex()}\n  proxy  {miss.hex()}")
            if hit != reference[sql]:
                proxy.fail(f"{label}: {sql!r}: the hit differs from the database's bytes:\n"
                           f"  direct {reference[sql].hex()}\n  hit    {hit.hex()}")
            if cache_e2e.expect_hits():
                if miss_selects.delta != expected_miss:
                    proxy.fail(f"{label}: {sql!r}: the first run made {miss_selects.delta} "
                               f"SELECTs on the backend, expected {expected_miss} (a miss)")
                if hit_selects.delta != 0:
                    proxy.fail(f"{label}: {sql!r}: the second run reached the backend "
                               f"({hit_selects.delta} SELECTs): not a hit")
            checked += 1
        client.close()
    config.close()
    proxy.log(f"{label}: {checked} responses identical to the database's, hits served from "
              "the cache")


def main():
    proxy.require_server()
    stores = ["memory"] + ([cache_e2e.redis_url()] if proxy.REDIS_PORT else [])
    for deprecate_eof in (False, True):
        direct = Client(proxy.MYSQL_PORT, deprecate_eof)
        reference = {sql: direct.query_bytes(sql) for sql in QUERIES}
        direct.close()
        for store in stores:
            check_store(store, deprecate_eof, reference)
    print(f"{proxy.TEST_NAME}: ok")


if __name__ == "__main__":
    main()
