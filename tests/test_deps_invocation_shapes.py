"""Uses by invocation and pytest plugins by use, each class in a second project shape.

tests/test_deps_corpus2.py reproduces the real-project cases (fastapi, lmdeploy, chroma,
accelerate, peft, textual); these check that each rule is the class, not the example,
and that it stays precise (the negative cases).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult
from pytest_llmcore.deps.workflows import read_workflow, resolve_expressions

HEAD = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
TEST = {"demo/__init__.py": "import requests\n", "tests/test_a.py": "def test_a():\n    pass\n"}


def _project(root: Path, files: dict[str, str], dev: tuple[str, ...]) -> Path:
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["requests"]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n"
    )
    for rel, body in {**TEST, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _run(root: Path) -> GateResult:
    return run_gate(root, use_cache=False)


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


def _used(result: GateResult, dist: str) -> str:
    return result.used_by[dist][0].text


# -- pytest plugins used from helpers outside the tests ------------------------------------


def test_fixture_requested_by_a_fixture_in_a_plugin_module(tmp_path: Path) -> None:
    files = {
        "demo/pytest_plugin.py": """\
            import pytest

            @pytest.fixture
            def api(httpx_mock):
                return httpx_mock

            def build(mocker):  # not a fixture: a parameter called mocker is no request
                return mocker
            """,
    }
    root = _project(tmp_path, files, ("pytest", "pytest-httpx", "pytest-mock"))
    result = _run(root)
    assert _failing(result) == ["pytest-mock"]
    assert _used(result, "pytest-httpx") == (
        "pytest plugin: fixture 'httpx_mock' used at demo/pytest_plugin.py:4 "
        "(the built-in plugin table)"
    )


def test_marker_in_a_module_that_does_not_import_pytest_is_no_use(tmp_path: Path) -> None:
    files = {"demo/notes.py": "class mark:\n    order = 1\n\nx = mark.order\n"}
    assert _failing(_run(_project(tmp_path, files, ("pytest", "pytest-order")))) == ["pytest-order"]


def test_subtest_in_a_test_case_of_another_test_folder(tmp_path: Path) -> None:
    files = {
        "test/test_cases.py": """\
            import unittest

            class Cases(unittest.TestCase):
                def test_each(self):
                    for n in range(3):
                        with self.subTest(n=n):
                            self.assertGreaterEqual(n, 0)
            """,
    }
    result = _run(_project(tmp_path, files, ("pytest", "pytest-subtests")))
    assert _failing(result) == []
    assert _used(result, "pytest-subtests") == (
        "pytest plugin: self.subTest() called at test/test_cases.py:6 (the built-in plugin table)"
    )


def test_subtest_called_outside_a_test_file_is_no_use(tmp_path: Path) -> None:
    files = {"demo/runner.py": "import pytest\n\ndef run(self):\n    return self.subTest(a=1)\n"}
    assert _failing(_run(_project(tmp_path, files, ("pytest", "pytest-subtests")))) == [
        "pytest-subtests"
    ]


# -- pytest options passed through scripts, env vars and expressions ----------------------


def test_option_given_to_a_script_run_from_a_makefile(tmp_path: Path) -> None:
    files = {
        "bin/run-tests": '#!/bin/sh\nexec python -m pytest "$@"\n',
        "scripts/quick.sh": "#!/bin/sh\npytest tests\n",
        "Makefile": "test:\n\t./bin/run-tests -n auto\nquick:\n\tsh scripts/quick.sh --cov\n",
    }
    result = _run(_project(tmp_path, files, ("pytest", "pytest-xdist", "pytest-cov")))
    # quick.sh does not pass its arguments on: --cov given to it reaches no pytest
    assert _failing(result) == ["pytest-cov"]
    assert _used(result, "pytest-xdist").startswith(
        "pytest plugin: option -n in Makefile:2 (passed to pytest by bin/run-tests) ("
    )


def test_job_env_var_read_as_a_shell_variable(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n"
        "  a:\n    runs-on: ubuntu-latest\n    env:\n      ARGS: --cov=demo\n"
        "    steps:\n      - run: echo $ARGS\n"
        "  b:\n    runs-on: ubuntu-latest\n    env:\n      PYTEST_ARGS: --timeout=60\n"
        "    steps:\n      - run: pytest $PYTEST_ARGS $ARGS\n"
    )
    files = {".github/workflows/ci.yml": workflow}
    result = _run(_project(tmp_path, files, ("pytest", "pytest-timeout", "pytest-cov")))
    # job a's ARGS is not in job b's environment
    assert _failing(result) == ["pytest-cov"]
    assert _used(result, "pytest-timeout").startswith(
        "pytest plugin: option --timeout in .github/workflows/ci.yml:14"
    )


def test_default_option_in_a_github_expression(tmp_path: Path) -> None:
    step = "      - run: pytest ${{ inputs.extra || '--timeout=300' }} tests\n"
    files = {".github/workflows/ci.yml": HEAD + step}
    assert _failing(_run(_project(tmp_path, files, ("pytest", "pytest-timeout")))) == []


def test_expression_choosing_programs_is_not_read() -> None:
    expr = "${{ matrix.tool == 'black' && 'ruff' || 'flake8' }} check ."
    assert resolve_expressions(expr, {}) == expr  # left unknown: no program is credited
    assert resolve_expressions("${{ env.A }} x", {"A": "--cov"}) == "--cov x"
    assert resolve_expressions("pytest ${{ c && '-n 4' || '' }}", {}) == "pytest -n 4"


# -- tool invocations ----------------------------------------------------------------------


def test_pre_commit_entry_through_poetry_run(tmp_path: Path) -> None:
    cfg = """\
        repos:
          - repo: local
            hooks:
              - id: types
                name: types
                language: python
                entry: poetry run mypy demo
        """
    result = _run(_project(tmp_path, {".pre-commit-config.yaml": cfg}, ("mypy",)))
    assert _failing(result) == []
    assert _used(result, "mypy") == "run as `mypy` in .pre-commit-config.yaml:7"


def test_console_script_in_a_tox_command(tmp_path: Path) -> None:
    tox = "[testenv:profile]\ncommands =\n    kernprof -l bench.py\n"
    result = _run(_project(tmp_path, {"tox.ini": tox}, ("line-profiler", "memory-profiler")))
    assert _failing(result) == ["memory-profiler"]
    assert _used(result, "line-profiler") == "run as `kernprof` in tox.ini:3"


def test_action_input_that_is_a_shell_command(tmp_path: Path) -> None:
    step = (
        "      - uses: nick-fields/retry@v3\n        with:\n          timeout_minutes: 10\n"
        "          command: tox -e py\n"
        "      - uses: some/action@v1\n        with:\n          command: build\n"
        "          run: nox\n"
    )
    files = {".github/workflows/ci.yml": HEAD + step}
    result = _run(_project(tmp_path, files, ("tox", "build", "nox")))
    assert _failing(result) == ["build", "nox"]
    assert _used(result, "tox") == "run as `tox` in .github/workflows/ci.yml:9"


def test_local_hook_message_or_regex_is_no_command(tmp_path: Path) -> None:
    cfg = """\
        repos:
          - repo: local
            hooks:
              - id: no-format-here
                name: use the formatter
                language: fail
                entry: black is run by CI only
                files: \\.py$
              - id: forbid-print
                name: forbid print
                language: pygrep
                entry: 'isort\\('
        """
    result = _run(_project(tmp_path, {".pre-commit-config.yaml": cfg}, ("black", "isort")))
    assert _failing(result) == ["black", "isort"]


def test_shell_builtin_is_not_a_project_script(tmp_path: Path) -> None:
    files = {
        "scripts/test": '#!/bin/bash\npytest "$@"\n',
        "Makefile": 'check:\n\ttest -n "$$CI" && echo ci\n',
    }
    assert _failing(_run(_project(tmp_path, files, ("pytest", "pytest-xdist")))) == ["pytest-xdist"]


# -- properties of the workflow reader ------------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)


@given(
    text=st.text(max_size=80).filter(lambda t: "${{" not in t), env=st.dictionaries(_WORD, _WORD)
)
def test_text_without_expressions_is_unchanged(text: str, env: dict[str, str]) -> None:
    assert resolve_expressions(text, env) == text


@given(name=_NAME, value=_WORD)
def test_env_reference_reads_its_value(name: str, value: str) -> None:
    assert resolve_expressions(f"a ${{{{ env.{name} }}}} b", {name: value}) == f"a {value} b"


@given(action=_NAME, key=_NAME, value=_NAME)
def test_inputs_of_an_unknown_action_run_nothing(action: str, key: str, value: str) -> None:
    text = HEAD + f"      - uses: acme/{action}@v1\n        with:\n          {key}: {value}\n"
    assert read_workflow(text, "ci.yml") == []
