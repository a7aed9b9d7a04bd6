"""False `unused` findings found on real projects the gate was never tuned on (corpus6).

Each test is a minimal reproduction of one class of false finding judged in
benchmarks/real_projects.toml (ten Python projects fetched into /work/corpus6, commits
recorded there: setfit, evaluate, lerobot, graphrag, ragas, unstructured, pyannote-audio,
tiktoken, langextract, helm). They assert the correct behaviour and are strict xfails until
the class is fixed at its root: when one starts passing, remove its marker. The reason names
the class, the project and the evidence (file:line). Controls (no marker) pin the
neighbouring behaviour that already works, so a test fails for the reason it names and no other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.gate_projects import (
    PKG,
    WORKFLOW_HEAD,
)
from tests.helpers.gate_projects import (
    gate as _gate,
)
from tests.helpers.gate_projects import (
    project as _project,
)

# -- a tool configured by a [tool.X] table named apart from its distribution -------------

_POE = """\
[tool.poe.tasks]
check = "ruff check ."
"""


def test_tool_table_named_apart_from_its_distribution(tmp_path: Path) -> None:
    root = _project(tmp_path, PKG, deps=("requests",), dev=("poethepoet",), extra_toml=_POE)
    assert _gate(root) == []


def test_tool_table_named_after_its_distribution_control(tmp_path: Path) -> None:
    extra = "[tool.ruff]\nline-length = 100\n"
    root = _project(tmp_path, PKG, deps=("requests",), dev=("ruff",), extra_toml=extra)
    assert _gate(root) == []


# -- a Python-Markdown extension named by its entry point, not its module --------------------

_MKDOCS_TYPER = """\
site_name: demo
markdown_extensions:
  - mkdocs-typer
"""


def test_markdown_extension_named_by_entry_point(tmp_path: Path) -> None:
    files = {**PKG, "mkdocs.yml": _MKDOCS_TYPER}
    root = _project(tmp_path, files, deps=("requests",), dev=("mkdocs", "mkdocs-typer"))
    assert _gate(root) == []


def test_markdown_extension_named_by_module_control(tmp_path: Path) -> None:
    files = {**PKG, "mkdocs.yml": _MKDOCS_TYPER.replace("mkdocs-typer", "mkdocs_typer")}
    root = _project(tmp_path, files, deps=("requests",), dev=("mkdocs", "mkdocs-typer"))
    assert _gate(root) == []


# -- a BeautifulSoup parser name passed through a wrapper's parameter -------------------------

_WRAPPER = """\
from bs4 import BeautifulSoup


def indent_html(html_string, html_parser="html.parser"):
    return BeautifulSoup(html_string, html_parser).prettify()
"""


def test_bs4_parser_passed_through_a_wrapper(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/html_utils.py": _WRAPPER,
        "tests/test_html.py": (
            "from demo.html_utils import indent_html\n\n\ndef test_it():\n"
            '    assert indent_html("<p>", html_parser="html5lib")\n'
        ),
    }
    root = _project(tmp_path, files, deps=("beautifulsoup4", "html5lib"), dev=("pytest",))
    assert _gate(root) == []


def test_bs4_parser_given_directly_control(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "from bs4 import BeautifulSoup\n\n"
        'def f(s):\n    return BeautifulSoup(s, "html5lib")\n',
    }
    root = _project(tmp_path, files, deps=("beautifulsoup4", "html5lib"))
    assert _gate(root) == []


# -- a requirements file installed with --no-deps lists its packages' own dependencies ------


def _no_deps_project(root: Path, flags: str) -> Path:
    files = {
        **PKG,
        "extra-requirements.txt": "requests\ngin-config\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD
        + f"      - run: pip install -r extra-requirements.txt{flags}\n",
    }
    return _project(root, files, deps=("requests",))


def test_requirements_installed_with_no_deps(tmp_path: Path) -> None:
    assert _gate(_no_deps_project(tmp_path, " --no-deps")) == []


def test_requirements_installed_with_deps_control(tmp_path: Path) -> None:
    assert _gate(_no_deps_project(tmp_path, "")) == ["gin-config"]


# -- a type checker whose directives the code carries -----------------------------------------


# langextract pyproject.toml:65 dev `pytype`; langextract/visualization.py:46
# `# pytype: disable=annotation-type-mismatch`, tests/data_lib_test.py:196
def test_type_checker_directive_comments(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import requests\nX = None  # pytype: disable=attribute-error\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytype",))
    assert _gate(root) == []


def test_type_checker_configured_control(tmp_path: Path) -> None:
    extra = "[tool.mypy]\nstrict = true\n"
    root = _project(tmp_path, PKG, deps=("requests",), dev=("mypy",), extra_toml=extra)
    assert _gate(root) == []


# -- notebooks shipped with the project need a Jupyter front end and kernel ---------------------

_NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, '
    '"outputs": [], "source": ["import requests\\n", "requests.get\\n"]}], "metadata": {}, '
    '"nbformat": 4, "nbformat_minor": 5}\n'
)


def test_jupyter_for_shipped_notebooks(tmp_path: Path) -> None:
    files = {**PKG, "examples/notebooks/quickstart.ipynb": _NOTEBOOK}
    root = _project(tmp_path, files, deps=("requests",), dev=("jupyter", "ipykernel"))
    assert _gate(root) == []


def test_imports_in_shipped_notebooks_control(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "", "examples/notebooks/quickstart.ipynb": _NOTEBOOK}
    root = _project(tmp_path, files, dev=("requests",))
    assert _gate(root) == []


# -- a backend distribution that its front end imports (jax -> jaxlib) ------------------------


def test_jaxlib_beside_jax(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import jax.numpy as jnp\n"}
    root = _project(tmp_path, files, deps=("jax", "jaxlib"))
    assert _gate(root) == []


def test_jax_imported_control(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import jax.numpy as jnp\n"}
    root = _project(tmp_path, files, deps=("jax",))
    assert _gate(root) == []


# -- a dynamic import of a module name composed by an f-string --------------------------------

_GYM_CALL = """\
import importlib


