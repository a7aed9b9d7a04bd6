"""The budgets as a pytest plugin: markers to verdicts, verdicts to reports.

Registered by ``pytest --llmcore``. The steps live in their own modules: set-up
(``context``), judging one test (``judging``), the run's files (``outputs``). Measurements
and verdicts happen on the process that runs the test (an xdist worker); each call report
carries them to the controller, which prints the summary and writes the outputs.

A test without budgets that does not use ``llmcore_perf`` costs one stash lookup per
report: nothing else is done for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator
from pathlib import Path

import pytest

from ..core.errors import InputError
from ..core.stash import BEFORE_VERDICTS, METRIC_SINK_KEY, run_before_verdicts
from .context import BudgetsContext, build_context, select_profile
from .judging import judge, unmeasured
from .keys import BUDGETS_KEY, INVALID_KEY, RECORDER_KEY
from .outputs import session_report, write_outputs
from .recorder import PerfRecorder, SampleError
from .results import BudgetResult, sorted_results
from .settings import BudgetSettings
from .spec import BudgetError, resolve_budgets, unmatched_config_keys
from .terminal import write_summary

__all__ = [
    "BUDGETS_KEY",
    "INVALID_KEY",
    "RECORDER_KEY",
    "BudgetWarning",
    "BudgetsPlugin",
    "recorder_for",
    "select_profile",
]

PLUGIN_NAME = "llmcore-budgets"
_ATTR = "llmcore_perf"


class BudgetWarning(pytest.PytestWarning):
    """A budget configured for no test (``[tool.llmcore.budgets]`` key that matches none)."""


def _strict(config: pytest.Config) -> bool:
    if config.getoption("strict_markers", False):
        return True
    try:
        return bool(config.getini("strict_markers"))
    except ValueError:
        return False


def _key_line(pyproject: Path, key: str) -> int:
    try:
        lines = pyproject.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((i for i, line in enumerate(lines, 1) if f'"{key}"' in line), 1)


def _guarded(report: pytest.TestReport, step: Callable[[], None]) -> None:
    """Run ``step``; a bug in it is a section of the report, never hiding the test's result."""
    try:
        step()
    except Exception as exc:
        report.sections.append(("llmcore budgets", f"internal error: {exc!r}"))


def _budget_marks(item: pytest.Item, inherited: dict[int, list[pytest.Mark]]) -> list[pytest.Mark]:
    """``item.iter_markers("budget")``, closest first, with the parents' part cached."""
    own = [m for m in item.own_markers if m.name == "budget"]
    parent = item.parent
    if parent is None:
        return own
    found = inherited.get(id(parent))
    if found is None:
        found = inherited[id(parent)] = list(parent.iter_markers("budget"))
    return own + found if found else own


class BudgetsPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ctx: BudgetsContext = build_context(config)
        self.is_worker = hasattr(config, "workerinput")
        #: node id -> result of its latest attempt (a rerun replaces the earlier one)
        self.results: dict[str, BudgetResult] = {}
        #: tests whose last attempt pytest-rerunfailures voided (its verdicts are dropped)
        self._void: set[str] = set()
        self.written: list[str] = []
        self.failed_outputs: list[str] = []

    # names other code reads (gpu/, the llmcore_perf fixture)
    @property
    def profile(self) -> str:
        return self.ctx.profile

    @property
    def settings(self) -> BudgetSettings:
        return self.ctx.settings

    # -- collection -----------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: the unmatched check sees all
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        inherited: dict[int, list[pytest.Mark]] = {}  # a module's markers, walked once
        for item in items:
            self._resolve(item, _budget_marks(item, inherited))
        if self.ctx.settings.budgets:
            self._unmatched([i.nodeid for i in items])

    def _resolve(self, item: pytest.Item, marks: list[pytest.Mark]) -> None:
        """The test's budgets (markers, then config) on its stash; bad ones: a usage error."""
        ctx = self.ctx
        markers = [(m.args, m.kwargs) for m in marks]
        if not markers and not ctx.settings.budgets:
            return
        try:
            budgets = resolve_budgets(item.nodeid, markers, ctx.settings, ctx.profile, ctx.metrics)
        except (BudgetError, InputError) as exc:
            raise pytest.UsageError(f"llmcore: {exc}") from None
        if budgets.budgets:
            item.stash[BUDGETS_KEY] = budgets

    def _unmatched(self, nodeids: list[str]) -> None:
        """Warn (error under --strict-markers) about config budgets that match no test."""
        winput = getattr(self.config, "workerinput", None)
        if winput is not None and winput.get("workerid") != "gw0":
            return  # every xdist worker collects the same tests: one of them says it
        root = self.config.rootpath
        pyproject = root / "pyproject.toml"
        for key in unmatched_config_keys(self.ctx.settings, nodeids, lambda f: (root / f).exists()):
            msg = (
                f'[tool.llmcore.budgets."{key}"] matches no test: its budgets are never '
                "checked (fix the node id, as pytest prints it, or remove the entry)"
            )
            if _strict(self.config):
                raise pytest.UsageError(f"llmcore: {pyproject}: {msg}")
            warnings.warn_explicit(
                BudgetWarning(msg), BudgetWarning, str(pyproject), _key_line(pyproject, key)
            )

    # -- verdicts -------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        stash = item.stash
        if call.when == "setup" and not report.passed and BUDGETS_KEY in stash:
            _guarded(report, lambda: setattr(report, _ATTR, unmeasured(self.ctx, item, report)))
        if call.when != "call":
            return report
        if BEFORE_VERDICTS in stash:
            self._finish_samplers(item, report)
        if BUDGETS_KEY in stash or RECORDER_KEY in stash:
            self._judge(item, call, report)
        return report

    @staticmethod
    def _finish_samplers(item: pytest.Item, report: pytest.TestReport) -> None:
        """Samplers started by fixtures record their peaks (a sample error fails the test)."""

        def finish() -> None:
            try:
                run_before_verdicts(item)
            except SampleError as exc:
                if report.passed:
                    report.outcome, report.longrepr = "failed", str(exc)

        _guarded(report, finish)

    def _judge(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        """The test's verdicts onto its report (as the ``llmcore_perf`` attribute)."""
        if call.excinfo is not None and isinstance(call.excinfo.value, SampleError):
            report.longrepr = str(call.excinfo.value)  # one line, not a traceback

        def judged() -> None:
            result = judge(self.ctx, item, report)
            if result is not None:
                setattr(report, _ATTR, result)

        try:
            _guarded(report, judged)
        finally:
            rec = item.stash.get(RECORDER_KEY, None)
            if rec is not None:  # the measured callables hold the test's fixtures (a model)
                rec.resamplers.clear()

    # Results reach the xdist controller as a report attribute, JSON on the way: pytest
    # serialises a report's __dict__ (xdist, pytest-reportlog), these turn ours to JSON
    # and back.
    @pytest.hookimpl(wrapper=True)
    def pytest_report_to_serializable(
        self, report: pytest.TestReport
    ) -> Generator[None, dict[str, object] | None, dict[str, object] | None]:
        data = yield
        result = None if data is None else data.get(_ATTR)
        if isinstance(result, BudgetResult) and data is not None:
            data[_ATTR] = result.to_json()
        return data

    @pytest.hookimpl(wrapper=True)
    def pytest_report_from_serializable(
        self, data: dict[str, object]
    ) -> Generator[None, object, object]:
        report = yield
        result = getattr(report, _ATTR, None)
        if isinstance(result, dict):
            setattr(report, _ATTR, BudgetResult.from_json(result))
        return report

    @pytest.hookimpl(tryfirst=True)  # before junitxml reads the teardown's properties
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and self.results:
            self.results.pop(report.nodeid, None)  # a new attempt replaces the last
        if report.when in ("setup", "call"):
            result = getattr(report, _ATTR, None)
            if not isinstance(result, BudgetResult):
                return
            outcome: str = report.outcome  # pytest-rerunfailures adds "rerun"
            if outcome == "rerun":  # this attempt is void: a later one replaces it
                self._void.add(report.nodeid)
            else:
                self.results[report.nodeid] = result
        elif self._void and report.nodeid in self._void:
            self._void.discard(report.nodeid)
            report.user_properties = [
                p for p in report.user_properties if not str(p[0]).startswith("llmcore_")
            ]

    # -- session outputs (controller only) ------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        results = sorted_results(self.results)
        self.written, self.failed_outputs = write_outputs(self.ctx, results)
        listeners = self.config.hook.pytest_llmcore_session_results
        if listeners.get_hookimpls():  # the report is built only when someone receives it
            listeners(config=self.config, report=session_report(self.ctx, results))
        if self.failed_outputs and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.is_worker:
            return
        try:
            results = sorted_results(self.results)
            write_summary(terminalreporter, self.ctx, results, self.written)
        except Exception as exc:  # never a traceback from the summary
            terminalreporter.write_line(
                f"llmcore: could not print the budget summary: {exc!r}", red=True
            )
        for line in self.failed_outputs:
            terminalreporter.write_line(f"llmcore: {line}", red=True)


def recorder_for(request: pytest.FixtureRequest) -> PerfRecorder:
    """The ``llmcore_perf`` recorder of the requesting test, with configured defaults."""
    plugin = request.config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, BudgetsPlugin):
        ctx = plugin.ctx
        rec = PerfRecorder(ctx.warmup, ctx.repeats, ctx.settings.noisy_cv, ctx.metrics)
        rec.profile = plugin.ctx.profile
    else:
        rec = PerfRecorder()  # without --llmcore: measures, judges nothing
    rec.nodeid = request.node.nodeid
    config = request.config
    if hasattr(config.hook, "pytest_llmcore_endpoint_timings"):
        rec.response_parser = lambda r: config.hook.pytest_llmcore_endpoint_timings(
            config=config, response=r
        )
    request.node.stash[RECORDER_KEY] = rec
    request.node.stash[METRIC_SINK_KEY] = rec  # for the GPU samplers (vram_peak)
    return rec
