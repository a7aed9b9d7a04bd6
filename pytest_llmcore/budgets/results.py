"""Typed results of one budgeted test, from judging to every report.

Built where the verdicts are judged (``judging.judge``) and read by attribute by the
terminal, JSON, HTML, JUnit and GitHub reports. They become JSON only at the boundaries:
the JSON report and baseline writers, and ``pytest_report_to_serializable`` /
``pytest_report_from_serializable`` (a report's result crossing from an xdist worker).
``to_json`` gives the JSON report's format exactly; ``from_json`` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, cast

from .stats import Stats
from .verdict import RunContext, Verdict

__all__ = ["BudgetResult", "MetricResult", "Roofline", "RunContext"]

_T = TypeVar("_T")


def _build(cls: type[_T], data: Mapping[str, object]) -> _T:
    """``cls`` from the JSON of a flat dataclass (keys it does not declare ignored)."""
    names = {f.name for f in fields(cast("Any", cls))}
    kwargs = {k: v for k, v in data.items() if k in names}
    return cls(**kwargs)


@dataclass(frozen=True)
class MetricResult:
    """One metric of one test: its kept samples and their statistics."""

    unit: str
    samples: tuple[float, ...]
    stats: Stats
    #: samples recorded before thinning to the kept ones (None: all of them were kept)
    samples_total: int | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "unit": self.unit,
            "samples": list(self.samples),
            "stats": self.stats.to_json(),
        }
        if self.samples_total is not None:
            out["samples_total"] = self.samples_total
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetricResult:
        total = data.get("samples_total")
        return cls(
            unit=str(data["unit"]),
            samples=tuple(float(x) for x in data["samples"]),
            stats=_build(Stats, data["stats"]),
            samples_total=None if total is None else int(total),
        )


@dataclass(frozen=True)
class Roofline:
    """Measured tokens/s against the memory-bandwidth bound (``percent`` None: no probe)."""

    bytes_per_token: int
    bandwidth_gbs: float | None = None
    bandwidth_source: str = ""
    bound_tokens_per_s: float | None = None
    tokens_per_s: float | None = None
    percent: float | None = None
    note: str = ""

    def to_json(self) -> dict[str, object]:
        if self.percent is None:
            return {"bytes_per_token": self.bytes_per_token, "note": self.note}
        return {
            "bytes_per_token": self.bytes_per_token,
            "bandwidth_gbs": self.bandwidth_gbs,
            "bandwidth_source": self.bandwidth_source,
            "bound_tokens_per_s": self.bound_tokens_per_s,
            "tokens_per_s": self.tokens_per_s,
            "percent": self.percent,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Roofline:
        return _build(cls, data)


@dataclass(frozen=True)
class BudgetResult:
    """What one test's latest attempt measured and how its budgets were judged."""

    nodeid: str
    #: file and 1-based line of the test (GitHub annotations)
    location: tuple[str, int]
    run: RunContext
    metrics: Mapping[str, MetricResult] = field(default_factory=dict)
    verdicts: tuple[Verdict, ...] = ()
    roofline: Roofline | None = None

    def to_json(self) -> dict[str, object]:
        """The test's entry of the JSON report (its format is pinned by the tests)."""
        out: dict[str, object] = {
            "nodeid": self.nodeid,
            "location": list(self.location),
            "profile": self.run.profile,
            "device": self.run.device,
            "metrics": {k: m.to_json() for k, m in self.metrics.items()},
            "verdicts": [v.to_json() for v in self.verdicts],
        }
        if self.roofline is not None:
            out["roofline"] = self.roofline.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudgetResult:
        path, line = data["location"]
        roof = data.get("roofline")
        return cls(
            nodeid=str(data["nodeid"]),
            location=(str(path), int(line)),
            run=RunContext(profile=str(data["profile"]), device=str(data["device"])),
            metrics={str(k): MetricResult.from_json(v) for k, v in data["metrics"].items()},
            verdicts=tuple(_build(Verdict, v) for v in data["verdicts"]),
            roofline=None if roof is None else Roofline.from_json(roof),
        )


def sorted_results(results: Mapping[str, BudgetResult]) -> Sequence[BudgetResult]:
    """The run's results in node id order (every report lists them so)."""
    return [results[k] for k in sorted(results)]
