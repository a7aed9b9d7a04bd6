"""Issue 11, class 1: a verdict never passes silently (bad samples, baselines, values).

The corpus cases run the real ``pytest --llmcore``; more of this class, pinned message by
message, is in test_budgets_reliability.py and test_budgets_boundary.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmcore.budgets.settings import BudgetSettings
from pytest_llmcore.budgets.spec import BudgetError, resolve_budgets

from .hostile import Case, check, smoke_cases

pytest_plugins = ["pytester"]


@pytest.mark.parametrize("case", smoke_cases("verdicts"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)


TESTS = """
import pytest

@pytest.mark.budget(latency_ms={"p50": "10ms"})
def test_fast(llmcore_perf):
    llmcore_perf.record("latency_ms", [1.0, 1.2, 1.1])
"""


@pytest.mark.parametrize(("stat", "value"), [("p50", -5), ("samples", [1.0, -1.0])])
def test_a_negative_baseline_value_is_corrupt_not_a_regression(
    pytester: pytest.Pytester, stat: str, value: object
) -> None:
    """A -5 ms baseline made every run "REGRESSED vs main" (-122%): it is not data."""
    pytester.makepyfile(test_b=TESTS)
    args = ("--llmcore", "-p", "no:cacheprovider")
    pytester.runpytest_subprocess(*args, "--llmcore-save-baseline=main").assert_outcomes(passed=1)
    path = pytester.path / ".llmcore" / "baselines" / "main.json"
    data = json.loads(path.read_text())
    (mkey,) = data["machines"]
    data["machines"][mkey]["tests"]["test_b.py::test_fast"]["latency_ms"][stat] = value
    path.write_text(json.dumps(data))
    res = pytester.runpytest_subprocess(*args, "--llmcore-compare=main")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        f'ERROR: llmcore: {path}: corrupt baseline: machines."{mkey}".tests."test_b.py::test_fast"'
        f".latency_ms.{stat}: {value!r} is not valid (restore it from version control, or "
        "delete the file to start a new baseline)" in res.stderr.lines
    )


def test_a_budget_naming_no_statistic_is_an_error() -> None:
    """``budget(latency_ms={})`` checked nothing: the test always passed."""
    with pytest.raises(BudgetError) as info:
        resolve_budgets("t.py::test_x", [((), {"latency_ms": {}})], BudgetSettings(), "cpu")
    assert str(info.value) == (
        "t.py::test_x: @pytest.mark.budget: latency_ms: {} names no statistic "
        '(e.g. latency_ms={"p50": ...})'
    )
