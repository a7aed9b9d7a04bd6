"""Where commands come from: tox command prefixes and posargs defaults, Make's ``$(shell)``
function, the tool of a workflow's ``uses:`` repository, and developer docs' shell blocks.

Each class was a false `unused` finding on corpus5 (see tests/test_deps_corpus5.py); these
tests pin other shapes of the same class, and the neighbouring text that is still no use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.doccommands import doc_commands, is_developer_doc
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.invocations import read_yaml_commands
from pytest_llmcore.deps.taskrunners import tox_argv
from pytest_llmcore.deps.textcommands import make_shell_calls, read_make, tox_command


def _project(root: Path, files: dict[str, str], dev: tuple[str, ...], extra: str = "") -> Path:
    dev_list = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["requests"]\n'
        f"[dependency-groups]\ndev = [{dev_list}]\n{extra}"
    )
    files = {"demo/__init__.py": "import requests\n", **files}
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return root


def _failing(root: Path) -> list[str]:
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


def _evidence(root: Path, dist: str) -> str:
    return run_gate(root, use_cache=False).used_by[dist][0].text


# -- tox ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("- pytest --numprocesses=auto", "pytest --numprocesses=auto"),
        ("-pytest -x", "pytest -x"),
        ("!python -c 'import sys'", "python -c 'import sys'"),
        ("--numprocesses=auto", "--numprocesses=auto"),  # an option is never a prefix
        ("pytest {posargs:-n auto --cov=demo}", "pytest -n auto --cov=demo"),
        ("{envpython} -m pytest {posargs}", "python -m pytest "),
    ],
)
def test_tox_command_line(line: str, want: str) -> None:
    assert tox_command(line) == want


@pytest.mark.parametrize(
    ("argv", "want"),
    [
        (["pytest", "--numprocesses=auto"], ["pytest", "--numprocesses=auto"]),
        (["-", "pytest", "-n", "auto"], ["pytest", "-n", "auto"]),
        (["-pytest", "--cov"], ["pytest", "--cov"]),
        (["--version"], ["--version"]),
        (
            ["pytest", {"replace": "posargs", "default": ["-n", "auto"], "extend": True}],
            ["pytest", "-n", "auto"],
        ),
        (["pytest", {"replace": "env", "name": "X"}], ["pytest", "__var__"]),
    ],
)
def test_tox_toml_argv(argv: list[object], want: list[str]) -> None:
    assert tox_argv(argv) == want


def test_tox_posargs_default_credits_a_pytest_plugin(tmp_path: Path) -> None:
    tox = "[testenv]\ncommands =\n    - pytest {posargs:--numprocesses=auto}\n"
    root = _project(tmp_path, {"tox.ini": tox}, ("pytest", "pytest-xdist"))
    assert _failing(root) == []


def test_tox_toml_ignored_exit_prefix_word(tmp_path: Path) -> None:
    extra = '[tool.tox.env.cov]\ncommands = [["-", "pytest", "--cov=demo", "tests"]]\n'
    root = _project(tmp_path, {}, ("pytest", "pytest-cov"), extra)
    assert _failing(root) == []


# -- Make's $(shell ...) function ------------------------------------------------------------


def test_make_shell_calls_nested_and_braced() -> None:
    line, calls = make_shell_calls("X := $(shell python -m a $(shell b)) ${shell c} $(Y)")
    assert line == "X := __var__ __var__ $(Y)"
    assert calls == ["python -m a __var__", "b", "c"]


def test_make_shell_in_a_conditional_and_a_comment() -> None:
    text = (
        "PY ?= python3\n"
        "ifeq ($(shell $(PY) -m mytool --check),yes)\nX = 1\nendif\n"
        "# FLAGS = $(shell python -m commented)\n"
    )
    got = [(i.run.command, i.run.module, i.line) for i in read_make(text, "Makefile")]
    assert got == [("python", "mytool", 2)]


def test_make_shell_in_a_commented_line_is_no_use(tmp_path: Path) -> None:
    files = {"Makefile": "# INC = $(shell python3 -m pybind11 --includes)\nall:\n\techo\n"}
    root = _project(tmp_path, files, ("pybind11",))
    assert _failing(root) == ["pybind11"]


def test_make_shell_in_a_recipe_word_credits_a_module(tmp_path: Path) -> None:
    files = {"ext/Makefile": "ext:\n\tcc $(shell python3 -m pybind11 --includes) a.cpp\n"}
    root = _project(tmp_path, files, ("pybind11",))
    assert _evidence(root, "pybind11") == "run as `python -m pybind11` in ext/Makefile:2"


# -- the tool of a workflow's uses: repository ------------------------------------------------

_STEPS = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"


def test_action_of_the_tools_own_repository(tmp_path: Path) -> None:
    wf = _STEPS + "      - uses: psf/black@stable\n        with: {options: --check}\n"
    root = _project(tmp_path, {".github/workflows/lint.yml": wf}, ("black",))
    assert _evidence(root, "black") == (
        "its own action `psf/black@stable` runs it in .github/workflows/lint.yml:6"
    )


@pytest.mark.parametrize(
    "uses",
    [
        "actions/upload-artifact@v4\n        with: {name: black, path: dist}",  # input data
        "./.github/actions/black",  # a local action: its steps are read as such
        "docker://pyfound/black:latest",
        "someone/black-action@v1",  # named apart from the tool: not its repository
    ],
)
def test_uses_that_is_not_the_tools_repository(tmp_path: Path, uses: str) -> None:
    wf = _STEPS + f"      - uses: {uses}\n"
    root = _project(tmp_path, {".github/workflows/lint.yml": wf}, ("black",))
    assert _failing(root) == ["black"]


def test_reusable_workflow_line_and_via() -> None:
    wf = "on: push\njobs:\n  docs:\n    uses: org/sphinx-build/.github/workflows/b.yml@v1\n"
    got = [(i.run.command, i.line, i.via) for i in read_yaml_commands(wf, "w.yml", "workflow")]
    assert got == [
        (
            "sphinx-build",
            4,
            "its own reusable workflow `org/sphinx-build/.github/workflows/b.yml@v1` runs it",
        )
    ]


# -- developer docs' shell code blocks ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "want"),
    [
        ("CONTRIBUTING.md", True),
        (".github/CONTRIBUTING.rst", True),
        ("DEVELOPMENT.md", True),
        ("HACKING.md", True),
        ("tests/README.md", True),
        ("tests/unit/README.rst", True),
        ("docs/contributing.md", True),
        ("docs/guide/developer-setup.md", True),
        ("README.md", False),
        ("docs/index.md", False),
        ("docs/usage/README.md", False),
        ("demo/README.md", False),
    ],
)
def test_which_pages_are_developer_docs(rel: str, want: bool) -> None:
    assert is_developer_doc(rel) is want


def test_console_block_reads_prompt_lines_only() -> None:
    text = (
        "Set up:\n\n```console\n$ pip install -e .\nSuccessfully installed demo\n"
        "$ pytest --cov=demo\n===== 3 passed =====\n```\n\n"
        "```python\nimport black\n```\n\nRun `mypy demo` too.\n"
    )
    got = [(i.run.command, i.line, i.source) for i in doc_commands(text, "CONTRIBUTING.md")]
    assert got == [("pip", 4, "doc-command"), ("pytest", 6, "doc-command")]


def test_rst_code_block_in_contributing(tmp_path: Path) -> None:
    rst = "Tests\n=====\n\n.. code-block:: bash\n\n    pytest -n auto tests\n\nDone.\n"
    root = _project(tmp_path, {"CONTRIBUTING.rst": rst}, ("pytest", "pytest-xdist"))
    assert _failing(root) == []
    assert _evidence(root, "pytest-xdist") == (
        "pytest plugin: option -n in a developer doc's command: CONTRIBUTING.rst:6 "
        "(its pytest11 entry point)"
    )


def test_developer_doc_command_of_a_tool(tmp_path: Path) -> None:
    md = "## Setup\n\n~~~sh\n  pre-commit install\n~~~\n"
    root = _project(tmp_path, {"docs/development.md": md}, ("pre-commit",))
    assert _evidence(root, "pre-commit") == (
        "run as `pre-commit` in a developer doc's command: docs/development.md:4"
    )


@pytest.mark.parametrize(
    "page",
    [
        "README.md",  # the root README shows users how to install and use the project
        "docs/usage.md",
    ],
)
def test_the_same_command_in_a_user_doc_is_no_use(tmp_path: Path, page: str) -> None:
    md = "Run:\n\n```bash\npytest --cov-report term --cov=demo tests\n```\n"
    root = _project(
        tmp_path,
        {page: md, "tests/test_a.py": "def test_a():\n    pass\n"},
        ("pytest", "pytest-cov"),
    )
    assert _failing(root) == ["pytest-cov"]


def test_prose_and_unlabelled_blocks_of_a_developer_doc_are_no_use(tmp_path: Path) -> None:
    md = "Run `pytest --cov=demo` to measure.\n\n```\npytest --cov=demo\n```\n"
    files = {"CONTRIBUTING.md": md, "tests/test_a.py": "def test_a():\n    pass\n"}
    root = _project(tmp_path, files, ("pytest", "pytest-cov"))
    assert _failing(root) == ["pytest-cov"]


def test_recorded_data_option_in_a_developer_doc_is_no_use(tmp_path: Path) -> None:
    """``--snapshot-update`` in a contributing guide says how to refresh snapshots; with no
    ``snapshot`` fixture in the tests, syrupy is unused (llm's stale docs/contributing.md)."""
    md = "```bash\nuv run pytest --record-mode once --snapshot-update\n```\n"
    files = {"docs/contributing.md": md, "tests/test_a.py": "def test_a():\n    pass\n"}
    root = _project(tmp_path, files, ("pytest", "syrupy"))
    assert _failing(root) == ["syrupy"]
