"""Summary statistics of samples, computed the way performance engineers expect."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = [
    "MAX_KEPT_SAMPLES",
    "NOISY_CV",
    "Stats",
    "kept_samples",
    "min_samples",
    "percentile",
    "summarize",
]

#: Coefficient of variation above which a sample set is flagged noisy.
NOISY_CV = 0.10
#: Raw samples kept per metric and test in JSON reports and baselines (evenly thinned above).
MAX_KEPT_SAMPLES = 1000


def min_samples(stat: str) -> int:
    """Samples a statistic needs to be more than the largest (or smallest) sample.

    A percentile q above the median needs at least 100 / (100 - q) samples, so that on
    average one sample lies above it: p90 10, p95 20, p99 100. Below that it is just the
    maximum. The median, mean, min and max take any sample count.
    """
    if stat.startswith("p") and stat[1:].isdigit() and int(stat[1:]) > 50:
        return math.ceil(100 / (100 - int(stat[1:])) - 1e-9)
    return 1


def kept_samples(samples: Sequence[float], cap: int = MAX_KEPT_SAMPLES) -> list[float]:
    """At most ``cap`` samples, evenly spaced in recording order (all of them below it)."""
    n = len(samples)
    if n <= cap:
        return [float(x) for x in samples]
    return [float(samples[round(i * (n - 1) / (cap - 1))]) for i in range(cap)]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Hyndman-Fan type 7)."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("no samples")
    if n == 1:
        return float(sorted_values[0])
    pos = (n - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac)


@dataclass(frozen=True)
class Stats:
    n: int
    min: float
    max: float
    mean: float
    stddev: float
    """Sample standard deviation (n - 1); 0 for a single sample."""
    p50: float
    p90: float
    p95: float
    p99: float
    iqr: float
    cv: float
    """stddev / mean (0 when the mean is 0)."""
    noisy: bool

    def get(self, stat: str) -> float:
        if stat == "median":
            stat = "p50"
        value = getattr(self, stat)
        return float(value)

    def to_json(self) -> dict[str, float | int | bool]:
        return asdict(self)


def summarize(samples: Sequence[float], noisy_cv: float = NOISY_CV) -> Stats:
    if not samples:
        raise ValueError("no samples")
    s = sorted(float(x) for x in samples)
    n = len(s)
    mean = math.fsum(s) / n
    var = math.fsum((x - mean) ** 2 for x in s) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var)
    cv = sd / abs(mean) if mean else 0.0
    return Stats(
        n=n,
        min=s[0],
        max=s[-1],
        mean=mean,
        stddev=sd,
        p50=percentile(s, 50),
        p90=percentile(s, 90),
        p95=percentile(s, 95),
        p99=percentile(s, 99),
        iqr=percentile(s, 75) - percentile(s, 25),
        cv=cv,
        noisy=n > 1 and cv > noisy_cv,
    )
