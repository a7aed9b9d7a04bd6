"""History records, read from a ``--llmcore-json`` report: the one format runs and imports share."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.errors import InputError

__all__ = ["ResultRecord", "RunRecord", "from_report", "machine_key"]


@dataclass(frozen=True)
class RunRecord:
    """One pytest run: when, which code, which machine."""

    run_key: str
    time: str
    commit: str | None
    branch: str | None
    machine_key: str
    profile: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultRecord:
    """One test's samples of one metric, with the statistic its budget judged."""

    nodeid: str
    metric: str
    unit: str
    stat: str
    value: float
    samples: tuple[float, ...]
    verdict: str | None
    budget: float | None = None


def machine_key(key: Mapping[str, Any]) -> str:
    """What makes two runs comparable: profile, device and hook-added facts (not versions).

    Engine and driver versions stay out of the key on purpose: an upgrade is a point in a
    series (often the one that regressed), not the start of a new series.
    """
    extra = key.get("extra") or {}
    parts = [str(key.get("profile", "")), str(key.get("device", ""))]
    if isinstance(extra, Mapping):
        parts += [f"{k}={extra[k]}" for k in sorted(extra)]
    return "/".join(parts)


def _run_key(data: Mapping[str, Any]) -> str:
    # the report's own content: importing a report twice, or importing the report of a run
    # that already appended itself, stores it once
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _number(value: Any, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}: {value!r} is not a finite number", source)
    return float(value)


def _verdict(verdicts: Any, metric: str) -> tuple[str | None, str | None, float | None]:
    """(statistic, outcome, limit) of the budget verdict on ``metric``, if there is one."""
    for v in verdicts if isinstance(verdicts, list) else ():
        if isinstance(v, Mapping) and v.get("metric") == metric and v.get("kind") == "budget":
            outcome = v.get("outcome") or ("pass" if v.get("passed") else "fail")
            limit = v.get("limit")
            number = (
                limit if isinstance(limit, (int, float)) and not isinstance(limit, bool) else None
            )
            return str(v.get("stat") or "p50"), str(outcome), number
    return None, None, None


def _results(nodeid: str, test: Any, source: str) -> list[ResultRecord]:
    metrics = test.get("metrics", {}) if isinstance(test, Mapping) else None
    if not isinstance(metrics, Mapping):
        raise InputError(f"tests[{nodeid!r}] is not a test record", source)
    out: list[ResultRecord] = []
    for metric, m in sorted(metrics.items()):
        where = f"tests[{nodeid!r}].metrics[{metric!r}]"
        if not isinstance(m, Mapping) or not isinstance(m.get("samples"), list):
            raise InputError(f"{where} has no samples list", source)
        samples = tuple(_number(x, f"{where}.samples", source) for x in m["samples"])
        if not samples:
            continue
        stat, verdict, budget = _verdict(test.get("verdicts"), str(metric))
        raw_stats = m.get("stats")
        stats: Mapping[str, Any] = raw_stats if isinstance(raw_stats, Mapping) else {}
        stat = stat or "p50"
        raw = stats.get(stat, stats.get("p50"))
        value = _number(raw, f"{where}.stats.{stat}", source) if raw is not None else samples[0]
        unit = str(m.get("unit", ""))
        out.append(ResultRecord(nodeid, str(metric), unit, stat, value, samples, verdict, budget))
    return out


def _facts(data: Mapping[str, Any], key: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "software": data.get("software") or {},
        "engines": key.get("engines") or {},
        "driver": key.get("driver"),
        "device": key.get("device"),
        "extra": key.get("extra") or {},
    }


def from_report(
    data: Any, source: str, now: datetime | None = None
) -> tuple[RunRecord, list[ResultRecord]]:
    """The run and its results in a JSON report; :class:`InputError` names what is wrong."""
    if not isinstance(data, Mapping) or not isinstance(data.get("tests"), Mapping):
        raise InputError("not a pytest-llmcore JSON report (no 'tests' table)", source)
    key = data.get("key")
    if not isinstance(key, Mapping):
        raise InputError("report has no machine 'key' table", source)
    raw_run = data.get("run")
    run: Mapping[str, Any] = raw_run if isinstance(raw_run, Mapping) else {}
    when = run.get("time") or (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    record = RunRecord(
        run_key=_run_key(data),
        time=str(when),
        commit=run.get("commit"),
        branch=run.get("branch"),
        machine_key=machine_key(key),
        profile=str(data.get("profile", key.get("profile", ""))),
        facts=_facts(data, key),
    )
    tests = data["tests"]
    results = [r for nodeid in sorted(tests) for r in _results(str(nodeid), tests[nodeid], source)]
    return record, results
