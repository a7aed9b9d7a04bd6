"""``[tool.llmcore]`` settings of the budgets: profiles, per-test budgets, defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import InputError

__all__ = ["BudgetSettings", "Profile", "parse_percent", "settings_from_table"]

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
}
_TABLES = {"deps", "profiles", "budgets", "gpu"}


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
    compare_stats: tuple[str, ...] = ("p50",)
    fail_regression: float | None = None

    def profile_names(self) -> set[str]:
        return {"cpu", *self.profiles}


def parse_percent(value: object, what: str) -> float:
    """``"10%"``, ``10`` (percent) or ``0.1``-style fractions below 1 -> a fraction."""
    if isinstance(value, bool):
        raise InputError(f"{what}: {value!r} is not a percentage")
    if isinstance(value, (int, float)):
        v = float(value)
        return v / 100.0 if v >= 1 else v
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", value)
        if m:
            return float(m.group(1)) / 100.0
    raise InputError(f'{what}: cannot read {value!r} as a percentage (e.g. "10%")')


def _int(table: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
    v = table.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise InputError(f"[tool.llmcore] {key} must be an integer >= {minimum} (got {v!r})")
    return v


def settings_from_table(table: Mapping[str, Any]) -> BudgetSettings:
    """Validate ``[tool.llmcore]`` (as plain Python values) into settings."""
    unknown = set(table) - _SCALARS - _TABLES
    if unknown:
        raise InputError(
            f"unknown key(s) in [tool.llmcore]: {', '.join(sorted(unknown))}",
            fix=f"known: {', '.join(sorted(_SCALARS | _TABLES))}",
        )
    profiles: dict[str, Profile] = {}
    raw_profiles = table.get("profiles", {})
    if not isinstance(raw_profiles, Mapping):
        raise InputError("[tool.llmcore.profiles] must be a table of profiles")
    for name, body in raw_profiles.items():
        if not isinstance(body, Mapping):
            raise InputError(f'[tool.llmcore.profiles.{name}] must be a table with match = "..."')
        match = body.get("match")
        if match is not None:
            try:
                re.compile(str(match))
            except re.error as exc:
                raise InputError(
                    f"[tool.llmcore.profiles.{name}] match: bad pattern ({exc})"
                ) from None
        profiles[str(name)] = Profile(
            str(name), None if match is None else str(match), str(body.get("description", ""))
        )
    budgets = table.get("budgets", {})
    if not isinstance(budgets, Mapping):
        raise InputError("[tool.llmcore.budgets] must be a table keyed by test node id")
    stats = table.get("compare-stats", ["p50"])
    if isinstance(stats, str):
        stats = [stats]
    fail_reg = table.get("fail-regression")
    return BudgetSettings(
        profiles=profiles,
        budgets=dict(budgets),
        profile=None if table.get("profile") is None else str(table["profile"]),
        repeats=_int(table, "repeats", 20, 1),
        warmup=_int(table, "warmup", 3, 0),
        tolerance=parse_percent(
            table.get("budget-tolerance", 0), "[tool.llmcore] budget-tolerance"
        ),
        noisy_cv=parse_percent(table.get("noisy-cv", 0.10), "[tool.llmcore] noisy-cv"),
        baseline_dir=str(table.get("baseline-dir", ".llmcore/baselines")),
        compare_stats=tuple(str(s) for s in stats),
        fail_regression=None
        if fail_reg is None
        else parse_percent(fail_reg, "[tool.llmcore] fail-regression"),
    )
