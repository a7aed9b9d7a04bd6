"""The import scanner: every use form, the three stages agreeing, and bad input."""

from __future__ import annotations

import ast
import keyword
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps import lexical
from pytest_llmcore.deps.records import ImportRecord
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


def test_prefilter_takes_no_alias_for_a_module() -> None:
    """``F`` of ``import torch.nn.functional as F`` is no candidate: a file importing only
    the standard library under aliases needs no later stage."""
    tops, hidden = candidate_modules(
        "import torch.nn.functional as F, numpy as np\nimport os.path as osp  # c\n"
    )
    assert tops == {"torch", "numpy", "os"} and not hidden
    res = scan_source("import os.path as osp\nimport json as js\n", wanted=lambda t: t != "os")
    assert [r.module for r in res.imports] == ["json"]


_NAME = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)


@given(
    st.lists(
        st.tuples(st.lists(_NAME, min_size=1, max_size=3), st.none() | _NAME),
        min_size=1,
        max_size=4,
    )
)
def test_prefilter_candidates_are_exactly_the_imported_tops(
    parts: list[tuple[list[str], str | None]],
) -> None:
    line = "import " + ", ".join(
        ".".join(dotted) + (f" as {alias}" if alias else "") for dotted, alias in parts
    )
    tops, hidden = candidate_modules(line + "\n")
    assert tops == {dotted[0] for dotted, _ in parts} and not hidden


def test_python2_file_gets_a_note_and_a_result() -> None:
    res = scan_source('import simplejson\nprint "x"\n')
    assert res.problem is not None and "not valid Python 3" in res.problem
    assert [r.module for r in res.imports] == ["simplejson"]


@pytest.mark.parametrize(
    "src",
    ["", "\0\0\0", "def (:", "'''unterminated", "import", "from . import", "x = '\\", "\ufeff" * 3],
)
def test_garbage_never_raises(src: str) -> None:
    assert scan_source(src).imports == ()  # none of them imports anything


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


#: Every way a name can appear: reads, stores, deletions, parameters, keywords, targets.
_USE_FORMS = (
    "print({n}, {m})",
    "{n}.attr = {m}",
    "{n} = 3",
    "{n}    = 3",
    "{n} += 1",
    "{n}: int = 1",
    "{n}: {m}",
    "x: {n} = 1",
    "{n}, {m} = 1, 2",
    "[{n}] = [1]",
    "({n}) = 1",
    "*{n}, = [1]",
    "a = {n} = 1",
    "a = {n}, b = 1, 2",
    "del {n}",
    "del {n}[0]",
    "del {m}, {n}",
    "with open(x) as {n}: pass",
    "with {n}: pass",
    "for {n} in {m}: pass",
    "for a, {n} in {m}: pass",
    "[a for {n} in {m}]",
    "[{n} for a in {m}]",
    "{{a: {n} for a in {m}}}",
    "f(a, {n})",
    "f({n}={m})",
    "f(*{n})",
    "f(a={n})",
    "f(lambda a, {n}: a)",
    "lambda: {n}",
    "y = lambda {n}={m}: 0",
    "({n} := 3)",
    "(a := {n})",
    "x[{n}]",
    "x[1:{n}]",
    "x[{n}:]",
    "return_ = not {n}",
    "assert {n}, {m}",
    "if {n}: pass",
    "if x: {n} = 1",
    "if x: {n}",
    "a = {n} if {m} else 1",
    "global {n}",
    "raise {n} from {m}",
    "{n}[0] = 1",
    "{n}(1)",
    "a = -{n}",
    "a = {n}",
    "isinstance(a, ({n}, {m}))",
    "@{n}\ndef g(): pass",
    "def {n}(a): pass",
    "def g({n}, a={m}) -> {n}: pass",
    "def g(a: {n} = 1): pass",
    "class {n}: pass",
    "class K({n}): pass",
    "class K(metaclass={n}): pass",
    "class K:\n    {n}: bool",
    "class K:\n    {n} = 1",
    "try:\n    pass\nexcept {n}:\n    pass",
    "try:\n    pass\nexcept E as {n}:\n    pass",
    "import os;    import {n}",
    "x = 1; import {m}",
    "match x:\n    case {n}:\n        pass",
    "match x:\n    case {n}.A:\n        pass",
    'print(f"{{{n}}}")',
    "isinstance(a, (int, {n}))",
    "d = {{'': {n}, 'b': {m}}}",
    "def g(a: {n}, b: int) -> None: pass",
    "x = [\n    {n},\n]",
    "if (\n    {n}\n):\n    pass",
    "(a, ({n}, b)) = 1, (2, 3)",
    "for a, ({n}, b) in x: pass",
    "f(x for (a, {n}) in y)",
    "f(a for a in (b, {n}))",
    "y = (lambda: ({n}, a))",
    "{n} = (\n    1)",
    "x = f(\n    a,\n    {n},\n)",
    "x = f(\n    a,\n    {n}=1,\n)",
    "def g(\n    a,\n    {n},\n): pass",
    "class K(\n    {n},\n): pass",
    "x[a, {n}] = 1",
    "return_ = [a, {n}]",
    "[a, {n}] = 1, 2",
    "with (open(x) as a, {n}): pass",
    "with (open(x) as {n}, a): pass",
    "except_ = 1\ntry:\n    pass\nexcept (E, {n}):\n    pass",
    "f(lambda: {n}, b)",
    "g = {{{n}: 1 for a in b}}",
    "d[1:{n}, 2]",
    "s = '{n}'",
)
_DYNAMIC_FORMS = (
    "m = {fn}({mod!r})",
    "m = {fn}(name={mod!r})",
    "m = {fn}(modname={mod!r})",
    "m = {fn}({mod!r}, package=None)",
    'm = {fn}("to" + "ml")',
    'm = {fn}("to" "ml")',
    "m = {fn}(({mod!r}))",
    'm = {fn}(f"{{x}}")',
    'm = {fn}(b"ujson")',
    'm = {fn}("""ujson""")',
    "m = {fn}(x)",
    "m = {fn}(*a, name={mod!r})",
    "m = {fn}(\n    {mod!r},\n)",
    "def {short}(name={mod!r}): pass",
)


