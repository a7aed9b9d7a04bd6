"""The history as a source: ``history:BRANCH:last=N`` baselines and the reports' trend sections."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.history.model import from_report
from pytest_llmcore.history.sections import html_section, markdown_section, series_of
from pytest_llmcore.history.sources import parse_history_source, pooled_baseline
from pytest_llmcore.history.store import open_store, redact

from .conftest import needs
from .test_history import _browser, _report, postgres_url, store_url  # noqa: F401  (fixtures)

MACHINE = "cpu | CPU X"


def _run(
    i: int,
    samples: tuple[float, ...],
    branch: str = "main",
    device: str = "CPU X",
    engines: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = _report(samples=samples, commit=f"c{i:02d}", time_=f"2026-01-{i + 1:02d}T00:00:00+00:00")
    data["run"]["branch"] = branch
    data["key"].update(device=device, engines=engines or {}, extra=extra or {})
    return data


def _fill(target: str | Path, reports: list[dict[str, Any]]) -> None:
    with open_store(target) as store:
        for data in reports:
            store.append(*from_report(data, "r"))


# -- the form of the source ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("history:main", ("main", 10)),
        ("history:main:last=3", ("main", 3)),
        ("history:feature/x-1:last=1000", ("feature/x-1", 1000)),
        ("history:main:last=007", ("main", 7)),
        ("main", None),
        ("historic", None),
    ],
)
def test_source_forms(source: str, expected: tuple[str, int] | None) -> None:
    assert parse_history_source(source) == expected


FIX = " (use history:BRANCH or history:BRANCH:last=N, e.g. history:main:last=10)"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("history:", "'history:' names no branch"),
        ("history::last=3", "'history::last=3' names no branch"),
        ("history: main", "'history: main' names no branch"),
        ("history:main:", "'history:main:': unknown option ''"),
        ("history:main:first=3", "'history:main:first=3': unknown option 'first=3'"),
        ("history:main:last=x", "'history:main:last=x': unknown option 'last=x'"),
        ("history:main:last=-1", "'history:main:last=-1': unknown option 'last=-1'"),
        ("history:main:last=3:x", "'history:main:last=3:x': unknown option 'last=3:x'"),
        ("history:main:last=0", "'history:main:last=0': N must be from 1 to 1000, not 0"),
        ("history:main:last=1001", "'history:main:last=1001': N must be from 1 to 1000, not 1001"),
    ],
)
def test_bad_sources_are_one_line_errors(source: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_history_source(source)
    assert str(err.value) == f"--llmcore-compare: {message}{FIX}"


@given(
    branch=st.text(
        st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), min_size=1
    ),
    last=st.integers(1, 1000),
)
def test_every_valid_branch_and_n_round_trips(branch: str, last: int) -> None:
    if branch != branch.strip():
        with pytest.raises(InputError):
            parse_history_source(f"history:{branch}:last={last}")
        return
    assert parse_history_source(f"history:{branch}:last={last}") == (branch, last)
    assert parse_history_source(f"history:{branch}") == (branch, 10)


# -- pooling --------------------------------------------------------------------------------


def test_pools_the_last_n_runs_of_the_branch_and_machine(store_url: str) -> None:  # noqa: F811
    _fill(
        store_url,
        [
            _run(0, (9.0,), engines={"llama-cpp-python": "0.3.1"}),  # before an upgrade
            _run(1, (1.0, 1.5)),
            _run(2, (2.0,)),
            _run(3, (50.0,), branch="pr-7"),  # another branch
            _run(4, (60.0,), device="GPU Y"),  # another machine
            _run(5, (70.0,), extra={"runner": "b"}),  # another runner with the same device
            _run(6, (3.0, 3.5)),
            _run(7, (4.0,)),
        ],
    )
    with open_store(store_url) as store:
        got = pooled_baseline(store, "history:main:last=3", MACHINE)
        everything = pooled_baseline(store, "history:main", MACHINE)
    assert got == {
        "name": "history:main:last=3",
        "key": {"profile": "cpu", "device": "CPU X", "driver": None, "engines": {}, "extra": {}},
        "run": {
            "time": "2026-01-08T00:00:00+00:00",
            "commit": "c07",
            "branch": "main",
            "machine_key": MACHINE,
            "runs": 3,
            "commits": ["c02", "c06", "c07"],
        },
        "tests": {"t.py::test_a": {"latency_ms": {"samples": [2.0, 3.0, 3.5, 4.0], "n": 4}}},
    }
    # all runs since the engine upgrade, and none of another branch, machine or runner
    assert everything["run"]["commits"] == ["c01", "c02", "c06", "c07"]
    assert everything["tests"]["t.py::test_a"]["latency_ms"]["samples"] == [
        1.0,
        1.5,
        2.0,
        3.0,
        3.5,
        4.0,
    ]


def test_the_key_is_the_newest_runs_with_its_extra_facts(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    _fill(
        db,
        [
            _run(0, (1.0,), extra={"runner": "a"}, engines={"llama-cpp-python": "0.3.2"}),
            _run(1, (2.0,), extra={"runner": "b"}, engines={"llama-cpp-python": "0.3.2"}),
        ],
    )
    with open_store(db) as store:
        got = pooled_baseline(store, "history:main:last=5", MACHINE)
    assert got["key"] == {
        "profile": "cpu",
        "device": "CPU X",
        "driver": None,
        "engines": {"llama-cpp-python": "0.3.2"},
        "extra": {"runner": "b"},
    }
    assert got["run"]["commits"] == ["c01"]


def test_no_runs_names_the_branch_machine_and_fix(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    _fill(db, [_run(0, (1.0,), branch="dev")])
    with open_store(db) as store, pytest.raises(InputError) as err:
        pooled_baseline(store, "history:main:last=2", MACHINE)
    assert str(err.value) == (
        f"{db}: no runs on branch 'main' for machine 'cpu | CPU X' in the history "
        "(run pytest --llmcore --llmcore-history on main on this machine first)"
    )


# -- the hooks, in a real pytest run --------------------------------------------------------

_HOOK_TEST = """
import json
from pytest_llmcore.core.errors import InputError

