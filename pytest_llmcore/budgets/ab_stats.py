"""The A/B verdict: the ratio of one statistic per round, with a confidence interval.

Each round runs the base tree and the candidate tree once, back to back (ABBA order), so
slow drifts of a shared machine hit both sides alike. Per round we take the ratio of the
candidate's statistic to the base's: by default each side's **best** value (the minimum of
a lower-is-better metric, the maximum of a higher-is-better one), else its median. On a
shared machine interference only ever adds time, so a process's median moves with the
load of the moment (+35% between two runs a minute apart on a 2-core machine at load 6),
while its fastest samples are the code's own cost (timeit's advice). The estimate is the
geometric mean of the per-round ratios and its 95% interval is Student's t interval of the
mean log-ratio (with 5-10 rounds a bootstrap interval is too narrow: it ignores that the
spread itself is estimated). A change is reported only when it is significant (the
interval excludes 1) AND at least the threshold (benchstat's rule: significant is not
enough, small is not interesting).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["STATS", "T975", "Comparison", "compare_rounds", "round_value"]

Outcome = Literal["regression", "improvement", "no change", "inconclusive"]

#: the per-round statistics ``llmcore ab --stat`` accepts
STATS = ("best", "median")


@dataclass(frozen=True)
class Comparison:
    """One metric of one test, base against candidate."""

    ratio: float
    low: float
    high: float
    rounds: int
    outcome: Outcome
    base_median: float
    head_median: float
    #: per complete round: (base value, candidate value) of the statistic, in round order
    pairs: tuple[tuple[float, float], ...] = ()

    def describe(self) -> str:
        return (
            f"{self.ratio - 1:+.1%} (95% CI {self.low - 1:+.1%} .. {self.high - 1:+.1%}, "
            f"{self.rounds} rounds): {self.outcome}"
        )


#: Student's t, two-sided 95%, by degrees of freedom (beyond 30: 1.96 is within 4%).
T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def _t_interval(logs: Sequence[float]) -> tuple[float, float]:
    n = len(logs)
    mean = sum(logs) / n
    half = (T975[n - 2] if n - 1 <= len(T975) else 1.96) * statistics.stdev(logs) / math.sqrt(n)
    return mean - half, mean + half


def _outcome(
    low: float, high: float, ratio: float, threshold: float, lower_better: bool
) -> Outcome:
    worse_if_up = lower_better
    if low > 1.0 and ratio >= 1 + threshold:
        return "regression" if worse_if_up else "improvement"
    if high < 1.0 and ratio <= 1 / (1 + threshold):
        return "improvement" if worse_if_up else "regression"
    if low <= 1.0 <= high and (high > 1 + threshold or low < 1 / (1 + threshold)):
        return "inconclusive"  # no significant change, but a large one is not ruled out
    return "no change"


def round_value(samples: Sequence[float], stat: str, lower_is_better: bool) -> float:
    """One side's value in one round: ``best`` (min, or max when higher is better) or median."""
    if stat == "median":
        return float(statistics.median(samples))
    if stat == "best":
        return float(min(samples) if lower_is_better else max(samples))
    raise ValueError(f"unknown A/B statistic {stat!r}; use one of {', '.join(STATS)}")


def compare_rounds(
    base: Sequence[Sequence[float]],
    head: Sequence[Sequence[float]],
    threshold: float,
    lower_is_better: bool = True,
    stat: str = "median",
) -> Comparison:
    """``base[i]``/``head[i]``: the samples of round i. Rounds missing a side are dropped."""
    values = [
        (round_value(b, stat, lower_is_better), round_value(h, stat, lower_is_better))
        for b, h in zip(base, head, strict=False)
        if b and h
    ]
    pairs = [(b, h) for b, h in values if b > 0 and h > 0]
    if len(pairs) < 2:
        raise ValueError(f"an A/B comparison needs at least 2 complete rounds, got {len(pairs)}")
    logs = [math.log(h / b) for b, h in pairs]
    ratio = math.exp(sum(logs) / len(logs))
    lo, hi = (math.exp(x) for x in _t_interval(logs))
    return Comparison(
        ratio=ratio,
        low=lo,
        high=hi,
        rounds=len(pairs),
        outcome=_outcome(lo, hi, ratio, threshold, lower_is_better),
        base_median=statistics.median(x for b in base for x in b),
        head_median=statistics.median(x for h in head for x in h),
        pairs=tuple(pairs),
    )
