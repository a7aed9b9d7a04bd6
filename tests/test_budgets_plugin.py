"""`pytest --llmcore` budgets for real: timed work (time.sleep), verdicts, reports, xdist."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# Sleeps of 20 ms against budgets of 5 ms (fails) and 500 ms (passes): no verdict can flip.
TESTS = """
import os, time
import pytest

def nap():
    time.sleep(float(os.environ.get("NAP_S", "0.02")))

@pytest.mark.budget(latency_ms=5)
def test_too_slow(llmcore_perf):
    llmcore_perf.measure("latency_ms", nap, warmup=1, repeats=6)

@pytest.mark.budget(latency_ms="500ms")
def test_fast_enough(llmcore_perf):
    llmcore_perf.measure("latency_ms", nap, warmup=1, repeats=6)

@pytest.mark.budget(latency_ms=500)
def test_never_measured(llmcore_perf):
    pass

def test_no_budget_just_measured(llmcore_perf):
    llmcore_perf.measure("latency_ms", nap, warmup=0, repeats=3)
    llmcore_perf.record("kv_bytes", "38.25MiB")
"""

PYPROJECT = """
[tool.pytest.ini_options]
[tool.llmcore.profiles.rtx-4090]
match = "RTX 4090"
[tool.llmcore.profiles.any-cpu]
match = "."
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_b=TESTS)
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def run(p: pytest.Pytester, *args: str) -> pytest.RunResult:
    # in-process: the plugin's process-wide changes (environment, metric registry) are
    # undone when a run ends, so runs in one process do not see each other
    return p.runpytest_inprocess("--llmcore", "-p", "no:cacheprovider", *args)


def test_pass_fail_and_missing_messages(suite: pytest.Pytester) -> None:
    res = run(suite)
    res.assert_outcomes(passed=3, failed=2)  # + the dependency gate's item of pyproject.toml
    out = res.stdout.str()
    assert re.search(
        # the sleep's measured time depends on the machine's load: its shape is pinned, not it
        r"latency p50 \d+(\.\d+)? ms \(95% CI [\d.]+ ms \.\. [\d.]+ ms\) > budget 5 ms "
        r"\(profile any-cpu, .+, 6 samples, cv \d+\.\d%",
        out,
    )
    assert "but the test never recorded latency_ms: a budget without a measurement fails" in out
    assert re.search(
        r"test_b.py::test_fast_enough\s+latency_ms\s+p50\s+\d+(\.\d+)? ms"
        r"\s+[\d.]+ ms \.\. [\d.]+ ms\s+500 ms\s+\+\d+\.\d%\s+-\s+-\s+pass",
        out,
    )
    assert re.search(
        r"test_b.py::test_no_budget_just_measured\s+kv_bytes\s+p50\s+38.25 MiB(\s+-){5}\s+measured",
        out,
    )
    assert "Traceback" not in out


def test_without_llmcore_nothing_is_judged(suite: pytest.Pytester) -> None:
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_profile_selection_and_profile_budgets(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_p="""
import time, pytest

@pytest.mark.budget(latency_ms=1000)
@pytest.mark.budget(profile="rtx-4090", latency_ms=1)
def test_profiled(llmcore_perf):
    llmcore_perf.measure("latency_ms", lambda: time.sleep(0.01), warmup=0, repeats=3)
"""
    )
    run(suite, "test_p.py").assert_outcomes(passed=1)  # any-cpu matches this machine
    res = run(suite, "test_p.py", "--llmcore-profile", "rtx-4090")
    res.assert_outcomes(failed=1)
    assert "> budget 1 ms (profile rtx-4090" in res.stdout.str()
    bad = run(suite, "test_p.py", "--llmcore-profile", "h100")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown profile 'h100' (defined: any-cpu, cpu, rtx-4090)" in bad.stderr.str()


def test_config_overrides_marker_for_the_active_profile(suite: pytest.Pytester) -> None:
    suite.makefile(
        ".toml",
        pyproject=PYPROJECT
        + """
[tool.llmcore.budgets."test_b.py::test_too_slow"]
latency_ms = "1s"
[tool.llmcore.budgets."test_b.py::test_fast_enough".any-cpu]
latency_ms = { p90 = "1ms" }
""",
    )
    res = run(suite, "test_b.py::test_too_slow", "test_b.py::test_fast_enough")
    res.assert_outcomes(passed=1, failed=1)
    out = res.stdout.str()
    assert "FAILED test_b.py::test_fast_enough" in out and "latency p90" in out


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("budget(tpot=30)", "unknown metric 'tpot'"),
        ("budget(latency_ms='12GiB')", "unit 'GiB' in '12GiB' does not fit a time metric"),
    ],
)
def test_bad_budgets_are_usage_errors(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(f"import pytest\n@pytest.mark.{marker}\ndef test_x():\n    pass\n")
    res = run(pytester)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert message in res.stderr.str() and "Traceback" not in res.stderr.str()


def test_bad_config_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject='[tool.llmcore.budgets."t.py::x"]\nttft = 5\n')
    res = run(pytester)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert "'ttft' is neither a metric" in res.stderr.str()


