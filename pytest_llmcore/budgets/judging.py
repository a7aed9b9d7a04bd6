"""Judging one test after its call phase: samples to statistics, budgets to verdicts.

Runs on the process that ran the test. The result (``payload``) is a plain dict that
travels on the test's report to the xdist controller and into every report.
"""

from __future__ import annotations

from typing import Any

import pytest

from .adaptive import budget_verdicts
from .context import BudgetsContext, slug
from .keys import BUDGETS_KEY, INVALID_KEY, PROPS_KEY, RECORDER_KEY
from .metrics import METRICS
from .recorder import PerfRecorder
from .regression import compare
from .report import rows, table_lines
from .settings import DEFAULT_SAMPLING
from .stats import kept_samples
from .verdict import Verdict, not_measured

__all__ = ["judge", "unmeasured"]


def _metrics(rec: PerfRecorder | None) -> dict[str, Any]:
    if rec is None:
        return {}
    out: dict[str, Any] = {}
    for name, samples in rec.samples.items():
        if samples:
            kept = kept_samples(samples)
            out[name] = {
                "unit": METRICS[name].unit,
                "samples": kept,
                "stats": rec.stats(name).to_json(),
            }
            if len(kept) < len(samples):
                out[name]["samples_total"] = len(samples)
    return out


def _verdicts(ctx: BudgetsContext, item: pytest.Item, rec: PerfRecorder | None) -> list[Verdict]:
    budgets = item.stash.get(BUDGETS_KEY, None)
    sampling = budgets.sampling if budgets is not None else DEFAULT_SAMPLING
    out = budget_verdicts(
        item.nodeid,
        budgets.budgets if budgets is not None else (),
        rec,
        sampling,
        (ctx.profile, ctx.device),
    )
    if ctx.baseline is None or ctx.threshold is None or rec is None:
        return out
    # compared by default: metrics with a budget here, and those named in compare-metrics
    wanted = {b.metric for b in budgets.budgets} if budgets is not None else set()
    wanted |= set(ctx.settings.compare_metrics)
    for name in sorted(wanted):
        if rec.samples.get(name):
            out += compare(
                ctx.baseline,
                item.nodeid,
                name,
                rec.stats(name),
                ctx.settings.compare_stats,
                ctx.threshold,
                ctx.profile,
                ctx.device,
                rec.samples[name],
                ctx.software_note or "",
            )
    return out


def not_measured_verdicts(ctx: BudgetsContext, item: pytest.Item, why: str) -> list[Verdict]:
    """One "not measured" row per budget of a test that was skipped or crashed."""
    budgets = item.stash.get(BUDGETS_KEY, None)
    return [
        not_measured(item.nodeid, b, ctx.profile, ctx.device, why)
        for b in (budgets.budgets if budgets is not None else ())
    ]


def _junit(item: pytest.Item, report: pytest.TestReport, payload: dict[str, Any]) -> None:
    props: list[tuple[str, object]] = []
    for name, data in payload["metrics"].items():
        st = data["stats"]
        props += [
            (f"llmcore_{name}_{stat}", round(st[stat], 6)) for stat in ("p50", "p95", "p99", "mean")
        ]
        props.append((f"llmcore_{name}_n", st["n"]))
    # one property per verdict: a budget and a regression verdict on one metric differ
    props += [
        (
            f"llmcore_{'regression' if v['kind'] == 'regression' else 'budget'}"
            f"_{v['metric']}_{v['stat']}",
            v.get("outcome") or ("pass" if v["passed"] else "fail"),
        )
        for v in payload["verdicts"]
    ]
    # a rerun (pytest-rerunfailures) replaces the earlier attempt's properties
    for old in item.stash.get(PROPS_KEY, []):
        if old in item.user_properties:
            item.user_properties.remove(old)
    item.stash[PROPS_KEY] = props
    # junitxml reads the teardown report's properties, made later from the item's list
    item.user_properties.extend(props)
    if report.user_properties is not item.user_properties:
        report.user_properties[:] = [p for p in item.user_properties]


def _roofline(ctx: BudgetsContext, bytes_per_token: int, tokens_per_s: float) -> dict[str, Any]:
    """Measured bandwidth (once per machine, kept in pytest's cache) against tokens/s."""
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
    if bw is None:
        return {"bytes_per_token": bytes_per_token, "note": "no bandwidth probe could run"}
    bound = bw[0] * 1e9 / bytes_per_token
    return {
        "bytes_per_token": bytes_per_token,
        "bandwidth_gbs": round(bw[0], 2),
        "bandwidth_source": bw[1],
        "bound_tokens_per_s": round(bound, 2),
        "tokens_per_s": round(tokens_per_s, 2),
        "percent": round(100 * tokens_per_s / bound, 1),
    }


def judge(
    ctx: BudgetsContext, item: pytest.Item, report: pytest.TestReport
) -> dict[str, Any] | None:
    """Verdicts of a test that has budgets or used ``llmcore_perf``; fails the report when
    a verdict fails. Returns the payload for the reports (None: nothing measured or judged)."""
    rec = item.stash.get(RECORDER_KEY, None)
    if report.passed:
        verdicts = _verdicts(ctx, item, rec)
    else:
        why = "was skipped" if report.skipped else "failed before its budgets were judged"
        verdicts = not_measured_verdicts(ctx, item, why)
    metrics = _metrics(rec)  # after the verdicts: adaptive sampling may have added samples
    # read once per attempt: a rerun starts with valid timings again
    invalid = item.stash.get(INVALID_KEY, [])
    item.stash[INVALID_KEY] = []
    budgets = item.stash.get(BUDGETS_KEY, None)
    timed = budgets is not None and any(METRICS[b.metric].kind == "time" for b in budgets.budgets)
    if invalid and report.passed and timed:
        report.outcome = "failed"
        report.longrepr = "\n".join(invalid)
    if not metrics and not verdicts:
        return None
    for v in verdicts:
        ctx.config.hook.pytest_llmcore_budget_verdict(config=ctx.config, verdict=v)
    path, line, _ = item.location
    payload: dict[str, Any] = {
        "nodeid": item.nodeid,
        "location": [path, (line or 0) + 1],
        "profile": ctx.profile,
        "device": ctx.device,
        "metrics": metrics,
        "verdicts": [v.to_json() for v in verdicts],
    }
    if rec is not None and rec.bytes_per_token and "tokens_per_s" in metrics:
        payload["roofline"] = _roofline(
            ctx, rec.bytes_per_token, metrics["tokens_per_s"]["stats"]["p50"]
        )
    _junit(item, report, payload)
    report.sections.append(("llmcore budgets", "\n".join(table_lines(rows([payload])))))
    failed = [v for v in verdicts if not v.passed]
    if failed and report.passed:
        report.outcome = "failed"
        report.longrepr = "\n".join(v.message for v in failed)
    return payload


def unmeasured(ctx: BudgetsContext, item: pytest.Item, report: pytest.TestReport) -> dict[str, Any]:
    """The payload of a budgeted test whose set-up skipped or failed: "not measured" rows."""
    why = "was skipped" if report.skipped else "errored in set-up"
    path, line, _ = item.location
    payload = {
        "nodeid": item.nodeid,
        "location": [path, (line or 0) + 1],
        "profile": ctx.profile,
        "device": ctx.device,
        "metrics": {},
        "verdicts": [v.to_json() for v in not_measured_verdicts(ctx, item, why)],
    }
    _junit(item, report, payload)
    return payload
