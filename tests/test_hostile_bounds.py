"""Issue 11, class 3: bounded time and memory on hostile trees and files.

More of this class: test_gguf_hostile.py (crafted GGUF headers), test_deps_walk.py (walks
that stay inside the project, FIFOs and devices among the sources).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmcore.deps import ignore
from pytest_llmcore.deps.ignore import GitIgnore, PatternSet

from .hostile import Case, check, smoke_cases

LLMCORE = [sys.executable, "-m", "pytest_llmcore"]
PYPROJECT = '[project]\nname = "demo"\nversion = "0"\ndependencies = ["requests"]\n'
APP = "import requests\n\nrequests.get\n"


@pytest.mark.parametrize("case", smoke_cases("bounds"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)


def deps(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LLMCORE, "deps", "--no-cache", *args, str(root)],
        capture_output=True,
        text=True,
        timeout=120,  # a FIFO read would block forever: the timeout is the failure
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["setup.cfg", "tox.ini", "mypy.ini", "Makefile", "noxfile.py", "environment.yml"]
)
def test_a_fifo_among_the_project_files_is_never_read(tmp_path: Path, name: str) -> None:
    """A FIFO named like a file the gate reads (pyproject.toml, a CI file, a config) hung
    ``llmcore deps`` for ever: every tree file is read non-blocking, regular files only."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app.py").write_text(APP)
    os.mkfifo(tmp_path / name)
    res = deps(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines()[-1] == (
        "llmcore deps: ok (1 declared dependencies, 1 files scanned, 0 non-failing finding(s))"
    )


def test_a_fifo_pyproject_is_no_project_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    os.mkfifo(tmp_path / "pyproject.toml")
    res = deps(tmp_path)
    assert res.returncode == 0
    assert "note    no declared dependencies found" in res.stdout


@pytest.mark.parametrize(
    ("include", "note"),
    [
        ("-r /etc/passwd", "note    /etc/passwd: outside the project; not read"),
        ("-r ../outside.txt", "note    {parent}/outside.txt: outside the project; not read"),
    ],
)
def test_a_requirements_include_outside_the_project_is_not_read(
    tmp_path: Path, include: str, note: str
) -> None:
    """``-r /etc/passwd`` printed the file's lines as 24 "unused" findings (and --fix would
    have rewritten it)."""
    root = tmp_path / "proj"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("numpy\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n'
        '[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n'
    )
    (root / "requirements.txt").write_text(f"{include}\nrequests\n")
    (root / "app.py").write_text(APP)
    res = deps(root)
    assert res.returncode == 0, res.stdout
    assert note.format(parent=tmp_path.resolve()) in res.stdout.splitlines()
    assert "FAIL" not in res.stdout and "numpy:" not in res.stdout


def test_a_config_requirements_path_outside_the_project_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n'
        '[tool.llmcore.deps]\nrequirements = ["/etc/passwd"]\n'
    )
    (tmp_path / "app.py").write_text(APP)
    res = deps(tmp_path)
    assert "note    /etc/passwd: outside the project; not read" in res.stdout.splitlines()
    assert res.returncode == 0


def test_a_huge_gitignore_is_matched_not_a_crash(tmp_path: Path) -> None:
    """50,000 lines made re2 refuse the set: ``internal error: failed to compile Set``."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "skip.py").write_text("import numpy\n")
    lines = ["x*y?z[a-c]"] * 50_000 + [f"n{i}*.py" for i in range(3000)] + ["skip.py"]
    (tmp_path / ".gitignore").write_text("\n".join(lines) + "\n")
    res = deps(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "numpy" not in res.stdout  # skip.py, named by the last line, stays ignored
    assert res.stderr == ""


def test_patterns_in_chunks_keep_the_last_match_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["*.py", "!keep*.py", "a/", "keep_not.py", "!a/b.py", "[z-a].py"]
    whole = PatternSet("", lines[:-1])  # one compiled set
    monkeypatch.setattr(ignore, "_CHUNK", 2)
    chunked = PatternSet("", lines)
    assert (len(whole.specs), len(chunked.specs)) == (1, 3)
    assert (whole.bad, chunked.bad) == ([], ["[z-a].py"])
    for rel, is_dir in [
        ("x.py", False), ("keep1.py", False), ("keep_not.py", False), ("a", True),
        ("a/b.py", False), ("c.txt", False),
    ]:  # fmt: skip
        assert GitIgnore([chunked]).ignored(rel, is_dir) == GitIgnore([whole]).ignored(rel, is_dir)
    assert GitIgnore([chunked]).ignored("keep_not.py", False) is True
    assert GitIgnore([chunked]).ignored("keep1.py", False) is False
