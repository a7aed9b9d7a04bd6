"""Imports the scanner reads from places that are not import statements of the file.

Source handed to pytester (``pytester.makepyfile('''import x''')``) and loaders handed a
variable bound only to string literals (``name = "x"; __import__(name)``): shapes other
than the corpus5 reproductions (tests/test_deps_corpus5.py), and the narrowness of each.
"""

from __future__ import annotations

import string
import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps.astscan import ast_imports
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.literalbind import bound_loads
from pytest_llmcore.deps.scanner import scan_source
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _failing
from tests.helpers.gate_projects import project as _project

# -- pytester source strings --------------------------------------------------------------

_CONFTEST_KEYWORD = '''\
def test_conftest(testdir):
    testdir.makeconftest("""
        from freezegun import freeze_time

        @freeze_time("2020-01-01")
        def pytest_configure(config):
            pass
    """)
    testdir.makepyfile(test_one="import os\\nimport attr\\n\\n@attr.s\\nclass A:\\n  x = os.sep\\n")
'''


def test_makeconftest_and_keyword_sources_are_read() -> None:
    """``makeconftest`` and ``makepyfile(name=source)``: each import at its own line."""
    recs = scan_source(_CONFTEST_KEYWORD).imports
    assert [(r.module, r.line, r.used, r.guarded) for r in recs] == [
        ("freezegun.freeze_time", 3, True, True),
        ("os", 9, True, True),
        ("attr", 9, True, True),
    ]  # a one-line literal's imports are at its line
    assert recs == tuple(ast_imports(_CONFTEST_KEYWORD))


def test_dict_of_pytester_sources_is_read() -> None:
    text = (
        'def test_x(pytester):\n    pytester.makepyfile(**{"test_a": "import attr\\nattr.s\\n"})\n'
    )
    assert [(r.module, r.line) for r in scan_source(text).imports] == [("attr", 2)]


def test_unused_import_in_a_pytester_source_is_no_use() -> None:
    """An import the snippet never uses is still dead; a plain string is not source."""
    text = (
        "def test_x(pytester):\n"
        '    pytester.makepyfile("import orjson\\n\\ndef test_a():\\n    pass\\n")\n'
        '    note = "import ujson"\n'
    )
    assert scan_source(text).imports == ()


def test_plugin_marker_inside_a_pytester_source_counts(tmp_path: Path) -> None:
    """A plugin's marker used only in a file written through pytester is a use of it."""
    test = '''\
    def test_timeouts(pytester):
        pytester.makepyfile("""
            import pytest

            @pytest.mark.timeout(1)
            def test_slow():
                pass
        """)
        pytester.runpytest().assert_outcomes(passed=1)
    '''
    files = {**PKG, "tests/test_t.py": test}
    root = _project(tmp_path, files, ("requests",), ("pytest", "pytest-timeout"))
    assert _failing(root) == []


def test_plugin_marker_only_in_a_plain_string_is_no_use(tmp_path: Path) -> None:
    """Control: the same text in a string no pytester method receives proves nothing."""
    test = 'SNIPPET = "@pytest.mark.timeout(1)"\n\ndef test_a():\n    assert SNIPPET\n'
    files = {**PKG, "tests/test_t.py": test}
    root = _project(tmp_path, files, ("requests",), ("pytest", "pytest-timeout"))
    assert _failing(root) == ["pytest-timeout"]


def test_module_a_pytester_snippet_imports_is_never_missing(tmp_path: Path) -> None:
    """A snippet importing a module the test writes (``makepyfile(helper=...)``) or one
    meant to be absent is no missing dependency; its declared imports are still uses."""
    test = '''\
    def test_helper(pytester):
        pytester.makepyfile(helper="VALUE = 1\\n")
        pytester.makepyfile("""
            import helper
            import orjson

            def test_a():
                assert helper.VALUE == orjson.loads("1")
        """)
    '''
    files = {**PKG, "tests/test_h.py": test}
    root = _project(tmp_path, files, ("requests",), ("pytest", "orjson"))
    assert _failing(root) == []
    assert [f.kind.value for f in run_gate(root, use_cache=False).findings] == []


# -- loaders handed a variable bound to literals -------------------------------------------


def test_module_constant_handed_to_import_module(tmp_path: Path) -> None:
    code = """\
    import importlib

    IMPL = "orjson"

    def dumps(obj):
        return importlib.import_module(IMPL).dumps(obj)
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, ("orjson",))
    assert _failing(root) == []


def test_for_over_a_tuple_of_names_handed_to_import_module(tmp_path: Path) -> None:
    code = """\
    from importlib import import_module

    def first_json():
        candidates = ("orjson",)
        for name in candidates:
            try:
                return import_module(name)
            except ImportError:
                continue
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, ("orjson",))
    assert _failing(root) == []


def test_importorskip_over_a_dict_of_names(tmp_path: Path) -> None:
    """``pytest.importorskip(name)`` for each key of a literal dict, in a test file."""
    test = """\
    import pytest

    BACKENDS = {"orjson": "fast", "json": "slow"}

    def test_backends():
        for name in BACKENDS:
            assert pytest.importorskip(name).dumps
    """
    files = {**PKG, "tests/test_b.py": test}
    root = _project(tmp_path, files, ("requests",), ("pytest", "orjson"))
    assert _failing(root) == []


def test_name_rebound_from_a_parameter_is_not_followed(tmp_path: Path) -> None:
    """Narrow: a name also bound to a non-literal may hold anything."""
    code = """\
    import importlib

    def load(kind):
        name = "orjson"
        if kind:
            name = kind
        return importlib.import_module(name)
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, ("orjson",))
    assert _failing(root) == ["orjson"]


def test_literal_bound_name_not_handed_to_a_loader_is_no_use(tmp_path: Path) -> None:
    code = """\
    def label():
        name = "orjson"
        return print(name)
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, ("orjson",))
    assert _failing(root) == ["orjson"]


def test_bound_loads_shapes() -> None:
    text = textwrap.dedent(
        """\
        import importlib.util

        def f(extra):
            mods = ["a_mod"]
            mods.extend(["b.c"])
            mods.append("d")
            ok = [importlib.util.find_spec(m) for m in mods]
            for m in mods:
                importlib.import_module(m)
            x = "e"
            importlib.import_module(name=x)
            importlib.import_module(extra)

        class K:
            N = "hidden"

            def g(self):
                return __import__(N)
        """
    )
    assert sorted(bound_loads(text)) == [
        ("a_mod", 7, "m"),
        ("a_mod", 9, "m"),
        ("b.c", 7, "m"),
        ("b.c", 9, "m"),
        ("d", 7, "m"),
        ("d", 9, "m"),
        ("e", 11, "x"),
    ]


_IDENT = st.text(string.ascii_lowercase, min_size=1, max_size=8).map(lambda s: "m_" + s)


@settings(max_examples=60, deadline=None)
@given(st.lists(_IDENT, min_size=1, max_size=4, unique=True), st.booleans())
def test_every_literal_reaches_the_loader_unless_one_is_not_literal(
    names: list[str], poison: bool
) -> None:
    branches = "".join(f"    if k == {i}:\n        v = {n!r}\n" for i, n in enumerate(names))
    tail = "    v = k.name\n" if poison else ""
    text = f"def f(k):\n    v = None\n{branches}{tail}    return __import__(v)\n"
    # ``v = None`` is not a string: nothing is followed
    assert list(bound_loads(text)) == []
    text = text.replace("    v = None\n", "")
    got = sorted(m for m, _, _ in bound_loads(text))
    assert got == ([] if poison else sorted(names))
