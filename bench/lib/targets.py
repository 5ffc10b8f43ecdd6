"""The issue's targets, each judged from the facts the scenarios recorded: met or missed, and
by how much (relative to the goal)."""


def at_most(name, goal, value, fmt="{:.2f}×", what=None):
    return judge(name, f"≤ {fmt.format(goal)}", value, goal, lambda v: v <= goal, fmt, what,
                 lower_is_better=True)


def at_least(name, goal, value, fmt="{:.2f}×", what=None):
    return judge(name, f"≥ {fmt.format(goal)}", value, goal, lambda v: v >= goal, fmt, what,
                 lower_is_better=False)


def judge(name, goal_text, value, goal, ok, fmt, what, lower_is_better):
    if value is None:
        return {"name": name, "goal": goal_text, "measured": what or "not measured",
                "verdict": "not measured"}
    margin = abs(value - goal) / goal if goal else 0.0
    if ok(value):
        verdict = f"**met** (by {margin:.0%})"
    else:
        verdict = f"**missed** (by {margin:.0%})"
    return {"name": name, "goal": goal_text, "measured": fmt.format(value), "verdict": verdict}


def evaluate(facts):
    f = facts.get
    targets = [
        at_most("small hit, in-process store: p50 vs direct (`planet`, C++ client)", 0.8,
                f("s1.memory.ratio")),
        at_most("small hit, in-process store: p50 vs direct (`planet` from Python)", 0.8,
                f("s1py.memory.ratio")),
        at_most("small hit, in-process store: p50 vs direct (sysbench point select, 1 thread)",
                0.8, f("s2.1.memory.p50_ratio")),
        at_most("small hit, Redis store: p50 vs its floor (raw GET + one proxy round trip)",
                1.2, f("s1.redis_over_floor")),
        at_least("point selects, 8 threads, in-process store: QPS vs direct", 1.8,
                 f("s2.8.memory.qps_ratio")),
        at_least("point selects, 8 threads, Redis store: QPS vs direct", 1.2,
                 f("s2.8.redis.qps_ratio")),
        at_least("point selects, 8 threads, Redis store + near cache: QPS vs direct", 1.2,
                 f("s2.8.redis_near.qps_ratio")),
        at_least("heavy query, in-process hit: speed-up over the database", 50,
                 f("s4.memory.speedup"), "{:.0f}×"),
        at_least("heavy query, Redis hit: speed-up over the database", 50,
                 f("s4.redis.speedup"), "{:.0f}×"),
        at_most("relay (caching off): p50 vs direct (oltp_read_write)", 1.15, f("s5.p50_ratio")),
        at_least("relay (caching off): QPS vs direct (oltp_read_write)", 0.85, f("s5.qps_ratio")),
    ]
    levels = [n for n in (facts.get("s7.levels") or []) if n >= 100]
    top = max(levels) if levels else None
    targets.append(at_most(f"proxy RSS per idle client ({top or '?'} clients)", 64,
                           f(f"s7.{top}.idle_kib_per_client") if top else None, "{:.1f} KiB"))
    if 5000 in (facts.get("s7.levels") or []):
        errors = f("s7.5000.memory.errors")
        connected = f("s7.5000.memory.connected")
        met = errors == 0 and connected == 5000
        targets.append({"name": "5,000 concurrent clients through the proxy", "goal": "no errors",
                        "measured": f"{connected} connected, {errors} errors",
                        "verdict": "**met**" if met else "**missed**"})
    else:
        targets.append({"name": "5,000 concurrent clients through the proxy", "goal": "no errors",
                        "measured": "level not run (smoke mode stops at 1,000)",
                        "verdict": "not measured"})
    store_names = {"memory": "in-process store", "redis": "Redis store",
                   "redis_near": "Redis store + near cache"}
    for store, store_name in store_names.items():
        reductions = [f(f"s8.{t}.{store}.reduction") for t in (1, 8)]
        reductions = [r for r in reductions if r is not None]
        targets.append(at_least(
            f"backend Com_select reduction in scenario 2, {store_name} "
            "(worst of 1 and 8 threads)", 0.95, min(reductions) if reductions else None,
            "{:.1%}"))
    return targets
