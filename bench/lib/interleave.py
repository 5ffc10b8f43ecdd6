"""Runs contenders interleaved: round 1 in order A B C, round 2 reversed C B A, and so on
(an ABBA pattern), so a contender is not always the one that runs right after another's
warm-up or while a neighbour's load ramps up."""
import sys
import time


def interleave(contenders, rounds, label=""):
    """contenders: list of (name, callable() -> dict). Returns {name: [dict per round]}."""
    results = {name: [] for name, _ in contenders}
    for r in range(rounds):
        order = contenders if r % 2 == 0 else list(reversed(contenders))
        for name, measure in order:
            started = time.monotonic()
            result = measure()
            result["seconds"] = time.monotonic() - started
            results[name].append(result)
            log(f"{label} round {r + 1}/{rounds} {name}: {summary(result)}")
    return results


def summary(result):
    keys = ("p50_us", "p99_us", "qps", "p95_ms", "errors", "hit_ratio")
    return " ".join(f"{k}={result[k]:.4g}" if isinstance(result.get(k), float) else
                    f"{k}={result[k]}" for k in keys if k in result)


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)
