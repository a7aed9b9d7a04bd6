"""`pytest --llmcore` budgets never pass silently, lose no file, and coexist with reruns.

Each case drives a real pytest run (pytester, subprocess) and pins the message, the exit
code and the files left behind.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import inner_addopts

pytest_plugins = ["pytester"]

TESTS = """
import os
import pytest

@pytest.mark.budget(latency_ms={"p50": "10ms"})
def test_fast(llmcore_perf):
    llmcore_perf.record("latency_ms", [1.0, 1.2, 1.1])
"""


def run(p: pytest.Pytester, *args: str) -> pytest.RunResult:
    # in-process (the plugin's process-wide state is owned by each run), except under xdist
    runner = p.runpytest_subprocess if "-n" in args else p.runpytest_inprocess
    return runner("--llmcore", "-p", "no:cacheprovider", *args)


def test_nan_sample_fails_the_test_in_one_line_and_json_stays_strict(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_n="""
import pytest
@pytest.mark.budget(latency_ms={"p50": "10ms"})
def test_nan(llmcore_perf):
    llmcore_perf.record("latency_ms", [100.0, float("nan"), 1.0])

def test_negative(llmcore_perf):
    llmcore_perf.record("tokens_per_s", 1.0)
    llmcore_perf.record("tokens_per_s", -5)
"""
    )
    res = run(pytester, "--llmcore-json=r.json")
    assert res.ret == pytest.ExitCode.TESTS_FAILED
    out = res.stdout.str()
    lines = res.stdout.lines
    assert "test_n.py::test_nan: llmcore_perf: latency_ms: nan is not a finite number" in lines
    assert (
        "test_n.py::test_negative: llmcore_perf: tokens_per_s: -5 is negative "
        "(tokens_per_s is never below 0)" in lines
    )
    assert "Traceback" not in out and "def test_nan" not in out  # one line, no source dump
    text = (pytester.path / "r.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    # the good sample before the bad call stays; the refused batch left nothing
    assert data["tests"]["test_n.py::test_negative"]["metrics"]["tokens_per_s"]["samples"] == [1.0]
    # the crashed budgeted test: its budget is "not measured", no sample kept
    nan = data["tests"]["test_n.py::test_nan"]
    assert nan["metrics"] == {}
    assert [(v["kind"], v["outcome"]) for v in nan["verdicts"]] == [
        ("not_measured", "not measured")
    ]


def test_p99_of_five_samples_fails_and_says_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_p="""
import pytest
@pytest.mark.budget(latency_ms={"p99": "1s"})
def test_p99(llmcore_perf):
    llmcore_perf.record("latency_ms", [1.0, 1.0, 1.0, 1.0, 2.0])
