"""Units of the c7cmd command readers: lint-staged's JavaScript strings, plugin subcommands
after a program's options, and argv lists in Python code read as command lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.implicit_runs import argv_runs
from pytest_llmcore.deps.lintstaged import js_value_strings, read_lint_staged
from pytest_llmcore.deps.runindex import subcommand_of
from pytest_llmcore.deps.shell import Run, runs_in_argv


def test_js_value_strings_reads_values_not_keys_imports_or_comments() -> None:
    js = (
        "import x from 'eslint-plugin';\n"
        "// 'commented-out'\n"
        "export default {\n"
        "  '*.py': ['ruff check', \"mypy\"],\n"
        "  '*.md': 'codespell', /* 'also-commented' */\n"
        "  '*.js': (f) => `prettier ${f.join(' ')}`,\n"
        "  '*.ts': [call(f, 'not-a-command')],\n"
        "};\n"
    )
    assert list(js_value_strings(js)) == [
        ("ruff check", 4),
        ("mypy", 4),
        ("codespell", 5),
        ("prettier  __var__ ", 6),
    ]


@given(st.text(alphabet="'\"`{}[]():,=>/*\\$ \nabc", max_size=80))
def test_js_value_strings_never_raises(text: str) -> None:
    for value, line in js_value_strings(text):
        assert line >= 1 and value.strip()


def test_read_lint_staged_yaml_lists_and_strings() -> None:
    rc = '"*.py":\n  - ruff format\n  - mypy --strict\n"*.md": codespell\n'
    runs = [(i.run.command, i.line) for i in read_lint_staged(rc, ".lintstagedrc.yml")]
    assert runs == [("ruff", 2), ("mypy", 3), ("codespell", 4)]


def test_read_lint_staged_package_json_without_the_key_runs_nothing() -> None:
    assert read_lint_staged('{"scripts": {"lint": "ruff check"}}', "package.json") == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["celery", "-A", "app", "flower"], "celery flower"),
        (["celery", "--app=app", "flower", "--port=5555"], "celery flower"),
        (["python", "-m", "celery", "--app", "demo.app", "flower"], "celery flower"),
        (["celery", "-A", "flower", "worker"], "celery worker"),
        (["poetry", "-C", "sub", "export"], "poetry export"),
        (["celery", "--loglevel", "flower"], "celery flower"),  # unknown option: a flag
        (["celery", "-A", "app"], None),
        (["python", "-m", "celery", "__var__"], None),
    ],
)
def test_subcommand_of(argv: list[str], expected: str | None) -> None:
    runs = runs_in_argv(argv)
    assert subcommand_of(runs[-1]) == expected


def test_subcommand_of_a_plain_run_without_args() -> None:
    assert subcommand_of(Run("celery")) is None


def test_argv_runs_reads_lists_that_run_and_skips_data_lists() -> None:
    code = (
        "import subprocess, sys\n"
        'MODES = ["celery", "flower"]\n'
        'cmd = [sys.executable, "-m", "celery", "flower", *extra]\n'
        'subprocess.run(["uv", "run", "ruff", "check"])\n'
        "print([x for x in MODES])\n"
    )
    got = [(line, r.command, r.module, r.args[:1]) for line, r in argv_runs(code)]
    assert sorted(got) == [
        (3, "python", "celery", ("flower",)),
        (4, "ruff", None, ("check",)),
        (4, "uv", None, ("run",)),
    ]


def test_argv_runs_on_invalid_python_finds_nothing() -> None:
    assert list(argv_runs('subprocess.run(["celery", "flower"]\n')) == []


def test_invalid_lintstagedrc_is_a_note_not_an_error(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "demo"\nversion = "0.1"\n[dependency-groups]\ndev = ["ruff"]\n'
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo/__init__.py").write_text("")
    (tmp_path / ".lintstagedrc").write_text('{"*.py": [ruff check\n')
    result = run_gate(tmp_path, use_cache=False)
    assert [n for n in result.notes if "lintstagedrc" in n] == [
        ".lintstagedrc:2: not valid YAML; its commands are not counted as uses"
    ]
