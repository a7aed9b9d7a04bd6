"""False `unused` findings of corpus12/corpus3 seen once setup.py's ``_deps`` tables were read
(benchmarks/real_projects.toml, [alignment-handbook.deps] and [diffusers.deps]).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _evidence(root: Path, dep: str) -> str:
    result = run_gate(root, use_cache=False)
    return result.used_by[dep][0].text


_TEST = {"tests/test_x.py": "def test_x():\n    assert True\n"}

# -- class 1: a pytest plugin's setting given through its environment variable -----------------

_DIFFUSERS_WF = (
    "on: push\nenv:\n  HF_HOME: /mnt/cache\n  PYTEST_TIMEOUT: 600\njobs:\n  t:\n"
    "    runs-on: ubuntu-latest\n    steps:\n      - run: python -m pytest tests\n"
)


def test_pytest_timeout_env_in_workflow_uses_plugin(tmp_path: Path) -> None:
    # diffusers .github/workflows/release_tests_fast.yml:20 `PYTEST_TIMEOUT: 600`
    files = {**PKG, **_TEST, ".github/workflows/fast.yml": _DIFFUSERS_WF}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []
    assert _evidence(root, "pytest-timeout").startswith(
        "pytest plugin: ini key 'timeout' in .github/workflows/fast.yml:4 PYTEST_TIMEOUT"
        " (pytest-timeout's environment setting) ("
    )


@pytest.mark.parametrize(
    ("rel", "text", "dev"),
    [
        ("Makefile", "test:\n\tPYTEST_TIMEOUT=300 pytest tests\n", "pytest-timeout"),
        ("scripts/ci.sh", "#!/bin/sh\nexport PYTEST_TIMEOUT='120'\npytest\n", "pytest-timeout"),
        (
            ".github/workflows/t.yml",
            WORKFLOW_HEAD + "      - run: pytest\n        env:\n"
            "          PYTEST_XDIST_AUTO_NUM_WORKERS: 4\n",
            "pytest-xdist",
        ),
        ("Makefile", "test:\n\tPYTEST_XDIST_AUTO_NUM_WORKERS=2 pytest\n", "pytest-xdist"),
    ],
)
def test_plugin_env_setting_other_shapes(tmp_path: Path, rel: str, text: str, dev: str) -> None:
    root = _project(tmp_path, {**PKG, **_TEST, rel: text}, deps=("requests",), dev=(dev,))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        # read, not set; an empty value; a longer variable name
        'on: push\njobs:\n  t:\n    steps:\n      - run: echo "${PYTEST_TIMEOUT}"\n',
        'on: push\nenv:\n  PYTEST_TIMEOUT: ""\n',
        "on: push\nenv:\n  MY_PYTEST_TIMEOUT_X: 600\n  OTHER_PYTEST_TIMEOUT: 5\n",
    ],
)
def test_plugin_env_setting_negative(tmp_path: Path, text: str) -> None:
    files = {**PKG, **_TEST, ".github/workflows/t.yml": text}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest-timeout",))
    assert _gate(root) == ["pytest-timeout"]
