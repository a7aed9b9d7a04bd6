"""No test may assert a condition that every possible output satisfies (issue 17).

An ast scan of tests/ for the shapes such assertions take: membership in a literal that
lists every answer (``x in (True, False)``, ``returncode in (0, 1)``,
``token_source in ("usage", "chunks")``, ``in range(0, 2)``), ``or True``, ``a or not a``
(and ``x is None or x is not None``), ``isinstance(x, object)``, ``len(x) >= 0``, the empty
string's membership or prefix, a value compared with itself, a constant, a variable
compared with the very call that produced it, and a test with no assertion at all. Pin the
value expected on this machine instead, or skip with the environment the test needs
(``tests/conftest.py``: ``needs()``, ``require()``).
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


def _called(node: ast.expr, *names: str) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) in names


def _range_of_constants(node: ast.expr) -> bool:
    """``range(...)`` of constants holding more than one number: a list of answers too."""
    if not _called(node, "range") or not isinstance(node, ast.Call):
        return False
    args = [a.value for a in node.args if isinstance(a, ast.Constant)]
    if len(args) != len(node.args) or not all(type(a) is int for a in args):
        return False
    return len(range(*args)) > 1  # type: ignore[arg-type]


def _never_negative(left: ast.expr, op: ast.cmpop, right: ast.expr) -> bool:
    """``len(x) >= 0``, ``abs(x) >= 0``, ``0 <= len(x)``."""
    zero = ast.dump(ast.Constant(0))
    if isinstance(op, ast.GtE):
        return _called(left, "len", "abs") and ast.dump(right) == zero
    if isinstance(op, ast.LtE):
        return ast.dump(left) == zero and _called(right, "len", "abs")
    return False


def _compare_problems(cmp: ast.Compare) -> Iterator[str]:
    sides = [cmp.left, *cmp.comparators]
    for op, left, right in zip(cmp.ops, sides[:-1], sides[1:], strict=True):
        listed = _literal_constants(right)
        listing = isinstance(op, ast.In) and listed is not None and len(listed) > 1
        if (listing or (isinstance(op, ast.In) and _range_of_constants(right))) and not isinstance(
            left, ast.Constant
        ):
            yield "membership in a list of accepted answers: pin the one expected"
        reflexive = isinstance(op, (ast.Eq, ast.Is, ast.GtE, ast.LtE, ast.In))
        if reflexive and ast.dump(left) == ast.dump(right):
            yield "a value compared with itself"
        if isinstance(op, ast.In) and ast.dump(left) == ast.dump(ast.Constant("")):
            yield "the empty string is in every string"
        if _never_negative(left, op, right):
            yield "a length or an absolute value is never negative"


#: a comparison and the one that holds exactly when it does not
_OPPOSITE = {
    ast.Is: ast.IsNot,
    ast.Eq: ast.NotEq,
    ast.In: ast.NotIn,
    ast.Lt: ast.GtE,
    ast.Gt: ast.LtE,
}


def _opposite(a: ast.expr, b: ast.expr) -> bool:
    """``b`` is ``not a``, or the same comparison as ``a`` with the opposite operator."""
    if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.Not):
        return ast.dump(b.operand) == ast.dump(a)
    if not (isinstance(a, ast.Compare) and isinstance(b, ast.Compare)):
        return False
    if len(a.ops) != 1 or len(b.ops) != 1:
        return False
    ops = {type(a.ops[0]), type(b.ops[0])}
    same = ast.dump(a.left) == ast.dump(b.left)
    same = same and ast.dump(a.comparators[0]) == ast.dump(b.comparators[0])
    return same and any(ops == {x, y} for x, y in _OPPOSITE.items())


def _always_true_call(node: ast.Call) -> str | None:
    args = node.args
    if _name(node.func) == "isinstance" and len(args) == 2:
        kinds = args[1].elts if isinstance(args[1], ast.Tuple) else [args[1]]
        if any(isinstance(k, ast.Name) and k.id == "object" for k in kinds):
            return "everything is an instance of object"
    empty = ast.dump(ast.Constant(""))
    if _name(node.func) in ("startswith", "endswith") and [ast.dump(a) for a in args] == [empty]:
        return "every string starts and ends with the empty string"
    return None


def _assert_problems(test: ast.expr) -> Iterator[str]:
    if isinstance(test, ast.Constant):
        yield "a constant assertion"
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            yield from _compare_problems(node)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            if any(isinstance(v, ast.Constant) and v.value for v in node.values):
                yield "`or` with a true constant"
            pairs = itertools.combinations(node.values, 2)
            if any(_opposite(a, b) or _opposite(b, a) for a, b in pairs):
                yield "`or` of a condition and its opposite"
        if isinstance(node, ast.Call) and (why := _always_true_call(node)):
            yield why


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


OPPOSITE = "`or` of a condition and its opposite"
NEVER_NEGATIVE = "a length or an absolute value is never negative"
ACCEPTED = (2, "membership in a list of accepted answers: pin the one expected")


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
        (
            "def test_a(p):\n    assert p.returncode in range(0, 2)\n",
            [(2, "membership in a list of accepted answers: pin the one expected")],
        ),
        ("def test_a(r):\n    assert r.ok or not r.ok\n", [(2, OPPOSITE)]),
        ("def test_a(r):\n    assert r.x is None or r.x is not None\n", [(2, OPPOSITE)]),
        ("def test_a(r):\n    assert r.n < 3 or r.n >= 3\n", [(2, OPPOSITE)]),
        ("def test_a(r):\n    assert r.name in r.name\n", [(2, "a value compared with itself")]),
        (
            "def test_a(r):\n    assert isinstance(r, (str, object))\n",
            [(2, "everything is an instance of object")],
        ),
        ("def test_a(r):\n    assert len(r) >= 0\n", [(2, NEVER_NEGATIVE)]),
        ("def test_a(r):\n    assert 0 <= abs(r.delta)\n", [(2, NEVER_NEGATIVE)]),
        ("def test_a(out):\n    assert '' in out\n", [(2, "the empty string is in every string")]),
        (
            "def test_a(out):\n    assert out.startswith('')\n",
            [(2, "every string starts and ends with the empty string")],
        ),
        ("def test_a(p):\n    b = p.read()\n    fix(p)\n    assert p.read() == b\n", []),
        # what is allowed: pinned values, helpers that assert, pytest.raises, pytester
        ("def test_a(r):\n    assert r.token_source == 'usage'\n", []),
        ("def check(x):\n    assert x\n\ndef test_a():\n    check(1)\n", []),
        ("def test_a():\n    with pytest.raises(ValueError):\n        f()\n", []),
        ("def test_a(res):\n    res.assert_outcomes(passed=1)\n", []),
        ("def test_a(res):\n    res.stdout.fnmatch_lines(['x'])\n", []),
        ("def test_a(x):\n    assert 'a' in (x, 'b')\n", []),
        ("def test_a(r):\n    assert r.ok or r.skipped\n", []),
        ("def test_a(r):\n    assert r.n < 3 or r.n > 3\n", []),
        ("def test_a(r):\n    assert r.port in range(1024, 65536)\n", [ACCEPTED]),
        ("def test_a(r):\n    assert r.port in range(p)\n", []),
        ("def test_a(r):\n    assert len(r) >= 1 and isinstance(r, str)\n", []),
        ("def test_a(out):\n    assert out.startswith('llmcore')\n", []),
    ],
)
def test_the_scan_finds_each_shape(source: str, expected: list[tuple[int, str]]) -> None:
    assert problems(source) == expected
