"""Hostile trees: the gate finishes, reads only regular files inside the root, and says why.

Each test drives the real ``llmcore deps`` command in a subprocess (with a timeout, so a
hang fails the test instead of the run) and pins its exact notes, exit code and verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmcore.deps.cache import default_cache_dir
from pytest_llmcore.deps.walk import iter_sources

pytest_plugins = ["pytester"]

PYPROJECT = '[project]\nname = "h"\nversion = "0"\ndependencies = ["numpy", "pyyaml"]\n'


def _project(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "core.py").write_text("import numpy\nnumpy.zeros(1)\n")
    for rel, text in files.items():
        p = tmp_path / rel.replace("__", "/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def _deps(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", str(root), "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "LLMCORE_DEPS_JOBS": "1"},
    )


def _json(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    proc = _deps(root, *args)
    assert proc.stderr == "", proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _unused(data: dict[str, object]) -> list[str]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return sorted(f["dependency"] for f in findings if f["kind"] == "unused")


def test_fifo_and_device_links_are_skipped_not_read(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"app__uses.py": "import yaml\nyaml.safe_load('')\n"})
    os.mkfifo(root / "pipe.py")
    os.symlink("/dev/zero", root / "zero.py")
    os.symlink("pipe.py", root / "inner_link.py")
    code, data = _json(root)
    assert code == 0
    assert data["notes"] == [
        "inner_link.py: a FIFO, not a regular file; skipped",
        "pipe.py: a FIFO, not a regular file; skipped",
        "zero.py: symbolic link to a file outside the project; skipped",
    ]
    assert data["files_scanned"] == 3


def test_links_to_directories_outside_the_root_are_not_followed(tmp_path: Path) -> None:
    root = _project(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "foreign.py").write_text("import yaml\nyaml.x\n")
    os.symlink(outside, root / "vendor")
    os.symlink("/", root / "slash")
    code, data = _json(root)
    # pyyaml stays unused: foreign.py is not part of the project
    assert (code, _unused(data)) == (1, ["pyyaml"])
    assert data["notes"] == [
        "slash: symbolic link to a directory outside the project; not followed",
        "vendor: symbolic link to a directory outside the project; not followed",
    ]


def test_link_loop_inside_the_root_is_cut(tmp_path: Path) -> None:
    root = _project(tmp_path)
    os.symlink("..", root / "app" / "up")
    code, data = _json(root)
    assert code == 1
    assert data["notes"] == ["app/up: directory visited twice (symlink loop); skipped"]


def test_a_thousand_nested_directories(tmp_path: Path) -> None:
    root = _project(tmp_path)
    fd = os.open(root / "app", os.O_RDONLY)
    for _ in range(1000):
        os.mkdir("d", dir_fd=fd)
        nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    out = os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, b"import yaml\nyaml.safe_load('')\n")
    os.close(out)
    os.close(fd)
    try:
        code, data = _json(root)
    finally:
        _remove_chain(root / "app", 1000)
    assert (code, _unused(data), data["files_scanned"]) == (0, [], 3)


def _remove_chain(top: Path, depth: int) -> None:
    """Delete app/d/d/.../d bottom-up without recursion: pytest's own tmp cleanup
    (shutil.rmtree, recursive on Python 3.11) hits the recursion limit on it later."""
    fds = [os.open(top, os.O_RDONLY)]
    for _ in range(depth):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("deep.py", dir_fd=fds[-1])
    for parent in reversed(fds[:-1]):
        os.close(fds.pop())
        os.rmdir("d", dir_fd=parent)
    os.close(fds.pop())


def test_pathological_gitignore_finishes_and_bad_brackets_are_notes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*a*c\n[z-a].py\n[]\nignored_*.py\n")
    (root / ("a" * 80 + "b.py")).write_text("import yaml\nyaml.x\n")
    (root / "ignored_x.py").write_text("import nothere\n")
    code, data = _json(root)
    assert (code, _unused(data)) == (0, [])
    assert data["notes"] == [".gitignore: pattern '[z-a].py' is not a valid pattern; ignored"]
    assert not any(f["dependency"] == "nothere" for f in data["findings"])


def test_nested_gitignore_negation_deepest_wins(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".gitignore").write_text("gen_*.py\n")
    (root / "app" / ".gitignore").write_text("!gen_keep.py\n")
    for name in ("gen_drop.py", "gen_keep.py"):
        (root / "app" / name).write_text("")
    rels = [f.rel for f in iter_sources(root)]
    assert rels == ["app/__init__.py", "app/core.py", "app/gen_keep.py"]


def test_bad_exclude_pattern_is_a_one_line_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "pyproject.toml").write_text(
        PYPROJECT + '[tool.llmcore.deps]\nexclude = ["[z-a].py"]\n'
    )
    proc = _deps(root)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"llmcore deps: {root / 'pyproject.toml'}: [tool.llmcore.deps] exclude: '[z-a].py' "
        "is not a valid pattern "
        "(use .gitignore syntax; a bracket range must go upwards, e.g. [a-z])\n"
    )


def test_unlistable_directory_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # we run as root, where chmod can't deny a listing: make scandir refuse instead
    root = _project(tmp_path)
    (root / "secret").mkdir()
    real = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    notes: list[str] = []
    assert [f.rel for f in iter_sources(root, skipped=notes)] == ["app/__init__.py", "app/core.py"]
    assert notes == ["secret: cannot list (Permission denied); skipped"]


def test_size_cap_applies_before_reading_and_is_part_of_the_cache_key(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"app__big.py": "import yaml\nyaml.x\n" + "#" * 500 + "\n"})
    small = PYPROJECT + "[tool.llmcore.deps]\nmax-file-size = 100\n"
    (root / "pyproject.toml").write_text(small)
    code, data = _json(root)
    assert (code, _unused(data)) == (1, ["pyyaml"])
    assert data["notes"] == ["app/big.py: 520 bytes, over max-file-size 100; skipped"]
    # raising the cap must not reuse the cached "skipped"
    (root / "pyproject.toml").write_text(PYPROJECT)
    code, data = _json(root)
    assert (code, _unused(data), data["notes"]) == (0, [], [])


@pytest.mark.parametrize("content", [b"[1, 2]", b"\x00garbage{", b'{"files": [1]}', b"{}"])
def test_a_cache_file_that_is_not_ours_is_rebuilt_with_a_note(
    tmp_path: Path, content: bytes
) -> None:
    root = _project(tmp_path)
    cache = default_cache_dir(root) / "imports.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(content)
    code, data = _json(root)
    assert (code, _unused(data)) == (1, ["pyyaml"])
    assert data["notes"] == [f"{cache}: not a cache file written by llmcore; rebuilt"]
    assert json.loads(cache.read_bytes())["format"] >= 1
    code, data = _json(root)
    assert data["notes"] == []


def test_cache_entries_of_the_wrong_shape_are_rescanned(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _json(root)
    cache = default_cache_dir(root) / "imports.json"
    data = json.loads(cache.read_bytes())
    for rel in data["files"]:
        data["files"][rel] = ["x", None, 3, [[1, 2]]]
    cache.write_text(json.dumps(data))
    code, out = _json(root)
    assert (code, _unused(out), out["notes"]) == (1, ["pyyaml"], [])


@pytest.mark.parametrize("value", ["-1", "0", "true", '"5MB"'])
def test_max_file_size_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    root = _project(tmp_path)
    (root / "pyproject.toml").write_text(
        PYPROJECT + f"[tool.llmcore.deps]\nmax-file-size = {value}\n"
    )
    proc = _deps(root)
    shown = {"true": "True", '"5MB"': "'5MB'"}.get(value, value)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        f"llmcore deps: {root / 'pyproject.toml'}: [tool.llmcore.deps] max-file-size must be a "
        f"positive number of bytes, not {shown} (e.g. max-file-size = 5000000)\n"
    )


@pytest.mark.parametrize(
    ("content", "note"),
    [
        (b"[" * 100_000, "not a JSON notebook (nested too deeply); skipped"),
        (b'{"cells": [{"cell_type": "code", "source": [1, "import yaml\\n", "yaml.x"]}]}', None),
        (b'{"worksheets": [{"cells": 3}]}', None),
    ],
)
def test_hostile_notebooks_give_notes_not_tracebacks(
    tmp_path: Path, content: bytes, note: str | None
) -> None:
    root = _project(tmp_path)
    (root / "nb.ipynb").write_bytes(content)
    code, data = _json(root)
    assert code == (0 if "yaml" in content.decode() else 1)
    assert data["notes"] == ([f"nb.ipynb: {note}"] if note else [])


def test_pytest_llmcore_finishes_on_a_hostile_tree(pytester: pytest.Pytester) -> None:
    root = pytester.path
    (root / "pyproject.toml").write_text(
        '[project]\nname = "h"\nversion = "0"\ndependencies = ["pyyaml"]\n'
    )
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("import yaml\nyaml.safe_load('')\n")
    os.mkfifo(root / "pipe.py")
    os.symlink("/dev/zero", root / "zero.py")
    # (no link to "/" here: pytest's own collection would follow it)
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", timeout=300)
    res.assert_outcomes(passed=1)


def test_read_bounded_reads_up_to_the_cap_and_no_further(tmp_path: Path) -> None:
    from pytest_llmcore.deps.safeio import read_bounded

    p = tmp_path / "f.py"
    p.write_bytes(b"x" * 100)
    assert read_bounded(p, 100) == b"x" * 100
    assert read_bounded(p, 99) == "100 bytes, over max-file-size 99; skipped"
    os.mkfifo(tmp_path / "fifo.py")
    assert read_bounded(tmp_path / "fifo.py", 100) == "not a regular file; skipped"
    assert read_bounded(tmp_path / "missing.py", 100) == (
        "cannot read (No such file or directory); skipped"
    )


def test_environment_answers_are_remembered_until_site_packages_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_llmcore.deps import cache as cachemod

    path = tmp_path / "imports.json"
    calls: list[str] = []

    def compute() -> dict[str, list[str]]:
        calls.append("x")
        return {"yaml": ["PyYAML"]}

    monkeypatch.setattr(cachemod, "env_fingerprint", lambda: "env-1")
    first = cachemod.ImportCache(path, "k")
    assert first.memo("owners", "yaml", compute) == {"yaml": ["PyYAML"]}
    first.save(set())
    again = cachemod.ImportCache(path, "k")
    assert again.memo("owners", "yaml", compute) == {"yaml": ["PyYAML"]}
    assert calls == ["x"]
    monkeypatch.setattr(cachemod, "env_fingerprint", lambda: "env-2")  # pip install ...
    later = cachemod.ImportCache(path, "k")
    assert later.memo("owners", "yaml", compute) == {"yaml": ["PyYAML"]}
    assert calls == ["x", "x"]


def test_a_package_named_like_an_excluded_folder_is_scanned(tmp_path: Path) -> None:
    """hatch's src/hatch/env/ and venv/ are packages (``__init__.py``): their imports count.
    An environment (pyvenv.cfg) or a build folder of the same names stays skipped."""
    from pytest_llmcore.deps.walk import iter_sources

    for folder in ("src/hatch/env", "src/hatch/venv", "src/hatch/build"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("import virtualenv\n")
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "venv" / "__init__.py").write_text("")
    (tmp_path / "build" / "lib").mkdir(parents=True)
    (tmp_path / "build" / "lib" / "x.py").write_text("import numpy\n")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "tool.py").write_text("import numpy\n")
    rels = sorted(f.rel for f in iter_sources(tmp_path))
    assert rels == [
        "src/hatch/build/__init__.py",
        "src/hatch/env/__init__.py",
        "src/hatch/venv/__init__.py",
    ]
