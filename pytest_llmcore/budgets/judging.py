"""Judging one test after its call phase: samples to statistics, budgets to verdicts.

Runs on the process that ran the test. The result (a ``BudgetResult``) travels on the
test's report to the xdist controller (as JSON: ``results.py``) and into every report.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from .adaptive import budget_verdicts
from .context import BudgetsContext, slug
from .keys import BUDGETS_KEY, INVALID_KEY, PROPS_KEY, RECORDER_KEY
from .recorder import PerfRecorder
from .regression import compare
from .report import rows, table_lines
from .results import BudgetResult, MetricResult, Roofline
from .settings import DEFAULT_SAMPLING
from .stats import kept_samples
from .verdict import Verdict, not_measured

__all__ = ["judge", "unmeasured"]

_JUNIT_STATS = ("p50", "p95", "p99", "mean")


def _metrics(rec: PerfRecorder | None) -> dict[str, MetricResult]:
    if rec is None:
        return {}
    out: dict[str, MetricResult] = {}
    for name, samples in rec.samples.items():
        if samples:
            kept = kept_samples(samples)
            out[name] = MetricResult(
                unit=rec.metrics[name].unit,
                samples=tuple(kept),
                stats=rec.stats(name),
                samples_total=len(samples) if len(kept) < len(samples) else None,
            )
    return out


def _verdicts(ctx: BudgetsContext, item: pytest.Item, rec: PerfRecorder | None) -> list[Verdict]:
    budgets = item.stash.get(BUDGETS_KEY, None)
    sampling = budgets.sampling if budgets is not None else DEFAULT_SAMPLING
    out = budget_verdicts(
        item.nodeid,
        budgets.budgets if budgets is not None else (),
        rec,
        sampling,
        ctx.run,
    )
    if ctx.baseline is None or ctx.threshold is None or rec is None:
        return out
    # compared by default: metrics with a budget here, and those named in compare-metrics
    wanted = {b.metric for b in budgets.budgets} if budgets is not None else set()
    wanted |= set(ctx.settings.compare_metrics)
    for name in sorted(wanted):
        metric = ctx.metrics.get(name)
        if metric is not None and rec.samples.get(name):
            out += compare(
                ctx.baseline,
                item.nodeid,
                metric,
                rec.stats(name),
                ctx.settings.compare_stats,
                ctx.threshold,
                ctx.run,
                rec.samples[name],
                ctx.software_note or "",
            )
    return out


def not_measured_verdicts(ctx: BudgetsContext, item: pytest.Item, why: str) -> list[Verdict]:
    """One "not measured" row per budget of a test that was skipped or crashed."""
    budgets = item.stash.get(BUDGETS_KEY, None)
    return [
        not_measured(item.nodeid, b, ctx.run, why)
        for b in (budgets.budgets if budgets is not None else ())
    ]


def _properties(result: BudgetResult) -> list[tuple[str, object]]:
    """JUnit properties: four statistics and n per metric, one outcome per verdict."""
    props: list[tuple[str, object]] = []
    for name, data in result.metrics.items():
        st = data.stats
        props += [(f"llmcore_{name}_{stat}", round(st.get(stat), 6)) for stat in _JUNIT_STATS]
        props.append((f"llmcore_{name}_n", st.n))
    # one property per verdict: a budget and a regression verdict on one metric differ
    props += [
        (
            f"llmcore_{'regression' if v.kind == 'regression' else 'budget'}_{v.metric}_{v.stat}",
            v.outcome or ("pass" if v.passed else "fail"),
        )
        for v in result.verdicts
    ]
    return props


def _junit(item: pytest.Item, report: pytest.TestReport, result: BudgetResult) -> None:
    props = _properties(result)
    # a rerun (pytest-rerunfailures) replaces the earlier attempt's properties
    for old in item.stash.get(PROPS_KEY, []):
        if old in item.user_properties:
            item.user_properties.remove(old)
    item.stash[PROPS_KEY] = props
    # junitxml reads the teardown report's properties, made later from the item's list
    item.user_properties.extend(props)
    if report.user_properties is not item.user_properties:
        report.user_properties[:] = [p for p in item.user_properties]


def _bandwidth(ctx: BudgetsContext) -> tuple[float, str] | None:
    """Measured memory bandwidth (GB/s, what): once per machine, kept in pytest's cache."""
    key = f"llmcore/ceilings/{slug(ctx.device)}"
    cache = getattr(ctx.config, "cache", None)
    cached = cache.get(key, None) if cache is not None else None
    bw: tuple[float, str] | None
    if key in ctx.bandwidth:
        bw = ctx.bandwidth[key]
    elif isinstance(cached, dict) and "gbs" in cached:
        bw = (float(cached["gbs"]), str(cached["what"]))
    else:
        found = ctx.config.hook.pytest_llmcore_memory_bandwidth(config=ctx.config)
        bw = None if found is None else (float(found[0]), str(found[1]))
        if cache is not None and bw is not None:
            cache.set(key, {"gbs": bw[0], "what": bw[1]})
    ctx.bandwidth[key] = bw
    return bw


