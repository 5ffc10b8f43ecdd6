"""Scenario 3: sysbench oltp_read_only, 4 threads. With --skip-trx: inside BEGIN … COMMIT the
proxy does not cache reads (cache.cache_in_transactions is off by default), so the default
workload would only measure the relay again (scenario 5 does that)."""
from ..interleave import interleave
from ..report import Column, Section
from ..stats import medians, paired_ratio
from .sysbench_runs import measured_run, warm_up

CONTENDERS = ("direct", "memory", "redis", "redis_near")
EXTRA = ("--skip-trx=on",)


def run(ctx):
    s = ctx.settings
    warm_up(ctx, CONTENDERS, "oltp_read_only", 4, s.sysbench_seconds, *EXTRA)
    contenders = [(name, measured_run(ctx, name, "oltp_read_only", 4, *EXTRA))
                  for name in CONTENDERS]
    results = interleave(contenders, s.sysbench_rounds, "read only")
    section = Section(
        "3", "3. Read-only OLTP: sysbench `oltp_read_only --skip-trx=on`, 4 threads",
        f"{s.sysbench_rounds} interleaved rounds of {s.sysbench_seconds} s after one unmeasured "
        "warm-up run per contender (none in smoke mode). An event is 10 point selects and 4 range queries; the "
        "ranges start at random ids, so part of them are misses.",
        [Column("qps", "QPS", "{:.0f}"), Column("p50_ms", "event p50 ms", "{:.2f}"),
         Column("p95_ms", "event p95 ms", "{:.2f}"), Column("hit_ratio", "hit ratio", "{:.3f}"),
         Column("ratio", "QPS / direct QPS", "{:.2f}×"), Column("errors", "errors", "{:.0f}")])
    direct = results["direct"]
    for name, rounds in results.items():
        row = medians(rounds)
        row["errors"] = sum(r.get("errors", 0) for r in rounds)
        row["ratio"] = paired_ratio(rounds, direct, "qps")
        section.add(name, row)
        if name != "direct":
            section.chart.append((name, row["ratio"]))
    return [section]
