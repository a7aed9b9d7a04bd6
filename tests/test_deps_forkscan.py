"""Forked scan workers (issue 10, small-tree speed) give exactly the serial answers, lose no
file when a child dies or sends garbage, leave no zombie, are never forked beside other
threads, and share the work whatever each file costs.

Each case runs in a fresh interpreter: the test process itself may run threads (xdist's
execnet), and forking beside them is exactly what the code refuses to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers fork on Linux only")

_PRELUDE = """
import os, sys, threading
from pathlib import Path
from pytest_llmcore.deps import filescan, forkscan
from pytest_llmcore.deps.walk import SourceFile
root = Path(sys.argv[1])
todo = [
    SourceFile(str(p), p.relative_to(root).as_posix(), p.stat().st_size, 0)
    for p in sorted(root.rglob("*.py"))
]
forks = []
_real_fork = os.fork
def counting_fork():
    pid = _real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = counting_fork
def scan(**kw):
    return [(f.rel, r) for f, r in filescan.scan_many(todo, frozenset({"os", "sys"}), 10**6, **kw)]
serial = scan()
assert not forks, "a scan that may not fork forked"
"""


def _tree(root: Path, n: int = 64) -> Path:
    """``n`` files of the shapes each scanner stage handles, some bigger than others."""
    for i in range(n):
        kind = i % 4
        if kind == 0:  # decided lexically: the bound name is loaded
            body = f"import numpy as np{i}\nvalue = np{i}.zeros({i})\n"
        elif kind == 1:  # needs the ast: the name only appears in a string
            body = "import yaml\ntext = 'yaml'\n" + "x = 1\n" * (i * 20)
        elif kind == 2:  # not Python 3: read lexically with a note
            body = "import requests\nprint 'old'\n"
        else:  # only skipped (stdlib) imports: done by the prefilter
            body = "import os\nimport sys\n"
        sub = root / f"pkg{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"m{i}.py").write_text(body)
    (root / "latin.py").write_bytes(b"import torch\ns = '\xe9'\ntorch.ones(1)\n")
    return root


def _run(root: Path, body: str, jobs: str = "3") -> str:
    script = _PRELUDE + textwrap.dedent(body)
    env = {**os.environ, "LLMCORE_DEPS_JOBS": jobs, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_forked_scan_gives_the_serial_answers(tmp_path: Path) -> None:
    out = _run(
        _tree(tmp_path),
        """
        forked = scan(may_fork=True)
        assert len(forks) == 2, forks  # three jobs: this process and two children
        assert sorted(forked) == sorted(serial), "forked answers differ"
        assert len(forked) == len(todo)
        print("notes", sum(1 for _, r in forked if r.problem))
        """,
    )
    assert "notes 17" in out  # 16 Python 2 files and the Latin-1 one, none lost


def test_a_child_that_dies_loses_no_file(tmp_path: Path) -> None:
    _run(
        _tree(tmp_path),
        """
        parent = os.getpid()
        real = filescan.scan_file
        def dying(*args):
            if os.getpid() != parent:
                os._exit(9)  # killed holding a file it took from the queue: nothing sent
            return real(*args)
        filescan.scan_file = dying
        forked = scan(may_fork=True)
        assert forks and sorted(forked) == sorted(serial)
        """,
    )


def test_a_child_answering_garbage_is_not_believed(tmp_path: Path) -> None:
    _run(
        _tree(tmp_path),
        """
        parent = os.getpid()
        real = forkscan.drain
        def short(*args):
            got = real(*args)
            return got[:-1] if os.getpid() != parent and got else got  # one answer lost
        forkscan.drain = short
        forked = scan(may_fork=True)
        assert forks and sorted(forked) == sorted(serial)
        """,
    )


def test_stopping_early_leaves_no_child_behind(tmp_path: Path) -> None:
    _run(
        _tree(tmp_path),
        """
        it = filescan.scan_many(todo, frozenset(), 10**6, may_fork=True)
        next(it)
        it.close()
        assert forks
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pass  # every child was reaped
        else:
            raise AssertionError("a child was left unreaped")
        """,
    )


def test_never_forks_beside_another_thread(tmp_path: Path) -> None:
    _run(
        _tree(tmp_path),
        """
        stop = threading.Event()
        t = threading.Thread(target=stop.wait)
        t.start()
        try:
            assert sorted(scan(may_fork=True)) == sorted(serial)
        finally:
            stop.set()
            t.join()
        assert not forks, "forked beside a running thread"
        """,
    )


@pytest.mark.parametrize(("jobs", "n", "forked"), [("1", 64, 0), ("3", 10, 0), ("2", 64, 1)])
def test_forks_only_when_it_pays(tmp_path: Path, jobs: str, n: int, forked: int) -> None:
    out = _run(
        _tree(tmp_path, n),
        """
        assert sorted(scan(may_fork=True)) == sorted(serial)
        print("forks", len(forks))
        """,
        jobs=jobs,
    )
    assert f"forks {forked}" in out


def test_the_cli_gate_forks_and_agrees_with_one_job(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy", "pyyaml", "requests"]\n'
        '[dependency-groups]\ndev = ["ruff", "mypy", "black"]\n'
    )
    # commands read while the workers scan (ProjectFacts.prepare): the same evidence
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  lint:\n    runs-on: x\n    steps:\n      - run: ruff check .\n"
    )
    (root / "tox.ini").write_text("[testenv:type]\ncommands = mypy pkg0\n")
    outs = []
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_llmcore.cli", "deps", ".", "--no-cache"],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "LLMCORE_DEPS_JOBS": jobs},
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert "yaml" in outs[0]  # used only in a string: unused, found through the ast stage
    assert "black" in outs[0] and "ruff" not in outs[0] and "mypy" not in outs[0]


def test_every_module_prepared_while_workers_scan_exists() -> None:
    import importlib

    from pytest_llmcore.deps import prepare

    loaded = [importlib.import_module(f"pytest_llmcore.deps.{n}") for n in prepare._JUDGING_MODULES]
    assert [m.__name__.rsplit(".", 1)[1] for m in loaded] == list(prepare._JUDGING_MODULES)


def test_work_is_shared_when_one_file_costs_most(tmp_path: Path) -> None:
    """One slow file (the ast stage) and many quick ones: the queue keeps both processes
    busy; a split fixed in advance by size would leave one idle."""
    root = _tree(tmp_path)
    out = _run(
        root,
        """
        import time
        parent = os.getpid()
        real = filescan.scan_file
        def timed(path, rel, *rest):
            if rel == "pkg1/m61.py":  # the biggest file: the first one taken
                time.sleep(0.4)
            return real(path, rel, *rest)
        filescan.scan_file = timed
        by = {}
        real_drain = forkscan.drain
        def counted(*args):
            got = real_drain(*args)
            print("scanned", "child" if os.getpid() != parent else "parent", len(got), flush=True)
            return got
        forkscan.drain = counted
        assert sorted(scan(may_fork=True)) == sorted(serial)
        """,
        jobs="2",
    )
    counts = dict(line.split()[1:] for line in out.splitlines() if line.startswith("scanned"))
    # whoever took the slow file scanned little else; the other took nearly all the rest
    assert sorted(int(v) for v in counts.values())[0] <= 5, counts


@pytest.mark.parametrize("broken", ["fork", "pipe"])
def test_no_process_or_pipe_to_spare_scans_here(tmp_path: Path, broken: str) -> None:
    """fork failing (EAGAIN) or pipe failing (EMFILE): one process scans everything."""
    _run(
        _tree(tmp_path),
        f"""
        import errno
        def refuse(*a):
            raise OSError(errno.EAGAIN, "refused")
        os.{broken} = refuse
        assert sorted(scan(may_fork=True)) == sorted(serial)
        """,
    )


def test_never_forks_beside_a_thread_python_does_not_track(tmp_path: Path) -> None:
    """A thread started outside threading (as C extensions do) is seen in /proc."""
    _run(
        _tree(tmp_path),
        """
        import _thread, time
        _thread.start_new_thread(time.sleep, (30,))
        time.sleep(0.2)
        assert threading.active_count() == 1  # invisible to threading
        assert sorted(scan(may_fork=True)) == sorted(serial)
        assert not forks, "forked beside a running thread"
        os._exit(0)  # the sleeping thread would keep the interpreter waiting
        """,
    )


def test_commands_read_ahead_add_no_note_judging_did_not_ask_for(tmp_path: Path) -> None:
    """The main process reads the project's commands while workers scan; a note about
    them (a workflow that is not YAML) appears only when judging needed the commands, so
    the output is the same with one process or several."""
    root = _tree(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy"]\n'
    )
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "bad.yml").write_text("jobs: [unclosed\n  - run: ruff\n")
    outs = []
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_llmcore.cli", "deps", ".", "--no-cache", "-v"],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "LLMCORE_DEPS_JOBS": jobs},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout + proc.stderr)
    assert outs[0] == outs[1]
    assert "bad.yml" not in outs[1]


def test_a_side_job_answers_once_and_a_failing_one_loses_no_file(tmp_path: Path) -> None:
    out = _run(
        _tree(tmp_path),
        """
        answers = []
        ov = filescan.Overlap(side=lambda: ("side", os.getpid()), on_answer=answers.append)
        forked = scan(may_fork=True, overlap=ov)
        assert sorted(forked) == sorted(serial)
        assert len(answers) == 1 and answers[0][0] == "side" and answers[0][1] != os.getpid()
        def broken():
            raise RuntimeError("side job failed")
        answers.clear()
        ov = filescan.Overlap(side=broken, on_answer=answers.append)
        assert sorted(scan(may_fork=True, overlap=ov)) == sorted(serial)
        assert answers == []  # no answer: the caller computes what it needs itself
        unpicklable = filescan.Overlap(side=lambda: lambda: 1, on_answer=answers.append)
        assert sorted(scan(may_fork=True, overlap=unpicklable)) == sorted(serial)
        assert answers == []
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def test_prefetched_answers_are_what_judging_computes(tmp_path: Path) -> None:
    """The side job's answers (pytest plugin surfaces, the requirement closure, the plugin
    words the sources use) equal judging's own, so the output is the same either way."""
    root = tmp_path
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["pytest"]\n'
        '[dependency-groups]\ndev = ["pytest-cov", "pytest-timeout", "pytest-benchmark",'
        ' "pytest-xdist", "hypothesis", "pytest-unknown-thing"]\n'
    )
    tests = root / "tests"
    tests.mkdir()
    for i in range(48):  # enough files to fork for
        (tests / f"test_{i}.py").write_text(f"def test_{i}():\n    assert {i} >= 0\n")
    (tests / "test_timed.py").write_text(
        "import pytest\nimport pluggy\n\n\n@pytest.mark.timeout(5)\n"
        "def test_a(benchmark):\n    benchmark(pluggy.HookspecMarker, 'x')\n"
    )
    outs = []
    for jobs in ("1", "2"):
        for cache in (["--no-cache"], []):
            proc = subprocess.run(
                [sys.executable, "-m", "pytest_llmcore.cli", "deps", ".", *cache],
                cwd=root,
                capture_output=True,
                text=True,
                env={**os.environ, "LLMCORE_DEPS_JOBS": jobs},
                timeout=120,
            )
            assert proc.returncode == 1, proc.stderr
            outs.append(proc.stdout)
            subprocess.run(["rm", "-rf", str(root / ".pytest_cache")], check=True)
    assert outs[0] == outs[1] == outs[2] == outs[3]
    assert "marker 'timeout'" not in outs[0]  # used: no finding, so no evidence printed
    assert "pytest-timeout" not in outs[0] and "pytest-benchmark" not in outs[0]
    assert "pytest-cov: unused" in outs[0] and "pytest-xdist: unused" in outs[0]
    assert "pluggy: transitive" in outs[0] or "installed only because pytest" in outs[0]

    from pytest_llmcore.deps.declarations import read_declarations
    from pytest_llmcore.deps.prefetch import prefetch
    from pytest_llmcore.deps.pytest_plugins import installed_surface, surface_to_json
    from pytest_llmcore.deps.pytest_usage import PytestUsage, add_project_sources
    from pytest_llmcore.deps.requires import requirement_closure
    from pytest_llmcore.deps.walk import SourcePaths, iter_sources

    decl = read_declarations(root, (), ())
    files = list(iter_sources(root, (), True))
    got = prefetch(decl, files)
    keys = list(dict.fromkeys(d.key for d in decl.declared))
    assert got.memo["closure:" + ",".join(keys)] == requirement_closure(keys)
    timeout = surface_to_json(installed_surface("pytest-timeout"))
    assert got.memo["pytest11:pytest-timeout"] == timeout
    assert got.memo["pytest11:pytest-unknown-thing"] is None
    from pytest_llmcore.deps.configured import entry_points
    from pytest_llmcore.deps.flake8_plugins import installed_flake8_plugin, plugin_to_json

    for key in keys:
        lazy_flake8 = plugin_to_json(installed_flake8_plugin(entry_points(key)))
        assert got.memo[f"flake8:{key}"] == lazy_flake8
    assert {"timeout", "benchmark"} <= got.words
    lazy = PytestUsage()
    add_project_sources(lazy, SourcePaths(files), frozenset({"timeout", "benchmark"}))
    assert got.usage.markers["timeout"] == lazy.markers["timeout"] == "tests/test_timed.py:5"
    assert got.usage.fixtures["benchmark"] == lazy.fixtures["benchmark"]


