"""One sysbench run per contender, wrapped with what the proxy and the database counted while
it ran: the proxy's hit ratio, the backend's Com_select and the backend's CPU time."""
from ..database import cpu_seconds
from ..proxy import hit_ratio


def measured_run(ctx, contender, test, threads, *extra, seconds=None):
    def measure():
        proxy = ctx.proxies.get(contender)
        pid = ctx.db.server_pid()
        before = proxy.outcomes() if proxy else None
        selects, cpu = ctx.db.global_status("Com_select"), cpu_seconds(pid)
        result = ctx.sysbench.run(test, ctx.port(contender), threads,
                                  seconds or ctx.settings.sysbench_seconds, *extra)
        result["backend_selects"] = ctx.db.global_status("Com_select") - selects
        cpu_after = cpu_seconds(pid)
        if cpu is not None and cpu_after is not None:
            result["backend_cpu_s"] = cpu_after - cpu
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
