"""The import scanner: every use form, the three stages agreeing, and bad input."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps import scanner
from pytest_llmcore.deps.model import ImportRecord
from pytest_llmcore.deps.scanner import ast_imports, candidate_modules, scan_source


def _recs(src: str, **kw: object) -> dict[str, ImportRecord]:
    res = scan_source(textwrap.dedent(src), **kw)  # type: ignore[arg-type]
    assert res.problem is None, res.problem
    return {r.module: r for r in res.imports}


def test_alias_used_through_its_alias() -> None:
    r = _recs("import numpy as np\nnp.zeros(3)\n")
    assert r["numpy"].bound == ("np",) and r["numpy"].used


def test_import_whose_name_is_never_used_is_not_a_use() -> None:
    r = _recs("import tiktoken\nimport os\nprint(os.sep)\n")
    assert not r["tiktoken"].used
    assert r["os"].used


def test_name_only_in_comment_or_string_is_not_a_use() -> None:
    r = _recs('import tiktoken\n# tiktoken.get_encoding\nx = "tiktoken.encode"\n')
    assert not r["tiktoken"].used


def test_attribute_with_the_same_name_is_not_a_use() -> None:
    # vulture pools names across files and counts x.loguru as a use; we do not
    r = _recs("import loguru\nclass A:\n    def f(self):\n        return self.loguru\n")
    assert not r["loguru"].used


def test_from_import_records_each_name() -> None:
    r = _recs("from google.cloud import storage, bigquery as bq\nstorage.Client()\n")
    assert r["google.cloud.storage"].used
    assert r["google.cloud.bigquery"].bound == ("bq",) and not r["google.cloud.bigquery"].used


def test_type_checking_import_used_in_string_annotation() -> None:
    r = _recs(
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import pandas as pd
        def f(x: "pd.DataFrame") -> "list[pd.Series]":
            return []
        """
    )
    assert r["pandas"].type_checking and r["pandas"].used


def test_typing_dot_type_checking_and_else_branch() -> None:
    r = _recs(
        """
        import typing
        if typing.TYPE_CHECKING:
            import a
        else:
            import b
        a, b
        """
    )
    assert r["a"].type_checking and not r["b"].type_checking


def test_try_except_importerror_is_guarded() -> None:
    r = _recs(
        """
        try:
            import orjson as json
        except (ModuleNotFoundError, ValueError):
            json = None
        try:
            import ujson
        except KeyError:
            pass
        json, ujson
        """
    )
    assert r["orjson"].guarded
    assert not r["ujson"].guarded


def test_dynamic_imports_assigned_or_not() -> None:
    r = _recs(
        """
        import importlib
        m = importlib.import_module("whisper")
        importlib.import_module("numba.cuda")
        __import__("ujson")
        x = [__import__("yaml")]
        importlib.import_module(".relative", package="p")
        """
    )
    for mod in ("whisper", "numba.cuda", "ujson", "yaml"):
        assert r[mod].dynamic and r[mod].used
    assert ".relative" not in r


def test_pytest_importorskip_is_an_optional_import() -> None:
    r = _recs('import pytest\nnp = pytest.importorskip("numpy", reason="x")\nnp.zeros\n')
    assert r["numpy"].dynamic and r["numpy"].used and r["numpy"].guarded


def test_function_level_import() -> None:
    r = _recs("def f():\n    import polars as pl\n    return pl.DataFrame()\n")
    assert r["polars"].used


def test_reexports_count_as_uses() -> None:
    r = _recs(
        """
        import msgpack
        from attrs import define as define
        import json as json
        __all__ = ["msgpack"]
        """
    )
    assert r["msgpack"].used and r["attrs.define"].used and r["json"].used


def test_everything_in_init_is_a_reexport() -> None:
    r = _recs("from rich import print as rprint\n", is_init=True)
    assert r["rich.print"].used


def test_noqa_marks_a_side_effect_import() -> None:
    r = _recs("import torchvision  # noqa: F401\nimport torch_xla  # noqa\nimport dead\n")
    assert r["torchvision"].used and r["torch_xla"].used and not r["dead"].used


def test_star_import_is_a_use() -> None:
    assert _recs("from numpy import *\n")["numpy"].used


def test_relative_imports_are_ignored() -> None:
    assert _recs("from . import x\nfrom .a import b\nfrom ..c import d\nx, b, d\n") == {}


def test_inline_and_continued_imports() -> None:
    r = _recs("x = 1; import a\nif x: import b\nfrom c import \\\n    d\na, b, d\n")
    assert set(r) == {"a", "b", "c.d"}


def test_multiline_parenthesised_from_import() -> None:
    r = _recs("from torch import (\n    nn,  # layers\n    optim as o,\n)\nnn, o\n")
    assert set(r) == {"torch.nn", "torch.optim"}
    assert r["torch.optim"].bound == ("o",) and r["torch.optim"].line == 1


def test_imports_inside_strings_are_not_imports() -> None:
    src = 'doc = """\nimport fake\nfrom fake2 import x\n"""\ns = \'import fake3\'\n'
    assert _recs(src) == {}


def test_fstring_use_is_found() -> None:
    assert _recs('import numpy as np\nprint(f"{np.pi:.2f}")\n')["numpy"].used


