"""Scenario 7: 1 … 5,000 concurrent clients, first idle, then all active at once. The proxy's
memory per client (VmRSS before the clients connect, with all of them idle, and after their
bursts) and the latency of a small hit with every client active. A fresh proxy (in-process
store) for every level and round, so memory freed by an earlier level cannot hide what a
client costs. The database directly is measured the same way, for the latency."""
import resource
import time

from ..interleave import interleave, log
from ..proxy import Proxy
from ..report import Column, Section
from ..stats import medians

QUERY = "SELECT * FROM planet"
DB = "tutorial"


def wait_for_backend_connections(ctx, limit, timeout=60):
    """Waits until the server has at most `limit` connections: the proxy closes its backend
    connections after its clients leave, and the next level must not meet them."""
    deadline = time.monotonic() + timeout
    while ctx.db.global_status("Threads_connected") > limit and time.monotonic() < deadline:
        time.sleep(0.2)


def measure_level(ctx, contender, clients, baseline_connections):
    s = ctx.settings

    def measure():
        proxy = None
        port = ctx.db.port
        if contender == "memory":
            proxy = Proxy(ctx.binary, f"clients-{clients}", "memory", ctx.db.port, ctx.work_dir,
                          f"sqlcache-bench-{ctx.nonce}-clients:").start()
            port = proxy.port
            ctx.client.query(port, DB, QUERY, count=1, warmup=0)  # the entry the hits replay
            time.sleep(0.2)
        result = {}
        try:
            rss_before = proxy.rss_kib() if proxy else None
            many = ctx.client.clients(port, DB, QUERY, clients, s.client_bursts)
            connected = many.read_result()
            rss_idle = proxy.rss_kib() if proxy else None
            many.next()
            active = many.read_result()
            rss_active = proxy.rss_kib() if proxy else None
            many.finish()
            result = {k: active[k] for k in ("p50_us", "p99_us", "count", "errors")}
            result["connected"] = connected["connected"]
            result["connect_seconds"] = connected["connect_seconds"]
            if proxy:
                result["rss_before_kib"] = rss_before
                result["rss_idle_kib"] = rss_idle
                result["idle_kib_per_client"] = (rss_idle - rss_before) / clients
                result["active_kib_per_client"] = (rss_active - rss_before) / clients
                result["proxy_alive"] = 1 if proxy.alive() else 0
                if not proxy.alive():
                    result["errors"] += 1
        finally:
            if proxy:
                proxy.stop()
            wait_for_backend_connections(ctx, baseline_connections + 5)
        return result
    return measure


def fit_levels(ctx, section):
    """The levels this machine allows: the server's max_connections is raised for the run
    (and put back afterwards); file descriptors cannot be raised past the hard limit."""
    levels = list(ctx.settings.client_levels)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    open_files = int(ctx.db.variable("open_files_limit"))
    fitting = [n for n in levels if 2 * n + 100 <= hard and n + 200 <= open_files]
    for n in levels:
        if n not in fitting:
            section.notes.append(f"{n} clients skipped: file descriptor limit {hard} (proxy) or "
                                 f"server open_files_limit {open_files} too small.")
    return fitting


def run(ctx):
    s = ctx.settings
    section = Section(
        "7", "7. Connections: idle, then all active at once",
        f"Per level and round: a fresh proxy (in-process store), N clients connect (idle), then "
        f"{s.client_bursts} bursts in which every client sends the planet query at once; the "
        "database directly the same way. RSS is the proxy's VmRSS from /proc; a burst's latency "
        "includes waiting behind the other N−1 clients.",
        [Column("clients", "clients", "{:.0f}"), Column("p50_us", "p50 µs", "{:.0f}"),
         Column("p99_us", "p99 µs", "{:.0f}"), Column("connected", "connected", "{:.0f}"),
         Column("errors", "errors", "{:.0f}"),
         Column("idle_kib_per_client", "proxy RSS KiB / idle client", "{:.1f}"),
         Column("active_kib_per_client", "proxy RSS KiB / client after bursts", "{:.1f}")])
    levels = fit_levels(ctx, section)
    old_max = int(ctx.db.variable("max_connections"))
    baseline = ctx.db.global_status("Threads_connected")
    needed = max(levels) + baseline + 200
    if old_max < needed:
        ctx.db.execute(f"SET GLOBAL max_connections = {needed}")
    try:
        for clients in levels:
            contenders = [(name, measure_level(ctx, name, clients, baseline))
                          for name in ("memory", "direct")]
            results = interleave(contenders, s.client_rounds, f"{clients} clients")
            for name, rounds in results.items():
                row = medians(rounds)
                row["clients"] = clients
                row["errors"] = sum(r.get("errors", 0) for r in rounds)
                row["connected"] = min(r.get("connected", 0) for r in rounds)
                section.add(name, row, label=f"{clients}: " + (
                    "sqlcache, in-process store, hit" if name == "memory" else "database directly"))
                ctx.facts[f"s7.{clients}.{name}.errors"] = row["errors"]
                ctx.facts[f"s7.{clients}.{name}.connected"] = row["connected"]
                if name == "memory":
                    ctx.facts[f"s7.{clients}.idle_kib_per_client"] = row.get("idle_kib_per_client")
    finally:
        if old_max < needed:
            ctx.db.execute(f"SET GLOBAL max_connections = {old_max}")
    ctx.facts["s7.levels"] = levels
    section.notes.append("Per-client memory at 1 client is mostly noise (page granularity); "
                         "read it at 100 clients and up.")
    log("connections: done")
    return [section]