def test_ask(pytestconfig):
    try:
        got = pytestconfig.hook.pytest_llmcore_baseline_source(
            config=pytestconfig, source={source!r}, machine="cpu | CPU X")
    except InputError as exc:
        got = "error: " + str(exc)
    with open("got.json", "w") as fh:
        json.dump(got, fh)
"""


def _ask(pytester: pytest.Pytester, source: str, *args: str) -> Any:
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makepyfile(test_ask=_HOOK_TEST.format(source=source))
    result = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", *args)
    assert result.ret == 0, result.stdout.str()
    return json.loads((pytester.path / "got.json").read_text())


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_hook_pools_from_the_configured_store(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    _fill(pytester.path / "perf.db", [_run(0, (1.0,)), _run(1, (2.0,))])
    # under xdist the test (and so the hook) runs on a worker
    got = _ask(pytester, "history:main:last=2", "--llmcore-history", "perf.db", *workers)
    assert got["tests"] == {"t.py::test_a": {"latency_ms": {"samples": [1.0, 2.0], "n": 2}}}
    assert got["run"]["runs"] == 2


def test_hook_answers_none_for_another_scheme(pytester: pytest.Pytester) -> None:
    assert _ask(pytester, "main") is None


def test_without_a_store_a_history_comparison_says_to_set_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest_subprocess("--llmcore", "--llmcore-compare=history:main")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "--llmcore-compare: 'history:main' needs a history store (set --llmcore-history "
        'PATH_OR_URL or history = "PATH_OR_URL" in [tool.llmcore])'
    ) in result.stderr.str()


def test_hook_with_a_missing_store_file_is_an_error(pytester: pytest.Pytester) -> None:
    got = _ask(pytester, "history:main", "--llmcore-history", "nope.db")
    assert got == (
        "error: nope.db: no history store here (append runs to it with --llmcore-history first)"
    )


def test_a_store_that_fails_mid_query_is_one_line(pytester: pytest.Pytester) -> None:
    db = pytester.path / "perf.db"
    _fill(db, [_run(0, (1.0,))])
    with closing(sqlite3.connect(db)) as conn:  # sqlite3's own `with` does not close
        conn.execute("DROP TABLE results")  # damaged behind the schema version's back
    got = _ask(pytester, "history:main", "--llmcore-history", "perf.db")
    assert got == "error: perf.db: cannot read the history store (no such table: results)"


def test_reading_never_creates_a_store(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no history store here"):
        open_store(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


# -- trend sections -------------------------------------------------------------------------


def _budgeted(i: int, value: float, budget: float = 15.0) -> dict[str, Any]:
    data = _run(i, (value,) * 3)
    data["tests"]["t.py::test_a"]["verdicts"][0]["limit"] = budget
    return data


@needs("ruptures", "scipy")
def test_sections_chart_each_budgeted_metric_with_this_run_last(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    _fill(db, [_budgeted(i, 10.0 if i < 6 else 12.0) for i in range(12)])
    this = _budgeted(20, 12.0)
    unbudgeted = {**this["tests"]["t.py::test_a"], "nodeid": "t.py::test_b", "verdicts": []}
    this["tests"]["t.py::test_b"] = unbudgeted
    with open_store(db) as store:
        (series,) = series_of(store, this)
    assert [p.commit for p in series.points] == [f"c{i:02d}" for i in range(12)] + ["c20"]
    assert [(c.index, round(c.relative, 3)) for c in series.changes] == [(6, 0.2)]
    page = html_section([series])
    assert page.count('<svg class="trend"') == 1
    assert page.count('class="budget"') == 1 and page.count('class="change"') == 1
    assert "+20.0% at c06" in page
    assert page.count('class="latest"') == 1
    assert "<title>2026-01-21T00:00:00+00:00 main c20 12 ms</title>" in page  # this run's tip
    assert "12 ms in this run (pass, budget 15 ms); 12 earlier runs on cpu/CPU X" in page
    assert markdown_section([series]) == (
        "### Performance history (last 10 runs on this machine)\n\n"
        "| test | metric | this run | budget | last runs, oldest first | latest change point |\n"
        "|---|---|---|---|---|---|\n"
        "| `t.py::test_a` | latency_ms p50 | 12 ms (pass) | 15 ms | 10, 10, 10, 12, 12, 12, "
        "12, 12, 12, 12 | +20.0% at `c06` (6 runs ago, confidence 99.9%) |\n"
    )


def test_sections_without_history_or_budgets(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    this = _budgeted(0, 5.0)
    this["tests"]["t.py::test_a"]["verdicts"] = []
    with open_store(db) as store:
        assert series_of(store, this) == []
        (first,) = series_of(store, _budgeted(0, 5.0))
    assert len(first.points) == 1 and first.changes == ()
    assert markdown_section([]) == (
        "### Performance history (last 10 runs on this machine)\n\n"
        "No budgeted metric in this run.\n"
    )
    assert "No budgeted metric in this run." in html_section([])


def test_markdown_cells_escape_pipes(tmp_path: Path) -> None:
    data = _budgeted(0, 5.0)
    data["tests"] = {"t.py::test_a[a|b]": data["tests"]["t.py::test_a"]}
    with open_store(tmp_path / "h.db") as store:
        series = series_of(store, data)
    assert "| `t.py::test_a[a\\|b]` |" in markdown_section(series)


_SECTIONS_CONFTEST = """
import pathlib

