"""One client session, written once against the Python DB-API, played by pymysql_basic.py and
mysqldb_basic.py: directly against the database (the reference) and through the proxy with
each store. It records what the application would observe (rows, column names, affected
rows, insert ids, error codes) so that two plays can be compared step by step.

The scenario works in its own scratch database, which it drops and recreates, so plays are
independent as long as they run one after another.
"""

import datetime
import decimal


class Driver:
    """What differs between pymysql and MySQLdb: how to connect, the unbuffered cursor class,
    the exception base class."""

    def __init__(self, name, connect, streaming_cursor, error):
        self.name = name
        self.connect = connect  # connect(host, port, database_or_None, autocommit) -> conn
        self.streaming_cursor = streaming_cursor
        self.error = error


ACCOUNTS = [
    (1, "alice", decimal.Decimal("100.00"), datetime.date(2020, 1, 31), "first", b"\x00\x01"),
    (2, "O'Brien \"quoted\" back\\slash", decimal.Decimal("-5.25"), datetime.date(1999, 12, 31),
     None, b"\xff\xfe\x00'\""),
    (3, "Grüße 日本語 😀", decimal.Decimal("0.10"), None, "x" * 5000, None),
    (4, "", decimal.Decimal("99999999.99"), datetime.date(2024, 2, 29), "", b""),
]


class Recorder:
    def __init__(self, error):
        self.error = error
        self.steps = []

    def add(self, label, value):
        self.steps.append((label, value))

    def query(self, cursor, label, sql, params=None):
        """Runs one statement and records its rows, column names and affected row count; an
        error from the server is recorded as its code (what the application acts on); anything
        else (a driver that lost track of the protocol) propagates and fails the test."""
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else None
            names = [d[0] for d in cursor.description] if cursor.description else None
            self.add(label, {"names": names, "rows": _as_list(rows), "rowcount": cursor.rowcount})
        except self.error as e:
            self.add(label, {"error": e.args[0] if e.args else repr(e)})


def _as_list(rows):
    return None if rows is None else [tuple(r) for r in rows]