"""
    )
    res = run(pytester)
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert (
        "latency p99 needs at least 100 samples; got 5 (a p99 of fewer samples is just their "
        "extreme): take more samples or budget another statistic (profile cpu, " in out
    )
    assert re.search(
        r"test_p.py::test_p99\s+latency_ms\s+p99\s+-\s+-\s+1000 ms\s+-\s+-\s+-\s+"
        r"ERROR \(too few samples\)",
        out,
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "budget(tokens_per_s=-5)",
            "llmcore: test_m.py::test_x: @pytest.mark.budget: tokens_per_s: -5 is negative",
        ),
        (
            "budget(kv_savings=46.9)",
            "llmcore: test_m.py::test_x: @pytest.mark.budget: kv_savings: 46.9 is not a "
            'fraction from 0 to 1 (write 0.469 or "46.9%")',
        ),
        (
            "budget(profile=5, latency_ms=1)",
            "llmcore: test_m.py::test_x: budget(profile=5): give a profile name",
        ),
    ],
)
def test_bad_marker_is_a_one_line_usage_error(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(test_m=f"import pytest\n@pytest.mark.{marker}\ndef test_x():\n    pass\n")
    res = run(pytester)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    err = res.stderr.str()
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('compare-stats = ["p42"]', "[tool.llmcore] compare-stats: unknown statistic 'p42'"),
        ("fail-regression = 0.5", '[tool.llmcore] fail-regression: 0.5 is ambiguous: write "50%"'),
        ('repeats = "20"', "[tool.llmcore] repeats: '20' is not an integer"),
    ],
)
def test_bad_config_is_a_one_line_usage_error_naming_the_file(
    pytester: pytest.Pytester, toml: str, message: str
) -> None:
    pytester.makefile(".toml", pyproject=f"[tool.llmcore]\n{toml}\n")
    pytester.makepyfile(test_m="def test_x():\n    pass\n")
    res = run(pytester)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    err = res.stderr.str()
    assert f"llmcore: {pytester.path / 'pyproject.toml'}: {message}" in err
    assert "Traceback" not in err


def test_cli_percentage_reads_as_config_does(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_m="def test_x():\n    pass\n")
    res = run(pytester, "--llmcore-fail-regression", "0.5")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        'argument --llmcore-fail-regression: \'0.5\' is ambiguous: write "50%" or "0.5%"'
        in res.stderr.str()
    )


def _baseline(p: pytest.Pytester) -> Path:
    return p.path / ".llmcore" / "baselines" / "main.json"


def test_corrupt_baseline_is_an_error_never_ignored_or_overwritten(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_b=TESTS)
    run(pytester, "--llmcore-save-baseline=main").assert_outcomes(passed=1)
    path = _baseline(pytester)
    data = json.loads(path.read_text())
    (mkey,) = data["machines"]
    data["machines"][mkey]["tests"]["test_b.py::test_fast"]["latency_ms"]["p50"] = "fast"
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    res = run(pytester, "--llmcore-compare=main", "--llmcore-fail-regression=10%")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        f'llmcore: {path}: corrupt baseline: machines."{mkey}".tests."test_b.py::test_fast"'
        ".latency_ms.p50: 'fast' is not valid (restore it from version control, or delete "
        "the file to start a new baseline)" in res.stderr.str()
    )
    res = run(pytester, "--llmcore-save-baseline=main", "--llmcore-json=r.json")
    assert res.ret == pytest.ExitCode.INTERNAL_ERROR
    assert f"llmcore: could not write baseline 'main': {path}: corrupt baseline" in (
        res.stdout.str()
    )
    assert path.read_bytes() == before
    assert "test_b.py::test_fast" in json.loads((pytester.path / "r.json").read_text())["tests"]


def test_save_merges_and_keeps_other_machines(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_b=TESTS)
    path = _baseline(pytester)
    path.parent.mkdir(parents=True)
    other = {
        "key": {"profile": "h100", "device": "NVIDIA H100", "driver": "550", "engines": {}},
        "run": {"time": "2026-11-01T00:00:00+00:00"},
        "tests": {f"t.py::test_{i}": {"tpot_ms": {"p50": 5.0, "n": 20}} for i in range(50)},
    }
    path.write_text(json.dumps({"format": 2, "machines": {"h100 | NVIDIA H100": other}}))
    run(pytester, "--llmcore-save-baseline=main").assert_outcomes(passed=1)
    data = json.loads(path.read_text())
    assert data["machines"]["h100 | NVIDIA H100"] == other
    (mine,) = [k for k in data["machines"] if k.startswith("cpu | ")]
    assert list(data["machines"][mine]["tests"]) == ["test_b.py::test_fast"]
    assert data["machines"][mine]["run"]["machine_key"] == mine


def test_every_output_is_attempted_and_failures_set_the_exit_status(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_b=TESTS)
    (pytester.path / "adir").mkdir()
    (pytester.path / "afile").write_text("x")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory
    res = run(
        pytester,
        "--llmcore-json=adir",
        "--llmcore-html=afile/r.html",
        "--llmcore-save-baseline=main",
    )
    assert res.ret == pytest.ExitCode.INTERNAL_ERROR
    out = res.stdout.str()
    for line in (
        "llmcore: could not write the JSON report adir: Is a directory",
        "llmcore: could not write the HTML report afile/r.html: File exists",
        f"llmcore: could not write the GitHub step summary {tmp_path}: Is a directory",
    ):
        assert line in out
    assert "llmcore: wrote baseline 'main' (1 test for cpu | " in out
    assert _baseline(pytester).is_file()
    assert not [p for p in (pytester.path / "adir").iterdir()]  # no temporary file left


def test_a_device_is_never_replaced_by_a_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_b=TESTS)
    res = run(pytester, "--llmcore-json=/dev/null")
    assert res.ret == pytest.ExitCode.INTERNAL_ERROR
    assert (
        "llmcore: could not write the JSON report /dev/null: not a regular file (a device, "
        "pipe or socket): give a file path" in res.stdout.str()
    )
    assert Path("/dev/null").is_char_device()


def test_a_written_report_gets_the_umask_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_b=TESTS)
    run(pytester, "--llmcore-json=r.json").assert_outcomes(passed=1)
    mask = os.umask(0)
    os.umask(mask)
    assert (pytester.path / "r.json").stat().st_mode & 0o777 == 0o666 & ~mask
    data = json.loads((pytester.path / "r.json").read_text())
    assert set(data["run"]) == {"id", "time", "commit", "branch", "machine_key"}


CONFIG_BUDGETS = """
[tool.llmcore.budgets."test_b.py::test_fast"]
latency_ms = "5ms"
[tool.llmcore.budgets."test_b.py::test_gone"]
latency_ms = "5ms"
[tool.llmcore.budgets."tests/test_moved.py::test_x"]
latency_ms = "5ms"
"""


def test_config_budget_matching_no_test_is_warned_or_an_error_when_strict(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_b=TESTS)
    pytester.makefile(".toml", pyproject=CONFIG_BUDGETS)
    res = run(pytester, "-W", "default")
    res.assert_outcomes(passed=2)  # + the dependency gate's item of pyproject.toml
    out = res.stdout.str()
    for key, line in (("test_b.py::test_gone", 3), ("tests/test_moved.py::test_x", 5)):
        assert (
            f"{pytester.path / 'pyproject.toml'}:{line}: BudgetWarning: "
            f'[tool.llmcore.budgets."{key}"] matches no test: its budgets are never checked '
            "(fix the node id, as pytest prints it, or remove the entry)" in out
        )
    assert 'test_b.py::test_fast"] matches' not in out
    strict = run(pytester, "--strict-markers")
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    assert '[tool.llmcore.budgets."test_b.py::test_gone"] matches no test' in strict.stderr.str()
    # tests not selected this time (another file, a node id, -k) are not mismatches
    pytester.makepyfile(
        test_c="def test_y(llmcore_perf):\n    llmcore_perf.record('latency_ms', 1)"
    )
    pytester.makefile(
        ".toml",
        pyproject=CONFIG_BUDGETS.split('[tool.llmcore.budgets."test_b.py::test_gone')[0]
        + '[tool.llmcore.budgets."test_c.py::test_y"]\nlatency_ms = "5ms"\n',
    )
    for args in (["test_b.py"], ["test_b.py::test_fast", "test_c.py"], ["-k", "test_fast"]):
        res = run(pytester, "--strict-markers", *args)
        assert res.ret == pytest.ExitCode.OK, (args, res.stderr.str())


def test_a_rerun_replaces_the_earlier_attempts_verdicts_everywhere(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pytest_rerunfailures")
    monkeypatch.setenv("PYTEST_ADDOPTS", inner_addopts("rerunfailures"))
    flag = tmp_path / "attempts"
    pytester.makepyfile(
        test_r=f"""