def pytest_llmcore_session_results(config, report):
    for kind in ("html", "markdown", "other"):
        got = config.hook.pytest_llmcore_report_sections(config=config, report=report, kind=kind)
        pathlib.Path(kind + ".txt").write_text(repr([g for g in got if g is not None]))
"""


def test_report_sections_hook_on_a_real_session_report(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makeconftest(_SECTIONS_CONFTEST)
    pytester.makepyfile(
        test_h="""
        import pytest
        @pytest.mark.budget(latency_ms="1s")
        def test_h(llmcore_perf):
            llmcore_perf.record("latency_ms", [1.0, 2.0, 3.0])
        """
    )
    for _ in range(2):
        result = pytester.runpytest_subprocess("--llmcore", "--llmcore-history", "perf.db")
        assert result.ret == 0, result.stdout.str()
    markdown = pytester.path.joinpath("markdown.txt").read_text()
    assert "| `test_h.py::test_h` | latency_ms p50 | 2 ms (pass) | 1000 ms | 2, 2 | none |" in (
        markdown.replace("\\n", "\n")
    )
    assert pytester.path.joinpath("html.txt").read_text().count('<svg class="trend"') == 1
    assert pytester.path.joinpath("other.txt").read_text() == "[]"
    # without a store: no section at all
    result = pytester.runpytest_subprocess("--llmcore")
    assert result.ret == 0
    assert pytester.path.joinpath("markdown.txt").read_text() == "[]"


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("postgresql://ci:s3cret@db:5432/perf", "postgresql://ci:***@db:5432/perf"),
        ("postgresql://ci@db/perf", "postgresql://ci@db/perf"),
        ("/tmp/a:b@c.db", "/tmp/a:b@c.db"),  # a file path is never rewritten
    ],
)
def test_messages_never_show_a_password(target: str, shown: str) -> None:
    assert redact(target) == shown


# -- the GPU workflow template --------------------------------------------------------------


def test_gpu_workflow_appends_to_the_history_and_keeps_it() -> None:
    yaml = pytest.importorskip("yaml")
    path = Path(__file__).parents[1] / ".github" / "workflows" / "gpu.yml"
    job = yaml.safe_load(path.read_text())["jobs"]["gpu-budgets"]
    assert job["env"]["LLMCORE_HISTORY_URL"] == "${{ secrets.LLMCORE_HISTORY_URL }}"
    steps = {s.get("name", ""): s for s in job["steps"]}
    names = list(steps)
    restore = steps["Restore the performance history (SQLite, without LLMCORE_HISTORY_URL)"]
    save = steps["Keep the performance history for the next runs (SQLite)"]
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"].startswith("actions/cache/save@")
    assert restore["if"] == "env.LLMCORE_HISTORY_URL == ''"
    # a failed run is history too; a run that wrote no file saves nothing
    assert save["if"] == (
        "always() && env.LLMCORE_HISTORY_URL == '' && hashFiles(env.HISTORY) != ''"
    )
    assert restore["with"]["path"] == save["with"]["path"] == "${{ env.HISTORY }}"
    assert restore["with"]["key"] == save["with"]["key"]
    assert restore["with"]["restore-keys"] == "llmcore-history-"
    tests = steps["Tests and GPU budgets"]["run"]
    assert '--llmcore-history "${LLMCORE_HISTORY_URL:-$HISTORY}"' in tests
    assert '--llmcore-compare="$LLMCORE_COMPARE"' in tests
    order = [restore, steps["Tests and GPU budgets"], steps["History charts"], save]
    assert [names.index(s["name"]) for s in order] == sorted(names.index(s["name"]) for s in order)


@needs("ruptures", "scipy")
def test_trend_section_renders_in_chromium(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    reports = [_budgeted(i, 10.0 if i < 6 else 12.0) for i in range(12)]
    for data in reports:  # a second budgeted test: two charts
        data["tests"]["t.py::test_b"] = {**data["tests"]["t.py::test_a"], "nodeid": "t.py::test_b"}
    _fill(db, reports[:-1])
    with open_store(db) as store:
        section = html_section(series_of(store, reports[-1]))
    page = tmp_path / "report.html"
    page.write_text(f"<!doctype html><html><body><h1>report</h1>{section}</body></html>")
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium to render the page (apt-get install chromium)")
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    common.append(f"--user-data-dir={tmp_path / 'profile'}")
    run = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count('<svg class="trend"') == 2  # the DOM the browser built
    assert run.stdout.count('class="latest"') == 2
    assert "Uncaught" not in run.stderr and ":ERROR:CONSOLE" not in run.stderr
    shot = tmp_path / "report.png"
    subprocess.run(
        [*common, "--window-size=900,900", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.stat().st_size > 10_000


def test_a_damaged_store_gives_a_note_and_fails_the_append(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makeconftest(_SECTIONS_CONFTEST)
    pytester.makepyfile(
        test_h="""
        import pytest
        @pytest.mark.budget(latency_ms="1s")
        def test_h(llmcore_perf):
            llmcore_perf.record("latency_ms", [1.0, 2.0, 3.0])
        """
    )
    _fill(pytester.path / "perf.db", [_run(0, (1.0,))])
    with closing(sqlite3.connect(pytester.path / "perf.db")) as conn:
        conn.execute("DROP TABLE results")
    result = pytester.runpytest_subprocess("--llmcore", "--llmcore-history", "perf.db")
    result.stdout.fnmatch_lines(
        ["llmcore: history: could not append to perf.db: no such table: results"]
    )
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    assert pytester.path.joinpath("markdown.txt").read_text() == (
        "['history: no trends (no such table: results)\\n']"
    )


def test_history_baseline_end_to_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs append to the store; a later run compares with their pooled samples."""
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makepyfile(
        test_e2e=(
            "import os, pytest\n"
            "@pytest.mark.budget(latency_ms=1000)\n"
            "def test_e(llmcore_perf):\n"
            "    v = float(os.environ['E2E_MS'])\n"
            "    for i in range(30):\n"
            "        llmcore_perf.record('latency_ms', v + (i % 3) * 0.01)\n"
        )
    )
    env = {"GITHUB_SHA": "a" * 40, "GITHUB_REF_NAME": "main", "E2E_MS": "10"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for _ in range(2):
        saved = pytester.runpytest_subprocess("--llmcore", "--llmcore-history", "perf.db")
        assert saved.ret == 0, saved.stdout.str()
    monkeypatch.setenv("E2E_MS", "30")  # three times slower than the pooled runs
    result = pytester.runpytest_subprocess(
        "--llmcore",
        "--llmcore-history",
        "perf.db",
        "--llmcore-compare=history:main:last=2",
        "--llmcore-fail-regression=10%",
    )
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "REGRESSED" in out
    # same speed as the pooled runs: no regression
    monkeypatch.setenv("E2E_MS", "10")
    same = pytester.runpytest_subprocess(
        "--llmcore", "--llmcore-compare=history:main:last=2", "--llmcore-history", "perf.db",
        "--llmcore-fail-regression=10%",
    )  # fmt: skip
    assert same.ret == 0, same.stdout.str()
    assert "REGRESSED" not in same.stdout.str()
