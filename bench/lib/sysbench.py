"""sysbench 1.0 (Debian's package) runs and what they report: queries per second, errors,
reconnects, and latency percentiles computed from its --histogram (its summary only prints
one percentile)."""
import re
import resource
import subprocess

from . import stats


class Sysbench:
    def __init__(self, db, tables, table_size, user="sqlcache", password="sqlcache"):
        self.db, self.tables, self.table_size = db, tables, table_size
        self.user, self.password = user, password

    def _args(self, test, port):
        return ["sysbench", test, "--mysql-host=127.0.0.1", f"--mysql-port={port}",
                f"--mysql-user={self.user}", f"--mysql-password={self.password}",
                f"--mysql-db={self.db}", f"--tables={self.tables}",
                f"--table-size={self.table_size}"]

    def prepare(self, port):
        subprocess.run(self._args("oltp_common", port) + ["cleanup"], capture_output=True,
                       check=False, timeout=300)
        done = subprocess.run(self._args("oltp_common", port) + ["prepare"],
                              capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"sysbench prepare failed: {done.stdout[-500:]}{done.stderr[-500:]}")

    def cleanup(self, port):
        subprocess.run(self._args("oltp_common", port) + ["cleanup"], capture_output=True,
                       check=False, timeout=300)

    def run(self, test, port, threads, seconds, *extra):
        args = self._args(test, port) + [
            f"--threads={threads}", f"--time={seconds}", "--db-ps-mode=disable",
            "--histogram=on", "--report-interval=0", *extra, "run"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(args, capture_output=True, text=True, check=False,
                              timeout=seconds + 120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = parse(done.stdout)
        # sysbench's own CPU time (it is the only child that ends during the run).
        result["client_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime +
                                                                      before.ru_stime)
        result["exit"] = done.returncode
        fatal = done.returncode != 0 or "FATAL" in done.stdout or "FATAL" in done.stderr
        result["errors"] = (1 if fatal else 0) + result.get("reconnects", 0)
        result["ignored_errors"] = result.get("ignored_errors", 0)
        if fatal:
            result["failure"] = (done.stdout + done.stderr)[-800:]
        return result


def counter(text, name):
    found = re.search(rf"^\s*{name}:\s+(\d+)\s+\(([\d.]+) per sec\.\)", text, re.M)
    return (int(found.group(1)), float(found.group(2))) if found else (None, None)


def parse(text):
    result = {}
    result["transactions"], result["tps"] = counter(text, "transactions")
    result["queries"], result["qps"] = counter(text, "queries")
    result["ignored_errors"], _ = counter(text, "ignored errors")
    result["reconnects"], _ = counter(text, "reconnects")
    histogram = []
    for line in text.splitlines():
        found = re.match(r"^\s*([\d.]+)\s+\|[*\s]*?(\d+)\s*$", line)
        if found:
            histogram.append((float(found.group(1)), int(found.group(2))))
    result["p50_ms"] = histogram_percentile(histogram, 0.50)
    result["p95_ms"] = histogram_percentile(histogram, 0.95)
    result["p99_ms"] = histogram_percentile(histogram, 0.99)
    if result["p95_ms"] is None:  # no histogram: sysbench's own 95th percentile
        found = re.search(r"95th percentile:\s+([\d.]+)", text)
        result["p95_ms"] = float(found.group(1)) if found else None
    return {k: v for k, v in result.items() if v is not None}


def histogram_percentile(buckets, fraction):
    """sysbench prints (bucket value in ms, count) pairs; the value of the bucket that holds the
    nearest-rank sample."""
    count = sum(c for _, c in buckets)
    if count == 0:
        return None
    rank = max(1, int(-(-fraction * count // 1)))
    seen = 0
    for value, c in sorted(buckets):
        seen += c
        if seen >= rank:
            return value
    return sorted(buckets)[-1][0]


__all__ = ["Sysbench", "parse", "histogram_percentile", "stats"]
