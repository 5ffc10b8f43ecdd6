#!/usr/bin/python3
"""pymysql (pure-Python driver) sees the same results through the proxy as directly: plain and
parameterised queries, unbuffered cursors, errors, transactions with commit and rollback, and
a second connection observing them. The scenario is lib/dbapi_scenario.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import pymysql  # noqa: E402
import pymysql.cursors  # noqa: E402

import dbapi_scenario  # noqa: E402
import dbapi_test  # noqa: E402
import proxy  # noqa: E402


def connect(host, port, database, autocommit):
    return pymysql.connect(host=host, port=port, user=proxy.MYSQL_USER,
                           password=proxy.MYSQL_PASSWORD, database=database,
                           charset="utf8mb4", autocommit=autocommit, connect_timeout=10,
                           read_timeout=30, write_timeout=30)


if __name__ == "__main__":
    dbapi_test.main(dbapi_scenario.Driver("pymysql", connect, pymysql.cursors.SSCursor,
                                          pymysql.MySQLError))
