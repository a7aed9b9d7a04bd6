"""``[tool.llmcore]`` settings of the budgets: profiles, per-test budgets, defaults.

Every key is type- and range-checked here, where it enters; an error names the key and
shows a valid value (the plugin adds the file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..core.errors import InputError
from ..core.units import parse_number, parse_percent
from .metrics import BUILTIN_METRICS, BUILTIN_REGISTRY, STATISTICS, MetricRegistry, parse_value

__all__ = [
    "DEFAULT_SAMPLING",
    "DEFAULT_THRESHOLD",
    "BudgetSettings",
    "Profile",
    "Sampling",
    "percent",
    "sampling_value",
    "settings_from_table",
]

#: regression threshold of ``--llmcore-compare`` when none is given (docs/budgets.md)
DEFAULT_THRESHOLD = 0.10
POLICIES = ("fail", "warn", "pass")


@dataclass(frozen=True)
class Sampling:
    """How far an inconclusive verdict may take more samples, and what it becomes then."""

    max_samples: int = 400
    """Samples of a metric in all (measured and added); a p99 needs 368 to pass."""
    max_time: float = 10.0
    """Seconds spent re-running the measured callable, per test."""
    inconclusive: str = "warn"
    """fail, warn (pass, reported as inconclusive) or pass."""


DEFAULT_SAMPLING = Sampling()


def _seconds(value: object) -> float:
    """A duration: a number of seconds, or a string with a unit ("30s", "500ms", "2min")."""
    if isinstance(value, str):
        try:
            secs = parse_value(BUILTIN_METRICS["latency_ms"], value) / 1000.0
        except ValueError:
            raise ValueError(f'cannot read {value!r} as a duration (e.g. 30 or "30s")') from None
    else:
        try:
            secs = parse_number(value, minimum=0, exclusive_minimum=True)
        except ValueError:
            raise ValueError(f'{value!r} is not a duration > 0 (e.g. 30 or "30s")') from None
    if secs <= 0:
        raise ValueError(f'{value!r} is not a duration > 0 (e.g. 30 or "30s")')
    return secs


def sampling_value(name: str, value: object) -> Any:
    """One of ``max_samples``, ``max_time``, ``inconclusive`` (marker spelling), checked."""
    if name == "max_samples":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{value!r} is not a whole number of samples >= 1 (e.g. 200)")
        return value
    if name == "max_time":
        return _seconds(value)
    if value not in POLICIES:
        raise ValueError(f"{value!r} is not a policy: use one of {', '.join(map(repr, POLICIES))}")
    return value


_SCALARS = {
    "model",
    "profile",
    "repeats",
    "warmup",
    "budget-tolerance",
    "noisy-cv",
    "baseline-dir",
    "compare-stats",
    "fail-regression",
    "history",  # read by the history capability (history/plugin.py)
    "max-samples",
    "max-time",
    "inconclusive",
    "compare-metrics",
}
_TABLES = {"deps", "profiles", "budgets", "gpu"}
_T = TypeVar("_T")


@dataclass(frozen=True)
class Profile:
    name: str
    match: str | None
    """Regular expression searched (case-insensitively) in the device name."""
    description: str = ""

    def matches(self, device: str) -> bool:
        return self.match is not None and re.search(self.match, device, re.IGNORECASE) is not None


@dataclass(frozen=True)
class BudgetSettings:
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    budgets: Mapping[str, Any] = field(default_factory=dict)
    profile: str | None = None
    repeats: int = 20
    warmup: int = 3
    tolerance: float = 0.0
    noisy_cv: float = 0.10
    baseline_dir: str = ".llmcore/baselines"
    compare_stats: tuple[str, ...] = ()
    """Statistics a regression compares; empty: each metric's default statistic."""
    fail_regression: float | None = None
    sampling: Sampling = DEFAULT_SAMPLING
    compare_metrics: tuple[str, ...] = ()
    """Metrics compared with a baseline besides those with a budget."""

    def profile_names(self) -> set[str]:
        return {"cpu", *self.profiles}


def percent(value: object, what: str) -> float:
    """:func:`core.units.parse_percent` with ``what`` (key or marker argument) in the error."""
    try:
        return parse_percent(value)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None


