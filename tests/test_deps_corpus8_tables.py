"""False `unused` findings of corpus8 whose knowledge is table data (benchmarks/real_projects.toml,
/work/corpus8/REPORT.md): broker transports chosen by URL, wheel's commands, console scripts
named apart from their distribution, PyPy builds, meta-packages, and requirement-file defects.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Kind
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project

# -- class 5: `setup.py bdist_wheel` is a use of wheel -----------------------------------------


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # celery Makefile:151
        ("Makefile", "build:\n\t$(PYTHON) setup.py sdist bdist_wheel\n"),
        (".github/workflows/ci.yml", WORKFLOW_HEAD + "      - run: python3 setup.py -q bdist_wheel\n"),
        ("scripts/release.sh", "#!/bin/sh\npython setup.py bdist_wheel --universal upload\n"),
    ],
)
def test_setup_py_bdist_wheel_uses_wheel(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**PKG, rel: text}, deps=("requests",), dev=("wheel",))
    assert _gate(root) == []


def test_setup_py_sdist_only_leaves_wheel_unused(tmp_path: Path) -> None:
    files = {**PKG, "Makefile": "build:\n\tpython setup.py sdist\n# bdist_wheel later\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == ["wheel"]


# -- class 6: build's short flag `-n` (--no-isolation) -----------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "python -m build -n --wheel",  # exllamav2 build-wheels-release.yml:301
        "python -m build -nw",
        "python -m build -o dist -wn .",
        "pyproject-build -n",
    ],
)
def test_build_short_no_isolation_flag_uses_wheel(tmp_path: Path, command: str) -> None:
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {command}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == []


@pytest.mark.parametrize("command", ["python -m build --wheel", "python -m build -w -o dist-n"])
def test_isolated_build_leaves_wheel_unused(tmp_path: Path, command: str) -> None:
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {command}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == ["wheel"]
