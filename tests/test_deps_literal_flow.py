"""Literal values that reach the call using them through a variable, a method's result or a
wrapper's parameter (corpus6 classes: a dynamic import of a name built on a literal prefix,
a BeautifulSoup parser passed through a project function). Shapes other than the
reproductions in tests/test_deps_corpus6.py, plus the negatives that keep the rules narrow."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.literalbind import bound_prefixes
from pytest_llmcore.deps.wrapped_args import WrappedUse, wrapped_parser_uses

from .test_deps_corpus6 import _project


def _gate(root: Path) -> list[str]:
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


# -- a module name built on a literal prefix, reaching the loader indirectly --------------

_CONCAT_LOCAL = """\
import importlib


def load(kind):
    name = "gym_" + kind
    return importlib.import_module(name)
"""

_FUNCTION_RESULT = """\
from importlib import import_module


def backend_module():
    return "gym_{}".format(BACKEND)


BACKEND = "pusht"
MOD = import_module(backend_module())
"""

_NEVER_LOADED = """\
def label(kind):
    name = f"gym_{kind}"
    return name.upper()
"""

_SHORT_PREFIX = """\
import importlib


class C:
    @property
    def mod(self):
        return f"g_{self.kind}"

    def load(self):
        return importlib.import_module(self.mod)
"""


@pytest.mark.parametrize("body", [_CONCAT_LOCAL, _FUNCTION_RESULT], ids=["local", "function"])
def test_built_module_name_reaches_the_loader(tmp_path: Path, body: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": body}, deps=("gym-pusht",))
    assert _gate(root) == []


@pytest.mark.parametrize("body", [_NEVER_LOADED, _SHORT_PREFIX], ids=["no-loader", "short"])
def test_built_name_that_no_loader_receives_is_no_use(tmp_path: Path, body: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": body}, deps=("gym-pusht",))
    assert _gate(root) == ["gym-pusht"]


def test_bound_prefixes_pins_line_and_route() -> None:
    assert list(bound_prefixes(_CONCAT_LOCAL)) == [("gym_", 6, "name")]
    assert list(bound_prefixes(_FUNCTION_RESULT)) == [("gym_", 9, "backend_module")]
    assert list(bound_prefixes(_NEVER_LOADED)) == []


def test_a_variable_also_bound_to_something_else_is_not_followed() -> None:
    body = (
        "import importlib\n\ndef f(kind, other):\n    name = f'gym_{kind}'\n"
        "    name = other\n    return importlib.import_module(name)\n"
    )
    assert list(bound_prefixes(body)) == []


# -- a BeautifulSoup parser passed through a project function's parameter ----------------

_METHOD_WRAPPER = """\
import bs4


class Page:
    def soup(self, markup, parser):
        return bs4.BeautifulSoup(markup, features=parser)
"""


def _bs4_project(tmp_path: Path, wrapper: str, caller: str) -> Path:
    files = {
        "demo/__init__.py": "",
        "demo/page.py": wrapper,
        "demo/use.py": f"from demo.page import Page, soup\n\n{caller}\n",
    }
    return _project(tmp_path, files, deps=("beautifulsoup4", "html5lib"))


def test_positional_literal_to_a_method_wrapper(tmp_path: Path) -> None:
    wrapper = _METHOD_WRAPPER + "\n\ndef soup(s):\n    return s\n"
    root = _bs4_project(tmp_path, wrapper, 'X = Page().soup("<p>", "html5lib")')
    assert _gate(root) == []


def test_wrapper_parameter_default_names_the_parser(tmp_path: Path) -> None:
    wrapper = (
        "from bs4 import BeautifulSoup\n\n\n"
        'def soup(s, *, parser="html5lib"):\n    return BeautifulSoup(s, parser)\n'
        "\n\nclass Page:\n    pass\n"
    )
    root = _bs4_project(tmp_path, wrapper, 'X = soup("<p>")')
    assert _gate(root) == []


def test_a_literal_for_a_parameter_that_is_not_the_parser_is_no_use(tmp_path: Path) -> None:
    wrapper = (
        "from bs4 import BeautifulSoup\n\n\n"
        'def soup(s, name, parser="html.parser"):\n    return BeautifulSoup(s, parser), name\n'
        "\n\nclass Page:\n    pass\n"
    )
    root = _bs4_project(tmp_path, wrapper, 'X = soup("<p>", "html5lib")')
    assert _gate(root) == ["html5lib"]


def test_attribute_assigned_a_built_name_reaches_the_loader() -> None:
    body = (
        "import importlib\n\nclass Env:\n    def __init__(self, kind):\n"
        "        self.module = 'gym_%s' % kind\n\n"
        "def make(env):\n    return importlib.import_module(env.module)\n"
    )
    assert list(bound_prefixes(body)) == [("gym_", 8, "module")]


# -- the same for an engine name passed through a wrapper's parameter ---------------------

_ENGINE_WRAPPER = """\
import pandas as pd


def load(path, engine="pyarrow"):
    return pd.read_csv(path, engine=engine)
"""


def _engine_uses(tmp_path: Path, io_body: str, caller: str) -> list[WrappedUse]:
    files = []
    for rel, body in (("demo/io.py", io_body), ("demo/run.py", caller)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
        files.append((rel, tmp_path / rel))
    return list(wrapped_parser_uses(files, {"pyarrow", "lxml"}))


@pytest.mark.parametrize(
    ("caller", "found"),
    [
        ('X = load("a.csv", engine="pyarrow")', [("pyarrow", "load(... 'pyarrow')", 2)]),
        ('\nX = load("a.csv", "pyarrow")', [("pyarrow", "load(... 'pyarrow')", 3)]),
        ('X = load("a.csv", engine="python")', []),
        ('X = other("a.csv", engine="pyarrow")', []),
    ],
    ids=["keyword", "positional", "not-an-engine", "not-the-wrapper"],
)
def test_engine_passed_through_a_wrapper(
    tmp_path: Path, caller: str, found: list[tuple[str, str, int]]
) -> None:
    body = _ENGINE_WRAPPER.replace('engine="pyarrow"', "engine")  # no default
    uses = _engine_uses(tmp_path, body, f"from demo.io import load\n{caller}\n")
    assert [(u.dist, u.snippet, u.line) for u in uses] == found
    assert {u.file for u in uses} <= {"demo/run.py"}


def test_engine_default_of_a_wrapper_is_a_use(tmp_path: Path) -> None:
    uses = _engine_uses(tmp_path, _ENGINE_WRAPPER, "")
    assert uses == [WrappedUse("pyarrow", "def load(... engine='pyarrow')", "demo/io.py", 4)]
