"""Scenario 4: an aggregation over a table of 100,000+ rows that takes the database
milliseconds, against a hit of the same query."""
from ..context import NAMES
from ..interleave import interleave, log
from ..report import Column, Section
from ..stats import medians, paired_ratio

TABLE = "heavy_orders"
QUERY = (f"SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue, AVG(amount) AS average, "
         f"MAX(note) AS last_note FROM {TABLE} GROUP BY region ORDER BY revenue DESC")
CONTENDERS = ("direct", "memory", "redis")


def prepare(ctx):
    """Fills the table once (MariaDB's SEQUENCE engine makes the rows); kept between runs."""
    db, rows = ctx.sysbench.db, ctx.settings.heavy_rows
    existing = ctx.db.execute(f"SELECT COUNT(*) FROM information_schema.tables WHERE "
                              f"table_schema='{db}' AND table_name='{TABLE}'")[0][0]
    if existing and ctx.db.execute(f"SELECT COUNT(*) FROM {db}.{TABLE}")[0][0] == rows:
        return
    log(f"heavy query: creating {db}.{TABLE} with {rows} rows")
    ctx.db.execute(f"DROP TABLE IF EXISTS {db}.{TABLE}")
    ctx.db.execute(f"CREATE TABLE {db}.{TABLE} (id INT PRIMARY KEY, region INT NOT NULL, "
                   "amount DECIMAL(10,2) NOT NULL, note VARCHAR(40) NOT NULL) ENGINE=InnoDB")
    ctx.db.execute(f"INSERT INTO {db}.{TABLE} SELECT seq, seq % 50, (seq * 7919) % 10007 / 100, "
                   f"CONCAT('order ', seq) FROM {db}.seq_1_to_{rows}")


def run(ctx):
    s = ctx.settings
    prepare(ctx)
    db = ctx.sysbench.db
    for name in ("memory", "redis"):
        ctx.client.query(ctx.port(name), db, QUERY, count=1, warmup=0)

    def query(name):
        count = s.heavy_direct_queries if name == "direct" else s.heavy_hit_queries
        warmup = 1 if name == "direct" else 20
        return lambda: ctx.client.query(ctx.port(name), db, QUERY, count, warmup=warmup)

    results = interleave([(name, query(name)) for name in CONTENDERS], s.latency_rounds,
                         "heavy query")
    section = Section(
        "4", f"4. Heavy query: aggregation over {s.heavy_rows:,} rows",
        f"`{QUERY}` ({s.heavy_direct_queries} direct and {s.heavy_hit_queries} hit queries "
        f"per round, {s.latency_rounds} interleaved rounds).",
        [Column("p50_us", "p50 µs", "{:.0f}"), Column("p99_us", "p99 µs", "{:.0f}"),
         Column("rows", "rows", "{:.0f}"), Column("speedup", "direct p50 / p50", "{:.0f}×"),
         Column("errors", "errors", "{:.0f}")])
    direct = results["direct"]
    for name, rounds in results.items():
        row = medians(rounds)
        row["errors"] = sum(r.get("errors", 0) for r in rounds)
        row["speedup"] = paired_ratio(direct, rounds, "p50_us")
        section.add(name, row, label=None if name == "direct" else f"{NAMES[name]}, hit")
        if name != "direct":
            section.chart.append((f"heavy {name} hit", row["speedup"]))
            ctx.facts[f"s4.{name}.speedup"] = row["speedup"]
    ctx.facts["s4.direct.p50_us"] = medians(direct).get("p50_us")
    return [section]
