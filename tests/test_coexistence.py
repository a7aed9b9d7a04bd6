"""`pytest --llmcore` together with the plugins projects already run (pytester subprocesses).

Each plugin is a test dependency (the ``coexistence`` group); without it its test skips with
the reason, and fails under LLMCORE_FULL=1 (tests/conftest.py).
"""

from __future__ import annotations

import json

import pytest

from .conftest import UNRELATED_PLUGINS, inner_addopts, needs

pytest_plugins = ["pytester"]

APP = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
TESTS = """
import pytest


def test_plain():
    assert 1 + 1 == 2


@pytest.mark.budget(latency_ms="50ms")
def test_budgeted(llmcore_perf):
    llmcore_perf.record("latency_ms", [1.0, 1.2, 0.9, 1.1, 1.0])
"""


@pytest.fixture
def proj(pytester: pytest.Pytester) -> pytest.Pytester:
    """A small project: one declared, used dependency; a plain test and a budgeted one.
    Its runs leave out the other plugins (tests/conftest.py) but the one a test is about."""
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "coex"\nversion = "0"\ndependencies = ["requests>=2"]\n'
        "[tool.pytest.ini_options]\n",
    )
    pytester.mkpydir("coex").joinpath("app.py").write_text(APP)
    pytester.makepyfile(test_app=TESTS)
    return pytester


def _run(p: pytest.Pytester, *args: str, keep: tuple[str, ...] = ()) -> pytest.RunResult:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTEST_ADDOPTS", inner_addopts(*keep))
        res = p.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rs", *args)
    out = res.stdout.str() + res.stderr.str()
    assert "INTERNALERROR" not in out and "Traceback" not in out, out
    return res


def test_baseline_run_without_other_plugins(proj: pytest.Pytester) -> None:
    _run(proj).assert_outcomes(passed=3)  # the gate item, test_plain, test_budgeted


def test_every_installed_plugin_at_once(proj: pytest.Pytester) -> None:
    """As a project's runs load them: every installed plugin but pytest-randomly."""
    _run(proj, keep=UNRELATED_PLUGINS[1:]).assert_outcomes(passed=3)


def test_conftest_that_skips_every_item(proj: pytest.Pytester) -> None:
    proj.makeconftest(
        "import pytest\n\n\ndef pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        '        item.add_marker(pytest.mark.skip(reason="all off"))\n'
    )
    res = _run(proj)
    res.assert_outcomes(skipped=3)
    # the gate item is skipped and reported like any other item
    res.stdout.fnmatch_lines(["SKIPPED [[]1[]] pyproject.toml: all off"])


@needs("xdist")
def test_xdist(proj: pytest.Pytester) -> None:
    _run(proj, "-n", "2").assert_outcomes(passed=3)


@needs("xdist")
def test_xdist_gate_failure_is_reported_once(proj: pytest.Pytester) -> None:
    pyproject = proj.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"requests>=2"', '"requests>=2", "rich"'))
    res = _run(proj, "-n", "2")
    res.assert_outcomes(passed=2, failed=1)
    assert res.stdout.str().count("rich: unused (LLMD002)") == 1


@needs("pytest_cov")
def test_pytest_cov(proj: pytest.Pytester) -> None:
    res = _run(proj, "--cov=coex", "--cov-report=term", keep=("cov",))
    res.assert_outcomes(passed=3)
    res.stdout.fnmatch_lines(["*coverage: platform*", "TOTAL*"])


@needs("pytest_randomly")
@pytest.mark.parametrize("seed", ["1", "2"])
def test_pytest_randomly(proj: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, seed: str) -> None:
    res = _run(proj, f"--randomly-seed={seed}", keep=("randomly",))
    res.assert_outcomes(passed=3)
    res.stdout.fnmatch_lines([f"Using --randomly-seed={seed}"])


@needs("pytest_timeout")
def test_pytest_timeout(proj: pytest.Pytester) -> None:
    res = _run(proj, "--timeout=120", keep=("timeout",))
    res.assert_outcomes(passed=3)
    res.stdout.fnmatch_lines(["timeout: 120.0s"])


@needs("pytest_benchmark")
def test_pytest_benchmark_only(proj: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # the inner run is not an xdist worker even when this suite runs under -n
    # (pytest-benchmark reads PYTEST_XDIST_WORKER and refuses --benchmark-only there)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    proj.makepyfile(test_bench="def test_sum(benchmark):\n    benchmark(sum, range(100))\n")
    res = _run(
        proj,
        "--benchmark-only",
        "--benchmark-disable-gc",
        "--benchmark-min-rounds=1",
        keep=("benchmark",),
    )
    # --benchmark-only skips every item that is not a benchmark: the gate item too
    res.assert_outcomes(passed=1, skipped=3)
    res.stdout.fnmatch_lines(["SKIPPED [[]1[]] pyproject.toml*: Skipping non-benchmark*"])


FLAKY_BUDGET = """
import pathlib

import pytest

ATTEMPTS = pathlib.Path(__file__).with_name("attempts.txt")


@pytest.mark.budget(latency_ms="50ms")
def test_flaky_budget(llmcore_perf):
    n = int(ATTEMPTS.read_text()) if ATTEMPTS.exists() else 0
    ATTEMPTS.write_text(str(n + 1))
    llmcore_perf.record("latency_ms", [200.0] * 5 if n == 0 else [1.0] * 5)
"""


@needs("pytest_rerunfailures")
def test_pytest_rerunfailures_gate_and_plain_tests(proj: pytest.Pytester) -> None:
    _run(proj, "--reruns", "2", keep=("rerunfailures",)).assert_outcomes(passed=3)


@needs("pytest_rerunfailures")
def test_pytest_rerunfailures_rerun_replaces_budget_verdicts(
    proj: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj.makepyfile(test_flaky=FLAKY_BUDGET)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(proj.path / "summary.md"))
    res = _run(proj, "--reruns", "1", "--llmcore-json", "perf.json", keep=("rerunfailures",))
    assert res.parseoutcomes() == {"passed": 4, "rerun": 1}
    out = res.stdout.str()
    assert "::error" not in out, out
    assert "FAIL" not in out, out
    report = json.loads((proj.path / "perf.json").read_text())
    verdicts = report["tests"]["test_flaky.py::test_flaky_budget"]["verdicts"]
    assert [v["passed"] for v in verdicts] == [True]


GPU_MARKER_OF_THEIR_OWN = """
import pytest


@pytest.mark.gpu("a100")
def test_on_their_gpu():
    assert True
"""


def test_project_with_its_own_gpu_marker(proj: pytest.Pytester) -> None:
    proj.makeconftest(
        "def pytest_configure(config):\n"
        '    config.addinivalue_line("markers", "gpu(name): runs on that GPU model")\n'
    )
    proj.makepyfile(test_theirs=GPU_MARKER_OF_THEIR_OWN)
    res = _run(proj)
    assert res.ret == 0, res.stdout.str()
    res.assert_outcomes(passed=4)


def test_project_with_its_own_gpu_fixture(proj: pytest.Pytester) -> None:
    proj.makeconftest('import pytest\n\n\n@pytest.fixture\ndef gpu():\n    return "their gpu"\n')
    proj.makepyfile(test_theirs='def test_uses_theirs(gpu):\n    assert gpu == "their gpu"\n')
    _run(proj).assert_outcomes(passed=4)
