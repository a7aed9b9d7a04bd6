"""Set-up of a budgets run, step by step: metrics, settings, machine, profile, baseline.

Each step turns bad input into one ``pytest.UsageError`` line naming the file or option.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from ..core.config import load_tool_table
from ..core.errors import InputError
from ..core.machine import MachineInfo, machine_info
from .baseline import Baseline, BaselineKey, baseline_path, check_entry, load_baseline
from .keys import METRICS_KEY
from .metrics import BUILTIN_REGISTRY, MetricRegistry, UnitError
from .settings import DEFAULT_THRESHOLD, BudgetSettings, settings_from_table
from .spec import BudgetError, validate_config_budgets
from .verdict import RunContext

__all__ = ["BudgetsContext", "build_context", "run_metrics", "select_profile", "slug"]


def slug(text: str) -> str:
    return "-".join("".join(c.lower() if c.isalnum() else " " for c in text).split())


@dataclass
class BudgetsContext:
    """What every later step needs: settings, this machine, the profile, the baseline."""

    config: pytest.Config
    settings: BudgetSettings
    repeats: int
    warmup: int
    machine: MachineInfo
    machine_json: dict[str, Any]
    #: profile, device and machine key, as every verdict and report names them
    run: RunContext
    key: BaselineKey
    threshold: float | None
    #: this run's metrics (also on ``config.stash[METRICS_KEY]``)
    metrics: MetricRegistry = BUILTIN_REGISTRY
    baseline: Baseline | None = None
    baseline_note: str | None = None
    #: driver and engine versions that changed since the baseline (shown on every row)
    software_note: str | None = None
    #: measured memory bandwidth per device (GB/s, what), once per run
    bandwidth: dict[str, tuple[float, str] | None] = field(default_factory=dict)

    @property
    def profile(self) -> str:
        return self.run.profile

    @property
    def device(self) -> str:
        return self.run.device

    def baseline_dir(self) -> Path:
        d = Path(self.settings.baseline_dir)
        return d if d.is_absolute() else self.config.rootpath / d


def declared_metrics(config: pytest.Config) -> MetricRegistry:
    """The built-ins and the metrics ``pytest_llmcore_add_metrics`` hooks declare now."""
    hook = config.hook.pytest_llmcore_add_metrics
    try:
        return BUILTIN_REGISTRY.adding(s for found in hook(config=config) for s in found or [])
    except UnitError as exc:
        raise pytest.UsageError(f"llmcore: {exc}") from None


def run_metrics(config: pytest.Config) -> MetricRegistry:
    """Step 1: this run's metric registry, built once and kept on ``config.stash``: a
    declared metric exists for this run only (no module state changes, so in-process
    pytester runs never see another run's metrics)."""
    found = config.stash.get(METRICS_KEY, None)
    if found is None:
        found = config.stash[METRICS_KEY] = declared_metrics(config)
    return found


def _declared_so_far(config: pytest.Config) -> MetricRegistry:
    try:
        return declared_metrics(config)
    except pytest.UsageError:  # a bad declaration is reported when the budgets start
        return BUILTIN_REGISTRY


def load_settings(config: pytest.Config, metrics: MetricRegistry | None = None) -> BudgetSettings:
    """Step 2: ``[tool.llmcore]`` validated, then the command line's overrides.

    ``metrics`` None (a check before the budgets start): the metrics declared so far,
    not kept (conftest files collected later may declare more)."""
    pyproject = config.rootpath / "pyproject.toml"
    known = _declared_so_far(config) if metrics is None else metrics
    try:
        settings = settings_from_table(load_tool_table(pyproject), known)
        validate_config_budgets(settings, known)
    except (InputError, BudgetError) as exc:
        where = "" if getattr(exc, "path", None) else f"{pyproject}: "
        raise pytest.UsageError(f"llmcore: {where}{exc}") from None
    tol = config.getoption("llmcore_budget_tolerance")
    return settings if tol is None else replace(settings, tolerance=tol)


def select_profile(
    settings: BudgetSettings,
    machine: MachineInfo,
    forced: str | None,
    source: str = "--llmcore-profile",
) -> str:
    """--llmcore-profile, else ``profile`` in config, else the first profile whose ``match``
    finds the GPU name, else ``cpu`` without a GPU (the GPU name, slugged, with one)."""
    name = forced or settings.profile
    if name is not None:
        if not isinstance(name, str) or name not in settings.profile_names():
            known = ", ".join(sorted(settings.profile_names()))
            raise pytest.UsageError(
                f"llmcore: {source}: unknown profile {name!r} (defined: {known})"
            )
        return name
    for p in settings.profiles.values():
        if p.matches(machine.device):
            return p.name
    return slug(machine.device) if machine.gpus else "cpu"


def _profile(
    config: pytest.Config, settings: BudgetSettings, machine: MachineInfo, gpus: list[Any]
) -> str:
    """Step 4: the active profile (option, config, hook, then the built-in rules)."""
    option = config.getoption("llmcore_profile")
    forced = option or settings.profile
    source = "--llmcore-profile" if option else "[tool.llmcore] profile"
    if forced is None:
        source = "pytest_llmcore_select_profile"
        forced = config.hook.pytest_llmcore_select_profile(
            config=config,
            device=machine.device,
            gpus=gpus,
            profiles=sorted(settings.profile_names()),
        )
    return select_profile(settings, machine, forced, source)


def _from_source(ctx: BudgetsContext, source: str) -> Baseline:
    """``--llmcore-compare=SCHEME:...``: a baseline from ``pytest_llmcore_baseline_source``."""
    config = ctx.config
    try:
        raw = config.hook.pytest_llmcore_baseline_source(
            config=config, source=source, machine=ctx.run.machine_key
        )
        if raw is None:
            raise InputError(
                f"--llmcore-compare={source}: unknown baseline source (give a saved baseline "
                "name, or a source a plugin provides, e.g. history:main:last=10)"
            )
        return check_entry(source, raw, ctx.metrics)
    except InputError as exc:
        raise pytest.UsageError(f"llmcore: {exc}") from None


def _open_baseline(ctx: BudgetsContext, name: str) -> None:
    """Step 5: ``--llmcore-compare NAME``; an unreadable or corrupt file is a usage error."""
    if ":" in name:  # a scheme: baseline names are letters, digits, '.', '-', '_'
        found = _from_source(ctx, name)
        why = found.key.machine_mismatch(ctx.key)
        ctx.baseline = found if why is None else None
    else:
        try:
            entries = load_baseline(baseline_path(ctx.baseline_dir(), name), name, ctx.metrics)
        except InputError as exc:
            raise pytest.UsageError(f"llmcore: {exc}") from None
        ctx.baseline, why = entries.entry(ctx.key)
    if why is not None:
        ctx.baseline_note = (
            f"baseline {name!r} not compared: it was recorded on other hardware or software ({why})"
        )
    elif ctx.baseline is not None:
        change = ctx.baseline.key.software_change(ctx.key)
        ctx.software_note = (
            None if change is None else f"software changed since the baseline: {change}"
        )


def _listed_gpus(config: pytest.Config) -> tuple[list[tuple[int, str, int, str]], str | None]:
    """The GPUs the GPU layer lists (through our hook: budgets never import it)."""
    listed = config.hook.pytest_llmcore_list_gpus(config=config)
    return listed if listed is not None else ([], "the GPU layer is not active")


def _machine(config: pytest.Config) -> tuple[MachineInfo, dict[str, Any]]:
    """Step 3: this machine's facts, and their JSON with what machine-info hooks added."""
    machine = machine_info(lambda: _listed_gpus(config))
    machine_json: dict[str, Any] = machine.to_json()
    config.hook.pytest_llmcore_machine_info(config=config, info=machine_json)
    return machine, machine_json


def _baseline_key(profile: str, machine: MachineInfo, machine_json: dict[str, Any]) -> BaselineKey:
    """What a baseline entry must match (profile, device, hook facts) and compares (software)."""
    extra = machine_json.get("extra", {})
    return BaselineKey(
        profile,
        machine.device,
        machine.driver,
        machine.engines,
        {str(k): str(v) for k, v in (extra.items() if isinstance(extra, dict) else ())},
    )


def _check_save_name(ctx: BudgetsContext) -> None:
    """``--llmcore-save-baseline NAME``: a bad name fails now, not after the run."""
    save = ctx.config.getoption("llmcore_save_baseline")
    if save:
        try:
            baseline_path(ctx.baseline_dir(), save)
        except InputError as exc:
            raise pytest.UsageError(f"llmcore: --llmcore-save-baseline: {exc}") from None


def build_context(config: pytest.Config) -> BudgetsContext:
    """The steps in order; each turns bad input into one usage-error line."""
    metrics = run_metrics(config)
    settings = load_settings(config, metrics)
    machine, machine_json = _machine(config)
    profile = _profile(config, settings, machine, machine_json["gpus"])
    opt = config.getoption
    reg = opt("llmcore_fail_regression")
    warmup = opt("llmcore_warmup")
    ctx = BudgetsContext(
        config=config,
        settings=settings,
        repeats=opt("llmcore_repeats") or settings.repeats,
        warmup=settings.warmup if warmup is None else warmup,
        machine=machine,
        machine_json=machine_json,
        run=RunContext(profile=profile, device=machine.device),
        key=_baseline_key(profile, machine, machine_json),
        threshold=reg if reg is not None else settings.fail_regression,
        metrics=metrics,
    )
    _check_save_name(ctx)
    compare_name = opt("llmcore_compare")
    if compare_name:
        _open_baseline(ctx, compare_name)
        if ctx.threshold is None:
            ctx.threshold = DEFAULT_THRESHOLD
    return ctx
