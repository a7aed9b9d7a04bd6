"""``--llmcore-history``: append each run's results to the history store (controller only)."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ..core.config import load_tool_table
from ..core.errors import InputError, LlmcoreError
from ..core.vcs import commit_and_branch
from .model import from_report
from .sections import html_section, markdown_section, series_of
from .sources import parse_history_source, pooled_baseline
from .store import db_errors, open_store, redact

__all__ = ["PLUGIN_NAME", "SOURCES_NAME", "HistoryPlugin", "HistorySources", "history_target"]

PLUGIN_NAME = "llmcore-history"
SOURCES_NAME = "llmcore-history-sources"


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
            where = redact(self.target)  # a postgresql:// URL's password stays out of logs
            self.outcome = f"history: {len(results)} results appended to {where}"
        except _unreadable() as exc:
            self.failed = True
            self.outcome = f"history: could not append to {redact(self.target)}: {exc}"

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


def _unreadable() -> tuple[type[Exception], ...]:
    # evaluated when an exception arrives, after open_store may have loaded psycopg
    return (LlmcoreError, *db_errors())


class HistorySources:
    """What the store gives this run: ``history:`` baselines and the reports' trend sections.

    Registered on every process with ``--llmcore`` (workers compare too), with or without a
    store: without one, a ``history:`` baseline says how to configure it.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._baselines: dict[tuple[str, str], dict[str, Any]] = {}

    def pytest_llmcore_baseline_source(
        self, config: pytest.Config, source: str, machine: str
    ) -> dict[str, Any] | None:
        if parse_history_source(source) is None:  # validates the form of our own scheme
            return None
        cached = self._baselines.get((source, machine))
        if cached is not None:
            return cached
        target = history_target(config)
        if target is None:
            raise InputError(
                f"{source!r} needs a history store",
                "--llmcore-compare",
                fix='set --llmcore-history PATH_OR_URL or history = "PATH_OR_URL" in '
                "[tool.llmcore]",
            )
        try:
            with open_store(target, create=False) as store:
                found = pooled_baseline(store, source, machine)
        except db_errors() as exc:  # mid-query: a lock timeout, a lost connection
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"cannot read the history store ({first})", redact(target)) from None
        self._baselines[(source, machine)] = found
        return found

    def pytest_llmcore_report_sections(
        self, config: pytest.Config, report: dict[str, Any], kind: str
    ) -> str | None:
        if kind not in ("html", "markdown"):
            return None
        target = history_target(config)
        if target is None:
            return None
        try:
            # a first run's store does not exist yet: it is created here, as the append would
            with open_store(target) as store:
                series = series_of(store, report)
        except _unreadable() as exc:
            note = f"history: no trends ({exc})"
            return f"<p>{html.escape(note)}</p>" if kind == "html" else f"{note}\n"
        return html_section(series) if kind == "html" else markdown_section(series)
