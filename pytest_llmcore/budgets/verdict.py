"""Budget verdicts: one result object per budget, with the message a failure shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from .metrics import METRICS, format_value
from .spec import Budget
from .stats import Stats, min_samples

__all__ = ["Verdict", "evaluate", "insufficient", "missing"]

VerdictKind = Literal["budget", "missing", "insufficient", "regression"]


@dataclass(frozen=True)
class Verdict:
    nodeid: str
    kind: VerdictKind
    metric: str
    stat: str
    measured: float | None
    limit: float
    passed: bool
    headroom_pct: float | None
    """How far inside the limit: +25 = 25% to spare, -37 = 37% over (sign by direction)."""
    profile: str
    device: str
    n: int
    cv: float
    noisy: bool
    source: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _headroom(measured: float, limit: float, lower_is_better: bool) -> float | None:
    if limit == 0:
        return None
    diff = (limit - measured) if lower_is_better else (measured - limit)
    return diff / abs(limit) * 100.0


def _where(profile: str, device: str, stats: Stats | None) -> str:
    parts = [f"profile {profile}", device]
    if stats is not None:
        parts.append(f"{stats.n} sample{'s' if stats.n != 1 else ''}")
        if stats.n > 1:
            parts.append(f"cv {stats.cv * 100:.1f}%" + (", noisy" if stats.noisy else ""))
    return ", ".join(parts)


def insufficient(
    nodeid: str,
    metric: str,
    stat: str,
    limit: float,
    source: str,
    stats: Stats,
    profile: str,
    device: str,
) -> Verdict | None:
    """A failed verdict when ``stat`` needs more samples than ``stats`` has, else None.

    ``p99 needs >= 100 samples; got 5``: fewer samples make the percentile their maximum,
    so the verdict would be about the max, not the p99. Never a pass.
    """
    need = min_samples(stat)
    if stats.n >= need:
        return None
    m = METRICS[metric]
    msg = (
        f"{m.label} {stat} needs at least {need} samples; got {stats.n} (a {stat} of fewer "
        f"samples is just their extreme): take more samples or budget another statistic "
        f"({_where(profile, device, stats)})"
    )
    return Verdict(
        nodeid=nodeid,
        kind="insufficient",
        metric=metric,
        stat=stat,
        measured=None,
        limit=limit,
        passed=False,
        headroom_pct=None,
        profile=profile,
        device=device,
        n=stats.n,
        cv=stats.cv,
        noisy=stats.noisy,
        source=source,
        message=msg,
    )


def evaluate(nodeid: str, budget: Budget, stats: Stats, profile: str, device: str) -> Verdict:
    """``TPOT p50 41.2 ms > budget 30 ms (profile rtx-4090, <GPU>, 20 samples, cv 3.1%)``."""
    m = METRICS[budget.metric]
    short = insufficient(
        nodeid, budget.metric, budget.stat, budget.limit, budget.source, stats, profile, device
    )
    if short is not None:
        return short
    measured = stats.get(budget.stat)
    if m.lower_is_better:
        passed = measured <= budget.limit * (1 + budget.tolerance)
        op = "<=" if passed else ">"
    else:
        passed = measured >= budget.limit * (1 - budget.tolerance)
        op = ">=" if passed else "<"
    tol = (
        f" + {budget.tolerance * 100:g}% tolerance"
        if budget.tolerance and m.lower_is_better
        else (f" - {budget.tolerance * 100:g}% tolerance" if budget.tolerance else "")
    )
    msg = (
        f"{m.label} {budget.stat} {format_value(m, measured)} {op} budget "
        f"{format_value(m, budget.limit)}{tol} ({_where(profile, device, stats)})"
    )
    return Verdict(
        nodeid=nodeid,
        kind="budget",
        metric=budget.metric,
        stat=budget.stat,
        measured=measured,
        limit=budget.limit,
        passed=passed,
        headroom_pct=_headroom(measured, budget.limit, m.lower_is_better),
        profile=profile,
        device=device,
        n=stats.n,
        cv=stats.cv,
        noisy=stats.noisy,
        source=budget.source,
        message=msg,
    )


def missing(nodeid: str, budget: Budget, profile: str, device: str) -> Verdict:
    """A budget whose metric was never recorded: an error, never a pass."""
    m = METRICS[budget.metric]
    msg = (
        f"{m.label} budget ({budget.describe()}, from {budget.source}) but the test never "
        f"recorded {budget.metric}: a budget without a measurement fails "
        f"(profile {profile}, {device})"
    )
    return Verdict(
        nodeid=nodeid,
        kind="missing",
        metric=budget.metric,
        stat=budget.stat,
        measured=None,
        limit=budget.limit,
        passed=False,
        headroom_pct=None,
        profile=profile,
        device=device,
        n=0,
        cv=0.0,
        noisy=False,
        source=budget.source,
        message=msg,
    )