def _roofline(ctx: BudgetsContext, bytes_per_token: int, tokens_per_s: float) -> Roofline:
    """Measured tokens/s against the bound the memory bandwidth sets."""
    bw = _bandwidth(ctx)
    if bw is None:
        return Roofline(bytes_per_token=bytes_per_token, note="no bandwidth probe could run")
    bound = bw[0] * 1e9 / bytes_per_token
    return Roofline(
        bytes_per_token=bytes_per_token,
        bandwidth_gbs=round(bw[0], 2),
        bandwidth_source=bw[1],
        bound_tokens_per_s=round(bound, 2),
        tokens_per_s=round(tokens_per_s, 2),
        percent=round(100 * tokens_per_s / bound, 1),
    )


def _invalid_timings(item: pytest.Item, report: pytest.TestReport) -> None:
    """Fail a passed test with time budgets whose timings were invalid (a throttling GPU).

    Read once per attempt: a rerun starts with valid timings again."""
    invalid = item.stash.get(INVALID_KEY, [])
    item.stash[INVALID_KEY] = []
    budgets = item.stash.get(BUDGETS_KEY, None)
    timed = budgets is not None and any(b.info.kind == "time" for b in budgets.budgets)
    if invalid and report.passed and timed:
        report.outcome = "failed"
        report.longrepr = "\n".join(invalid)


def _result(
    ctx: BudgetsContext,
    item: pytest.Item,
    metrics: dict[str, MetricResult],
    verdicts: Sequence[Verdict],
    roofline: Roofline | None = None,
) -> BudgetResult:
    path, line, _ = item.location
    return BudgetResult(
        nodeid=item.nodeid,
        location=(path, (line or 0) + 1),
        run=ctx.run,
        metrics=metrics,
        verdicts=tuple(verdicts),
        roofline=roofline,
    )


def _fail_on(report: pytest.TestReport, verdicts: Sequence[Verdict]) -> None:
    failed = [v for v in verdicts if not v.passed]
    if failed and report.passed:
        report.outcome = "failed"
        report.longrepr = "\n".join(v.message for v in failed)


def judge(ctx: BudgetsContext, item: pytest.Item, report: pytest.TestReport) -> BudgetResult | None:
    """Verdicts of a test that has budgets or used ``llmcore_perf``; fails the report when
    a verdict fails. Returns the result for the reports (None: nothing measured or judged)."""
    rec = item.stash.get(RECORDER_KEY, None)
    if report.passed:
        verdicts = _verdicts(ctx, item, rec)
    else:
        why = "was skipped" if report.skipped else "failed before its budgets were judged"
        verdicts = not_measured_verdicts(ctx, item, why)
    metrics = _metrics(rec)  # after the verdicts: adaptive sampling may have added samples
    _invalid_timings(item, report)
    if not metrics and not verdicts:
        return None
    for v in verdicts:
        ctx.config.hook.pytest_llmcore_budget_verdict(config=ctx.config, verdict=v)
    roofline = None
    if rec is not None and rec.bytes_per_token and "tokens_per_s" in metrics:
        roofline = _roofline(ctx, rec.bytes_per_token, metrics["tokens_per_s"].stats.p50)
    result = _result(ctx, item, metrics, verdicts, roofline)
    _junit(item, report, result)
    report.sections.append(("llmcore budgets", "\n".join(table_lines(rows([result], ctx.metrics)))))
    _fail_on(report, verdicts)
    return result


def unmeasured(ctx: BudgetsContext, item: pytest.Item, report: pytest.TestReport) -> BudgetResult:
    """The result of a budgeted test whose set-up skipped or failed: "not measured" rows."""
    why = "was skipped" if report.skipped else "errored in set-up"
    result = _result(ctx, item, {}, not_measured_verdicts(ctx, item, why))
    _junit(item, report, result)
    return result
