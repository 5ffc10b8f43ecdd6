"""Scenario 5: the relay alone (--store none) under sysbench oltp_read_write, 4 threads, with
its transactions: what the proxy costs when it caches nothing."""
from ..interleave import interleave
from ..report import Column, Section
from ..stats import medians, paired_ratio
from .sysbench_runs import measured_run

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
         Column("errors", "errors", "{:.0f}")])
    direct = results["direct"]
    for name, rounds in results.items():
        row = medians(rounds)
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
    return [section]
