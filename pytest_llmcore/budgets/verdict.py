"""Budget verdicts: one result object per budget, with the message a failure shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from .baseline import machine_key
from .confidence import ci_samples, interval
from .metrics import Metric, format_value
from .spec import Budget
from .stats import Stats, min_samples

__all__ = [
    "RunContext",
    "Verdict",
    "evaluate",
    "insufficient",
    "missing",
    "not_measured",
    "unjudged",
]

VerdictKind = Literal["budget", "missing", "insufficient", "regression", "not_measured"]
Policy = Literal["fail", "warn", "pass"]
#: the policy for a verdict still inconclusive after adaptive sampling (docs/budgets.md)
DEFAULT_POLICY: Policy = "warn"


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
    outcome: str = ""
    """pass, fail, inconclusive; regression, improvement, no change; error; not measured."""
    low: float | None = None
    """95% interval of ``measured`` (None: unbounded on that side, or no interval)."""
    high: float | None = None
    change_pct: float | None = None
    """Regression rows: (new / baseline - 1) in percent, with its 95% interval."""
    change_low_pct: float | None = None
    change_high_pct: float | None = None
    note: str = ""
    """What else the reader must know: a software change since the baseline, a policy."""

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RunContext:
    """Where a run measures: the profile and device every verdict and report names."""

    profile: str
    device: str

    @property
    def machine_key(self) -> str:
        """Picks the baseline entry recorded on this hardware and profile."""
        return machine_key(self.profile, self.device)


def _headroom(measured: float, limit: float, lower_is_better: bool) -> float | None:
    if limit == 0:
        return None
    diff = (limit - measured) if lower_is_better else (measured - limit)
    return diff / abs(limit) * 100.0


def _where(run: RunContext, stats: Stats | None) -> str:
    parts = [f"profile {run.profile}", run.device]
    if stats is not None:
        parts.append(f"{stats.n} sample{'s' if stats.n != 1 else ''}")
        if stats.n > 1:
            parts.append(f"cv {stats.cv * 100:.1f}%" + (", noisy" if stats.noisy else ""))
    return ", ".join(parts)


def unjudged(
    nodeid: str,
    budget: Budget,
    run: RunContext,
    message: str,
    stats: Stats | None = None,
    *,
    kind: VerdictKind = "insufficient",
) -> Verdict:
    """A verdict with no measured value: an error (too few samples, never recorded), or
    with ``kind="not_measured"`` a pass that says the test never got that far."""
    skipped = kind == "not_measured"
    return Verdict(
        nodeid=nodeid,
        kind=kind,
        metric=budget.metric,
        stat=budget.stat,
        measured=None,
        limit=budget.limit,
        passed=skipped,
        headroom_pct=None,
        profile=run.profile,
        device=run.device,
        n=0 if stats is None else stats.n,
        cv=0.0 if stats is None else stats.cv,
        noisy=False if stats is None else stats.noisy,
        source=budget.source,
        message=message,
        outcome="not measured" if skipped else "error",
    )


def insufficient(nodeid: str, budget: Budget, stats: Stats, run: RunContext) -> Verdict | None:
    """A failed verdict when ``budget.stat`` needs more samples than ``stats`` has, else None.

    ``p99 needs >= 100 samples; got 5``: fewer samples make the percentile their maximum,
    so the verdict would be about the max, not the p99. Never a pass.
    """
    stat = budget.stat
    need = min_samples(stat)
    if stats.n >= need:
        return None
    msg = (
        f"{budget.info.label} {stat} needs at least {need} samples; got {stats.n} "
        f"(a {stat} of fewer samples is just their extreme): take more samples or budget "
        f"another statistic ({_where(run, stats)})"
    )
    return unjudged(nodeid, budget, run, msg, stats)


def _bound(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _ci_text(m: Metric, low: float, high: float, measured: float) -> str:
    if low == high == measured:
        return ""
    lo = format_value(m, low) if math.isfinite(low) else "-inf"
    hi = format_value(m, high) if math.isfinite(high) else "+inf"
    return f" (95% CI {lo} .. {hi})"


def _outcome(low: float, high: float, limit: float, lower_is_better: bool) -> str:
    if lower_is_better:
        return "pass" if high <= limit else ("fail" if low > limit else "inconclusive")
    return "pass" if low >= limit else ("fail" if high < limit else "inconclusive")


def _against(m: Metric, budget: Budget, better: bool) -> str:
    """``> budget 30 ms + 5% tolerance``."""
    op = ("<=" if better else ">") if m.lower_is_better else (">=" if better else "<")
    sign = "+" if m.lower_is_better else "-"
    tol = f" {sign} {budget.tolerance * 100:g}% tolerance" if budget.tolerance else ""
    return f"{op} budget {format_value(m, budget.limit)}{tol}"


def _decide(
    low: float, high: float, limit: float, better: bool, lower_is_better: bool, point: bool
) -> tuple[str, str]:
    """(outcome, "judged on the value" or ""): an interval left open on one side by too
    few samples is ``unbounded`` (the caller samples more), or with ``point`` judged on
    the value."""
    outcome = _outcome(low, high, limit, lower_is_better)
    if outcome != "inconclusive" or (math.isfinite(low) and math.isfinite(high)):
        return outcome, ""
    if not point:
        return "unbounded", ""
    return ("pass" if better else "fail"), "judged on the value"


def evaluate(
    nodeid: str,
    budget: Budget,
    stats: Stats,
    run: RunContext,
    samples: Sequence[float] | None = None,
    policy: Policy = DEFAULT_POLICY,
    point_if_unbounded: bool = True,
) -> Verdict:
    """``TPOT p50 41.2 ms (95% CI 40.8 ms .. 41.9 ms) > budget 30 ms (profile ..., cv 3.1%)``.

    Pass: the whole interval within the budget; fail: wholly outside; inconclusive: it
    straddles the budget, and ``policy`` decides. Too few samples to bound a side: see
    ``_decide``. Without ``samples`` the interval is the point value.
    """
    m = budget.info
    short = insufficient(nodeid, budget, stats, run)
    if short is not None:
        return short
    measured = stats.get(budget.stat)
    low, high = interval(samples, budget.stat) if samples else (measured, measured)
    sign = 1 if m.lower_is_better else -1
    limit = budget.limit * (1 + sign * budget.tolerance)
    better = measured <= limit if m.lower_is_better else measured >= limit
    outcome, note = _decide(low, high, limit, better, m.lower_is_better, point_if_unbounded)
    if note:  # judged on the value
        low = high = measured
        note += f": {stats.n} samples give no 95% bound (a {budget.stat} needs "
        note += f"{ci_samples(budget.stat)})"
    passed = outcome == "pass" or (outcome == "inconclusive" and policy != "fail")
    if outcome == "inconclusive":
        note = f"inconclusive: the 95% interval straddles the budget (policy {policy})"
    said = f"{format_value(m, measured)}{_ci_text(m, low, high, measured)}"
    msg = f"{m.label} {budget.stat} {said} {_against(m, budget, better)}"
    msg += f" ({_where(run, stats)}){'; ' + note if note and stats.n > 1 else ''}"
    return Verdict(
        nodeid=nodeid,
        kind="budget",
        metric=budget.metric,
        stat=budget.stat,
        measured=measured,
        limit=budget.limit,
        passed=passed,
        headroom_pct=_headroom(measured, budget.limit, m.lower_is_better),
        profile=run.profile,
        device=run.device,
        n=stats.n,
        cv=stats.cv,
        noisy=stats.noisy,
        source=budget.source,
        message=msg,
        outcome=outcome,
        low=_bound(low),
        high=_bound(high),
        note=note,
    )


def missing(nodeid: str, budget: Budget, run: RunContext) -> Verdict:
    """A budget whose metric was never recorded: an error, never a pass."""
    msg = (
        f"{budget.info.label} budget ({budget.describe()}, from {budget.source}) "
        f"but the test never recorded {budget.metric}: a budget without a measurement fails "
        f"(profile {run.profile}, {run.device})"
    )
    return unjudged(nodeid, budget, run, msg, kind="missing")


def not_measured(nodeid: str, budget: Budget, run: RunContext, why: str) -> Verdict:
    """A budgeted test that was skipped or crashed: no verdict on its budget (its own
    outcome already says what happened)."""
    m = budget.info
    msg = f"{m.label} budget ({budget.describe()}) not measured: the test {why}"
    return unjudged(nodeid, budget, run, msg, kind="not_measured")
