"""Run the dependency gate on one project: declarations x imports -> findings.

This module is the thin entry: it reads the settings and, on a cold run outside pytest,
forks the worker that walks and scans the tree (:mod:`.earlyscan`) before the judging
modules load, so that loading them, reading the declarations and preparing judging happen
while the worker walks. The steps themselves are :func:`.judging.judge_project`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from .settings import DepsSettings, load_settings

if TYPE_CHECKING:
    from .records import GateResult

__all__ = ["project_root_for", "run_gate"]


def project_root_for(path: Path) -> Path:
    """The nearest directory at or above ``path`` holding a project file."""
    path = path.resolve()
    start = path if path.is_dir() else path.parent
    for d in (start, *start.parents):
        if (
            (d / "pyproject.toml").is_file()
            or (d / "setup.cfg").is_file()
            or any(d.glob("requirements*.txt"))
        ):
            return d
    return start


def run_gate(
    root: Path,
    settings: DepsSettings | None = None,
    cache_dir: Path | None = None,
    use_cache: bool | None = None,
    extra_map: Mapping[str, tuple[str, ...]] | None = None,
    config: Any = None,
) -> GateResult:
    """Check ``root``'s declared dependencies against its imports.

    With a pytest ``config``, the ``pytest_llmcore_deps_*`` hooks of conftest files and
    plugins add module names and uses, and see the findings before they fail.
    Raises :class:`InputError` only when the project's own configuration can't be read
    (a malformed pyproject.toml); every other problem becomes a note on the result.
    """
    root = root.resolve()
    if not root.is_dir():
        raise InputError("no such project directory", root)
    if settings is None:
        settings = load_settings(root)
    extra = dict(extra_map or {})
    early = None
    if config is None:  # no fork inside pytest, whose process may run threads
        from .earlyscan import start_early_scan

        user_map = {**settings.module_map, **extra}
        early = start_early_scan(root, settings, cache_dir, use_cache, user_map)
    try:
        from .judging import judge_project

        return judge_project(root, settings, early, cache_dir, use_cache, extra, config)
    finally:
        if early is not None:
            early.walker.discard()
