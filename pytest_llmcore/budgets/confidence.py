"""95% confidence intervals of a statistic, and of the ratio of one statistic between runs.

Percentiles (p50..p99): the distribution-free order-statistic interval. The number of
samples below the true q-quantile is Binomial(n, q), so the k-th smallest sample lies
below it with probability P(B >= k): the interval is [x_(l), x_(u)] with P(B < l) <= 2.5%
and P(B >= u) <= 2.5%. It assumes nothing about the shape (latencies are skewed, often
bimodal). When n is too small for a bound, that bound is infinite: a pass needs a finite
upper bound, so a p99 needs 368 samples to pass, though 100 can already show a fail.

Mean: Student's t interval. Min and max: the observed value, exact (a peak is a fact of
this run, not an estimate).

Ratio between runs: the percentile bootstrap of new/base, drawn exactly and cheaply: the
r-th smallest of n resampled values is x_(ceil(n U)) with U ~ Beta(r, n - r + 1) (the r-th
of n uniforms), so one draw costs O(1) whatever n is. Seeded: the same samples always
give the same interval.
"""

from __future__ import annotations

import math
import random
import statistics
import zlib
from collections.abc import Sequence

from .stats import percentile

__all__ = ["LEVEL", "ci_samples", "interval", "ratio_interval"]

#: two-sided confidence level of every interval
LEVEL = 0.95
_TAIL = (1 - LEVEL) / 2
_DRAWS = 4000
_INF = math.inf


def quantile_of(stat: str) -> float | None:
    """0.5 for p50/median, 0.99 for p99; None for mean, min, max."""
    if stat == "median":
        return 0.5
    if stat.startswith("p") and stat[1:].isdigit():
        return int(stat[1:]) / 100.0
    return None


def _binom_cdf(n: int, q: float) -> list[float]:
    """P(B <= k) for k = 0..n, B ~ Binomial(n, q), in log space (n may be large)."""
    out, total = [], 0.0
    lq, lp = math.log(q), math.log1p(-q)
    for k in range(n + 1):
        lg = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        total += math.exp(lg + k * lq + (n - k) * lp)
        out.append(min(total, 1.0))
    return out


def _ranks(n: int, q: float) -> tuple[int | None, int | None]:
    """1-based ranks (l, u) of the order-statistic interval; None for an unbounded side."""
    cdf = _binom_cdf(n, q)
    low = None
    for k in range(1, n + 1):  # largest l with P(B < l) = cdf[l - 1] <= tail
        if cdf[k - 1] <= _TAIL:
            low = k
        else:
            break
    up = next((k for k in range(1, n + 1) if 1 - cdf[k - 1] <= _TAIL), None)
    return low, up


def ci_samples(stat: str) -> int:
    """Samples the statistic needs for an interval bounded on both sides (1: any count)."""
    q = quantile_of(stat)
    if q is None:
        return 2 if stat == "mean" else 1
    return math.ceil(math.log(_TAIL) / math.log(max(q, 1 - q)) - 1e-9)


def _t975(df: int) -> float:
    from .ab_stats import T975

    return T975[df - 1] if df <= len(T975) else 1.96


def interval(samples: Sequence[float], stat: str) -> tuple[float, float]:
    """The 95% interval of ``stat`` of the samples; -inf/inf for a side too few samples bound."""
    s = sorted(samples)
    n = len(s)
    q = quantile_of(stat)
    if q is not None:
        lo, up = _ranks(n, q)
        return (s[lo - 1] if lo else -_INF), (s[up - 1] if up else _INF)
    if stat == "mean":
        if n < 2:
            return -_INF, _INF
        half = _t975(n - 1) * statistics.stdev(s) / math.sqrt(n)
        mean = math.fsum(s) / n
        return mean - half, mean + half
    value = s[0] if stat == "min" else s[-1]
    return value, value


def _draw(s: Sequence[float], stat: str, rng: random.Random) -> float:
    n = len(s)
    q = quantile_of(stat)
    if q is not None:
        r = min(n, max(1, math.ceil(n * q)))
        u = rng.betavariate(r, n - r + 1)
        return s[min(n - 1, max(0, math.ceil(n * u) - 1))]
    if stat == "mean":
        sd = statistics.stdev(s) if n > 1 else 0.0
        return rng.gauss(math.fsum(s) / n, sd / math.sqrt(n))
    return s[0] if stat == "min" else s[-1]


def point(samples: Sequence[float], stat: str) -> float:
    s = sorted(samples)
    q = quantile_of(stat)
    if q is not None:
        return percentile(s, q * 100)
    if stat == "mean":
        return math.fsum(s) / len(s)
    return s[0] if stat == "min" else s[-1]


def ratio_interval(
    base: Sequence[float], new: Sequence[float], stat: str, seed: str = ""
) -> tuple[float, float, float]:
    """(new/base of ``stat``, 95% low, 95% high) by the bootstrap; ValueError on a zero base."""
    b, h = sorted(base), sorted(new)
    old = point(b, stat)
    if old <= 0 or not b or not h:
        raise ValueError("the baseline's statistic is 0: no ratio")
    ratio = point(h, stat) / old
    rng = random.Random(zlib.crc32(seed.encode()))
    draws = []
    for _ in range(_DRAWS):
        den = _draw(b, stat, rng)
        if den > 0:
            draws.append(_draw(h, stat, rng) / den)
    if not draws:
        return ratio, ratio, ratio
    draws.sort()
    lo = draws[int(_TAIL * (len(draws) - 1))]
    hi = draws[math.ceil((1 - _TAIL) * (len(draws) - 1))]
    return ratio, min(lo, ratio), max(hi, ratio)
