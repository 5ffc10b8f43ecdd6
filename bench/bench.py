#!/usr/bin/python3
"""The benchmark harness behind bench/run.sh: runs every scenario against servers that are
already up (run.sh starts them) and writes the results file. See docs/benchmarks.md.

  /usr/bin/python3 bench/bench.py --mysql-port P --redis-port P --binary SQLCACHE \
      --client BENCH_CLIENT --out DIR [--smoke] [--only 1,2,…] [--drop-database]
"""
import argparse
import datetime
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import profile, report, targets  # noqa: E402
from lib.client import BenchClient  # noqa: E402
from lib.context import Context, Settings  # noqa: E402
from lib.database import BENCH_DB, Database, Redis, cpu_seconds  # noqa: E402
from lib.interleave import log  # noqa: E402
from lib.proxy import Proxy  # noqa: E402
from lib.report import Section  # noqa: E402
from lib.scenarios import (churn, connections, heavy_query, point_select, read_only,  # noqa: E402
                           relay, small_hit)
from lib.sysbench import Sysbench  # noqa: E402

# Read-only scenarios first: the write scenarios (5, 6) change the sysbench tables.
SCENARIOS = [("1", small_hit), ("2", point_select), ("3", read_only), ("4", heavy_query),
             ("7", connections), ("5", relay), ("6", churn)]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mysql-port", type=int, required=True)
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--binary", required=True, help="the sqlcache binary")
    p.add_argument("--client", required=True, help="the bench_client binary")
    p.add_argument("--out", required=True, help="directory of the results file")
    p.add_argument("--smoke", action="store_true", help="seconds per scenario, not minutes")
    p.add_argument("--only", default="", help="comma-separated scenario numbers (1-7)")
    p.add_argument("--drop-database", action="store_true",
                   help=f"drop {BENCH_DB} at the end (servers that are not the bench's own)")
    return p.parse_args()


class CpuWatch:
    """How much of the machine's CPU went to processes other than this benchmark (its
    children, the proxies, sysbench, and the database and Redis servers) while it ran."""

    def __init__(self, pids):
        self.pids = [p for p in pids if p]
        self.start = self.sample()

    def sample(self):
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        busy = (sum(fields[:3]) + sum(fields[5:8])) / hz  # user nice system irq softirq steal
        total = busy + (fields[3] + fields[4]) / hz        # + idle iowait
        t = os.times()
        ours = t.user + t.system + t.children_user + t.children_system
        ours += sum(cpu_seconds(p) or 0 for p in self.pids)
        return busy, total, ours

    def others_share(self):
        busy0, total0, ours0 = self.start
        busy1, total1, ours1 = self.sample()
        if total1 <= total0:
            return None
        return max(0.0, (busy1 - busy0) - (ours1 - ours0)) / (total1 - total0)


def version(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
        return out.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def git_commit():
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--", "proxy", "cache",
                            "mysql_wire", "config"], capture_output=True, text=True,
                           check=False).stdout.strip()
    return (out or "?") + (" (with uncommitted changes to the proxy)" if dirty else "")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def header(args, settings, ctx, started, elapsed, others, load_start, load_end):
    host = socket.gethostname()
    mode = "smoke (a few seconds per scenario; figures are not comparable)" if args.smoke \
        else "full"
    lines = [f"# sqlcache benchmark, {started:%Y-%m-%d %H:%M} UTC, {host}", "",
             f"- mode: {mode}; wall time {elapsed / 60:.1f} min",
             f"- commit: {git_commit()}",
             f"- machine: {os.cpu_count()} cores ({cpu_model()}), loopback only",
             f"- servers: {ctx.db.execute('SELECT VERSION()')[0][0]}, "
             f"{version(['redis-server', '--version'])}, {version(['sysbench', '--version'])}",
             f"- load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f}"]
    if others is not None:
        lines.append(f"- other processes used {others:.0%} of the machine's CPU time during the "
                     "run")
    # The share of CPU time other processes took is the measurement; the load average only
    # stands in when it is unknown (it lags by a minute and counts the run's own processes).
    if others is not None:
        loaded = others > 0.15
    else:
        loaded = load_start[0] > 0.5 * os.cpu_count()
    if loaded:
        lines += ["", "> **The machine was loaded while this ran** (other work shared its cores): "
                  "absolute figures are noisy and low; the interleaved ratios are the figures "
                  "to read."]
    lines += ["", "Every scenario ran its contenders interleaved in this run (A B … B A, several "
              "rounds); tables show medians over rounds, ratios are medians of per-round ratios. "
              "docs/benchmarks.md explains each scenario.", ""]
    return "\n".join(lines)


