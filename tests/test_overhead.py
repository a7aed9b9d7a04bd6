"""`pytest --llmcore` on tests without budgets, GPU markers or our fixtures: no per-test work.

What is pinned is the work, not its time (timings are benchmarks/pytest_overhead.py's job):
which of our modules a run imports, which of our hooks run per test, and that the budgets
plugin still comes in for every way a test can ask for it.
"""

from __future__ import annotations

import pytest

from pytest_llmcore.core.markers import carrying, using_fixtures

pytest_plugins = ["pytester"]

PLAIN = "def test_a():\n    assert 1\n\ndef test_b():\n    assert 2\n"

# run as the inner run's conftest: what was imported, which of our plugins are registered,
# and our hook implementations that pytest calls for every test
PROBE = """
import sys
PER_TEST = ("pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
            "pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_runtest_protocol")

def pytest_collection_finish(session):
    pm = session.config.pluginmanager
    ours = sorted(
        f"{name}:{impl.plugin_name}" for name in PER_TEST
        for impl in getattr(pm.hook, name).get_hookimpls()
        if impl.plugin_name.startswith("llmcore")
    )
    print("PER-TEST", ours)
    print("REGISTERED", sorted(n for n, _ in pm.list_name_plugin() if str(n).startswith("llmcore")))

def pytest_unconfigure(config):
    heavy = sorted(m for m in sys.modules if m.startswith(
        ("pytest_llmcore.budgets", "pytest_llmcore.deps.gate", "pytest_llmcore.deps.scanner",
         "pytest_llmcore.history", "pytest_llmcore.gpu.sampler")))
    print("HEAVY", heavy)
"""


def _lines(res: pytest.RunResult, tag: str) -> str:
    return next(line for line in res.stdout.lines if line.startswith(tag))


def test_no_budgets_no_per_test_hooks_and_no_budget_modules(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PROBE)
    pytester.makepyfile(test_plain=PLAIN)
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-s")
    res.assert_outcomes(passed=2)
    assert _lines(res, "PER-TEST") == "PER-TEST []"
    assert _lines(res, "REGISTERED") == (
        "REGISTERED ['llmcore', 'llmcore-budgets-on-demand', 'llmcore-deps', 'llmcore-gpu']"
    )
    assert _lines(res, "HEAVY") == "HEAVY []"


BUDGETED = """
import pytest

{head}

{decorator}
def test_measured({args}):
    {body}
"""


@pytest.mark.parametrize(
    ("head", "decorator", "args", "body"),
    [
        (
            "",
            "@pytest.mark.budget(latency_ms=500)",
            "llmcore_perf",
            "llmcore_perf.record('latency_ms', 1.0)",
        ),
        (
            "pytestmark = pytest.mark.budget(latency_ms=500)",
            "",
            "llmcore_perf",
            "llmcore_perf.record('latency_ms', 1.0)",
        ),
        ("", "", "llmcore_perf", "llmcore_perf.record('latency_ms', 1.0)"),
        ("", "", "request", "request.getfixturevalue('llmcore_perf').record('latency_ms', 1.0)"),
    ],
    ids=["marker", "module-marker", "fixture", "getfixturevalue"],
)
def test_budgets_plugin_comes_in_when_a_test_needs_it(
    pytester: pytest.Pytester, head: str, decorator: str, args: str, body: str
) -> None:
    pytester.makeconftest(PROBE)
    source = BUDGETED.format(head=head, decorator=decorator, args=args, body=body)
    pytester.makepyfile(test_m=source, test_plain=PLAIN)
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-s")
    res.assert_outcomes(passed=3)
    out = res.stdout.str()
    # the measured value reaches the summary table, as with the plugin registered at start-up
    assert "test_m.py::test_measured" in out.split("llmcore budgets: profile")[1]
    if "getfixturevalue" not in body:  # known at collection: registered then
        assert "llmcore-budgets-on-demand" in _lines(res, "REGISTERED")
        assert "pytest_runtest_makereport:llmcore-budgets" in _lines(res, "PER-TEST")


def test_outputs_register_budgets_at_start(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PROBE)
    pytester.makepyfile(test_plain=PLAIN)
    res = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-s", "--llmcore-json", "out.json"
    )
    res.assert_outcomes(passed=2)
    assert "'llmcore-budgets'" in _lines(res, "REGISTERED")
    assert (pytester.path / "out.json").is_file()


def test_bad_config_is_still_a_start_up_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain=PLAIN)
    pytester.makefile(".toml", pyproject="[tool.llmcore]\nrepeats = 0\n")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert "repeats" in res.stderr.str()


MARKS = """
import pytest

pytestmark = pytest.mark.slowish

class TestGroup:
    pytestmark = pytest.mark.budget(latency_ms=1)

    def test_in_class(self):
        pass

    @pytest.mark.other
    def test_in_class_other(self):
        pass

@pytest.mark.budget(latency_ms=1)
def test_own(llmcore_perf):
    pass

def test_none():
    pass

@pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.budget(latency_ms=2)), 2])
def test_param(x):
    pass
"""


def test_carrying_matches_get_closest_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    slowish: a module's marker\n    other: another\n")
    items = pytester.getitems(MARKS)
    for names in (("budget",), ("slowish",), ("other",), ("nothing",), ("other", "budget")):
        expected = [i.name for i in items if any(i.get_closest_marker(n) for n in names)]
        assert [i.name for i in carrying(items, names)] == expected
    assert [i.name for i in carrying(items, ("budget",))] == [
        "test_in_class",
        "test_in_class_other",
        "test_own",
        "test_param[1]",
    ]
    assert [i.name for i in using_fixtures(items, ("llmcore_perf",))] == ["test_own"]
