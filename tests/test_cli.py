"""`llmcore deps`: formats, exit status, --fix/--diff keeping every other byte."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_llmcore.cli import main

MakeProject = Callable[[str], Path]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["deps", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_text_and_exit_status(project: MakeProject, capsys: pytest.CaptureFixture[str]) -> None:
    root = project("llm-runtime-core")
    rc, out, _ = _run(capsys, str(root), "--no-cache")
    assert rc == 1
    assert "FAIL    pyproject.toml:16: torchvision: unused (LLMD002)" in out
    assert out.strip().endswith(
        "llmcore deps: 1 failing finding(s) (torchvision) in 11 declared "
        "dependencies, 17 files scanned"
    )


def test_json_shape(project: MakeProject, capsys: pytest.CaptureFixture[str]) -> None:
    root = project("deps/uses")
    rc, out, _ = _run(capsys, str(root), "--format", "json", "--no-cache")
    data = json.loads(out)
    assert rc == 1 and data["failed"] is True
    kinds = {f["kind"] for f in data["findings"]}
    assert kinds == {"unused", "missing", "misplaced-dev", "transitive"}
    f = next(f for f in data["findings"] if f["dependency"] == "tiktoken")
    assert f["code"] == "LLMD002" and f["declared_in"] == "pyproject.toml:7"
    assert (
        f["evidence"][0]["text"]
        == "imported at app/core.py:7 but the name 'tiktoken' is never used"
    )
    assert set(f) >= {"code", "kind", "dependency", "declared_in", "evidence"}


def test_github_annotations(
    project: MakeProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("llm-runtime-core")
    monkeypatch.chdir(root)
    rc, out, _ = _run(capsys, ".", "--format", "github", "--no-cache")
    assert rc == 1
    assert out.splitlines()[0].startswith(
        "::error file=pyproject.toml,line=16,title=LLMD002 unused dependency::torchvision: unused"
    )


def test_github_paths_are_relative_to_the_working_directory(
    project: MakeProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("llm-runtime-core")
    monkeypatch.chdir(root.parent)
    _, out, _ = _run(capsys, "llm-runtime-core", "--format", "github", "--no-cache")
    assert out.startswith("::error file=llm-runtime-core/pyproject.toml,line=16,")


def test_fail_on_none_passes(project: MakeProject, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, str(project("llm-runtime-core")), "--fail-on", "none", "--no-cache")
    assert rc == 0 and "warn    pyproject.toml:16: torchvision" in out


def test_diff_writes_nothing_and_fix_removes_only_the_entry(
    project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project("llm-runtime-core")
    pyproject = root / "pyproject.toml"
    before = pyproject.read_bytes()
    rc, out, _ = _run(capsys, str(root), "--diff", "--no-cache")
    assert rc == 1 and '-    "torchvision==0.22.1",' in out
    assert pyproject.read_bytes() == before
    os.chmod(pyproject, 0o640)
    rc, out, _ = _run(capsys, str(root), "--fix", "--no-cache")
    assert rc == 0, out
    assert "removed torchvision (torchvision==0.22.1) from pyproject.toml:16" in out
    assert pyproject.read_bytes() == before.replace(b'    "torchvision==0.22.1",\n', b"")
    assert oct(pyproject.stat().st_mode & 0o777) == "0o640"
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'dependencies = ["rich", "tiktoken", "click"]  # keep\n',
            'dependencies = ["rich", "click"]  # keep\n',
        ),
        ('dependencies = ["rich", "tiktoken"]\n', 'dependencies = ["rich"]\n'),
        (
            "dependencies = [\n  'rich',\n  'tiktoken'  # tokens\n]\n",
            "dependencies = [\n  'rich',\n]\n",
        ),
    ],
)
def test_fix_inline_and_multiline_arrays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    head = '# top comment\n[project]\nname = "p"   # aligned\nversion = "1"\n'
    (tmp_path / "pyproject.toml").write_text(head + body)
    (tmp_path / "p.py").write_text("import rich, click\nrich.print(click)\n")
    rc, out, _ = _run(capsys, str(tmp_path), "--fix", "--no-cache")
    assert rc == 0, out
    assert (tmp_path / "pyproject.toml").read_text() == head + expected


def test_fix_poetry_and_requirements(
    project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project("deps/poetry")
    before = (root / "pyproject.toml").read_text()
    _run(capsys, str(root), "--fix", "--no-cache")
    after = (root / "pyproject.toml").read_text()
    # black is in the built-in table (black, blackd, blib2to3): known, so --fix removes it
    expected = before.replace('Pillow = "^10"\n', "").replace('pytest = "^8"\n', "")
    assert after == expected.replace('black = "^24"\n', "")
    req = project("deps/requirements")
    text = (req / "requirements" / "base.txt").read_text()
    rc, out, _ = _run(capsys, str(req), "--fix", "--no-cache")
    assert rc == 0, out
    assert (req / "requirements" / "base.txt").read_text() == text.replace("tiktoken\n", "")


def test_fix_removes_continuation_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text(
        "rich\ntiktoken==0.7 \\\n    --hash=sha256:abc\nclick\n"
    )
    (tmp_path / "a.py").write_text("import rich, click\nrich.print(click)\n")
    _run(capsys, str(tmp_path), "--fix", "--no-cache")
    assert (tmp_path / "requirements.txt").read_text() == "rich\nclick\n"


def test_bad_input_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # whole lines: a message that loses its line:column, its path or its fix must fail
    rc, _, err = _run(capsys, str(tmp_path / "missing"))
    assert (rc, err) == (2, f"llmcore deps: {tmp_path / 'missing'}: no such file or directory\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \n")
    rc, _, err = _run(capsys, str(tmp_path))
    assert (rc, err) == (
        2,
        f"llmcore deps: {tmp_path / 'pyproject.toml'}:2:7: malformed TOML: Unexpected "
        "character: '\\n' (fix the syntax; nothing was changed)\n",
    )
    (tmp_path / "pyproject.toml").write_text("[tool.llmcore.deps]\nfail-on = ['sometimes']\n")
    rc, _, err = _run(capsys, str(tmp_path))
    assert (rc, err) == (
        2,
        f"llmcore deps: unknown finding kind 'sometimes' in {tmp_path / 'pyproject.toml'} "
        "[tool.llmcore.deps] fail-on (use missing (LLMD001), unused (LLMD002), transitive "
        "(LLMD003), misplaced-dev (LLMD004), unmapped (LLMD005), unused-companion (LLMD006), "
        "unreachable (LLMD007), all or none)\n",
    )