def play(driver, host, port, database):
    r = Recorder(driver.error)
    setup = driver.connect(host, port, None, True)
    cur = setup.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS {database}")
    cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
    setup.select_db(database)  # COM_INIT_DB
    cur.execute("""CREATE TABLE account (
        id INT PRIMARY KEY, owner VARCHAR(64), balance DECIMAL(12,2), opened DATE,
        note TEXT, data BLOB) ENGINE=InnoDB""")
    cur.execute("CREATE TABLE event (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20))")

    # Parameterised writes: quoting of every kind of value is the driver's, the bytes cross
    # the proxy.
    cur.executemany("INSERT INTO account VALUES (%s, %s, %s, %s, %s, %s)", ACCOUNTS)
    r.add("executemany rowcount", cur.rowcount)
    cur.execute("INSERT INTO event (what) VALUES (%s)", ("opened",))
    r.add("insert id", cur.lastrowid)
    cur.execute("INSERT INTO event (what) VALUES (%s), (%s)", ("a", "b"))
    r.add("multi-row insert", (cur.rowcount, cur.lastrowid))

    # Reads, plain and parameterised; the same text twice (a cache may answer the second).
    for attempt in (1, 2):
        r.query(cur, f"select all #{attempt}", "SELECT * FROM account ORDER BY id")
    r.query(cur, "by owner with quotes", "SELECT id FROM account WHERE owner = %s",
            (ACCOUNTS[1][1],))
    r.query(cur, "by unicode owner", "SELECT id, owner FROM account WHERE owner LIKE %s",
            ("Grüße%",))
    r.query(cur, "in list", "SELECT id, balance FROM account WHERE id IN (%s, %s) ORDER BY id",
            (1, 4))
    r.query(cur, "null parameter", "SELECT id FROM account WHERE opened <=> %s", (None,))
    r.query(cur, "echo values", "SELECT %s, %s, %s, %s, %s, %s",
            (42, -1.5, None, "tab\tnew\nline", b"\x00bin\x7f", decimal.Decimal("1.50")))
    r.query(cur, "1000 generated rows",
            "WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)"
            " SELECT n, MD5(n) FROM seq")

    # An unbuffered cursor reads the rows as they stream (fetchmany in chunks).
    stream = setup.cursor(driver.streaming_cursor)
    stream.execute("SELECT id, owner FROM account ORDER BY id")
    chunks = []
    while True:
        chunk = stream.fetchmany(3)
        if not chunk:
            break
        chunks.append(_as_list(chunk))
    stream.close()
    r.add("streamed in chunks", chunks)

    # Errors leave the session usable.
    r.query(cur, "syntax error", "SELEKT 1")
    r.query(cur, "duplicate key", "INSERT INTO account (id) VALUES (%s)", (1,))
    r.query(cur, "missing table", "SELECT * FROM no_such_table")
    r.query(cur, "after errors", "SELECT COUNT(*) FROM account")
    r.query(cur, "warning", "SELECT CAST(%s AS SIGNED)", ("12abc",))
    r.query(cur, "show warnings", "SHOW WARNINGS")
    setup.close()

    # Transactions: the drivers' default (autocommit off) on one connection, and a second
    # connection in autocommit mode watching from outside.
    writer = driver.connect(host, port, database, False)
    watcher = driver.connect(host, port, database, True)
    wcur, vcur = writer.cursor(), watcher.cursor()
    balances = "SELECT id, balance FROM account ORDER BY id"
    r.query(vcur, "watcher before", balances)

    wcur.execute("UPDATE account SET balance = balance - 10 WHERE id = 1")
    r.add("debit rowcount", wcur.rowcount)
    wcur.execute("UPDATE account SET balance = balance + 10 WHERE id = 2")
    r.query(wcur, "writer sees its uncommitted transfer", balances)
    r.query(vcur, "watcher does not see uncommitted transfer", balances)
    writer.commit()
    r.query(vcur, "watcher sees committed transfer", balances)
    r.query(wcur, "writer after commit", balances)

    wcur.execute("UPDATE account SET balance = 0")
    r.add("zeroing rowcount", wcur.rowcount)
    r.query(wcur, "writer sees zeroed balances", balances)
    writer.rollback()
    r.query(wcur, "writer after rollback", balances)
    r.query(vcur, "watcher after rollback", balances)

    wcur.execute("DELETE FROM account WHERE id = %s", (4,))
    writer.commit()
    r.query(vcur, "watcher after committed delete", balances)
    wcur.execute("INSERT INTO event (what) VALUES (%s)", ("rolled back",))
    writer.rollback()
    r.query(vcur, "events after rolled back insert", "SELECT id, what FROM event ORDER BY id")

    # Autocommit writes through the watcher invalidate what it read before.
    vcur.execute("UPDATE account SET owner = %s WHERE id = %s", ("renamed", 1))
    r.add("autocommit update rowcount", vcur.rowcount)
    r.query(vcur, "after autocommit update", "SELECT * FROM account ORDER BY id")
    r.query(wcur, "writer sees autocommit update", "SELECT owner FROM account WHERE id = 1")
    writer.commit()

    writer.close()
    vcur.execute(f"DROP DATABASE {database}")
    watcher.close()
    return r.steps


def _describe(expected, got):
    """Points at the first differing row of a result, so a long result does not hide the
    difference."""
    if isinstance(expected, dict) and isinstance(got, dict) and expected.keys() == got.keys():
        for key in expected:
            if key == "rows" and expected[key] and got[key]:
                for n, (e, g) in enumerate(zip(expected[key], got[key])):
                    if e != g:
                        return f"row {n}: expected {e!r:.300}, got {g!r:.300}"
            if expected[key] != got[key]:
                return f"{key}: expected {expected[key]!r:.300}, got {got[key]!r:.300}"
    return f"expected {expected!r:.300}, got {got!r:.300}"


def compare(reference, actual):
    """Returns a description of the first difference, or None when equal."""
    for i, (expected, got) in enumerate(zip(reference, actual)):
        if expected != got:
            return f"step {i} '{expected[0]}': {_describe(expected[1], got[1])}"
    if len(reference) != len(actual):
        return f"{len(reference)} steps expected, {len(actual)} played"
    return None
