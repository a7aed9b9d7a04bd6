"""Budgets of one test for the active profile, from ``@pytest.mark.budget`` and pyproject."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..core.errors import InputError
from .metrics import (
    BUILTIN_REGISTRY,
    STATISTICS,
    Metric,
    MetricRegistry,
    UnitError,
    format_value,
    parse_value,
)
from .settings import DEFAULT_SAMPLING, BudgetSettings, Sampling, percent, sampling_value

__all__ = [
    "Budget",
    "BudgetError",
    "ItemBudgets",
    "parse_budget_table",
    "resolve_budgets",
    "unmatched_config_keys",
]


class BudgetError(ValueError):
    """A budget that can't be read: unknown metric, statistic, profile, or a bad unit."""


@dataclass(frozen=True)
class Budget:
    info: Metric
    """The budgeted metric, resolved in this run's registry when the budget was read."""
    stat: str
    limit: float
    source: str
    """``marker`` or ``pyproject.toml [tool.llmcore.budgets."<node id>"]``."""
    tolerance: float = 0.0

    @property
    def metric(self) -> str:
        return self.info.name

    def describe(self) -> str:
        m = self.info
        op = "<=" if m.lower_is_better else ">="
        return f"{m.label} {self.stat} {op} {format_value(m, self.limit)}"


@dataclass(frozen=True)
class ItemBudgets:
    profile: str
    budgets: tuple[Budget, ...]
    sampling: Sampling = DEFAULT_SAMPLING


def _metric_budgets(
    metric: str,
    value: Any,
    source: str,
    tolerance: float,
    metrics: MetricRegistry,
    where: str | None = None,
) -> list[Budget]:
    """Budgets of one metric; errors name ``where`` (default: ``source``)."""
    where = where or source
    try:
        m = metrics.lookup(metric)
    except UnitError as exc:
        raise BudgetError(f"{where}: {exc}") from None
    items: Iterable[tuple[str, Any]]
    items = value.items() if isinstance(value, Mapping) else [(m.default_stat, value)]
    if isinstance(value, Mapping) and not value:  # a budget that checks nothing never fails
        raise BudgetError(
            f'{where}: {metric}: {{}} names no statistic (e.g. {metric}={{"p50": ...}})'
        )
    out = []
    for stat, v in items:
        if stat not in STATISTICS:
            raise BudgetError(
                f"{where}: {metric}: unknown statistic {stat!r} (use {', '.join(STATISTICS)})"
            )
        try:
            limit = parse_value(m, v)
        except UnitError as exc:
            raise BudgetError(f"{where}: {exc}") from None
        if limit == 0 and not m.lower_is_better:
            raise BudgetError(
                f"{where}: {metric}: a budget of {v!r} always passes ({metric} is never "
                "below 0): give the least acceptable value"
            )
        out.append(Budget(m, "p50" if stat == "median" else stat, limit, source, tolerance))
    return out


def _tolerance(value: object, what: str) -> float:
    try:
        return percent(value, what)
    except InputError as exc:
        raise BudgetError(str(exc)) from None


def parse_budget_table(
    table: Mapping[str, Any],
    source: str,
    profiles: set[str],
    default_tolerance: float,
    metrics: MetricRegistry = BUILTIN_REGISTRY,
) -> tuple[list[Budget], dict[str, list[Budget]]]:
    """(budgets for every profile, budgets per profile) from one node id's config table."""
    tol = default_tolerance
    if "tolerance" in table:
        tol = _tolerance(table["tolerance"], f"{source} tolerance")
    common: list[Budget] = []
    per: dict[str, list[Budget]] = {}
    for key, value in table.items():
        if key == "tolerance":
            continue
        if key in metrics:
            common += _metric_budgets(key, value, source, tol, metrics)
        elif key in profiles and isinstance(value, Mapping):
            inner_tol = (
                _tolerance(value["tolerance"], f"{source}.{key} tolerance")
                if "tolerance" in value
                else tol
            )
            per[key] = [
                b
                for k, v in value.items()
                if k != "tolerance"
                for b in _metric_budgets(k, v, f"{source}.{key}", inner_tol, metrics)
            ]
        else:
            raise BudgetError(
                f"{source}: {key!r} is neither a metric ({metrics.known()}) "
                f"nor a profile ({', '.join(sorted(profiles))})"
            )
    return common, per


def _merge(into: dict[str, list[Budget]], budgets: Iterable[Budget]) -> None:
    # a later source replaces every statistic of the metrics it names
    fresh: dict[str, list[Budget]] = {}
    for b in budgets:
        fresh.setdefault(b.metric, []).append(b)
    into.update(fresh)