_WALKED = """
from pytest_llmcore.deps.forkscan import Walked
from pytest_llmcore.deps.forkwalk import walk_and_scan
from pytest_llmcore.deps.walk import iter_sources
def walk():
    return Walked([f for f in iter_sources(root) if f.rel in {t.rel for t in todo}], ["a note"])
def skip_for(files):
    return frozenset({"os", "sys"})
ran = []
"""


def _walked_ok(tmp_path: Path, body: str) -> None:
    """``body`` (ending in ``print("ok")``) run after :data:`_WALKED` on a fresh tree."""
    out = _run(_tree(tmp_path), _WALKED + textwrap.dedent(body))
    assert out.strip() == "ok"


def test_a_walking_worker_gives_the_serial_answers_and_its_walk(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        answers = []
        got = walk_and_scan(
            walk, skip_for, 10**6, lambda: ran.append(1),
            side=lambda files: len(files), on_answer=answers.append,
        )
        walked, done = got
        assert [f.rel for f in walked.files] == sorted(f.rel for f in todo)
        assert walked.notes == ["a note"] and ran == [1] and answers == [len(todo)]
        by_rel = {f.rel: done[i] for i, f in enumerate(walked.files)}
        assert sorted(by_rel.items()) == sorted(serial)
        assert len(forks) == 1
        print("ok")
        """,
    )


def test_a_walk_that_fails_in_the_worker_is_done_by_the_caller(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        def bad_walk():
            raise ValueError("bad exclude pattern")
        assert walk_and_scan(bad_walk, skip_for, 10**6, lambda: ran.append(1)) is None
        assert ran == [1]  # meanwhile ran; the caller walks and scans itself
        import signal
        def killed_walk():
            os.kill(os.getpid(), signal.SIGKILL)
        assert walk_and_scan(killed_walk, skip_for, 10**6, lambda: None) is None
        print("ok")
        """,
    )