def _key(table: Mapping[str, Any], key: str, default: _T, read: Callable[[object], _T]) -> _T:
    if key not in table:
        return default
    try:
        return read(table[key])
    except ValueError as exc:
        raise InputError(f"[tool.llmcore] {key}: {exc}") from None


def _int_at_least(minimum: int) -> Callable[[object], int]:
    return lambda v: int(parse_number(v, minimum=minimum, integer=True))


def _text(example: str) -> Callable[[object], str]:
    def read(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{value!r} is not a non-empty string (e.g. {example})")
        return value

    return read


def _stats(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(s, str) for s in items):
        raise ValueError(f'{value!r} is not a list of statistics (e.g. ["p50", "p90"])')
    bad = [s for s in items if s not in STATISTICS]
    if bad:
        raise ValueError(f"unknown statistic {bad[0]!r} (use {', '.join(STATISTICS)})")
    return tuple("p50" if s == "median" else s for s in items)


def _profiles(raw: object) -> dict[str, Profile]:
    if not isinstance(raw, Mapping):
        raise InputError("[tool.llmcore.profiles] must be a table of profiles")
    profiles: dict[str, Profile] = {}
    for name, body in raw.items():
        if not isinstance(body, Mapping):
            raise InputError(f'[tool.llmcore.profiles.{name}] must be a table with match = "..."')
        match, desc = body.get("match"), body.get("description", "")
        if match is not None:
            if not isinstance(match, str):
                raise InputError(f"[tool.llmcore.profiles.{name}] match: {match!r} is not a string")
            try:
                re.compile(match)
            except re.error as exc:
                raise InputError(
                    f"[tool.llmcore.profiles.{name}] match: bad pattern ({exc})"
                ) from None
        profiles[str(name)] = Profile(str(name), match, str(desc))
    return profiles


def settings_from_table(
    table: Mapping[str, Any], metrics: MetricRegistry = BUILTIN_REGISTRY
) -> BudgetSettings:
    """Validate ``[tool.llmcore]`` (as plain Python values) into settings; metric names
    must be in ``metrics`` (this run's registry)."""
    unknown = set(table) - _SCALARS - _TABLES
    if unknown:
        raise InputError(
            f"unknown key(s) in [tool.llmcore]: {', '.join(sorted(unknown))}",
            fix=f"known: {', '.join(sorted(_SCALARS | _TABLES))}",
        )
    budgets = table.get("budgets", {})
    if not isinstance(budgets, Mapping):
        raise InputError("[tool.llmcore.budgets] must be a table keyed by test node id")
    _key(
        table, "model", "", _text('"models/llama-3-8b.Q4_0.gguf"')
    )  # read by the LLM fixtures; checked here with the rest
    return BudgetSettings(
        profiles=_profiles(table.get("profiles", {})),
        budgets=dict(budgets),
        profile=_key(table, "profile", None, _text('"rtx-4090"')),
        repeats=_key(table, "repeats", 20, _int_at_least(1)),
        warmup=_key(table, "warmup", 3, _int_at_least(0)),
        tolerance=_key(table, "budget-tolerance", 0.0, parse_percent),
        noisy_cv=_key(table, "noisy-cv", 0.10, parse_percent),
        baseline_dir=_key(
            table, "baseline-dir", ".llmcore/baselines", _text('".llmcore/baselines"')
        ),
        compare_stats=_key(table, "compare-stats", (), _stats),
        fail_regression=_key(table, "fail-regression", None, parse_percent),
        sampling=Sampling(
            max_samples=_key(table, "max-samples", 400, lambda v: sampling_value("max_samples", v)),
            max_time=_key(table, "max-time", 10.0, lambda v: sampling_value("max_time", v)),
            inconclusive=_key(table, "inconclusive", "warn", _policy),
        ),
        compare_metrics=_key(table, "compare-metrics", (), lambda v: _metric_names(v, metrics)),
    )


def _policy(value: object) -> str:
    return str(sampling_value("inconclusive", value))


def _metric_names(value: object, metrics: MetricRegistry) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise ValueError(f'{value!r} is not a list of metric names (e.g. ["ttft_ms"])')
    bad = [s for s in items if s not in metrics]
    if bad:
        raise ValueError(f"unknown metric {bad[0]!r} (known: {metrics.known()})")
    return tuple(items)
