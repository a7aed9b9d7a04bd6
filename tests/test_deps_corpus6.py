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

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult


def _project(
    root: Path,
    files: dict[str, str],
    deps: tuple[str, ...] = (),
    dev: tuple[str, ...] = (),
    extra_toml: str = "",
    name: str = "demo",
) -> Path:
    """A small pyproject project; ``files`` bodies are dedented."""
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n{extra_toml}"
    )
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


def _gate(root: Path) -> list[str]:
    return _failing(run_gate(root, use_cache=False))


PKG = {"demo/__init__.py": "import requests\n"}
WORKFLOW_HEAD = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


# -- a tool configured by a [tool.X] table named apart from its distribution -------------

_POE = """\
[tool.poe.tasks]
check = "ruff check ."
"""


@_xfail(
    "tool-invocation: graphrag pyproject.toml:70 `[tool.poe.tasks]` configures poethepoet "
    "(table `poe`, distribution `poethepoet`); .github/workflows/python-checks.yml:74 "
    "`uv run poe check`"
)
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


@_xfail(
    "docs-toolchain: graphrag mkdocs.yaml:111 markdown_extensions `- mkdocs-typer` (the "
    "`markdown.extensions` entry point of mkdocs-typer; its module is mkdocs_typer), "
    "docs/cli.md:5 `::: mkdocs-typer`"
)
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


@_xfail(
    "implicit-use: unstructured test_unstructured/partition/html/"
    'test_html_to_ontology_parsing.py:514 `indent_html(input_html, html_parser="html5lib")`'
    " -> unstructured/partition/html/html_utils.py:23 `BeautifulSoup(html_string, html_parser)`"
)
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
