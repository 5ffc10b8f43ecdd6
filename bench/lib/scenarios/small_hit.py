"""Scenario 1: the 8-row planet query over one connection, p50/p99 per contender, from the C++
client and from Python (MySQLdb). Also the two floors a hit is judged against: a raw Redis
GET of the entry's size, and the miss path (a literal that changes on every call, so every
key is new while the statement stays cacheable)."""
import itertools

from ..client import python_query_latency
from ..interleave import interleave, log
from ..proxy import hit_ratio
from ..report import Column, Section
from ..stats import median, medians, paired_ratio

QUERY = "SELECT * FROM planet"
MISS_QUERY = "SELECT * FROM planet WHERE id <> -{n}"
DB = "tutorial"
HIT_LABELS = {"memory": "sqlcache, in-process store, hit", "redis": "sqlcache, Redis store, hit"}


def entry_bytes(ctx):
    """Size of the planet entry in Redis (the value a Redis hit fetches)."""
    proxy = ctx.proxies["redis"]
    keys = ctx.redis.keys(proxy.key_prefix + "q:*")
    sizes = [ctx.redis.strlen(k) for k in keys]
    return max(sizes) if sizes else None


def measured(ctx, contender, run):
    """Wraps a run with the proxy's hit/miss counters, so every row says what it measured."""
    def measure():
        proxy = ctx.proxies.get(contender.replace("-miss", ""))
        before = proxy.outcomes() if proxy else None
        result = run()
        if proxy:
            result["hit_ratio"] = hit_ratio(before, proxy.outcomes())
        return result
    return measure


def run(ctx):
    s = ctx.settings
    per_round = max(1, s.small_hit_queries // s.latency_rounds)
    for name in ("memory", "redis"):  # fill the entries the hits replay
        ctx.client.query(ctx.port(name), DB, QUERY, count=1, warmup=0)
    value_bytes = entry_bytes(ctx) or 600
    log(f"small hit: the Redis entry is {value_bytes} bytes")
    # Each miss round starts at a fresh counter: no key is ever seen twice.
    counters = itertools.count(int(ctx.nonce, 16) % 10**9 * 10**6, per_round + 200)

    def query(contender, sql=QUERY):
        port = ctx.port(contender.replace("-miss", ""))
        if sql is MISS_QUERY:
            return lambda: ctx.client.query(port, DB, sql, per_round,
                                            counter_start=next(counters))
        return lambda: ctx.client.query(port, DB, sql, per_round)

    contenders = [
        ("direct", query("direct")),
        ("memory", measured(ctx, "memory", query("memory"))),
        ("redis", measured(ctx, "redis", query("redis"))),
        ("relay", query("relay")),
        ("memory-miss", measured(ctx, "memory-miss", query("memory-miss", MISS_QUERY))),
        ("redis-miss", measured(ctx, "redis-miss", query("redis-miss", MISS_QUERY))),
        ("redis-get", lambda: ctx.client.redis_get(ctx.redis.port, value_bytes, per_round,
                                                   key=f"sqlcache-bench-{ctx.nonce}:floor")),
    ]
    results = interleave(contenders, s.latency_rounds, "small hit")

    section = Section(
        "1", "1. Small hit: `SELECT * FROM planet` (8 rows), one connection, C++ client",
        f"{per_round * s.latency_rounds} queries per contender over {s.latency_rounds} "
        "interleaved rounds; latency from sending the query to having read the last row.",
        [Column("p50_us", "p50 µs"), Column("p99_us", "p99 µs"),
         Column("hit_ratio", "hit ratio", "{:.3f}"), Column("ratio", "p50 / direct p50", "{:.2f}×"),
         Column("errors", "errors", "{:.0f}")])
    direct = results["direct"]
    for name, rounds in results.items():
        row = medians(rounds)
        row["errors"] = sum(r.get("errors", 0) for r in rounds)
        row["ratio"] = paired_ratio(rounds, direct, "p50_us") if name != "redis-get" else None
        section.add(name, row, label=HIT_LABELS.get(name))
        if name not in ("direct", "redis-get"):
            section.chart.append((section.rows[-1]["contender"],
                                  paired_ratio(direct, rounds, "p50_us")))
        ctx.facts[f"s1.{name}.p50_us"] = row.get("p50_us")
        ctx.facts[f"s1.{name}.ratio"] = row["ratio"]
        ctx.facts[f"s1.{name}.errors"] = row["errors"]

    # The floor of a Redis hit: one raw GET of the entry's size plus one client↔proxy round
    # trip, which is what an in-process hit costs (the proxy answers without any store).
    floors = [g["p50_us"] + m["p50_us"] for g, m in zip(results["redis-get"], results["memory"])]
    over_floor = median([r["p50_us"] / f for r, f in zip(results["redis"], floors)])
    ctx.facts["s1.redis_floor_us"] = median(floors)
    ctx.facts["s1.redis_over_floor"] = over_floor
    section.notes.append(
        f"Redis-hit floor = raw Redis GET of the {value_bytes}-byte entry + one client↔proxy "
        f"round trip (the in-process hit): {median(floors):.1f} µs at p50; the Redis hit is "
        f"{over_floor:.2f}× that floor (median of per-round ratios).")
    section.notes.append(
        "Miss rows: `SELECT * FROM planet WHERE id <> -N` with N new on every call, through a "
        "proxy with the store configured: key derivation, lookup, relay, and store of the "
        "result, every time.")
    return [section, python_section(ctx)]


def python_section(ctx):
    s = ctx.settings
    per_round = max(1, s.python_queries // s.latency_rounds)

    def query(contender):
        return lambda: python_query_latency(ctx.port(contender), DB, QUERY, per_round)

    contenders = [(name, query(name)) for name in ("direct", "memory", "redis", "relay")]
    results = interleave(contenders, s.latency_rounds, "python planet")
    section = Section(
        "1py", "1b. The 8-row planet query from Python (MySQLdb)",
        f"{per_round * s.latency_rounds} queries per contender over {s.latency_rounds} "
        "interleaved rounds, `cursor.execute` + `fetchall()`, one connection.",
        [Column("p50_us", "p50 µs"), Column("p99_us", "p99 µs"),
         Column("ratio", "p50 / direct p50", "{:.2f}×"), Column("errors", "errors", "{:.0f}")])
    direct = results["direct"]
    for name, rounds in results.items():
        row = medians(rounds)
        row["errors"] = sum(r.get("errors", 0) for r in rounds)
        row["ratio"] = paired_ratio(rounds, direct, "p50_us")
        section.add(name, row, label=HIT_LABELS.get(name))
        if name != "direct":
            section.chart.append((section.rows[-1]["contender"] + " (Python)",
                                  paired_ratio(direct, rounds, "p50_us")))
        ctx.facts[f"s1py.{name}.ratio"] = row["ratio"]
    return section