def failed_section(key, error):
    section = Section(key, f"Scenario {key}: FAILED", "This scenario did not complete.", [])
    section.notes.append(f"error: `{error}`")
    return section


def main():
    args = parse_args()
    settings = Settings.smoke_test() if args.smoke else Settings.full()
    only = set(filter(None, args.only.split(",")))
    started = datetime.datetime.utcnow()
    t0 = time.monotonic()
    load_start = os.getloadavg()
    os.makedirs(args.out, exist_ok=True)
    work_dir = tempfile.mkdtemp(prefix="sqlcache-bench-")
    nonce = secrets.token_hex(4)

    db = Database(args.mysql_port)
    db.execute(f"CREATE DATABASE IF NOT EXISTS {BENCH_DB}")
    redis = Redis(args.redis_port)
    ctx = Context(settings=settings, db=db, redis=redis, client=BenchClient(args.client),
                  sysbench=Sysbench(BENCH_DB, settings.sb_tables, settings.sb_table_size),
                  binary=args.binary, work_dir=work_dir, nonce=nonce, proxies={})
    redis_pid = int(redis.cli("INFO", "server").split("process_id:")[1].split()[0])
    watch = CpuWatch([db.server_pid(), redis_pid])
    sections, failures = [], 0
    stem = f"{started:%Y-%m-%d}-{socket.gethostname()}"
    if os.path.exists(os.path.join(args.out, f"{stem}.md")):
        # A second run on the same day must not overwrite the first: the time tells them apart.
        stem = f"{started:%Y-%m-%d-%H%M}-{socket.gethostname()}"
    profile_text = None
    try:
        log(f"preparing sysbench tables ({settings.sb_tables} × {settings.sb_table_size} rows)")
        ctx.sysbench.prepare(args.mysql_port)
        redis_url = f"redis://127.0.0.1:{args.redis_port}"
        # The near cache with its defaults: a copy lives as long as its Redis entry, at most
        # near_cache_ttl (60 s), then it is fetched from Redis again, as in production.
        for name, store, cache_lines in (("memory", "memory", ()), ("redis", redis_url, ()),
                                         ("redis_near", redis_url, ("  near_cache_limit: 64MiB",)),
                                         ("relay", "none", ())):
            ctx.proxies[name] = Proxy(args.binary, name, store, args.mysql_port, work_dir,
                                      f"sqlcache-bench-{nonce}-{name}:",
                                      cache_lines=cache_lines).start()
        for key, module in SCENARIOS:
            if only and key not in only:
                continue
            log(f"scenario {key}: {module.__name__.rsplit('.', 1)[-1]}")
            scenario_started = time.monotonic()
            try:
                sections += module.run(ctx)
                log(f"scenario {key} took {time.monotonic() - scenario_started:.0f} s")
            except Exception as error:  # one broken scenario must not lose the others
                traceback.print_exc()
                failures += 1
                sections.append(failed_section(key, error))
        if not only or "profile" in only:
            try:
                profile_text = profile.run(ctx, os.path.join(args.out, f"{stem}-profile.txt"))
            except Exception as error:
                traceback.print_exc()
                profile_text = f"## Profile of the hit path\n\nFAILED: `{error}`\n"
    finally:
        for proxy in ctx.proxies.values():
            proxy.stop()
        try:
            redis.delete_prefix(f"sqlcache-bench-{nonce}")
            if args.drop_database:
                db.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        except Exception:  # cleaning up is best effort
            traceback.print_exc()

    sections.sort(key=lambda s: ("1", "1py", "2", "3", "4", "5", "6", "7", "8").index(s.key)
                  if s.key in ("1", "1py", "2", "3", "4", "5", "6", "7", "8") else 99)
    others = watch.others_share()
    text = header(args, settings, ctx, started, time.monotonic() - t0, others, load_start,
                  os.getloadavg())
    png = f"{stem}.png"
    chart_note = report.draw_chart(sections, os.path.join(args.out, png), work_dir)
    results = os.path.join(args.out, f"{stem}.md")
    report.write(results, text, sections, targets.evaluate(ctx.facts), chart_note, png,
                 profile_text)
    db.close()
    if failures:  # the proxies' logs and configurations, for whoever looks into it
        log(f"kept {work_dir} (proxy logs)")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    print(results)
    log(f"wrote {results} in {(time.monotonic() - t0) / 60:.1f} min; {failures} scenario(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
