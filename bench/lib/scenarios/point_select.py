"""Scenario 2: sysbench oltp_point_select, text protocol, every key warmed, at 1 and 8
threads: QPS and latency per contender. Scenario 8 (database load) is measured in the same
runs: the backend's Com_select and CPU time per client query, with and without the proxy."""
import os

from ..context import NAMES
from ..interleave import interleave, log
from ..report import Column, Section
from ..stats import medians, paired_ratio
from .sysbench_runs import (CPU_PARTS, cpu_budget, cpu_columns, cpu_us_per_query, measured_run,
                            warm_up)

CONTENDERS = ("direct", "memory", "redis", "redis_near")


def warm_every_key(ctx):
    """Runs sysbench's exact point-select text for every id once through each caching proxy,
    so the measured runs are all hits (sysbench picks ids at random)."""
    s = ctx.settings
    path = os.path.join(ctx.work_dir, "point_selects.sql")
    with open(path, "w") as f:
        for table in range(1, s.sb_tables + 1):
            for key in range(1, s.sb_table_size + 1):
                f.write(f"SELECT c FROM sbtest{table} WHERE id={key}\n")
    for name in ("memory", "redis", "redis_near"):
        result = ctx.client.script(ctx.port(name), ctx.sysbench.db, path)
        log(f"point select: warmed {result['count']} keys through {name} "
            f"(errors {result['errors']})")


def run(ctx):
    s = ctx.settings
    warm_every_key(ctx)
    warm_up(ctx, CONTENDERS, "oltp_point_select", 8, max(1, s.sysbench_seconds // 4))
    columns = [Column("qps", "QPS", "{:.0f}"), Column("p50_ms", "p50 ms", "{:.3f}"),
               Column("p95_ms", "p95 ms", "{:.3f}"), Column("hit_ratio", "hit ratio", "{:.3f}"),
               Column("ratio", "QPS / direct QPS", "{:.2f}×"), Column("errors", "errors", "{:.0f}")]
    section = Section("2", "2. Point selects: sysbench `oltp_point_select`, text protocol",
                      f"{s.sb_tables} tables × {s.sb_table_size} rows, every key warmed; "
                      f"{s.sysbench_rounds} interleaved rounds of {s.sysbench_seconds} s per "
                      "contender and thread count.", columns)
    load = Section("8", "8. Database load during scenario 2, and where the CPU goes",
                   "The backend's `Com_select` while scenario 2 ran, and the CPU time "
                   "(utime+stime from /proc, sysbench's from its rusage) each process spent "
                   "per client query: sysbench, the proxy, mariadbd, redis-server.",
                   [Column("threads", "threads", "{:.0f}"),
                    Column("queries", "client queries", "{:.0f}"),
                    Column("backend_selects", "backend Com_select", "{:.0f}"),
                    Column("backend_selects_per_query", "Com_select per query", "{:.3f}"),
                    Column("reduction", "Com_select reduction", "{:.1%}"),
                    *cpu_columns(CPU_PARTS),
                    Column("total_us", "total CPU µs / query", "{:.1f}")])
    for threads in (1, 8):
        contenders = [(name, measured_run(ctx, name, "oltp_point_select", threads))
                      for name in CONTENDERS]
        results = interleave(contenders, s.sysbench_rounds, f"point select {threads} threads")
        direct = results["direct"]
        for name, rounds in results.items():
            row = medians(rounds)
            row["errors"] = sum(r.get("errors", 0) for r in rounds)
            row["ratio"] = paired_ratio(rounds, direct, "qps")
            section.add(name, row, label=f"{threads} thr: " + section_label(name))
            if name != "direct":
                section.chart.append((f"{threads} thr: {name}", row["ratio"]))
            ctx.facts[f"s2.{threads}.{name}.qps_ratio"] = row["ratio"]
            ctx.facts[f"s2.{threads}.{name}.p50_ratio"] = paired_ratio(rounds, direct, "p50_ms")
            ctx.facts[f"s2.{threads}.{name}.errors"] = row["errors"]
            # Scenario 8: totals over the rounds, so a near-zero count is not lost to a median.
            totals = {k: sum(r.get(k) or 0 for r in rounds)
                      for k in ("queries", "backend_selects")}
            load_row = {"threads": threads, "queries": totals["queries"],
                        "backend_selects": totals["backend_selects"]}
            if totals["queries"]:
                load_row["backend_selects_per_query"] = totals["backend_selects"] / totals["queries"]
                per_query = cpu_us_per_query(rounds)
                load_row.update(per_query)
                load_row["total_us"] = sum(per_query.values())
                for key in (*per_query, "total_us"):
                    ctx.facts[f"s8.{threads}.{name}.{key}"] = load_row[key]
            load.add(name, load_row, label=f"{threads} thr: " + section_label(name))
        direct_rate = load.rows[-len(CONTENDERS)].get("backend_selects_per_query")
        for row, name in zip(load.rows[-len(CONTENDERS):], CONTENDERS):
            rate = row.get("backend_selects_per_query")
            if name != "direct" and direct_rate and rate is not None:
                row["reduction"] = 1 - rate / direct_rate
                ctx.facts[f"s8.{threads}.{name}.reduction"] = row["reduction"]
    load.notes.append("Com_select counts every SELECT the server ran, whoever sent it; the "
                      "harness's own status reads are SHOW statements and not counted.")
    load.notes.extend(cpu_budget_notes(ctx.facts))
    return [section, load]


def cpu_budget_notes(facts):
    """At 8 threads every core is busy, so QPS is about (cores × 1 s) / (CPU per query): the
    point-select target is a CPU budget. Says what it leaves the proxy, and what it used."""
    direct = facts.get("s8.8.direct.total_us")
    notes = []
    for name, goal in (("memory", 1.8), ("redis", 1.2), ("redis_near", 1.2)):
        used = facts.get(f"s8.8.{name}.total_us")
        proxy = facts.get(f"s8.8.{name}.proxy_us")
        client = facts.get(f"s8.8.{name}.client_us")
        if not (direct and used and proxy is not None and client is not None):
            continue
        budget, others, left = cpu_budget(direct, goal, used, proxy)
        notes.append(
            f"8 threads, {section_label(name)}: {goal}× direct QPS needs at most "
            f"{budget:.1f} µs of CPU per query (direct: {direct:.1f}); sysbench and the other "
            f"servers took {others:.1f}, leaving the proxy {left:.1f} µs; it used {proxy:.1f}.")
    return notes


def section_label(name):
    return NAMES[name]