def test_a_walking_worker_that_dies_while_scanning_loses_no_file(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        parent = os.getpid()
        real = filescan.scan_file
        def dying(*args):
            if os.getpid() != parent:
                os._exit(9)
            return real(*args)
        filescan.scan_file = dying
        walked, done = walk_and_scan(walk, skip_for, 10**6, lambda: None)
        by_rel = {f.rel: done[i] for i, f in enumerate(walked.files)}
        assert sorted(by_rel.items()) == sorted(serial)
        print("ok")
        """,
    )


def test_a_cold_gate_run_walks_in_the_worker_and_agrees(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy", "pyyaml", "requests"]\n'
        "[tool.llmcore.deps]\nexclude = ['pkg2']\n"
    )
    (root / ".gitignore").write_text("pkg1/m1.py\n")
    outs = []
    for jobs, args in (("1", ["--no-cache"]), ("2", ["--no-cache"]), ("2", []), ("2", [])):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_llmcore.cli", "deps", ".", *args],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "LLMCORE_DEPS_JOBS": jobs},
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1] == outs[2] == outs[3]  # the last one warm, from the cache
    assert "43 files scanned" in outs[0]  # 65 files, 21 in the excluded pkg2, 1 ignored by git
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy"]\n'
        "[tool.llmcore.deps]\nexclude = ['[z-a]']\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", ".", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "LLMCORE_DEPS_JOBS": "2"},
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_only_a_tree_with_many_sources_walks_in_a_worker(tmp_path: Path) -> None:
    from pytest_llmcore.deps.earlyscan import has_many_sources as _has_many_sources

    (tmp_path / "a.py").write_text("x = 1\n")
    assert not _has_many_sources(tmp_path)  # a tiny project: forking costs it more
    deep = tmp_path / "src" / "pkg" / "sub"
    deep.mkdir(parents=True)
    for i in range(39):
        (deep / f"m{i}.py").write_text("x = 1\n")
    assert _has_many_sources(tmp_path)  # 40, three folders down
    (tmp_path / ".venv").mkdir()
    assert not _has_many_sources(tmp_path / "src" / "pkg", enough=41)


_EARLY = """
from pytest_llmcore.deps import earlyscan
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.core.errors import InputError
def no_child_left():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
def findings(r):
    return sorted((f.kind.value, f.dependency) for f in r.findings), r.files_scanned
"""


def _early_tree(tmp_path: Path) -> Path:
    root = _tree(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy", "pyyaml", "rich"]\n'
    )
    return root


def test_an_early_walker_gives_the_serial_findings_and_leaves_no_child(tmp_path: Path) -> None:
    out = _run(
        _early_tree(tmp_path),
        _EARLY
        + textwrap.dedent(
            """
        cold = run_gate(root, use_cache=False)
        assert len(forks) == 1 and no_child_left()
        os.environ["LLMCORE_DEPS_JOBS"] = "1"
        alone = run_gate(root, use_cache=False)
        assert len(forks) == 1  # one process: nothing forked
        assert findings(cold) == findings(alone), (findings(cold), findings(alone))
        print(findings(cold))
        """
        ),
        jobs="2",
    )
    assert "('unused', 'rich')" in out and "65" in out


def test_a_worker_planning_another_scan_is_walked_again_here(tmp_path: Path) -> None:
    """The worker plans its scan with the declarations this process gave it; should the
    two plans still differ, the worker's answers are dropped and this process walks and
    scans."""
    _run(
        _early_tree(tmp_path),
        _EARLY
        + textwrap.dedent(
            """
        from pytest_llmcore.deps import gatescan
        real = gatescan.modules_no_scan_wants
        parent = os.getpid()
        def other(*a):
            got = real(*a)
            return got | {"numpy"} if os.getpid() != parent else got
        gatescan.modules_no_scan_wants = other
        real_drain = forkscan.drain
        def child_only(*a):  # the worker scans every file: its answers would be used
            return real_drain(*a) if os.getpid() != parent else []
        forkscan.drain = child_only
        cold = run_gate(root, use_cache=False)
        gatescan.modules_no_scan_wants = real
        forkscan.drain = real_drain
        assert forks and no_child_left()  # the walker, then this process's own workers
        assert ("unused", "numpy") not in findings(cold)[0]  # numpy scanned here, imported
        assert findings(cold) == findings(run_gate(root, use_cache=False))
        """
        ),
        jobs="2",
    )


def test_a_bad_declaration_read_after_the_fork_leaves_no_child(tmp_path: Path) -> None:
    root = _early_tree(tmp_path)
    (root / "setup.cfg").write_text("[options\ninstall_requires = numpy\n")
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = [1]\n')
    _run(
        root,
        _EARLY
        + textwrap.dedent(
            """
        try:
            run_gate(root, use_cache=False)
        except InputError as e:
            print("error", e)
        assert len(forks) == 1 and no_child_left()
        """
        ),
        jobs="2",
    )


def test_a_context_that_does_not_pickle_leaves_the_walk_to_the_caller(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        from pytest_llmcore.deps.forkwalk import start_walk_scan
        started = start_walk_scan(walk, lambda files, ctx: skip_for(files), 10**6)
        assert started.give(lambda: None) is False  # a lambda does not pickle
        assert started.finish(skip_for) is None
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            print("ok")
        """,
    )


def test_a_given_context_reaches_the_plan_and_the_side_question(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        from pytest_llmcore.deps.forkwalk import start_walk_scan
        seen = []
        started = start_walk_scan(
            walk,
            lambda files, ctx: frozenset(ctx["skip"]),
            10**6,
            lambda files, ctx: (ctx["tag"], len(files)),
        )
        assert started.give({"skip": ["os", "sys"], "tag": "decl"})
        walked, done = started.finish(lambda files: frozenset({"os", "sys"}), seen.append)
        assert seen == [("decl", len(todo))] and walked.skip == frozenset({"os", "sys"})
        print("ok")
        """,
    )


def test_finishing_without_giving_the_context_does_not_hang(tmp_path: Path) -> None:
    _walked_ok(
        tmp_path,
        """
        from pytest_llmcore.deps.forkwalk import start_walk_scan
        started = start_walk_scan(walk, lambda files, ctx: skip_for(files), 10**6)
        assert started.finish(skip_for) is None  # the caller walks and scans itself
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            print("ok")
        """,
    )
