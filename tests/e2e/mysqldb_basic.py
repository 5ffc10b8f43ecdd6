#!/usr/bin/python3
"""MySQLdb (mysqlclient, a C extension over libmariadb) sees the same results through the proxy
as directly: plain and parameterised queries, unbuffered cursors, errors, transactions with
commit and rollback, and a second connection observing them. The scenario is
lib/dbapi_scenario.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import MySQLdb  # noqa: E402
import MySQLdb.cursors  # noqa: E402

import dbapi_scenario  # noqa: E402
import dbapi_test  # noqa: E402
import proxy  # noqa: E402


def connect(host, port, database, autocommit):
    kwargs = {"database": database} if database else {}
    conn = MySQLdb.connect(host=host, port=port, user=proxy.MYSQL_USER,
                           password=proxy.MYSQL_PASSWORD, charset="utf8mb4",
                           connect_timeout=10, read_timeout=30, write_timeout=30, **kwargs)
    conn.autocommit(autocommit)
    return conn


if __name__ == "__main__":
    dbapi_test.main(dbapi_scenario.Driver("mysqldb", connect, MySQLdb.cursors.SSCursor,
                                          MySQLdb.MySQLError))
