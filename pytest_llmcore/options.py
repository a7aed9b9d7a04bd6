"""Options shared by the pytest plugin (``--llmcore-*``) and the ``llmcore`` command.

Every option defaults to None so that ``[tool.llmcore]`` applies when it is not given.
This module must stay import-light: the pytest entry module imports it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_deps_options", "kinds_arg"]

_KINDS = ("unused", "missing", "transitive", "misplaced-dev", "all", "none")


def kinds_arg(value: str) -> list[str]:
    """argparse type for ``unused,missing``: a list of finding kinds."""
    kinds = [v.strip() for v in value.split(",") if v.strip()]
    bad = [k for k in kinds if k not in _KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a list of finding kinds (choose from {', '.join(_KINDS)})"
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
        help="finding kinds that fail the gate, comma-separated: unused, missing, transitive, "
        "misplaced-dev, all or none (default: [tool.llmcore.deps] fail-on, else unused)",
    )
    addoption(
        f"{prefix}no-cache",
        dest="llmcore_deps_no_cache",
        action="store_true",
        default=None,
        help="scan every file again instead of reusing the per-file import cache",
    )
