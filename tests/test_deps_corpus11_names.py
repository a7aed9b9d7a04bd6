"""False `unused` findings of corpus11 (benchmarks/real_projects.toml, /work/corpus11/REPORT.md)
fixed by reading names right: a package module named ``setup.py`` is no nested project
(class A), import names abbreviated from the distribution's name (class E) and a Sphinx
builder named only by a make target (class G).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.declarations import is_project_dir
from pytest_llmcore.deps.gate import run_gate
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project

# -- class A: a package module named setup.py is no nested project ------------------------

# NeMo-Skills nemo_skills/pipeline/setup.py: the `ns setup` command (abridged)
_SETUP_COMMAND = '''\
import typer

from nemo_skills.pipeline.app import app


@app.command()
def setup():
    """Helper command to setup cluster configs."""
    typer.echo("cluster setup and mounts list")
'''


def test_package_module_named_setup_py_is_scanned(tmp_path: Path) -> None:
    """Reproduction (NeMo-Skills typer, huggingface-hub): the folder holding the ``ns setup``
    command module was skipped as a project of its own, hiding its imports."""
    files = {
        **PKG,
        "demo/pipeline/__init__.py": "",
        "demo/pipeline/setup.py": _SETUP_COMMAND,
        "demo/pipeline/app.py": "import typer\napp = typer.Typer()\n",
        "demo/pipeline/cluster.py": "from huggingface_hub import get_token\nTOKEN = get_token()\n",
    }
    root = _project(tmp_path, files, deps=("requests", "typer", "huggingface-hub"))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    assert not [n for n in result.notes if "a project of its own" in n]


def test_environment_script_named_setup_py_is_scanned(tmp_path: Path) -> None:
    """Another shape: a folder's ``setup.py`` that prepares an environment (no package
    beside it, no ``setup(`` call) is a script of the project."""
    script = "import subprocess\nimport rich\n\nrich.print('ok')\nsubprocess.run(['make'])\n"
    files = {**PKG, "tools/setup.py": script}
    root = _project(tmp_path, files, deps=("requests",), dev=("rich",))
    assert _gate(root) == []


def test_package_module_calling_its_own_setup_is_scanned(tmp_path: Path) -> None:
    """Another shape: a package module named setup.py that calls a ``setup(...)`` of its
    own (a plugin registry), naming no build library."""
    module = "import click\n\nfrom .registry import setup\n\nsetup(click.echo)\n"
    files = {**PKG, "demo/plugins/__init__.py": "", "demo/plugins/setup.py": module}
    root = _project(tmp_path, files, deps=("requests", "click"))
    assert _gate(root) == []


_BUILD_SCRIPT = 'from setuptools import setup\n\nsetup(name="sub", install_requires=["numpy"])\n'


def test_nested_project_with_a_build_script_is_still_skipped(tmp_path: Path) -> None:
    """Negative control: a real nested project (setuptools ``setup()``, even beside an
    ``__init__.py``, as gpt-neox's megatron/fused_kernels) is still a project of its own: the
    root's entry that only its code imports stays unused."""
    files = {
        **PKG,
        "plugins/sub/__init__.py": "import numpy\nnumpy.zeros(1)\n",
        "plugins/sub/setup.py": _BUILD_SCRIPT,
    }
    root = _project(tmp_path, files, deps=("requests", "numpy"))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["numpy"]
    assert "plugins/sub: a project of its own (has its own project file); not scanned" in (
        result.notes
    )


@pytest.mark.parametrize(
    ("body", "package", "nested"),
    [
        (_BUILD_SCRIPT, False, True),
        (_BUILD_SCRIPT, True, True),
        ("import setuptools\nsetuptools.setup()\n", True, True),
        ("from skbuild import setup\nsetup(name='x')\n", False, True),
        ("from numpy.distutils.core import setup\nsetup(name='x')\n", True, True),
        # a build through the project's own helper: no package beside it, so a build script
        ("from build_helpers import setup\nsetup(name='x')\n", False, True),
        ("from build_helpers import setup\nsetup(name='x')\n", True, False),
        (_SETUP_COMMAND, True, False),
        (_SETUP_COMMAND, False, False),
        ("def setup(app):\n    app.add_css_file('x.css')\n", False, False),
        ("import sys\nsys.exit('use pip install .')\n", False, False),
        ("", False, False),
    ],
)
def test_is_project_dir_setup_py(tmp_path: Path, body: str, package: bool, nested: bool) -> None:
    (tmp_path / "setup.py").write_text(body)
    if package:
        (tmp_path / "__init__.py").write_text("")
    assert is_project_dir(tmp_path) is nested
