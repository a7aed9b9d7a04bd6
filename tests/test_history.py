"""History store: SQLite and a real PostgreSQL on loopback, imports, concurrency, migrations."""

from __future__ import annotations

import glob
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.history.changes import detect
from pytest_llmcore.history.model import from_report
from pytest_llmcore.history.store import MIGRATIONS, SCHEMA_VERSION, open_store

from .conftest import needs

LLMCORE = [sys.executable, "-m", "pytest_llmcore.cli"]


def _report(
    nodeid: str = "t.py::test_a",
    samples: tuple[float, ...] = (1.0, 2.0, 3.0),
    commit: str | None = "c1",
    time_: str = "2026-01-01T00:00:00+00:00",
) -> dict:
    return {
        "format": 1,
        "profile": "cpu",
        "key": {"profile": "cpu", "device": "CPU X", "driver": None, "engines": {}, "extra": {}},
        "run": {"time": time_, "commit": commit, "branch": "main"},
        "tests": {
            nodeid: {
                "nodeid": nodeid,
                "metrics": {
                    "latency_ms": {
                        "unit": "ms",
                        "samples": list(samples),
                        "stats": {"p50": sorted(samples)[len(samples) // 2]},
                    }
                },
                "verdicts": [
                    {"kind": "budget", "metric": "latency_ms", "stat": "p50", "passed": True}
                ],
            }
        },
    }


# -- PostgreSQL on loopback ---------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (Debian's postgresql binaries)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("LLMCORE_FULL") == "1":
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) missing in the full CI leg")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    pytest.importorskip("psycopg")
    # not under pytest's tmp dir: it is private to root, and postgres runs as its own user
    base = Path(tempfile.mkdtemp(prefix="llmcore-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        base.chmod(0o755)
    port = _free_port()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "llmcore", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", opts, "-w", "-l", str(base / "log"), "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://llmcore@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "h.db")
        return
    url = request.getfixturevalue("postgres_url")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # each test starts empty
        conn.execute("DROP TABLE IF EXISTS results, runs, llmcore_meta")
    yield url


# -- the store ------------------------------------------------------------------------------


def test_append_is_idempotent_and_points_come_back(store_url: str) -> None:
    run, results = from_report(_report(samples=(3.0, 1.0, 2.0)), "r.json")
    with open_store(store_url) as store:
        assert store.append(run, results) is True
        assert store.append(run, results) is False
        assert store.run_count() == 1
        (p,) = store.points()
    assert (p.nodeid, p.metric, p.stat, p.value, p.samples) == (
        "t.py::test_a",
        "latency_ms",
        "p50",
        2.0,
        (3.0, 1.0, 2.0),
    )
    assert (p.commit, p.branch, p.machine_key, p.verdict) == ("c1", "main", "cpu/CPU X", "pass")


def test_concurrent_writers_lose_nothing(store_url: str, tmp_path: Path) -> None:
    script = tmp_path / "w.py"
    script.write_text(
        "import sys\n"
        "from pytest_llmcore.history.model import from_report\n"
        "from pytest_llmcore.history.store import open_store\n"
        "from tests.test_history import _report\n"
        "w = sys.argv[2]\n"
        "with open_store(sys.argv[1]) as s:\n"
        "    for i in range(15):\n"
        "        s.append(*from_report(_report(commit=f'{w}-{i}'), 'x'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    procs = [
        subprocess.Popen([sys.executable, str(script), store_url, str(w)], env=env)
        for w in range(3)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    with open_store(store_url) as store:
        assert store.run_count() == 45
        assert len({p.commit for p in store.points()}) == 45


def test_killed_writer_leaves_no_half_run(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with open_store(db) as store:
        store.append(*from_report(_report(commit="kept"), "r"))
    # a writer that dies between inserting the run and committing
    code = (
        "import os, sys\n"
        "from pytest_llmcore.history.model import from_report\n"
        "from pytest_llmcore.history.store import open_store\n"
        "from tests.test_history import _report\n"
        "s = open_store(sys.argv[1])\n"
        "with s._write() as cur:\n"
        '    cur.execute("INSERT INTO runs (run_key, time, machine_key, profile, facts)'
        " VALUES ('x', 't', 'm', 'p', '{}')\")\n"
        "    os._exit(9)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    rc = subprocess.run([sys.executable, "-c", code, str(db)], env=env, check=False).returncode
    assert rc == 9
    with open_store(db) as store:
        assert store.run_count() == 1
        assert [p.commit for p in store.points()] == ["kept"]


def test_migrates_a_version_1_store(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE llmcore_meta (key TEXT PRIMARY KEY, value TEXT)")
    for statement in MIGRATIONS[0][1]:
        conn.execute(statement.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"))
    conn.execute("INSERT INTO llmcore_meta VALUES ('schema_version', '1')")
    conn.execute(
        "INSERT INTO runs (run_key, time, commit_sha, branch, machine_key, profile, "
        "facts) VALUES ('k', '2026-01-01', 'old', 'main', 'cpu/X', 'cpu', '{}')"
    )
    conn.execute(
        "INSERT INTO results VALUES "
        "(1, 't::a', 'latency_ms', 'ms', 'p50', 5.0, 'pass', 7.5, '[5.0]')"
    )
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert store.version() == SCHEMA_VERSION == 2
        assert [(p.commit, p.value) for p in store.points()] == [("old", 5.0)]
    check = sqlite3.connect(db)
    names = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    check.close()
    assert {"runs_machine_branch_time", "results_series"} <= names


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    open_store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE llmcore_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match=r"schema version 99; this pytest-llmcore knows up to 2"):
        open_store(db)


def test_report_with_nan_sample_is_an_input_error() -> None:
    data = _report()
    data["tests"]["t.py::test_a"]["metrics"]["latency_ms"]["samples"] = [1.0, float("nan")]
    with pytest.raises(InputError, match=r"r\.json: .*samples: nan is not a finite number"):
        from_report(data, "r.json")


# -- change points ------------------------------------------------------------------------


@needs("ruptures", "scipy")
def test_detects_a_ten_percent_step_and_nothing_on_noise() -> None:
    rng = random.Random(7)
    flat = [100 * (1 + rng.gauss(0, 0.02)) for _ in range(60)]
    assert detect(flat) == []
    stepped = flat[:30] + [v * 1.10 for v in flat[30:]]
    (change,) = detect(stepped)
    assert change.index == 30
    assert 0.08 < change.relative < 0.12
    assert change.confidence > 0.999


# -- the command line ---------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LLMCORE, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )


@needs("ruptures", "scipy")
def test_cli_import_show_changes(tmp_path: Path) -> None:
    reports = []
    for i in range(12):
        level = 10.0 if i < 6 else 12.0
        r = _report(
            samples=(level, level, level),
            commit=f"commit{i:02d}",
            time_=f"2026-01-{i + 1:02d}T00:00:00+00:00",
        )
        path = tmp_path / f"r{i}.json"
        path.write_text(json.dumps(r))
        reports.append(str(path))
    db = str(tmp_path / "h.db")
    out = _cli("history", "import", "--history", db, *reports, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    again = _cli("history", "import", "--history", db, reports[0], cwd=tmp_path)
    assert again.stdout.strip() == f"{reports[0]}: already in the history"
    show = _cli("history", "show", "--history", db, "--last", "3", cwd=tmp_path)
    lines = show.stdout.splitlines()
    assert lines[0] == "t.py::test_a  latency_ms p50  [cpu/CPU X]"
    assert len(lines) == 4 and "commit11" in lines[-1] and "12 ms" in lines[-1]
    changes = _cli("history", "changes", "--history", db, "--json", cwd=tmp_path)
    (found,) = json.loads(changes.stdout)
    assert (found["commit"], found["previous_commit"]) == ("commit06", "commit05")
    assert found["change"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[1, 2]",
            "llmcore history: {path}: not a pytest-llmcore JSON report (no 'tests' table)",
        ),
        (
            "{nope",
            "llmcore history: {path}: cannot read the report (Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1))",
        ),
    ],
)
def test_cli_bad_report_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    out = _cli("history", "import", "--history", str(tmp_path / "h.db"), str(bad), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr == message.replace("{path}", str(bad)) + "\n"


def test_cli_without_store_names_the_fix(tmp_path: Path) -> None:
    out = _cli("history", "show", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "llmcore history: no history store given "
        "(pass --history PATH_OR_URL or set history in [tool.llmcore])"
    )


# -- pytest --llmcore --llmcore-history ---------------------------------------------------


def test_runs_append_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[project]\nname = "h"\nversion = "0"\ndependencies = []\n'
        '[tool.llmcore]\nhistory = "perf.db"\n'
    )
    pytester.makepyfile(
        test_h="""
        import pytest
        @pytest.mark.parametrize("i", range(4))
        @pytest.mark.budget(latency_ms="1s")
        def test_h(llmcore_perf, i):
            llmcore_perf.record("latency_ms", [1.0 + i, 2.0, 3.0])
        """
    )
    for _ in range(2):
        result = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-n", "2")
        assert result.ret == 0, result.stdout.str()
        result.stdout.fnmatch_lines(["llmcore: history: 4 results appended to *perf.db"])
    with open_store(pytester.path / "perf.db") as store:
        assert store.run_count() == 2
        points = store.points(metric="latency_ms")
    assert sorted({p.nodeid for p in points}) == [f"test_h.py::test_h[{i}]" for i in range(4)]
    assert len(points) == 8


def test_unwritable_history_fails_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[project]\nname = "h"\nversion = "0"\ndependencies = []\n')
    pytester.makepyfile(
        test_h="""
        import pytest
        @pytest.mark.budget(latency_ms="1s")
        def test_h(llmcore_perf):
            llmcore_perf.record("latency_ms", [1.0, 2.0, 3.0])
        """
    )
    (pytester.path / "adir").mkdir()
    result = pytester.runpytest_subprocess("--llmcore", "--llmcore-history", "adir")
    result.stdout.fnmatch_lines(
        ["llmcore: history: could not append to adir: adir: history path is a directory*"]
    )
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR


# -- the page, rendered by a real browser -------------------------------------------------


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@needs("ruptures", "scipy")
def test_history_html_renders_every_chart_in_chromium(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with open_store(db) as store:
        for i in range(10):
            for machine in ("CPU X", "GPU Y"):
                data = _report(
                    samples=(10.0 if i < 5 else 13.0,) * 3,
                    commit=f"c{i:02d}",
                    time_=f"2026-01-{i + 1:02d}T00:00:00+00:00",
                )
                data["key"]["device"] = machine
                data["tests"]["t.py::test_b"] = {
                    **data["tests"]["t.py::test_a"],
                    "nodeid": "t.py::test_b",
                }
                store.append(*from_report(data, "r"))
    page = tmp_path / "h.html"
    out = _cli("history", "html", str(page), "--history", str(db), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = page.read_text()
    # 2 machines x 2 tests, then 2 cross-machine charts; each series shows its step
    assert text.count('<svg class="trend"') == 6
    assert text.count('class="change"') == 4 and "+30.0% at c05" in text
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium to render the page (apt-get install chromium)")
    shot = tmp_path / "h.png"
    run = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=900,1600",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count('<svg class="trend"') == 6  # the DOM the browser built
    assert "Uncaught" not in run.stderr and ":ERROR:CONSOLE" not in run.stderr
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=900,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.stat().st_size > 10_000
