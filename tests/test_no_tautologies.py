"""No test may assert a condition that every possible output satisfies (issue 17).

An ast scan of tests/ for the shapes such assertions take: membership in a literal that
lists every answer (``x in (True, False)``, ``returncode in (0, 1)``,
``token_source in ("usage", "chunks")``), ``or True``, a value compared with itself, a
constant, a variable compared with the very call that produced it, and a test with no
assertion at all. Pin the value expected on this machine instead, or skip with the
environment the test needs (``tests/conftest.py``: ``needs()``, ``require()``).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
#: calls that assert: pytester and pytest helpers, and ``assert_*`` of any object
_ASSERTING_CALLS = frozenset(
    {"fnmatch_lines", "re_match_lines", "no_fnmatch_line", "no_re_match_line", "fail"}
)
_ASSERTING_CONTEXTS = frozenset({"raises", "warns", "deprecated_call"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _asserts_itself(fn: Function) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, (ast.Assert, ast.Raise)):
            return True
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called in _ASSERTING_CALLS or called.startswith("assert"):
                return True
            if called in _ASSERTING_CONTEXTS:
                return True
    return False


def _calls(fn: Function) -> set[str]:
    return {_name(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}


def asserting_functions(trees: list[ast.Module]) -> set[str]:
    """Names of functions (in any of ``trees``) that assert, directly or through another."""
    functions = [n for t in trees for n in ast.walk(t) if isinstance(n, Function)]
    found = {f.name for f in functions if _asserts_itself(f)}
    calls = {id(f): _calls(f) for f in functions}
    changed = True
    while changed:
        changed = False
        for f in functions:
            if f.name not in found and calls[id(f)] & found:
                found.add(f.name)
                changed = True
    return found


def _literal_constants(node: ast.expr) -> list[object] | None:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(
        isinstance(e, ast.Constant) for e in node.elts
    ):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    return None


def _compare_problems(cmp: ast.Compare) -> Iterator[str]:
    sides = [cmp.left, *cmp.comparators]
    for op, left, right in zip(cmp.ops, sides[:-1], sides[1:], strict=True):
        listed = _literal_constants(right)
        listing = isinstance(op, ast.In) and listed is not None and len(listed) > 1
        if listing and not isinstance(left, ast.Constant):
            yield "membership in a list of accepted answers: pin the one expected"
        reflexive = isinstance(op, (ast.Eq, ast.Is, ast.GtE, ast.LtE))
        if reflexive and ast.dump(left) == ast.dump(right):
            yield "a value compared with itself"


def _assert_problems(test: ast.expr) -> Iterator[str]:
    if isinstance(test, ast.Constant):
        yield "a constant assertion"
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            yield from _compare_problems(node)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):  # noqa: SIM102
            if any(isinstance(v, ast.Constant) and v.value for v in node.values):
                yield "`or` with a true constant"


def _recomputed(fn: Function) -> Iterator[tuple[int, str]]:
    """``x = f(a)`` directly followed by ``assert x == f(a)``: a result checked against
    itself (with statements between them, a file read twice checks it did not change)."""
    for block in (getattr(n, f, None) for n in ast.walk(fn) for f in ("body", "orelse")):
        if not isinstance(block, list):
            continue
        for first, then in itertools.pairwise(block):
            if not (isinstance(first, ast.Assign) and isinstance(then, ast.Assert)):
                continue
            made = ast.dump(first.value)
            names = {t.id for t in first.targets if isinstance(t, ast.Name)}
            for cmp in (c for c in ast.walk(then.test) if isinstance(c, ast.Compare)):
                sides = [cmp.left, *cmp.comparators]
                if any(isinstance(s, ast.Name) and s.id in names for s in sides) and any(
                    ast.dump(s) == made for s in sides
                ):
                    yield then.lineno, "a result compared with the call that produced it"


def problems(source: str, asserting: set[str] | None = None) -> list[tuple[int, str]]:
    """(line, what is wrong) for every assertion in ``source`` that cannot fail."""
    tree = ast.parse(source)
    asserting = asserting_functions([tree]) if asserting is None else asserting
    out: list[tuple[int, str]] = []
    for fn in (n for n in ast.walk(tree) if isinstance(n, Function)):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assert):
                out += [(node.lineno, why) for why in _assert_problems(node.test)]
        out += _recomputed(fn)
        if fn.name.startswith("test") and fn.name not in asserting:
            out.append((fn.lineno, f"{fn.name} asserts nothing"))
    return sorted(set(out))


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "fixtures" not in p.parts)


def test_no_test_asserts_what_every_output_satisfies() -> None:
    files = _test_files()
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in files]
    asserting = asserting_functions(trees)
    found = [
        f"{p.relative_to(TESTS.parent)}:{line}: {why}"
        for p in files
        for line, why in problems(p.read_text(encoding="utf-8"), asserting)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def test_a(x):\n    assert x.installed in (True, False)\n",
            [(2, "membership in a list of accepted answers: pin the one expected")],
        ),
        (
            "def test_a(p):\n    assert p.returncode in (0, 1)\n",
            [(2, "membership in a list of accepted answers: pin the one expected")],
        ),
        (
            "def test_a(r):\n    assert r.token_source in ('usage', 'chunks')\n",
            [(2, "membership in a list of accepted answers: pin the one expected")],
        ),
        ("def test_a(r):\n    assert r.ok or True\n", [(2, "`or` with a true constant")]),
        ("def test_a(r):\n    assert r.x == r.x\n", [(2, "a value compared with itself")]),
        ("def test_a():\n    assert 1\n", [(2, "a constant assertion")]),
        (
            "def test_a():\n    s = speedup(3)\n    assert s == speedup(3)\n",
            [(3, "a result compared with the call that produced it")],
        ),
        ("def test_a():\n    scan('x')\n", [(1, "test_a asserts nothing")]),
        ("def test_a(p):\n    b = p.read()\n    fix(p)\n    assert p.read() == b\n", []),
        # what is allowed: pinned values, helpers that assert, pytest.raises, pytester
        ("def test_a(r):\n    assert r.token_source == 'usage'\n", []),
        ("def check(x):\n    assert x\n\ndef test_a():\n    check(1)\n", []),
        ("def test_a():\n    with pytest.raises(ValueError):\n        f()\n", []),
        ("def test_a(res):\n    res.assert_outcomes(passed=1)\n", []),
        ("def test_a(res):\n    res.stdout.fnmatch_lines(['x'])\n", []),
        ("def test_a(x):\n    assert 'a' in (x, 'b')\n", []),
    ],
)
def test_the_scan_finds_each_shape(source: str, expected: list[tuple[int, str]]) -> None:
    assert problems(source) == expected
