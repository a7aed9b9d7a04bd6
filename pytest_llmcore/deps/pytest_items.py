"""The gate as pytest items: one per project file in the collected paths.

Import-light: ``pytest --llmcore`` loads this module at start-up, while the gate itself
(scanner, declarations, mapping) is imported only when its item runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..core.errors import InputError

if TYPE_CHECKING:
    from .records import GateResult

__all__ = ["DepsFile", "DepsItem", "DepsPlugin"]

_REQ = re.compile(r"^(requirements.*|.*[-_]requirements)\.(txt|in)$")


def _is_project_file(path: Path) -> bool:
    """pyproject.toml; else setup.cfg; else a requirements file: one item per project."""
    name = path.name
    if name == "pyproject.toml":
        return True
    if (path.parent / "pyproject.toml").is_file():
        return False
    if name == "setup.cfg":
        return True
    if (path.parent / "setup.cfg").is_file():
        return False
    if _REQ.match(name):
        first = sorted(p.name for p in path.parent.iterdir() if _REQ.match(p.name))
        return bool(first) and first[0] == name
    return False


class DepsGateFailure(Exception):
    def __init__(self, result: GateResult) -> None:
        from .report import summary_line

        super().__init__(summary_line(result))
        self.result = result


class DepsItem(pytest.Item):
    """Runs the dependency gate on the project whose file this item was collected from."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_marker("llmcore_deps")

    def runtest(self) -> None:
        from .gate import run_gate
        from .report import render_text
        from .settings import settings_for_run

        config = self.config
        root = self.path.parent
        try:
            settings = settings_for_run(
                root, config.getoption("llmcore_deps_fail_on"), "--llmcore-deps-fail-on"
            )
            cache_dir = None
            use_cache = not config.getoption("llmcore_deps_no_cache") and settings.cache
            cache = getattr(config, "cache", None)
            if cache is None:
                use_cache = False  # -p no:cacheprovider: leave no files behind
            elif use_cache:
                cache_dir = Path(cache.mkdir("llmcore-deps"))
            result = run_gate(
                root, settings, cache_dir=cache_dir, use_cache=use_cache, config=config
            )
        except InputError as exc:
            raise InputFailure(str(exc)) from None
        self.user_properties.append(("llmcore_deps_findings", len(result.findings)))
        self.user_properties.append(("llmcore_deps_failing", len(result.failing)))
        if result.failed:
            raise DepsGateFailure(result)
        self.add_report_section("call", "llmcore deps", render_text(result, verbose=True))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from .report import render_text

        if isinstance(excinfo.value, DepsGateFailure):
            return render_text(excinfo.value.result)
        if isinstance(excinfo.value, InputFailure):
            return f"llmcore deps: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        # line 0, not None: a skip report (a conftest's add_marker(skip), pytest-benchmark's
        # --benchmark-only) formats the location's line as a number
        return self.path, 0, f"llmcore deps: {self.path.parent.name}"


class InputFailure(Exception):
    """The project's configuration could not be read."""


class DepsFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [DepsItem.from_parent(self, name="llmcore-deps")]


class DepsPlugin:
    """Registered by ``pytest --llmcore``: collects the gate's items."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> pytest.Collector | None:
        if _is_project_file(file_path):
            return DepsFile.from_parent(parent, path=file_path)
        return None

    # tryfirst: the added item must exist before -k/-m deselection runs
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        # a plain ``pytest --llmcore`` checks the rootdir's project even when testpaths
        # point elsewhere; explicit paths check only what they contain
        if config.args_source == pytest.Config.ArgsSource.ARGS:
            return
        if any(isinstance(i, DepsItem) for i in items):
            return
        rootdir = config.rootpath
        for name in ("pyproject.toml", "setup.cfg"):
            candidate = rootdir / name
            if candidate.is_file() and _is_project_file(candidate):
                break
        else:
            reqs = sorted(p for p in rootdir.glob("requirements*.txt") if p.is_file())
            if not reqs:
                return
            candidate = reqs[0]
        node = DepsFile.from_parent(session, path=candidate)
        items[:0] = [i for i in node.collect() if isinstance(i, pytest.Item)]
