"""Imports that only run once an optional import of the same package succeeded.

Part of the scanner's ast stage (:mod:`.astscan`). A file that imports a package under
``try``/``except ImportError`` treats it as optional; its other imports of that package
are optional too when they are reached only through that guard:

- in the branch of an ``if`` that tests a name the guarded ``try`` binds
  (``if markdown is not None and pygments is not None:``, ``if HAS_YAML:``, the ``else``
  of ``if toml is None:``);
- in a function, after the function's own guarded import of it, or after a call to a
  function of the file that imports it guarded (werkzeug's ``make_ssl_devcert`` calls
  ``generate_adhoc_ssl_pair`` first), or anywhere in a function when the module imports it
  guarded at its top level.

Only imports of a package the file imports guarded somewhere change: the lexical stage
hands such files to the ast stage (:func:`.lexical.lexical_imports`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

__all__ = ["OptionalImports"]

_NONE_TESTS = {ast.Is: False, ast.Eq: False, ast.IsNot: True, ast.NotEq: True}


@dataclass
class _Frame:
    """A function being visited: what it has called and imported guarded so far."""

    calls: set[str] = field(default_factory=set)
    guarded: set[str] = field(default_factory=set)


class OptionalImports:
    """The state the visitor keeps to decide which unguarded imports are optional."""

    def __init__(self) -> None:
        self.bound_by_guard: dict[str, frozenset[str]] = {}
        """Name bound in a guarded ``try`` body -> the packages that body imports."""
        self.branch: frozenset[str] = frozenset()
        """Packages optional in the ``if`` branch being visited."""
        self.frames: list[_Frame] = []
        self.by_function: dict[str, set[str]] = {}
        self.module_guarded: set[str] = set()
        self.pending: list[tuple[int, str, frozenset[str]]] = []
        """(import index, package, functions called before it) to settle at the end."""

    # -- guards ------------------------------------------------------------------------
    def guarded_import(self, top: str) -> None:
        """An import of ``top`` inside a ``try`` whose handler catches ImportError."""
        (self.frames[-1].guarded if self.frames else self.module_guarded).add(top)

    def try_body(self, body: list[ast.stmt], tops: set[str]) -> None:
        """Names a guarded ``try`` body binds stand for the packages it imports."""
        if not tops:
            return
        packages = frozenset(tops)
        for stmt in body:
            names: list[str] = []
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                names = [a.asname or a.name.split(".", 1)[0] for a in stmt.names]
            elif isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [stmt.name]
            for n in names:
                self.bound_by_guard[n] = self.bound_by_guard.get(n, frozenset()) | packages

    def test_packages(self, test: ast.expr) -> tuple[frozenset[str], frozenset[str]]:
        """Packages an ``if`` test proves imported in its body, and in its ``else``."""
        empty: frozenset[str] = frozenset()
        if isinstance(test, ast.Name):
            return self.bound_by_guard.get(test.id, empty), empty
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            body, orelse = self.test_packages(test.operand)
            return orelse, body
        if isinstance(test, ast.BoolOp):
            parts = [self.test_packages(v) for v in test.values]
            if isinstance(test.op, ast.And):  # every operand holds in the body
                return frozenset().union(*(p[0] for p in parts)), empty
            return empty, frozenset().union(*(p[1] for p in parts))  # none holds in else
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and type(test.ops[0]) in _NONE_TESTS
            and isinstance(test.left, ast.Name)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            found = self.bound_by_guard.get(test.left.id, empty)
            return (found, empty) if _NONE_TESTS[type(test.ops[0])] else (empty, found)
        return empty, empty

    # -- functions ---------------------------------------------------------------------
    def enter_function(self, name: str) -> None:
        frame = _Frame()
        self.by_function.setdefault(name, set())
        frame.guarded = self.by_function[name]
        self.frames.append(frame)

    def leave_function(self) -> None:
        self.frames.pop()

    def called(self, func: ast.expr) -> None:
        if self.frames:
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if isinstance(name, str):
                self.frames[-1].calls.add(name)

    def unguarded_import(self, index: int, top: str) -> bool:
        """Is this import optional now? If it may be once the file is read, remember it."""
        if top in self.branch:
            return True
        if not self.frames:
            return False
        frame = self.frames[-1]
        if top in frame.guarded:
            return True
        self.pending.append((index, top, frozenset(frame.calls)))
        return False

    def settled(self) -> set[int]:
        """Indices of the remembered imports that turned out optional."""
        return {
            i
            for i, top, calls in self.pending
            if top in self.module_guarded or any(top in self.by_function.get(c, ()) for c in calls)
        }