@st.composite
def _statement(draw: st.DrawFn, depth: int = 0) -> list[str]:
    kind = draw(st.integers(0, 13 if depth < 2 else 6))
    name = draw(_NAMES)
    if kind <= 2:
        return [draw(_import_stmt())]
    if kind == 3:
        form = draw(st.sampled_from(_USE_FORMS))
        return form.format(n=name, m=draw(_NAMES)).split("\n")
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
        form = draw(st.sampled_from(_DYNAMIC_FORMS))
        return form.format(fn=fn, mod=mod, short=fn.rsplit(".", 1)[-1]).split("\n")
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
    return (r.module, r.line, r.bound, r.used, r.type_checking, r.guarded, r.dynamic)


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
        lex = lexical.lexical_imports(src, False, lambda _t: True)
    except lexical.NeedAst:
        return
    assert sorted(map(_key, lex), key=repr) == sorted(map(_key, ast_imports(src)), key=repr)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_scanner_never_raises_on_any_text(src: str) -> None:
    alone = scan_source(src)
    # whatever follows it, a complete first line's import is found, on line 1
    first = scan_source("import numpy\n" + src).imports[0]
    assert (first.module, first.line) == ("numpy", 1)
    assert all(r.line >= 1 for r in alone.imports)


# -- every use form: the lexical stage reaches the ast stage's `used` ---------------------


def _both(src: str) -> tuple[list[ImportRecord] | None, list[ImportRecord]]:
    try:
        lex = lexical.lexical_imports(src, False, lambda _t: True)
    except lexical.NeedAst:
        lex = None
    return lex, ast_imports(src)


@pytest.mark.parametrize("form", _USE_FORMS)
def test_each_use_form_gives_the_same_used_in_both_stages(form: str) -> None:
    src = "import numpy as np\n" + form.format(n="np", m="q") + "\n"
    lex, tree = _both(src)
    if lex is not None:
        assert lex == tree
    assert list(scan_source(src).imports) == tree


@pytest.mark.parametrize("form", _DYNAMIC_FORMS)
def test_each_dynamic_form_gives_the_same_records_in_both_stages(form: str) -> None:
    call = form.format(fn="importlib.import_module", mod="ujson", short="import_module")
    src = "import importlib\n" + call + "\nimportlib\n"
    lex, tree = _both(src)
    if lex is not None:
        assert lex == tree
    assert list(scan_source(src).imports) == tree


@pytest.mark.parametrize(
    ("src", "used"),
    [
        ("import tv\nwith open(x) as tv:\n    pass\n", False),
        ("import tv\ntry:\n    pass\nexcept E as tv:\n    pass\n", False),
        ("import tv\nfor tv in range(3):\n    pass\n", False),
        ("import numpy as np\ndel np\n", False),
        ("import numpy as np\nnp    = 3\n", False),
        ("import tabulate\nclass A:\n    tabulate: bool\n", False),
        ("import numpy as np\nclass A(np.ndarray):\n    x: np\n", True),
    ],
)
def test_stores_and_deletions_are_not_uses(src: str, used: bool) -> None:
    (rec,) = scan_source(src).imports
    assert rec.used is used
    assert [r.used for r in ast_imports(src)] == [used]


def test_inline_import_after_blanks_is_found_when_the_first_is_stdlib() -> None:
    res = scan_source("import os;    import yaml\nyaml.x\n", wanted=lambda t: t != "os")
    assert [(r.module, r.used) for r in res.imports] == [("yaml", True)]


def test_dynamic_import_by_keyword_and_concatenation() -> None:
    res = scan_source('import importlib\nimportlib.import_module(name="x")\n')
    assert [(r.module, r.dynamic) for r in res.imports if r.dynamic] == [("x", True)]
    res = scan_source('import importlib\nimportlib.import_module("to" + "ml")\n')
    assert [r.module for r in res.imports] == ["importlib"]  # no spurious "to"
    res = scan_source('import importlib\nimportlib.import_module("to" "ml")\n')
    assert [r.module for r in res.imports if r.dynamic] == ["toml"]


@pytest.mark.parametrize(
    "module",
    [
        "torch_npu",
        "intel_extension_for_pytorch",
        "habana_frameworks.torch",
        "habana_frameworks.torch.core",
    ],
)
def test_known_side_effect_imports_are_uses(module: str) -> None:
    (rec,) = scan_source(f"import {module}\n").imports
    assert rec.used


def test_side_effect_comment_and_sphinx_theme_are_uses() -> None:
    r = _recs("import dead\nimport plugin_reg  # side effect: registers the plugin\n")
    assert not r["dead"].used and r["plugin_reg"].used
    conf = 'import sphinx_rtd_theme\nimport furo\nimport other\nhtml_theme = "furo"\n'
    res = scan_source(conf, filename="docs/conf.py")
    assert {r.module: r.used for r in res.imports} == {
        "sphinx_rtd_theme": True,
        "furo": True,
        "other": False,
    }
