"""The budgets as a pytest plugin: markers to verdicts, verdicts to reports.

Registered by ``pytest --llmcore``. Measurements and verdicts happen on the process that
runs the test (an xdist worker); each call report carries them to the controller, which
prints the summary and writes JSON, HTML, the step summary and baselines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..core.config import load_tool_table
from ..core.errors import InputError
from ..core.fsutil import atomic_write_bytes
from ..core.github import workflow_command
from ..core.machine import MachineInfo, machine_info
from ..core.stash import run_before_verdicts
from .baseline import Baseline, BaselineKey, baseline_path, compare, load_baseline, save_baseline
from .metrics import METRICS, UnitError, register_metric
from .recorder import PerfRecorder
from .report import html_report, json_report, markdown_summary, rows, table_lines
from .settings import BudgetSettings, settings_from_table
from .spec import BudgetError, ItemBudgets, resolve_budgets, validate_config_budgets
from .verdict import Verdict, evaluate, missing

__all__ = ["BudgetsPlugin", "recorder_for"]

BUDGETS_KEY = pytest.StashKey[ItemBudgets]()
#: Reasons a test's timings are invalid (e.g. the GPU throttled): its time budgets fail.
INVALID_KEY = pytest.StashKey[list[str]]()
RECORDER_KEY = pytest.StashKey[PerfRecorder]()
PLUGIN_NAME = "llmcore-budgets"
_ATTR = "llmcore_perf"


def _slug(text: str) -> str:
    return "-".join("".join(c.lower() if c.isalnum() else " " for c in text).split())


def select_profile(settings: BudgetSettings, machine: MachineInfo, forced: str | None) -> str:
    """--llmcore-profile, else ``profile`` in config, else the first profile whose ``match``
    finds the GPU name, else ``cpu`` without a GPU (the GPU name, slugged, with one)."""
    name = forced or settings.profile
    if name is not None:
        if name not in settings.profile_names():
            known = ", ".join(sorted(settings.profile_names()))
            raise pytest.UsageError(f"llmcore: unknown profile {name!r} (defined: {known})")
        return name
    for p in settings.profiles.values():
        if p.matches(machine.device):
            return p.name
    return _slug(machine.device) if machine.gpus else "cpu"


class BudgetsPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        pyproject = config.rootpath / "pyproject.toml"
        try:
            for specs in config.hook.pytest_llmcore_add_metrics(config=config):
                for spec in specs or []:
                    register_metric(spec)
        except UnitError as exc:
            raise pytest.UsageError(f"llmcore: {exc}") from None
        try:
            table = load_tool_table(pyproject)
            self.settings = settings_from_table(table)
            validate_config_budgets(self.settings)
        except (InputError, BudgetError) as exc:
            where = "" if getattr(exc, "path", None) else f"{pyproject}: "
            raise pytest.UsageError(f"llmcore: {where}{exc}") from None
        opt = config.getoption
        self.repeats = opt("llmcore_repeats") or self.settings.repeats
        self.warmup = opt("llmcore_warmup")
        if self.warmup is None:
            self.warmup = self.settings.warmup
        tol = opt("llmcore_budget_tolerance")
        self.tolerance = self.settings.tolerance if tol is None else tol
        if tol is not None:
            from dataclasses import replace

            self.settings = replace(self.settings, tolerance=tol)
        from ..gpu.backend import probe_gpus

        self.machine = machine_info(probe_gpus)
        self.machine_json: dict[str, Any] = self.machine.to_json()
        config.hook.pytest_llmcore_machine_info(config=config, info=self.machine_json)
        forced = opt("llmcore_profile") or self.settings.profile
        if forced is None:
            forced = config.hook.pytest_llmcore_select_profile(
                config=config,
                device=self.machine.device,
                gpus=self.machine_json["gpus"],
                profiles=sorted(self.settings.profile_names()),
            )
        self.profile = select_profile(self.settings, self.machine, forced)
        extra = self.machine_json.get("extra", {})
        self.key = BaselineKey(
            self.profile,
            self.machine.device,
            self.machine.driver,
            self.machine.engines,
            {str(k): str(v) for k, v in extra.items()},
        )
        self.baseline: Baseline | None = None
        self.baseline_note: str | None = None
        reg = opt("llmcore_fail_regression")
        self.threshold = reg if reg is not None else self.settings.fail_regression
        compare_name = opt("llmcore_compare")
        if compare_name:
            path = baseline_path(self._baseline_dir(), compare_name)
            try:
                base = load_baseline(path, compare_name)
            except InputError as exc:
                raise pytest.UsageError(f"llmcore: {exc}") from None
            why = base.key.mismatch(self.key)
            if why is None:
                self.baseline = base
            else:
                self.baseline_note = (
                    f"baseline {compare_name!r} not compared: it was recorded "
                    f"on other hardware or software ({why})"
                )
        self.results: list[dict[str, Any]] = []
        self.is_worker = hasattr(config, "workerinput")
        self.written: list[str] = []

    def _bandwidth(self) -> tuple[float, str] | None:
        """Measured once per machine and kept in pytest's cache (llmcore/ceilings/...)."""
        if hasattr(self, "_bw"):
            return self._bw
        from ..gpu.ceilings import bandwidth_bound, measure_bandwidth

        key = f"llmcore/ceilings/{_slug(self.machine.device)}"
        cache = getattr(self.config, "cache", None)
        cached = cache.get(key, None) if cache is not None else None
        if isinstance(cached, dict) and "gbs" in cached:
            self._bw: tuple[float, str] | None = (float(cached["gbs"]), str(cached["what"]))
            return self._bw
        best = bandwidth_bound(measure_bandwidth(quick=True))
        self._bw = None if best is None else (best.value, f"{best.name} on {best.device}")
        if cache is not None and self._bw is not None:
            cache.set(key, {"gbs": self._bw[0], "what": self._bw[1]})
        return self._bw

    def _roofline(self, bytes_per_token: int, tokens_per_s: float) -> dict[str, Any]:
        bw = self._bandwidth()
        if bw is None:
            return {"bytes_per_token": bytes_per_token, "note": "no bandwidth probe could run"}
        bound = bw[0] * 1e9 / bytes_per_token
        return {
            "bytes_per_token": bytes_per_token,
            "bandwidth_gbs": round(bw[0], 2),
            "bandwidth_source": bw[1],
            "bound_tokens_per_s": round(bound, 2),
            "tokens_per_s": round(tokens_per_s, 2),
            "percent": round(100 * tokens_per_s / bound, 1),
        }

    def _baseline_dir(self) -> Path:
        d = Path(self.settings.baseline_dir)
        return d if d.is_absolute() else self.config.rootpath / d

    # -- collection -----------------------------------------------------------------------
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            markers = [(m.args, m.kwargs) for m in item.iter_markers("budget")]
            try:
                budgets = resolve_budgets(item.nodeid, markers, self.settings, self.profile)
            except (BudgetError, InputError) as exc:
                raise pytest.UsageError(f"llmcore: {exc}") from None
            item.stash[BUDGETS_KEY] = budgets

    # -- verdicts -------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report: pytest.TestReport = yield
        if report.when == "call":
            run_before_verdicts(item)
            try:
                self._judge(item, report)
            except Exception as exc:  # a bug here must not hide the test's own result
                report.sections.append(("llmcore budgets", f"internal error: {exc!r}"))
        return report

    def _judge(self, item: pytest.Item, report: pytest.TestReport) -> None:
        budgets = item.stash.get(BUDGETS_KEY, None)
        rec = item.stash.get(RECORDER_KEY, None)
        if (budgets is None or not budgets.budgets) and (rec is None or not rec.samples):
            return
        device = self.machine.device
        metrics: dict[str, Any] = {}
        if rec is not None:
            for name, samples in rec.samples.items():
                if samples:
                    metrics[name] = {
                        "unit": METRICS[name].unit,
                        "samples": list(samples),
                        "stats": rec.stats(name).to_json(),
                    }
        verdicts: list[Verdict] = []
        if report.passed and budgets is not None:
            for b in budgets.budgets:
                if b.metric in metrics:
                    verdicts.append(
                        evaluate(item.nodeid, b, rec.stats(b.metric), self.profile, device)
                        if rec is not None
                        else missing(item.nodeid, b, self.profile, device)
                    )
                else:
                    verdicts.append(missing(item.nodeid, b, self.profile, device))
        if report.passed and self.baseline is not None and self.threshold is not None:
            for name, data in metrics.items():
                verdicts += compare(
                    self.baseline,
                    item.nodeid,
                    name,
                    data["stats"],
                    self.settings.compare_stats,
                    self.threshold,
                    self.profile,
                    device,
                )
        invalid = item.stash.get(INVALID_KEY, [])
        if (
            invalid
            and report.passed
            and any(METRICS[b.metric].kind == "time" for b in (budgets.budgets if budgets else ()))
        ):
            report.outcome = "failed"
            report.longrepr = "\n".join(invalid)
        for v in verdicts:
            self.config.hook.pytest_llmcore_budget_verdict(config=self.config, verdict=v)
        failed = [v for v in verdicts if not v.passed]
        path, line, _ = item.location
        payload = {
            "nodeid": item.nodeid,
            "location": [path, (line or 0) + 1],
            "profile": self.profile,
            "device": device,
            "metrics": metrics,
            "verdicts": [v.to_json() for v in verdicts],
        }
        if rec is not None and rec.bytes_per_token and "tokens_per_s" in metrics:
            payload["roofline"] = self._roofline(
                rec.bytes_per_token, metrics["tokens_per_s"]["stats"]["p50"]
            )
        setattr(report, _ATTR, payload)
        props: list[tuple[str, object]] = []
        for name, data in metrics.items():
            st = data["stats"]
            props += [
                (f"llmcore_{name}_{stat}", round(st[stat], 6))
                for stat in ("p50", "p95", "p99", "mean")
            ]
            props.append((f"llmcore_{name}_n", st["n"]))
        props += [
            (f"llmcore_verdict_{v.metric}_{v.stat}", "pass" if v.passed else "fail")
            for v in verdicts
        ]
        # junitxml reads the teardown report's properties, made later from the item's list
        item.user_properties.extend(props)
        if report.user_properties is not item.user_properties:
            report.user_properties.extend(props)
        lines = table_lines(rows([payload]))
        report.sections.append(("llmcore budgets", "\n".join(lines)))
        if failed and report.passed:
            report.outcome = "failed"
            report.longrepr = "\n".join(v.message for v in failed)

    # -- carrying results to the xdist controller ----------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_report_to_serializable(self, config: pytest.Config, report: Any) -> Any:
        data = yield
        if isinstance(data, dict) and hasattr(report, _ATTR):
            data[_ATTR] = getattr(report, _ATTR)
        return data

    @pytest.hookimpl(wrapper=True)
    def pytest_report_from_serializable(self, config: pytest.Config, data: Any) -> Any:
        report = yield
        if isinstance(data, dict) and _ATTR in data and report is not None:
            setattr(report, _ATTR, data[_ATTR])
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, _ATTR, None)
        if report.when == "call" and payload is not None:
            self.results.append(payload)

    # -- session outputs (controller only) ------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        results = sorted(self.results, key=lambda r: r["nodeid"])
        opt = self.config.getoption
        extra = {
            "software": {
                "pytest-llmcore": __version__,
                "pytest": pytest.__version__,
                **self.machine.engines,
            },
            "baseline": None if self.baseline is None else self.baseline.name,
            "baseline_note": self.baseline_note,
            "key": self.key.to_json(),
        }
        report_text = json_report(results, self.machine_json, self.profile, extra)
        self.config.hook.pytest_llmcore_session_results(
            config=self.config, report=json.loads(report_text)
        )
        try:
            json_path = opt("llmcore_json")
            if json_path:
                self._write(Path(json_path), report_text)
            html_path = opt("llmcore_html")
            if html_path:
                self._write(Path(html_path), html_report(results, self.machine_json, self.profile))
            summary = os.environ.get("GITHUB_STEP_SUMMARY")
            if summary and results:
                with open(summary, "a", encoding="utf-8") as fh:
                    fh.write(markdown_summary(results, self.profile, self.machine.device))
                self.written.append(f"GitHub step summary ({summary})")
            save = opt("llmcore_save_baseline")
            if save:
                stats = {
                    r["nodeid"]: {k: v["stats"] for k, v in r["metrics"].items()}
                    for r in results
                    if r["metrics"]
                }
                path = baseline_path(self._baseline_dir(), save)
                n = save_baseline(path, save, self.key, stats)
                self.written.append(f"baseline {save!r} ({n} tests) to {path}")
        except (OSError, InputError) as exc:
            self.written.append(f"could not write a report: {exc}")

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode("utf-8"))
        self.written.append(str(path))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.is_worker:
            return
        try:
            self._summary(terminalreporter)
        except Exception as exc:  # never a traceback from the summary
            terminalreporter.write_line(
                f"llmcore: could not print the budget summary: {exc!r}", red=True
            )

    def _summary(self, tr: pytest.TerminalReporter) -> None:
        results = sorted(self.results, key=lambda r: r["nodeid"])
        if not results and not self.baseline_note and not self.written:
            return
        tr.write_sep("=", f"llmcore budgets: profile {self.profile} ({self.machine.device})")
        if results:
            for line in table_lines(rows(results)):
                bad = any(w in line for w in (" FAIL", " ERROR", " REGRESSED"))
                tr.write_line(line, red=bad)
        for r in results:
            roof = r.get("roofline")
            if roof and "percent" in roof:
                tr.write_line(
                    f"llmcore roofline: {r['nodeid']}: {roof['tokens_per_s']:.1f} tok/s = "
                    f"{roof['percent']:.0f}% of roofline ({roof['bandwidth_gbs']:.0f} GB/s "
                    f"{roof['bandwidth_source']} / "
                    f"{roof['bytes_per_token'] / 1e6:.1f} MB per token "
                    f"= {roof['bound_tokens_per_s']:.0f} tok/s)"
                )
        if self.baseline_note:
            tr.write_line(f"llmcore: {self.baseline_note}", yellow=True)
        if self.machine.gpu_note and self.profile == "cpu":
            tr.write_line(f"llmcore: no GPU ({self.machine.gpu_note}); profile cpu")
        for what in self.written:
            tr.write_line(f"llmcore: wrote {what}")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for r in results:
                for v in r["verdicts"]:
                    if not v["passed"]:
                        file, line = r["location"]
                        tr.write_line(
                            workflow_command(
                                "error", v["message"], file=file, line=line, title="llmcore budget"
                            )
                        )


def recorder_for(request: pytest.FixtureRequest) -> PerfRecorder:
    """The ``llmcore_perf`` recorder of the requesting test, with configured defaults."""
    plugin = request.config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, BudgetsPlugin):
        rec = PerfRecorder(plugin.warmup, plugin.repeats, plugin.settings.noisy_cv)
        rec.profile = plugin.profile
    else:
        rec = PerfRecorder()  # without --llmcore: measures, judges nothing
    config = request.config
    if hasattr(config.hook, "pytest_llmcore_endpoint_timings"):
        rec.response_parser = lambda r: config.hook.pytest_llmcore_endpoint_timings(
            config=config, response=r
        )
    request.node.stash[RECORDER_KEY] = rec
    return rec