def test_wanted_filters_and_prefilter_skips() -> None:
    res = scan_source("import os\nimport numpy\nnumpy.x\n", wanted=lambda t: t != "os")
    assert [r.module for r in res.imports] == ["numpy"]
    tops, hidden = candidate_modules("import os, sys\nfrom a.b import c\n")
    assert tops == {"os", "sys", "a"} and not hidden


def test_python2_file_gets_a_note_and_a_result() -> None:
    res = scan_source('import simplejson\nprint "x"\n')
    assert res.problem is not None and "not valid Python 3" in res.problem
    assert [r.module for r in res.imports] == ["simplejson"]


@pytest.mark.parametrize(
    "src",
    ["", "\0\0\0", "def (:", "'''unterminated", "import", "from . import", "x = '\\", "\ufeff" * 3],
)
def test_garbage_never_raises(src: str) -> None:
    scan_source(src)


# -- property: the fast stages agree with a plain ast walk ---------------------------------

_NAMES = st.sampled_from(["np", "torch", "yaml", "x", "os", "json_", "mod", "Foo"])
_MODS = st.sampled_from(["numpy", "torch.nn", "yaml", "a.b.c", "os", "json", "tiktoken", "pkg"])


@st.composite
def _import_stmt(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 4))
    mod = draw(_MODS)
    alias = draw(st.one_of(st.none(), _NAMES))
    tail = f" as {alias}" if alias else ""
    if kind == 0:
        return f"import {mod}{tail}"
    if kind == 1:
        return f"import {mod}{tail}, {draw(_MODS)}"
    if kind == 2:
        return f"from {mod} import {draw(_NAMES)}{tail}"
    if kind == 3:
        names = draw(st.lists(_NAMES, min_size=1, max_size=3))
        return f"from {mod} import (\n    " + ",\n    ".join(names) + ",\n)"
    return f"from .{draw(_NAMES)} import {draw(_NAMES)}"


@st.composite
def _statement(draw: st.DrawFn, depth: int = 0) -> list[str]:
    kind = draw(st.integers(0, 13 if depth < 2 else 6))
    name = draw(_NAMES)
    if kind <= 2:
        return [draw(_import_stmt())]
    if kind == 3:
        return [f"{name}.attr = {draw(_NAMES)}"]
    if kind == 4:
        q = draw(st.sampled_from(['"', "'", '"""', "'''"]))
        body = draw(st.sampled_from(["import fake", "from z import y", name, "a # b", ""]))
        if len(q) == 1:
            body = body.replace("\n", " ")
        prefix = draw(st.sampled_from(["", "r", "b", "f", "rb"]))
        if "f" in prefix:
            body = body.replace("{", "").replace("}", "")
        return [f"s = {prefix}{q}{body}{q}  # import commented"]
    if kind == 5:
        return [f"print({name}, {draw(_NAMES)})"]
    if kind == 6:
        mod = draw(st.sampled_from(["whisper", "numba.cuda", "ujson"]))
        fn = draw(st.sampled_from(["importlib.import_module", "__import__", "pytest.importorskip"]))
        return [f"m = {fn}({mod!r})"]
    body = [
        ("    " + line)
        for s in draw(st.lists(_statement(depth + 1), min_size=1, max_size=3))
        for line in "\n".join(s).split("\n")
    ]
    if kind == 7:
        return ["if TYPE_CHECKING:", *body]
    if kind == 8:
        exc = draw(st.sampled_from(["ImportError", "(ImportError, KeyError)", "KeyError", ""]))
        return ["try:", *body, f"except {exc}:".replace("except :", "except:"), "    pass"]
    if kind == 9:
        return [f"def f_{name}(a: '{draw(_NAMES)}.T') -> None:", *body]
    if kind == 10:
        return ["if x:", "    pass", "else:", *body]
    if kind == 11:
        return [f"class C_{name}:", *body]
    if kind == 12:
        return [f"x = 1; import {draw(_MODS)}"]
    return ["for i in range(3):", *body]


@st.composite
def _module(draw: st.DrawFn) -> str:
    stmts = draw(st.lists(_statement(), min_size=1, max_size=12))
    return "\n".join("\n".join(s) for s in stmts) + "\n"


def _key(r: ImportRecord) -> tuple[object, ...]:
    return (r.module, r.line, r.bound, r.type_checking, r.guarded, r.dynamic)


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_module())
def test_scanner_matches_plain_ast_walk(src: str) -> None:
    ast.parse(src)  # the generator makes valid code
    got = scan_source(src)
    assert got.problem is None
    expected = ast_imports(src)
    assert sorted(map(_key, got.imports), key=repr) == sorted(map(_key, expected), key=repr)
    # the plain walk: every Import/ImportFrom node of the tree is found
    plain = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            plain |= {(a.name, node.lineno) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            plain |= {
                (node.module if a.name == "*" else f"{node.module}.{a.name}", node.lineno)
                for a in node.names
            }
    assert {(r.module, r.line) for r in got.imports if not r.dynamic} == plain


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_module())
def test_lexical_stage_agrees_with_ast_stage_when_it_decides(src: str) -> None:
    try:
        lex = scanner._lexical(src, False, lambda _t: True)
    except scanner._NeedAst:
        return
    assert sorted(map(_key, lex), key=repr) == sorted(map(_key, ast_imports(src)), key=repr)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_scanner_never_raises_on_any_text(src: str) -> None:
    scan_source(src)
    scan_source("import numpy\n" + src)