def _profile_names(only: object, nodeid: str, profiles: set[str]) -> list[str]:
    """The profiles a marker is limited to ([] for every profile), checked."""
    if only is None:
        return []
    names = [only] if isinstance(only, str) else only
    if not isinstance(names, (list, tuple)) or not names:
        names = [None]
    for n in names:
        if not isinstance(n, str):
            raise BudgetError(
                f"{nodeid}: budget(profile={only!r}): give a profile name or a list of names "
                f'(e.g. profile="rtx-4090")'
            )
        if n not in profiles:
            raise BudgetError(
                f"{nodeid}: budget(profile={n!r}): no such profile "
                f"(defined: {', '.join(sorted(profiles))})"
            )
    return list(names)


def _marker_budgets(
    nodeid: str,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    settings: BudgetSettings,
    metrics: MetricRegistry,
) -> tuple[list[str], list[Budget], dict[str, Any]]:
    """(profiles it is limited to, budgets, sampling caps) of one ``@pytest.mark.budget``."""
    if args:
        raise BudgetError(
            f"{nodeid}: @pytest.mark.budget takes keyword arguments only "
            f"(e.g. budget(tpot_ms=30)), got {args!r}"
        )
    kw = dict(kwargs)
    names = _profile_names(kw.pop("profile", None), nodeid, settings.profile_names())
    tol = settings.tolerance
    if "tolerance" in kw:
        tol = _tolerance(kw.pop("tolerance"), f"{nodeid}: budget(tolerance=...)")
    sampling = _marker_sampling(nodeid, kw)
    if not kw and not sampling:
        raise BudgetError(f"{nodeid}: @pytest.mark.budget names no metric")
    where = f"{nodeid}: @pytest.mark.budget"
    budgets = [
        b for k, v in kw.items() for b in _metric_budgets(k, v, "marker", tol, metrics, where)
    ]
    return names, budgets, sampling


def _marker_sampling(nodeid: str, kw: dict[str, Any]) -> dict[str, Any]:
    """``max_samples``, ``max_time`` and ``inconclusive`` popped from ``kw``, checked."""
    out: dict[str, Any] = {}
    for name in ("max_samples", "max_time", "inconclusive"):
        if name in kw:
            value = kw.pop(name)
            try:
                out[name] = sampling_value(name, value)
            except ValueError as exc:
                raise BudgetError(f"{nodeid}: budget({name}={value!r}): {exc}") from None
    return out


def resolve_budgets(
    nodeid: str,
    markers: Iterable[tuple[tuple[Any, ...], Mapping[str, Any]]],
    settings: BudgetSettings,
    profile: str,
    metrics: MetricRegistry = BUILTIN_REGISTRY,
) -> ItemBudgets:
    """Budgets for ``profile``, later sources overriding earlier ones per metric.

    Order: marker, marker for the profile, config, config for the profile.
    """
    profiles = settings.profile_names()
    generic: dict[str, list[Budget]] = {}
    specific: dict[str, list[Budget]] = {}
    sampling: dict[str, Any] = {}
    # markers come closest first (function, class, module): apply the farthest first
    for args, kwargs in reversed(list(markers)):
        names, budgets, caps = _marker_budgets(nodeid, args, kwargs, settings, metrics)
        if not names:
            _merge(generic, budgets)
            sampling.update(caps)
        elif profile in names:
            _merge(specific, budgets)
            sampling.update(caps)
    by_metric = {**generic, **specific}
    base = nodeid.split("[", 1)[0]
    for key in (base, nodeid) if base != nodeid else (nodeid,):
        table = settings.budgets.get(key)
        if table is None:
            continue
        if not isinstance(table, Mapping):
            raise BudgetError(f'[tool.llmcore.budgets."{key}"] must be a table of metrics')
        common, per = parse_budget_table(
            table, f'[tool.llmcore.budgets."{key}"]', profiles, settings.tolerance, metrics
        )
        _merge(by_metric, common)
        _merge(by_metric, per.get(profile, []))
    return ItemBudgets(
        profile,
        tuple(b for bs in by_metric.values() for b in bs),
        replace(settings.sampling, **sampling),
    )


def unmatched_config_keys(
    settings: BudgetSettings, nodeids: Iterable[str], file_exists: Callable[[str], bool]
) -> list[str]:
    """Keys of ``[tool.llmcore.budgets]`` that name no test of a file collected in this run,
    or a file that does not exist (keys of files not collected this time are fine)."""
    ids = set(nodeids)
    bases = {n.split("[", 1)[0] for n in ids}
    files = {n.split("::", 1)[0] for n in ids}
    out = []
    for key in settings.budgets:
        file = key.split("::", 1)[0]
        if key in ids or key in bases:
            continue
        if file in files or not file_exists(file):
            out.append(key)
    return out


def validate_config_budgets(
    settings: BudgetSettings, metrics: MetricRegistry = BUILTIN_REGISTRY
) -> None:
    """Read every configured budget once, so a typo fails at start-up, not when its test runs."""
    for key, table in settings.budgets.items():
        if not isinstance(table, Mapping):
            raise BudgetError(f'[tool.llmcore.budgets."{key}"] must be a table of metrics')
        parse_budget_table(
            table,
            f'[tool.llmcore.budgets."{key}"]',
            settings.profile_names(),
            settings.tolerance,
            metrics,
        )
