"""Medians, percentiles and ratios over interleaved rounds.

Every scenario runs its contenders in the same run, A B … B A, several rounds (the machines
are shared and absolute figures drift), so what a result table shows is the median over the
rounds, and a ratio that is the median of the per-round ratios: each round's contenders ran
seconds apart, under the same background load, so their ratio drifts far less than either
figure does.
"""
import math
import statistics


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list (the C++ client uses the same rule)."""
    if not sorted_values:
        return None
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def paired_ratio(rounds_a, rounds_b, metric):
    """Median over rounds of a[metric] / b[metric], pairing round i of A with round i of B."""
    ratios = []
    for a, b in zip(rounds_a, rounds_b):
        x, y = a.get(metric), b.get(metric)
        if x is not None and y not in (None, 0):
            ratios.append(x / y)
    return median(ratios)


def medians(rounds):
    """{metric: median over rounds} for every numeric metric the rounds report."""
    keys = []
    for r in rounds:
        keys += [k for k, v in r.items() if isinstance(v, (int, float)) and k not in keys]
    return {k: median([r.get(k) for r in rounds]) for k in keys}


def total(rounds, metric):
    return sum(r.get(metric) or 0 for r in rounds)