def make_env(kind):
    return importlib.import_module(f"gym_{kind}")


ENV = make_env("pusht")
"""

_GYM_REGISTRY = """\
import importlib

REGISTRY = {}


class EnvConfig:
    @classmethod
    def register_subclass(cls, name):
        def wrap(sub):
            REGISTRY[sub] = name
            return sub

        return wrap

    @property
    def type(self):
        return REGISTRY[type(self)]

    @property
    def package_name(self):
        return f"gym_{self.type}"

    def make(self):
        return importlib.import_module(self.package_name)


@EnvConfig.register_subclass("pusht")
class PushtEnv(EnvConfig):
    pass
"""


def test_dynamic_import_of_a_name_built_from_a_registered_choice(tmp_path: Path) -> None:
    root = _project(tmp_path, {"demo/__init__.py": _GYM_REGISTRY}, deps=("gym-pusht",))
    assert _gate(root) == []


def test_dynamic_import_of_an_fstring_with_a_literal_argument_control(tmp_path: Path) -> None:
    root = _project(tmp_path, {"demo/__init__.py": _GYM_CALL}, deps=("gym-pusht",))
    assert _gate(root) == []


# -- library classes whose default backend is another distribution ----------------------------


def test_langchain_directory_loader_needs_unstructured(tmp_path: Path) -> None:
    body = (
        "from langchain_community.document_loaders import DirectoryLoader\n\n"
        'LOADER = DirectoryLoader("./docs", glob="**/*.md")\n'
    )
    root = _project(
        tmp_path, {"demo/__init__.py": body}, deps=("langchain-community", "unstructured")
    )
    assert _gate(root) == []


def test_torchmetrics_lpips_needs_lpips(tmp_path: Path) -> None:
    body = (
        "from torchmetrics.image.lpip import LearnedPerceptualImagePatchSimilarity\n\n"
        'M = LearnedPerceptualImagePatchSimilarity(net_type="vgg")\n'
    )
    root = _project(tmp_path, {"demo/__init__.py": body}, deps=("torchmetrics", "lpips"))
    assert _gate(root) == []


# -- a conda package that provides the binaries a Python wrapper runs ---------------------------

_ENV = """\
name: demo
dependencies:
  - python=3.10
  - {binary}
  - pip
  - pip:
    - pdf2image
"""


def test_conda_binary_run_by_a_python_wrapper(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import pdf2image\n",
        "environment.yml": _ENV.format(binary="poppler"),
    }
    root = _project(tmp_path, files)
    assert _gate(root) == []


def test_conda_python_package_imported_control(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import pdf2image\nimport numpy\n",
        "environment.yml": _ENV.format(binary="numpy"),
    }
    root = _project(tmp_path, files)
    assert _gate(root) == []


@pytest.mark.parametrize(
    ("dist", "comment", "used"),
    [
        ("pylint", "# pylint: disable=invalid-name", True),
        ("pyright", "#pyright: ignore[reportGeneralTypeIssues]", True),
        ("pyre-check", "# pyre-fixme[6]: wrong type", True),
        ("pylint", "# noqa: E501  (the linter we dropped was pylint)", False),
        ("pytype", "# we used to run pytype here", False),
        ("pytype", "# type: ignore", False),
    ],
)
def test_directive_comments_are_evidence_only_for_their_own_tool(
    tmp_path: Path, dist: str, comment: str, used: bool
) -> None:
    """Only a directive the tool alone reads proves it; a shared one or a mention does not."""
    files = {"demo/__init__.py": f"import requests\n\nX = requests.get  {comment}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=(dist,))
    assert _gate(root) == ([] if used else [dist])
