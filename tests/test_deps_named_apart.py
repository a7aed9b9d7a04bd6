"""Uses named apart from the distribution that provides them (corpus6 classes): a
``[tool.X]`` table, a companion package, a conda binary, a ``--no-deps`` list, notebooks."""

from __future__ import annotations

from pathlib import Path

from pytest_llmcore.deps.gate import run_gate
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _failing
from tests.helpers.gate_projects import project as _project


def test_semantic_release_table_counts_for_its_distribution(tmp_path: Path) -> None:
    extra = '[tool.semantic_release]\nversion_toml = ["pyproject.toml:project.version"]\n'
    root = _project(tmp_path, PKG, ("requests",), ("python-semantic-release",), extra)
    assert _failing(root) == []


def test_alias_table_does_not_vouch_for_another_tool(tmp_path: Path) -> None:
    extra = '[tool.poe.tasks]\ncheck = "echo hi"\n'
    root = _project(tmp_path, PKG, ("requests",), ("poethepoet", "black"), extra)
    assert _failing(root) == ["black"]


def _kinds(root: Path) -> dict[str, str]:
    return {f.dependency: f.kind for f in run_gate(root, use_cache=False).findings}


def test_jaxlib_is_a_companion_not_a_use(tmp_path: Path) -> None:
    # jaxlib beside a jax that is used: not failing, yet shown as a companion
    files = {"demo/__init__.py": "from jax import numpy\nnumpy.zeros(3)\n"}
    root = _project(tmp_path, files, ("jax", "jaxlib"))
    assert _failing(root) == []
    assert _kinds(root).get("jaxlib") == "unused-companion"


def test_jaxlib_without_jax_used_still_fails(tmp_path: Path) -> None:
    root = _project(tmp_path, PKG, ("requests", "jax", "jaxlib"))
    assert _failing(root) == ["jax", "jaxlib"]


_ENV = """\
name: demo
dependencies:
  - python=3.11
  - {binary}
  - pip
  - pip:
    - {wrapper}
"""


def test_conda_tesseract_run_by_pytesseract(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import pytesseract\npytesseract.image_to_string('x.png')\n",
        "environment.yml": _ENV.format(binary="tesseract", wrapper="pytesseract"),
    }
    assert _failing(_project(tmp_path, files)) == []


def test_conda_poppler_without_its_wrapper_still_fails(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "environment.yml": _ENV.format(binary="poppler", wrapper="requests"),
    }
    assert _failing(_project(tmp_path, files)) == ["poppler"]


def _finding(root: Path, dep: str) -> tuple[str, str]:
    for f in run_gate(root, use_cache=False).findings:
        if f.dependency == dep:
            return f.kind, f.evidence[-1].text
    return "", ""


def test_no_deps_file_entry_names_its_requirer(tmp_path: Path) -> None:
    # a Makefile recipe continued over two lines; pytest requires pluggy (installed metadata:
    # both are in every environment the suite runs in, the lean CI ones too)
    files = {
        **PKG,
        "ci/lock-requirements.txt": "pytest\npluggy\n",  # no version: no pin by itself
        "Makefile": "deps:\n\tpip install \\\n\t  -r ci/lock-requirements.txt --no-deps\n",
    }
    root = _project(tmp_path, files, ("requests",))
    assert _failing(root) == []
    kind, text = _finding(root, "pluggy")
    assert kind == "unused-companion"
    assert text == (
        "not used directly; ci/lock-requirements.txt is installed with --no-deps "
        "(Makefile:2): pytest (listed there) requires it, so this entry pins a requirement"
    )


def test_no_deps_file_of_one_entry_still_fails(tmp_path: Path) -> None:
    files = {
        **PKG,
        "solo-requirements.txt": "gin-config\n",
        "tox.ini": "[testenv]\ncommands_pre = pip install -r solo-requirements.txt --no-deps\n",
    }
    assert _failing(_project(tmp_path, files, ("requests",))) == ["gin-config"]


def test_no_deps_elsewhere_on_another_line_does_not_count(tmp_path: Path) -> None:
    files = {
        **PKG,
        "extra-requirements.txt": "requests\ngin-config\n",
        "Makefile": "a:\n\tpip install -r extra-requirements.txt\n\tpip install . --no-deps\n",
    }
    assert _failing(_project(tmp_path, files, ("requests",))) == ["gin-config"]


_NB = (
    '{"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Tour"]}], '
    '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
)


def test_jupyterlab_for_shipped_notebooks_names_them(tmp_path: Path) -> None:
    files = {**PKG, "docs/tour.ipynb": _NB, "docs/more.ipynb": _NB}
    root = _project(tmp_path, files, ("requests",), ("jupyterlab",))
    assert _failing(root) == []
    used = run_gate(root, use_cache=False).used_by["jupyterlab"]
    assert [e.text for e in used] == ["the project ships 2 notebooks (docs/more.ipynb)"]


def test_jupyter_without_notebooks_still_fails(tmp_path: Path) -> None:
    files = {**PKG, ".scratch/tmp.ipynb": _NB, "docs/notes.md": "run jupyter notebook\n"}
    root = _project(tmp_path, files, ("requests",), ("jupyter", "ipykernel"))
    assert _failing(root) == ["ipykernel", "jupyter"]


def test_markdown_extension_entry_point_names_its_distribution() -> None:
    from pytest_llmcore.deps.doctools import read_mkdocs

    text = "site_name: x\nmarkdown_extensions:\n  - toc\n  - mkdocs-click\n  - pymdownx.snippets\n"
    uses = [(u.line, u.dists, u.modules) for u in read_mkdocs(text, "mkdocs.yml")[1:]]
    assert uses == [
        (3, ("markdown",), ()),
        (4, ("mkdocs-click",), ()),
        (5, (), ("pymdownx.snippets",)),
    ]


def test_markdown_extension_entry_point_vouches_for_no_other(tmp_path: Path) -> None:
    files = {**PKG, "mkdocs.yml": "site_name: x\nmarkdown_extensions:\n  - mkdocs-typer\n"}
    root = _project(tmp_path, files, ("requests",), ("mkdocs", "mkdocs-typer", "mkdocs-click"))
    assert _failing(root) == ["mkdocs-click"]


_LC = "from langchain_community.document_loaders import {names}\n\n"


def test_unstructured_loader_of_langchain_needs_unstructured(tmp_path: Path) -> None:
    body = _LC.format(names="UnstructuredMarkdownLoader") + (
        'DOCS = UnstructuredMarkdownLoader("README.md").load()\n'
    )
    root = _project(tmp_path, {"demo/__init__.py": body}, ("langchain-community", "unstructured"))
    assert _failing(root) == []


def test_directory_loader_with_its_own_loader_class_needs_no_unstructured(
    tmp_path: Path,
) -> None:
    body = _LC.format(names="DirectoryLoader, TextLoader") + (
        'LOADER = DirectoryLoader(str("docs"), glob="*.md", loader_cls=TextLoader)\n'
    )
    root = _project(tmp_path, {"demo/__init__.py": body}, ("langchain-community", "unstructured"))
    assert _failing(root) == ["unstructured"]


def test_lpips_metric_named_in_a_comment_is_no_use(tmp_path: Path) -> None:
    body = (
        "import torchmetrics\n\n"
        "# LearnedPerceptualImagePatchSimilarity needs lpips\n"
        "M = torchmetrics.Metric\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": body}, ("torchmetrics", "lpips"))
    assert _failing(root) == ["lpips"]
