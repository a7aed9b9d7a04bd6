"""Regression verdicts: this run's samples against a baseline's, a test plus an effect size.

The change is the ratio of one statistic (new / baseline) with its 95% bootstrap interval
(``confidence.ratio_interval``). A regression is flagged only when the change is both
significant and larger than the threshold: the whole interval lies beyond it (runs on a
shared machine drift by several percent between runs, which no interval from one run's
samples can see: a point estimate just over the threshold is not enough). Otherwise the
row says "no change", "improvement", or "inconclusive". A baseline without samples
(format 1) compares the point values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .baseline import Baseline
from .confidence import ratio_interval
from .metrics import Metric, format_value
from .spec import Budget
from .stats import Stats, min_samples
from .verdict import RunContext, Verdict, insufficient, unjudged

__all__ = ["compare"]


def _thin_baseline(
    baseline: Baseline, nodeid: str, budget: Budget, n: int, stats: Stats, run: RunContext
) -> Verdict:
    """The baseline's figure of ``budget.stat`` rests on too few samples to be that statistic."""
    stat = budget.stat
    msg = (
        f"{budget.info.label} {stat} of baseline {baseline.name!r} needs at least "
        f"{min_samples(stat)} samples; it has {n}: save the baseline again with more "
        "samples, or compare another statistic (compare-stats)"
    )
    # named with the baseline's profile: the figure that is too thin is the baseline's
    return unjudged(nodeid, budget, replace(run, profile=baseline.key.profile), msg, stats)


def outcome(low: float, high: float, threshold: float, lower_is_better: bool) -> str:
    """The verdict of a ratio interval, judged like a budget: the limit is the threshold.

    regression: the whole interval is beyond the threshold in the worse direction;
    improvement: likewise in the better one; no change: the whole interval is inside the
    threshold (a significant change smaller than it included); inconclusive: otherwise.
    """
    up, down = 1 + threshold, 1 / (1 + threshold)
    worse_up = lower_is_better
    if low > up:
        return "regression" if worse_up else "improvement"
    if high < down:
        return "improvement" if worse_up else "regression"
    if down <= low and high <= up:
        return "no change"
    return "inconclusive"


def _ratio(
    base: object, samples: Sequence[float] | None, stat: str, seed: str, point: float
) -> tuple[float, float]:
    """The 95% interval of new/base (the point value twice without samples on both sides)."""
    if not samples or not isinstance(base, list) or not base:
        return point, point
    try:
        _, lo, hi = ratio_interval([float(x) for x in base], samples, stat, seed)
    except ValueError:
        return point, point
    return min(lo, point), max(hi, point)


def _message(m: Metric, stat: str, new: float, old: float, ci: tuple[float, float]) -> str:
    change = (new - old) / abs(old) * 100.0
    worse = change if m.lower_is_better else -change
    word = "slower" if m.kind == "time" else "worse"
    rel = f"{abs(worse):.1f}% {word}" if worse > 0 else f"{abs(worse):.1f}% better"
    lo, hi = ((x - 1) * 100 for x in ci)
    shown = "" if lo == hi else f" (95% CI {lo:+.1f}% .. {hi:+.1f}%)"
    return f"{m.label} {stat} {format_value(m, new)} is {rel}{shown} than"


def _verdict(
    baseline: Baseline,
    nodeid: str,
    m: Metric,
    stat: str,
    stats: Stats,
    threshold: float,
    run: RunContext,
    samples: Sequence[float] | None,
    note: str,
) -> Verdict:
    """One statistic's regression verdict (``note``: a software change since the baseline)."""
    metric = m.name
    key = "p50" if stat == "median" else stat
    base = baseline.tests[nodeid][metric]
    old, new = float(base[key]), stats.get(stat)
    ratio = new / old
    ci = _ratio(base.get("samples"), samples, key, f"{nodeid}|{metric}|{stat}", ratio)
    verdict = outcome(ci[0], ci[1], threshold, m.lower_is_better)
    worse = (ratio - 1) * 100 * (1 if m.lower_is_better else -1)
    msg = (
        f"{_message(m, stat, new, old, ci)} baseline {baseline.name!r} "
        f"({format_value(m, old)}); threshold {threshold * 100:g}%: {verdict}"
        f"{f'; {note}' if note else ''} (profile {run.profile}, {run.device}, {stats.n} samples)"
    )
    return Verdict(
        nodeid=nodeid,
        kind="regression",
        metric=metric,
        stat=stat,
        measured=new,
        limit=old,
        passed=verdict != "regression",
        headroom_pct=-worse,
        profile=run.profile,
        device=run.device,
        n=stats.n,
        cv=stats.cv,
        noisy=stats.noisy,
        source=f"baseline {baseline.name}",
        message=msg,
        outcome=verdict,
        change_pct=(ratio - 1) * 100,
        change_low_pct=(ci[0] - 1) * 100,
        change_high_pct=(ci[1] - 1) * 100,
        note=note,
    )


def compare(
    baseline: Baseline,
    nodeid: str,
    m: Metric,
    stats: Stats,
    stat_names: tuple[str, ...],
    threshold: float,
    run: RunContext,
    samples: Sequence[float] | None = None,
    note: str = "",
) -> list[Verdict]:
    """Regression verdicts of metric ``m`` against the baseline (nothing when not in it).

    ``stat_names`` empty: the metric's default statistic. ``note`` (a software change since
    the baseline) is carried on every verdict.
    """
    base = baseline.tests.get(nodeid, {}).get(m.name)
    if base is None:
        return []
    source = f"baseline {baseline.name}"
    out = []
    for stat in stat_names or (m.default_stat,):
        key = "p50" if stat == "median" else stat
        if key not in base:
            continue
        against = Budget(m, stat, float(base[key]), source)
        short = insufficient(nodeid, against, stats, run)
        if short is not None:
            out.append(short)
            continue
        base_n = int(base.get("n", min_samples(stat)))
        if base_n < min_samples(stat):  # the baseline's figure is not that statistic
            out.append(_thin_baseline(baseline, nodeid, against, base_n, stats, run))
            continue
        if float(base[key]) > 0:
            out.append(_verdict(baseline, nodeid, m, stat, stats, threshold, run, samples, note))
    return out
