"""Change points in a metric's history: where the level stepped, how far, how sure.

Detection is ruptures' PELT (optimal partitioning with pruning, least-squares cost) with a
BIC-style penalty scaled by the series' own noise, estimated robustly from successive
differences so that a step does not inflate it. Each candidate step is then tested: the
runs between the previous and the next change point, before against after, with scipy's
Mann-Whitney U; a step is reported only when it is significant (``alpha``) and at least
``min_change`` in relative size. ``benchmarks/changepoints.py`` measures this against a
fixed-threshold rule on synthetic series with known steps.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.errors import LlmcoreError

__all__ = ["Change", "detect"]


@dataclass(frozen=True)
class Change:
    """A step between ``index - 1`` and ``index`` (the first point at the new level)."""

    index: int
    before: float
    after: float
    p_value: float

    @property
    def relative(self) -> float:
        """(after - before) / before: +0.08 is 8% higher."""
        return (self.after - self.before) / self.before if self.before else math.inf

    @property
    def confidence(self) -> float:
        return 1.0 - self.p_value


def _noise(values: Sequence[float]) -> float:
    """Robust standard deviation from successive differences (MAD-based, step-tolerant)."""
    diffs = [b - a for a, b in itertools.pairwise(values)]
    med = statistics.median(diffs)
    mad = statistics.median(abs(d - med) for d in diffs)
    return 1.4826 * mad / math.sqrt(2)


def _candidates(values: Sequence[float], min_size: int, sigma: float) -> list[int]:
    try:
        import numpy as np
        import ruptures
        import scipy.stats  # noqa: F401  (the significance test in detect)
    except ImportError:
        raise LlmcoreError(
            "change-point detection needs ruptures and scipy: pip install 'pytest-llmcore[history]'"
        ) from None
    penalty = 6.0 * sigma * sigma * math.log(len(values))
    algo = ruptures.Pelt(model="l2", min_size=min_size, jump=1)
    ends = algo.fit(np.asarray(values, dtype=float)).predict(pen=penalty)
    return [int(e) for e in ends[:-1]]  # the last "end" is len(values)


def detect(
    values: Sequence[float], min_size: int = 3, alpha: float = 0.01, min_change: float = 0.02
) -> list[Change]:
    """Significant steps in ``values`` (oldest first), at most one per segment boundary."""
    if len(values) < 2 * min_size:
        return []
    sigma = _noise(values)
    if sigma == 0.0:
        sigma = 1e-12 * max(1.0, max(abs(v) for v in values))
    cuts = _candidates(values, min_size, sigma)  # says what to install when it can't run
    from scipy.stats import mannwhitneyu

    bounds = [0, *cuts, len(values)]
    out: list[Change] = []
    for i, cut in enumerate(cuts, start=1):
        before, after = values[bounds[i - 1] : cut], values[cut : bounds[i + 1]]
        p = float(mannwhitneyu(before, after, alternative="two-sided").pvalue)
        change = Change(cut, statistics.median(before), statistics.median(after), p)
        if p < alpha and abs(change.relative) >= min_change:
            out.append(change)
    return out
