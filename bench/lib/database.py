"""The database and Redis the benchmark runs against, seen from the outside: SQL over a direct
connection (MySQLdb, Debian's python3-mysqldb), server counters, the server's CPU time, and
Redis keys through redis-cli."""
import os
import re
import subprocess

import MySQLdb

BENCH_DB = "sqlcache_bench"


class Database:
    def __init__(self, port, user="sqlcache", password="sqlcache", host="127.0.0.1"):
        self.host, self.port, self.user, self.password = host, port, user, password
        self._admin = None

    def connect(self, db=None):
        kwargs = dict(host=self.host, port=self.port, user=self.user, passwd=self.password)
        if db:
            kwargs["db"] = db
        return MySQLdb.connect(**kwargs)

    def admin(self):
        if self._admin is None:
            self._admin = self.connect()
            self._admin.autocommit(True)
        return self._admin

    def execute(self, sql):
        cursor = self.admin().cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def global_status(self, name):
        rows = self.execute(f"SHOW GLOBAL STATUS LIKE '{name}'")
        return int(rows[0][1]) if rows else 0

    def variable(self, name):
        return self.execute(f"SELECT @@GLOBAL.{name}")[0][0]

    def server_pid(self):
        """The pid of the server listening on our port (ss shows the listener's owner)."""
        out = subprocess.run(["ss", "-ltnpH", f"sport = :{self.port}"], capture_output=True,
                             text=True, check=False).stdout
        found = re.search(r"pid=(\d+)", out)
        return int(found.group(1)) if found else None

    def close(self):
        if self._admin is not None:
            self._admin.close()
            self._admin = None


def cpu_seconds(pid):
    """utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in seconds."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    """VmRSS of a process in KiB (/proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Redis:
    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-h", self.host, "-p", str(self.port), *args],
                              capture_output=True, text=True, check=True).stdout

    def keys(self, pattern):
        return [k for k in self.cli("--scan", "--pattern", pattern).split() if k]

    def server_pid(self):
        found = re.search(r"^process_id:(\d+)", self.cli("INFO", "server"), re.M)
        return int(found.group(1)) if found else None

    def strlen(self, key):
        return int(self.cli("STRLEN", key).strip() or 0)

    def delete_prefix(self, prefix):
        keys = self.keys(prefix + "*")
        for i in range(0, len(keys), 500):
            self.cli("DEL", *keys[i:i + 500])
