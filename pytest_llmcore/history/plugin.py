"""``--llmcore-history``: append each run's results to the history store (controller only)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ..core.config import load_tool_table
from ..core.errors import LlmcoreError
from ..core.vcs import commit_and_branch
from .model import from_report
from .store import open_store

__all__ = ["PLUGIN_NAME", "HistoryPlugin", "history_target"]

PLUGIN_NAME = "llmcore-history"


def history_target(config: pytest.Config) -> str | None:
    """The store named by ``--llmcore-history`` or ``history`` in ``[tool.llmcore]``.

    A relative path in the config file is relative to the rootdir, as pytest's own paths are.
    """
    opt = config.getoption("llmcore_history", None)
    if opt:
        return str(opt)
    pyproject = Path(config.rootpath) / "pyproject.toml"
    value = load_tool_table(pyproject).get("history")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise pytest.UsageError(
            f"{pyproject}: [tool.llmcore] history must be a path or a postgresql:// URL"
        )
    if "://" in value or Path(value).is_absolute():
        return value
    return str(Path(config.rootpath) / value)


class HistoryPlugin:
    """Receives the run's report through ``pytest_llmcore_session_results`` and stores it."""

    def __init__(self, config: pytest.Config, target: str) -> None:
        self.config = config
        self.target = target
        self.outcome: str | None = None
        self.failed = False

    def _with_run_facts(self, report: dict[str, Any]) -> dict[str, Any]:
        run = dict(report.get("run") or {})
        if not (run.get("commit") and run.get("branch")):
            commit, branch = commit_and_branch(Path(self.config.rootpath))
            run["commit"] = run.get("commit") or commit
            run["branch"] = run.get("branch") or branch
        run["time"] = run.get("time") or datetime.now(timezone.utc).isoformat(timespec="seconds")
        return {**report, "run": run}

    def pytest_llmcore_session_results(self, config: pytest.Config, report: dict[str, Any]) -> None:
        try:
            run, results = from_report(self._with_run_facts(report), "this run's report")
            with open_store(self.target) as store:
                store.append(run, results)
            self.outcome = f"history: {len(results)} results appended to {self.target}"
        except (LlmcoreError, OSError) as exc:
            self.failed = True
            self.outcome = f"history: could not append to {self.target}: {exc}"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # as for the budgets' own outputs: a run that lost an output is not a green run
        if self.failed and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.outcome:
            terminalreporter.write_line(f"llmcore: {self.outcome}", red=self.failed)
