"""Typed budget results: the JSON they become at the boundary, and back."""

from __future__ import annotations

import json

import pytest

from pytest_llmcore.budgets.metrics import BUILTIN_METRICS
from pytest_llmcore.budgets.results import BudgetResult, MetricResult, Roofline
from pytest_llmcore.budgets.spec import Budget
from pytest_llmcore.budgets.stats import summarize
from pytest_llmcore.budgets.verdict import RunContext, Verdict, evaluate, missing

RUN = RunContext("cpu", "AMD EPYC")
SAMPLES = [1.0, 1.5, 1.25, 2.0]


def _result(roofline: Roofline | None) -> BudgetResult:
    stats = summarize(SAMPLES)
    verdicts = (
        evaluate(
            "t.py::t",
            Budget(BUILTIN_METRICS["latency_ms"], "p50", 2.0, "marker"),
            stats,
            RUN,
            SAMPLES,
        ),
        missing("t.py::t", Budget(BUILTIN_METRICS["tpot_ms"], "p50", 30.0, "marker"), RUN),
    )
    return BudgetResult(
        nodeid="t.py::t",
        location=("t.py", 3),
        run=RUN,
        metrics={
            "latency_ms": MetricResult("ms", tuple(SAMPLES), stats, samples_total=5000),
            "tokens_per_s": MetricResult("tokens/s", (30.0,), summarize([30.0])),
        },
        verdicts=verdicts,
        roofline=roofline,
    )


_ROOFS = [
    None,
    Roofline(bytes_per_token=4_000_000, note="no bandwidth probe could run"),
    Roofline(4_000_000, 800.0, "NVML peak", 200.0, 30.0, 15.0),
]


@pytest.mark.parametrize("roof", _ROOFS, ids=["none", "no-probe", "measured"])
def test_a_result_survives_its_json(roof: Roofline | None) -> None:
    result = _result(roof)
    assert BudgetResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_the_json_keys_are_the_reports_format() -> None:
    data = _result(_ROOFS[2]).to_json()
    keys = ["nodeid", "location", "profile", "device", "metrics", "verdicts", "roofline"]
    assert list(data) == keys
    assert data["location"] == ["t.py", 3]
    metrics = data["metrics"]
    assert isinstance(metrics, dict)
    assert list(metrics["latency_ms"]) == ["unit", "samples", "stats", "samples_total"]
    assert list(metrics["tokens_per_s"]) == ["unit", "samples", "stats"]  # all samples kept
    assert _ROOFS[1].to_json() == {
        "bytes_per_token": 4_000_000,
        "note": "no bandwidth probe could run",
    }
    assert list(_ROOFS[2].to_json()) == [
        "bytes_per_token",
        "bandwidth_gbs",
        "bandwidth_source",
        "bound_tokens_per_s",
        "tokens_per_s",
        "percent",
    ]


def test_a_verdict_names_the_run() -> None:
    v = missing("t::x", Budget(BUILTIN_METRICS["tpot_ms"], "p50", 30.0, "marker"), RUN)
    assert (v.profile, v.device, v.kind, v.outcome, v.passed) == (
        "cpu",
        "AMD EPYC",
        "missing",
        "error",
        False,
    )
    assert isinstance(v, Verdict)
    assert RUN.machine_key == "cpu | AMD EPYC"  # the baseline file's key of this machine


def test_a_report_is_serialised_with_its_result_as_json(pytester: pytest.Pytester) -> None:
    """What pytest-xdist and pytest-reportlog do with a report: JSON and back."""
    pytester.makeconftest(
        """
        import json

        CONFIG = []

        def pytest_configure(config):
            CONFIG.append(config)

        def pytest_runtest_logreport(report):
            if report.when != "call":
                return
            config = CONFIG[0]
            data = config.hook.pytest_report_to_serializable(config=config, report=report)
            text = json.dumps(data)  # raises if a value is not JSON
            back = config.hook.pytest_report_from_serializable(
                config=config, data=json.loads(text)
            )
            result = back.llmcore_perf
            with open("seen.txt", "w") as fh:
                fh.write(f"{type(result).__name__} {result.nodeid} {result.verdicts[0].outcome}")
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.budget(latency_ms=5)
        def test_t(llmcore_perf):
            llmcore_perf.record("latency_ms", [1.0, 1.2, 1.1])
        """
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
    seen = (pytester.path / "seen.txt").read_text()
    assert (
        seen == "BudgetResult test_a_report_is_serialised_with_its_result_as_json.py::test_t pass"
    )