import pathlib, pytest
FLAG = pathlib.Path({str(flag)!r})

@pytest.mark.budget(latency_ms="10ms")
def test_flaky(llmcore_perf):
    first = not FLAG.exists()
    FLAG.write_text("x")
    llmcore_perf.record("latency_ms", [50.0] * 3 if first else [1.0] * 3)
"""
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    res = run(
        pytester,
        "--reruns=1",
        "--llmcore-json=r.json",
        "--junitxml=j.xml",
        "--llmcore-save-baseline=main",
    )
    assert res.parseoutcomes() == {"passed": 1, "rerun": 1}
    out = res.stdout.str()
    assert "::error" not in out
    assert re.search(
        r"test_r.py::test_flaky\s+latency_ms\s+p50\s+1 ms\s+-\s+10 ms\s+\+90.0%\s+-\s+-\s+pass",
        out,
    )
    assert not re.search(r"test_flaky\s+latency_ms.*FAIL", out)
    data = json.loads((pytester.path / "r.json").read_text())
    (v,) = data["tests"]["test_r.py::test_flaky"]["verdicts"]
    assert v["passed"] is True and v["measured"] == 1.0
    props = [
        (p.get("name"), p.get("value")) for p in ET.parse(pytester.path / "j.xml").iter("property")
    ]
    assert props.count(("llmcore_budget_latency_ms_p50", "pass")) == 1
    assert ("llmcore_budget_latency_ms_p50", "fail") not in props
    assert "FAIL" not in summary.read_text()
    base = json.loads(_baseline(pytester).read_text())
    (entry,) = base["machines"].values()
    assert entry["tests"]["test_r.py::test_flaky"]["latency_ms"]["samples"] == [1.0] * 3


def test_module_class_and_function_markers_closest_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_k="""
import pytest
pytestmark = pytest.mark.budget(latency_ms=1, ttft_ms=1)

@pytest.mark.budget(latency_ms=1000)
class TestK:
    def test_class_wins(self, llmcore_perf):
        llmcore_perf.record("latency_ms", 50)
        llmcore_perf.record("ttft_ms", 50)

    @pytest.mark.budget(ttft_ms=100)
    def test_function_wins(self, llmcore_perf):
        llmcore_perf.record("latency_ms", 50)
        llmcore_perf.record("ttft_ms", 50)

def test_module_applies(llmcore_perf):
    llmcore_perf.record("latency_ms", 50)
    llmcore_perf.record("ttft_ms", 0.5)
"""
    )
    res = run(pytester)
    res.assert_outcomes(passed=1, failed=2)
    # each failure's own section (pytest 8 leaves the message out of the short summary)
    res.stdout.fnmatch_lines(
        ["*_ TestK.test_class_wins _*", "TTFT p50 50 ms > budget 1 ms (profile *"]
    )
    res.stdout.fnmatch_lines(
        ["*_ test_module_applies _*", "latency p50 50 ms > budget 1 ms (profile *"]
    )
