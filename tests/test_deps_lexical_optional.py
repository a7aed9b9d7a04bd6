"""The lexical stage decides optional imports itself where the text tells (speed on big
trees: torch's largest files import a package guarded in one function and plainly in
others), and hands every other case to the tree; both stages always agree."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps import lexical
from pytest_llmcore.deps.lexblocks import NeedAst
from pytest_llmcore.deps.scanner import ast_imports, scan_source


def _lexical(text: str) -> list[tuple[str, bool]] | None:
    """(module, guarded) from the lexical stage alone; None when it hands over."""
    try:
        recs = lexical.lexical_imports("\n" + text, False, lambda top: top != "os")
    except NeedAst:
        return None
    return [(r.module, r.guarded) for r in recs]


_MODULE_WIDE = """
try:
    import yaml
except ImportError:
    yaml = None

def load(text):
    import yaml
    return yaml.safe_load(text)
"""

_UNRELATED = """
def fast():
    try:
        import ujson as json
    except ImportError:
        json = None
    return json

def other():
    import ujson
    return ujson.dumps({})
"""

_CALLS_GUARD = """
def fast():
    try:
        import ujson
    except ImportError:
        return None
    return ujson

def other():
    fast ()
    import ujson
    return ujson.dumps({})
"""

_SAME_NAME = """
class A:
    def load(self):
        try:
            import ujson
        except ImportError:
            return None
        return ujson

class B:
    def load(self):
        import ujson
        return ujson.dumps({})
"""

_UNDER_IF = """
def probe():
    try:
        import ujson
        return True
    except ImportError:
        return False

HAVE = probe()

def other():
    if HAVE:
        import ujson
        return ujson.dumps({})
"""


def test_module_wide_guard_makes_function_imports_optional_without_the_tree() -> None:
    assert _lexical(_MODULE_WIDE) == [("yaml", True), ("yaml", True)]


def test_an_unrelated_function_keeps_its_import_required_without_the_tree() -> None:
    assert _lexical(_UNRELATED) == [("ujson", True), ("ujson", False)]


@pytest.mark.parametrize(
    ("text", "guarded"),
    [(_CALLS_GUARD, [True, True]), (_SAME_NAME, [True, True]), (_UNDER_IF, [True, False])],
)
def test_a_call_a_shared_name_or_an_if_branch_takes_the_tree(
    text: str, guarded: list[bool]
) -> None:
    assert _lexical(text) is None
    assert [r.guarded for r in ast_imports(text)] == guarded


@pytest.mark.parametrize("text", [_MODULE_WIDE, _UNRELATED, _CALLS_GUARD, _SAME_NAME, _UNDER_IF])
def test_both_stages_agree(text: str) -> None:
    assert scan_source(text).imports == tuple(ast_imports(text))


_PIECES = st.lists(
    st.sampled_from(
        [
            "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
            "def f():\n    try:\n        import ujson\n    except ImportError:\n        pass\n",
            "def g():\n    import ujson\n    return ujson\n",
            "def h():\n    f()\n    import ujson.x\n    return ujson\n",
            "def f():\n    import ujson\n    return ujson\n",
            "if ujson is not None:\n    import ujson.y\n    ujson.y\n",
            "class C:\n    def g(self):\n        import ujson\n        return ujson\n",
            "import ujson\nujson.z\n",
        ]
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_the_stages_agree_on_generated_shapes(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    assert scan_source(text).imports == tuple(ast_imports(text)), text


def test_a_guard_alone_never_needs_the_tree() -> None:
    text = textwrap.dedent(_MODULE_WIDE).replace("def load", "def unused_load")
    assert _lexical(text) is not None
