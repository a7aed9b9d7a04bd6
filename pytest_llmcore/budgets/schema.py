"""The budgets' keys of ``[tool.llmcore]`` and of its ``profiles`` tables, declared for
validation and for the configuration reference (``docs/config.md``).

``settings.py`` reads these keys; :data:`BUDGET_KEYS` lists the same names as its
``_SCALARS`` and ``_TABLES`` (the configuration tests check that they agree).
"""

from __future__ import annotations

from ..core.schema import Key, Table
from .metrics import STATISTICS

__all__ = ["BUDGET_KEYS", "PROFILE_TABLE"]

_PERCENT = 'percentage ("10%" or 10)'

BUDGET_KEYS: tuple[Key, ...] = (
    Key(
        "profile",
        "string",
        "(detected: the profile whose match finds the device name, else cpu)",
        "hardware profile whose budgets apply (--llmcore-profile wins)",
    ),
    Key(
        "repeats",
        "integer",
        "20",
        "timed repeats of llmcore_perf.measure (--llmcore-repeats wins)",
        range="at least 1",
    ),
    Key(
        "warmup",
        "integer",
        "3",
        "untimed warm-up calls of llmcore_perf.measure (--llmcore-warmup wins)",
        range="0 or more",
    ),
    Key(
        "budget-tolerance",
        _PERCENT,
        "0",
        "headroom allowed over every budget",
        range="0 or more; a bare number between 0 and 1 is refused as ambiguous",
    ),
    Key(
        "noisy-cv",
        _PERCENT,
        '"10%"',
        "coefficient of variation above which a measurement is flagged noisy",
        range="0 or more; a bare number between 0 and 1 is refused as ambiguous",
    ),
    Key(
        "baseline-dir",
        "path",
        '".llmcore/baselines"',
        "where --llmcore-save-baseline writes and --llmcore-compare reads baselines",
    ),
    Key(
        "compare-stats",
        "list of statistics",
        "[] (each metric's default: p50 for times, max for bytes, min for savings)",
        "statistics compared with the baseline",
        choices=STATISTICS,
    ),
    Key(
        "fail-regression",
        _PERCENT,
        "(none: regressions are reported, never failed)",
        "fail a test whose statistic is worse than the baseline by more than this "
        "(the whole 95% interval of the change beyond it)",
        range="0 or more; a bare number between 0 and 1 is refused as ambiguous",
    ),
    Key(
        "compare-metrics",
        "list of metric names",
        "[] (only metrics with a budget on the test)",
        "metrics compared with the baseline besides the budgeted ones",
    ),
    Key(
        "max-samples",
        "integer",
        "400",
        "most samples llmcore_perf.measure takes while a verdict is inconclusive "
        "(marker: max_samples=)",
        range="at least 1",
    ),
    Key(
        "max-time",
        'duration (seconds, or "30s")',
        "10",
        "most time spent re-sampling an inconclusive verdict, per test (marker: max_time=)",
        range="above 0",
    ),
    Key(
        "inconclusive",
        "string",
        '"warn"',
        "what a verdict whose interval straddles the budget does (marker: inconclusive=)",
        choices=("fail", "warn", "pass"),
    ),
    Key(
        "profiles",
        "table of profiles",
        "{}",
        "hardware profiles by name: [tool.llmcore.profiles.NAME] (keys below)",
    ),
    Key(
        "budgets",
        "table keyed by test node id",
        "{}",
        'budgets per test and profile: [tool.llmcore.budgets."tests/test_x.py::test_y"]',
    ),
)

PROFILE_TABLE = Table(
    "tool.llmcore.profiles.NAME",
    "One hardware profile; see [budgets](budgets.md).",
    (
        Key(
            "match",
            "regular expression",
            "(none: chosen only by name)",
            "searched, case-insensitively, in the device name to pick this profile",
        ),
        Key("description", "string", '""', "shown in reports"),
    ),
    owner="budgets",
)
