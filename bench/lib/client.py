"""The timing client (bench/client, C++ over libmysqlclient and hiredis) and the Python one
(MySQLdb, what the project's Python users run)."""
import json
import subprocess
import time

import MySQLdb

from . import stats


class BenchClient:
    def __init__(self, path, user="sqlcache", password="sqlcache"):
        self.path, self.user, self.password = path, user, password

    def _common(self, port, db):
        args = ["--port", str(port), "--user", self.user, "--password", self.password]
        return args + (["--db", db] if db else [])

    def _run(self, args, timeout):
        done = subprocess.run([self.path] + args, capture_output=True, text=True,
                              timeout=timeout, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"bench_client {args[0]} printed no result "
                               f"(exit {done.returncode}): {done.stderr.strip()[-500:]}")
        result = json.loads(lines[-1])
        result["stderr"] = done.stderr.strip()[-300:]
        return result

    def query(self, port, db, sql, count, warmup=100, counter_start=0, timeout=300):
        return self._run(["query", *self._common(port, db), "--query", sql, "--count", str(count),
                          "--warmup", str(warmup), "--counter-start", str(counter_start)],
                         timeout)

    def script(self, port, db, path, timeout=600):
        return self._run(["script", *self._common(port, db), "--file", path], timeout)

    def redis_get(self, port, value_bytes, count, warmup=100, key="sqlcache-bench:floor"):
        return self._run(["redis-get", "--port", str(port), "--value-bytes", str(value_bytes),
                          "--count", str(count), "--warmup", str(warmup), "--key", key], 300)

    def clients(self, port, db, sql, clients, bursts):
        """Starts the many-clients mode, stopped after the connection phase; the caller steps
        it on with ManyClients.next()."""
        process = subprocess.Popen(
            [self.path, "clients", *self._common(port, db), "--query", sql, "--clients",
             str(clients), "--bursts", str(bursts), "--wait-stdin", "1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return ManyClients(process)


class ManyClients:
    def __init__(self, process):
        self.process = process

    def read_result(self):
        line = self.process.stdout.readline()
        if not line:
            err = self.process.stderr.read()
            raise RuntimeError(f"bench_client clients ended early: {err.strip()[-500:]}")
        return json.loads(line)

    def next(self):
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self, timeout=120):
        try:
            self.next()
        except BrokenPipeError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.stderr.read().strip()[-300:]


def python_query_latency(port, db, sql, count, warmup=50, user="sqlcache", password="sqlcache"):
    """The same loop as the C++ client's, from Python with MySQLdb."""
    connection = MySQLdb.connect(host="127.0.0.1", port=port, user=user, passwd=password, db=db)
    cursor = connection.cursor()
    samples, errors, rows = [], 0, 0
    for i in range(warmup + count):
        start = time.perf_counter_ns()
        try:
            cursor.execute(sql)
            rows = len(cursor.fetchall())
        except MySQLdb.Error:
            errors += 1
            continue
        elapsed = (time.perf_counter_ns() - start) / 1000.0
        if i >= warmup:
            samples.append(elapsed)
    cursor.close()
    connection.close()
    samples.sort()
    return {"count": len(samples), "errors": errors, "rows": rows,
            "p50_us": stats.percentile(samples, 0.50), "p95_us": stats.percentile(samples, 0.95),
            "p99_us": stats.percentile(samples, 0.99)}