def test_baseline_save_compare_and_refuse(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    sel = "test_b.py::test_fast_enough"
    run(suite, sel, "--llmcore-save-baseline=main").assert_outcomes(passed=1)
    path = suite.path / ".llmcore" / "baselines" / "main.json"
    data = json.loads(path.read_text())
    ((mkey, entry),) = data["machines"].items()
    assert mkey.startswith("any-cpu | ") and entry["key"]["profile"] == "any-cpu"
    assert entry["tests"][sel]["latency_ms"]["n"] == 6
    assert len(entry["tests"][sel]["latency_ms"]["samples"]) == 6
    assert set(entry["run"]) == {"id", "time", "commit", "branch", "machine_key"}
    run(suite, sel, "--llmcore-compare=main", "--llmcore-fail-regression=50%").assert_outcomes(
        passed=1
    )
    # the same test made 3x slower: a regression, though still inside its 500 ms budget
    monkeypatch.setenv("NAP_S", "0.06")
    res = run(suite, sel, "--llmcore-compare=main", "--llmcore-fail-regression=50%")
    res.assert_outcomes(failed=1)
    assert re.search(
        # sleeps of 20 and 60 ms: their measured times depend on the load, the verdict doesn't
        r"latency p50 \d+(\.\d+)? ms is \d+\.\d% slower \(95% CI \+\d+\.\d% \.\. \+\d+\.\d%\) "
        r"than baseline 'main' \(\d+(\.\d+)? ms\); threshold 50%: regression",
        res.stdout.str(),
    )
    monkeypatch.delenv("NAP_S")
    entry["key"]["driver"] = "550.54"
    path.write_text(json.dumps(data))
    # another driver: compared all the same, the change said on the row and in the summary
    res = run(suite, sel, "--llmcore-compare=main", "--llmcore-fail-regression=50%")
    res.assert_outcomes(passed=1)
    out = res.stdout.str()
    assert (
        "llmcore: software changed since the baseline: driver 550.54 -> absent "
        "(compared all the same)" in out
    )
    assert re.search(r"test_fast_enough\s+latency_ms\s+p50 .*\[software changed\]", out)
    missing = run(suite, sel, "--llmcore-compare=nope")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    assert "no baseline 'nope'" in missing.stderr.str()


def test_json_junit_step_summary_annotations_html(
    suite: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    res = run(suite, "--llmcore-json=r.json", "--llmcore-html=r.html", "--junitxml=j.xml")
    res.assert_outcomes(passed=3, failed=2)
    data = json.loads((suite.path / "r.json").read_text())
    assert data["profile"] == "any-cpu" and data["machine"]["cores"] >= 1
    assert "pytest-llmcore" in data["software"] and "pytest" in data["software"]
    t = data["tests"]["test_b.py::test_too_slow"]
    assert len(t["metrics"]["latency_ms"]["samples"]) == 6
    assert t["verdicts"][0]["passed"] is False and t["verdicts"][0]["limit"] == 5.0
    case = next(
        c
        for c in ET.parse(suite.path / "j.xml").iter("testcase")
        if c.get("name") == "test_too_slow"
    )
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert float(props["llmcore_latency_ms_p50"]) > 19 and props["llmcore_latency_ms_n"] == "6"
    assert props["llmcore_budget_latency_ms_p50"] == "fail"
    md = summary.read_text()
    assert (
        "| test | metric | stat | measured | 95% CI | budget | headroom | baseline "
        "| change (95% CI) | verdict |" in md
    )
    assert "**budgets: 1 error, 1 fail, 1 pass**" in md
    assert data["counts"] == {"budget": {"error": 1, "fail": 1, "pass": 1}, "regression": {}}
    assert "**FAIL" in md and "`|` budget" in md  # "**FAIL (noisy)**" on a busy machine
    out = res.stdout.str()
    assert re.search(r"::error file=test_b.py,line=\d+,title=llmcore budget::latency p50", out)
    page = (suite.path / "r.html").read_text()
    assert page.count("<svg") == 4 and "budget 5 ms" in page
    assert "https://" not in page and "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_xdist_merges_every_workers_measurements(pytester: pytest.Pytester) -> None:
    body = "\n".join(
        f"@pytest.mark.budget(latency_ms=500, max_samples={i + 2})\n"
        f"def test_{i}(llmcore_perf):\n"
        f"    llmcore_perf.measure('latency_ms', lambda: time.sleep(0.002),\n"
        f"                         warmup=0, repeats={i + 2})\n"
        for i in range(8)
    )
    pytester.makepyfile("import time, pytest\n" + body)
    res = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-n", "2", "--llmcore-json=x.json"
    )
    res.assert_outcomes(passed=8)
    data = json.loads((pytester.path / "x.json").read_text())
    assert len(data["tests"]) == 8
    for i in range(8):
        (t,) = [v for k, v in data["tests"].items() if k.endswith(f"::test_{i}")]
        assert len(t["metrics"]["latency_ms"]["samples"]) == i + 2
    assert res.stdout.str().count("latency_ms") >= 8
