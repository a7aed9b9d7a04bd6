"""Block context of a statement read from indentation: ``if TYPE_CHECKING:`` and ``try``.

Part of the scanner's lexical stage (see :mod:`.scanner`). Works on text whose strings
and comments are blanked; raises :class:`NeedAst` wherever the layout is not plain.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from itertools import accumulate
from typing import NamedTuple

__all__ = [
    "GUARD_EXCEPTIONS",
    "Context",
    "Layout",
    "NeedAst",
    "block_context",
    "indent_width",
    "line_indent",
]

#: Exceptions whose handler makes an import optional.
GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

_TC_HEADER = re.compile(
    r"^if(?=[\s(])\s*(\()?\s*(?:[A-Za-z_][\w.]*\.)?TYPE_CHECKING\s*(?(1)\))\s*:$"
)
_TRANSPARENT_HEADER = re.compile(r"^(?:if|for|while|with|def|async|class|match|case)\b.*:$")
_DEF_HEADER = re.compile(r"^(?:async\s+)?def\s+(\w+)")
_EXCEPT = re.compile(r"^except\b(\*)?(?P<what>[^:]*):")
_NAME = re.compile(r"[A-Za-z_][\w.]*")


class NeedAst(Exception):
    """The lexical stage can't decide this file; use the ast stage."""


class Layout:
    """The lines of blanked text, and which of them continue a statement begun above."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self._offsets: list[int] | None = None
        self._known: dict[int, int] = {0: 0}  # line -> brackets open at its start
        self._sorted: list[int] = [0]

    def _depth(self, j: int) -> int:
        """Brackets open at the start of line ``j`` (strings are blanked, so counts are exact).

        Counted from the nearest line already known, so a file costs one pass at most.
        """
        hit = self._known.get(j)
        if hit is not None:
            return hit
        if self._offsets is None:
            # line j starts after the lengths of lines 0..j-1 and their j newlines
            self._offsets = [
                0,
                *(n + i + 1 for i, n in enumerate(accumulate(map(len, self.lines)))),
            ]
        k = self._sorted[bisect_right(self._sorted, j) - 1]
        seg = self.text[self._offsets[k] : self._offsets[j]]
        opened = seg.count("(") + seg.count("[") + seg.count("{")
        depth = self._known[k] + opened - seg.count(")") - seg.count("]") - seg.count("}")
        self._known[j] = depth
        insort(self._sorted, j)
        return depth

    def continued(self, j: int) -> bool:
        """Does line ``j`` continue the statement of an earlier line (open bracket, ``\\``)?"""
        return (j > 0 and self.lines[j - 1].endswith("\\")) or self._depth(j) > 0

    def start(self, j: int) -> int:
        """The first line of the statement that line ``j`` belongs to."""
        while j > 0 and self.continued(j):
            j -= 1
        return j


def indent_width(s: str) -> int:
    return len(s.expandtabs(8))


def line_indent(raw: str) -> int:
    return indent_width(raw[: len(raw) - len(raw.lstrip())])


def _owner(layout: Layout, j: int, ind: int) -> int:
    """Index of the ``if``/``try``/loop header that owns the clause header at line ``j``."""
    lines = layout.lines
    k = j - 1
    while k >= 0:
        raw = lines[k]
        body = raw.strip()
        if body and line_indent(raw) <= ind and layout.continued(k):
            k = layout.start(k)
            raw = lines[k]
            body = raw.strip()
        if body:
            i = line_indent(raw)
            if i == ind:
                if body.startswith(("except", "elif", "else")):
                    pass
                elif body == "try:" or body.startswith(("if", "for", "while", "async")):
                    return k
                else:
                    raise NeedAst
            elif i < ind:
                raise NeedAst
        k -= 1
    raise NeedAst


def _try_guards(layout: Layout, header: int, indent: int) -> bool:
    """Does one of the ``except`` clauses of the ``try:`` at line ``header`` catch ImportError?"""
    for k in range(header + 1, len(layout.lines)):
        raw = layout.lines[k]
        body = raw.strip()
        if not body or (line_indent(raw) <= indent and layout.continued(k)):
            continue
        ind = line_indent(raw)
        if ind > indent:
            continue
        if ind < indent:
            return False
        m = _EXCEPT.match(body)
        if m is None:
            if body.startswith(("else", "finally")):
                return False
            raise NeedAst
        what = m.group("what").strip()
        if not what:
            return True
        names = {n.split(".")[-1] for n in _NAME.findall(what.split(" as ")[0])}
        if names & GUARD_EXCEPTIONS:
            return True
    return False


def _clause(layout: Layout, j: int, ind: int, body: str) -> tuple[int, bool, bool]:
    """An ``elif``/``else``/``except``/``finally`` header: (owner line, type_checking, guarded)."""
    owner = _owner(layout, j, ind)
    tc = body.startswith("elif") and _TC_HEADER.match(body[2:]) is not None
    guarded = (
        body.startswith("except")
        and layout.lines[owner].strip() == "try:"
        and _try_guards(layout, owner, ind)
    )
    return owner, tc, guarded


def _statement_at(layout: Layout, j: int) -> tuple[int, str]:
    """The statement whose last line is ``j``: (its first line, its text on one line)."""
    first = layout.start(j)
    if first == j:
        return j, layout.lines[j].strip()
    return first, " ".join(x.strip() for x in layout.lines[first : j + 1])


class Context(NamedTuple):
    """Where a statement sits: under ``if TYPE_CHECKING``, under an import guard, in a
    function (a ``def`` encloses it: the innermost one's name and line), in an ``if``
    branch (an ``if``, ``elif`` or ``else`` encloses it)."""

    type_checking: bool
    guarded: bool
    under_if: bool = False
    function: str = ""
    function_line: int = -1

    @property
    def in_function(self) -> bool:
        return bool(self.function)


def block_context(layout: Layout, index: int, indent: int) -> Context:
    """The :class:`Context` of a statement at line ``index`` with ``indent``."""
    lines = layout.lines
    type_checking = guarded = under_if = False
    function, function_line = "", -1
    j = index - 1
    while indent > 0 and j >= 0:
        raw = lines[j]
        body = raw.strip()
        if not body or line_indent(raw) >= indent:
            j -= 1
            continue
        if layout.continued(j):
            j, body = _statement_at(layout, j)
            raw = lines[j]
        ind = line_indent(raw)
        if ind >= indent:
            j -= 1
            continue
        if not body.endswith(":"):
            raise NeedAst
        if body.startswith(("elif", "else", "except", "finally")):
            under_if |= body.startswith(("elif", "else"))
            j, tc, g = _clause(layout, j, ind, body)  # the owner's own test does not apply
            type_checking |= tc
            guarded |= g
        elif _TC_HEADER.match(body):
            type_checking = True
        elif body == "try:":
            guarded |= _try_guards(layout, j, ind)
        elif not _TRANSPARENT_HEADER.match(body):
            raise NeedAst
        elif (m := _DEF_HEADER.match(body)) is not None:
            if not function:  # the innermost def
                function, function_line = m.group(1), j
        else:
            under_if |= body.startswith(("if ", "if(", "if\t"))
        indent = ind
        j -= 1
    return Context(type_checking, guarded, under_if, function, function_line)
