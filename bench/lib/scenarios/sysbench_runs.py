"""One sysbench run per contender, wrapped with what the proxy and the database counted while
it ran: the proxy's hit ratio, the backend's Com_select, and the CPU time each process spent
(database, proxy, Redis, sysbench itself): on a machine whose cores every process shares, CPU
per query is what bounds queries per second."""
from ..database import cpu_seconds
from ..proxy import hit_ratio
from ..report import Column

# The processes whose CPU time a run records, as result keys "<name>_cpu_s".
CPU_PARTS = ("client", "proxy", "backend", "redis")
CPU_LABELS = {"client": "sysbench", "proxy": "proxy", "backend": "database", "redis": "Redis"}


def cpu_columns(parts):
    """Table columns for cpu_us_per_query()'s keys."""
    return [Column(f"{part}_us", f"{CPU_LABELS[part]} CPU µs / query", "{:.1f}")
            for part in parts]


def cpu_us_per_query(rounds, parts=CPU_PARTS):
    """Each process's CPU time per client query over all rounds (totals, not a median of
    per-round figures), as "<part>_us"; processes no round measured are left out."""
    queries = sum(r.get("queries") or 0 for r in rounds)
    per_query = {}
    if not queries:
        return per_query
    for part in parts:
        measured = [r[f"{part}_cpu_s"] for r in rounds if f"{part}_cpu_s" in r]
        if measured:
            per_query[f"{part}_us"] = sum(measured) * 1e6 / queries
    return per_query


def cpu_budget(direct_total_us, goal, used_total_us, proxy_us):
    """With every core busy, QPS is about (cores × 1 s) / (CPU per query), so `goal` × direct
    QPS is a CPU budget per query. Returns (budget, what the other processes took, what that
    leaves the proxy)."""
    budget = direct_total_us / goal
    others = used_total_us - proxy_us
    return budget, others, max(0.0, budget - others)


def measured_run(ctx, contender, test, threads, *extra, seconds=None):
    def measure():
        proxy = ctx.proxies.get(contender)
        pids = {"backend": ctx.db.server_pid(),
                "proxy": proxy.process.pid if proxy and proxy.process else None,
                "redis": ctx.redis.server_pid() if contender.startswith("redis") else None}
        before = proxy.outcomes() if proxy else None
        selects = ctx.db.global_status("Com_select")
        cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
        result = ctx.sysbench.run(test, ctx.port(contender), threads,
                                  seconds or ctx.settings.sysbench_seconds, *extra)
        result["backend_selects"] = ctx.db.global_status("Com_select") - selects
        for name, pid in pids.items():
            cpu_after = cpu_seconds(pid)
            if cpu[name] is not None and cpu_after is not None:
                result[f"{name}_cpu_s"] = cpu_after - cpu[name]
        if proxy:
            result["hit_ratio"] = hit_ratio(before, proxy.outcomes())
        queries = result.get("queries") or 0
        if queries:
            result["backend_selects_per_query"] = result["backend_selects"] / queries
            if "backend_cpu_s" in result:
                result["backend_cpu_ms_per_1000"] = result["backend_cpu_s"] * 1e6 / queries
        return result
    return measure


def warm_up(ctx, contenders, test, threads, seconds, *extra):
    """One unmeasured run per contender: buffer pool, connections, and (for the proxies)
    whatever part of the key space a run of this length fills. Skipped in smoke mode, where
    the figures do not matter."""
    if ctx.settings.smoke:
        return
    for contender in contenders:
        ctx.sysbench.run(test, ctx.port(contender), threads, seconds, *extra)
