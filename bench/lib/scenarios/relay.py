"""Scenario 5: the relay alone (--store none) under sysbench oltp_read_write, 4 threads, with
its transactions: what the proxy costs when it caches nothing."""
from ..interleave import interleave
from ..report import Column, Section
from ..stats import medians, paired_ratio
from .sysbench_runs import cpu_budget, cpu_columns, cpu_us_per_query, measured_run

CPU_PARTS = ("client", "proxy", "backend")

CONTENDERS = ("direct", "relay")


def run(ctx):
    s = ctx.settings
    contenders = [(name, measured_run(ctx, name, "oltp_read_write", 4)) for name in CONTENDERS]
    results = interleave(contenders, s.sysbench_rounds, "relay")
    section = Section(
        "5", "5. Relay overhead: caching off, sysbench `oltp_read_write`, 4 threads",
        f"{s.sysbench_rounds} interleaved rounds of {s.sysbench_seconds} s. An event is one "
        "transaction (BEGIN, 14 reads, 4 writes, COMMIT); p50/p95 are per transaction, from "
        "sysbench's histogram.",
        [Column("qps", "QPS", "{:.0f}"), Column("p50_ms", "p50 ms", "{:.2f}"),
         Column("p95_ms", "p95 ms", "{:.2f}"), Column("qps_ratio", "QPS / direct", "{:.2f}×"),
         Column("p50_ratio", "p50 / direct p50", "{:.2f}×"),
         Column("ignored_errors", "ignored errors", "{:.0f}"),
         Column("errors", "errors", "{:.0f}"), *cpu_columns(CPU_PARTS)])
    direct = results["direct"]
    totals = {}
    for name, rounds in results.items():
        row = medians(rounds)
        per_query = cpu_us_per_query(rounds, CPU_PARTS)
        row.update(per_query)
        totals[name] = sum(per_query.values())
        row["errors"] = sum(r.get("errors", 0) for r in rounds)
        row["ignored_errors"] = sum(r.get("ignored_errors", 0) for r in rounds)
        row["qps_ratio"] = paired_ratio(rounds, direct, "qps")
        row["p50_ratio"] = paired_ratio(rounds, direct, "p50_ms")
        section.add(name, row)
        if name != "direct":
            section.chart.append(("relay QPS", row["qps_ratio"]))
            ctx.facts["s5.qps_ratio"] = row["qps_ratio"]
            ctx.facts["s5.p50_ratio"] = row["p50_ratio"]
            ctx.facts["s5.errors"] = row["errors"]
    section.notes.append("sysbench ignores deadlocks (and counts them as ignored errors); the "
                         "database causes those, whichever path the client takes.")
    relay = section.rows[-1] if len(section.rows) > 1 else None
    if relay and totals.get("direct") and "proxy_us" in relay:
        budget, others, left = cpu_budget(totals["direct"], 0.85, totals["relay"],
                                          relay["proxy_us"])
        section.notes.append(
            f"Both cores are busy here, so QPS follows CPU per query: 0.85× direct QPS allows "
            f"{budget:.1f} µs per query in all (direct: {totals['direct']:.1f}); sysbench and "
            f"the database took {others:.1f} through the proxy, leaving it {left:.1f} µs; it "
            f"used {relay['proxy_us']:.1f} (two more socket hops per query, each a send, a "
            "receive and a wake-up).")
    return [section]
