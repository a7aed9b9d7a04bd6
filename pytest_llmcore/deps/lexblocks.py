"""Block context of a statement read from indentation: ``if TYPE_CHECKING:`` and ``try``.

Part of the scanner's lexical stage (see :mod:`.scanner`). Works on text whose strings
and comments are blanked; raises :class:`NeedAst` wherever the layout is not plain.
"""

from __future__ import annotations

import re

__all__ = ["GUARD_EXCEPTIONS", "NeedAst", "block_context", "indent_width", "line_indent"]

#: Exceptions whose handler makes an import optional.
GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

_TC_HEADER = re.compile(
    r"^if(?=[\s(])\s*(\()?\s*(?:[A-Za-z_][\w.]*\.)?TYPE_CHECKING\s*(?(1)\))\s*:$"
)
_TRANSPARENT_HEADER = re.compile(r"^(?:if|for|while|with|def|async|class|match|case)\b.*:$")
_EXCEPT = re.compile(r"^except\b(\*)?(?P<what>[^:]*):")
_NAME = re.compile(r"[A-Za-z_][\w.]*")


class NeedAst(Exception):
    """The lexical stage can't decide this file; use the ast stage."""


def indent_width(s: str) -> int:
    return len(s.expandtabs(8))


def line_indent(raw: str) -> int:
    return indent_width(raw[: len(raw) - len(raw.lstrip())])


def _owner(lines: list[str], j: int, ind: int) -> int:
    """Index of the ``if``/``try``/loop header that owns the clause header at ``lines[j]``."""
    k = j - 1
    while k >= 0:
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


def _header_start(lines: list[str], j: int) -> tuple[int, str]:
    """A header that ends a multi-line bracket (``) -> int:``): find the line it starts on."""
    depth = 0
    k = j
    while k >= 0:
        text = lines[k]
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth >= 0:
            return k, " ".join(x.strip() for x in lines[k : j + 1])
        k -= 1
    raise NeedAst


def _try_guards(lines: list[str], header: int, indent: int) -> bool:
    """Does one of the ``except`` clauses of the ``try:`` at ``lines[header]`` catch ImportError?"""
    for raw in lines[header + 1 :]:
        body = raw.strip()
        if not body:
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


def _clause(lines: list[str], j: int, ind: int, body: str) -> tuple[int, bool, bool]:
    """An ``elif``/``else``/``except``/``finally`` header: (owner line, type_checking, guarded)."""
    owner = _owner(lines, j, ind)
    tc = body.startswith("elif") and _TC_HEADER.match(body[2:]) is not None
    guarded = (
        body.startswith("except")
        and lines[owner].strip() == "try:"
        and _try_guards(lines, owner, ind)
    )
    return owner, tc, guarded


def block_context(lines: list[str], index: int, indent: int) -> tuple[bool, bool]:
    """(type_checking, guarded) for a statement at ``lines[index]`` with ``indent``."""
    type_checking = guarded = False
    j = index - 1
    while indent > 0 and j >= 0:
        raw = lines[j]
        body = raw.strip()
        ind = line_indent(raw) if body else indent
        if ind >= indent:
            j -= 1
            continue
        if not body.endswith(":"):
            raise NeedAst
        if body[0] in ")]}":
            j, body = _header_start(lines, j)
            ind = line_indent(lines[j])
            if ind >= indent:
                raise NeedAst
        if body.startswith(("elif", "else", "except", "finally")):
            j, tc, g = _clause(lines, j, ind, body)  # the owner's own test does not apply
            type_checking |= tc
            guarded |= g
        elif _TC_HEADER.match(body):
            type_checking = True
        elif body == "try:":
            guarded |= _try_guards(lines, j, ind)
        elif not _TRANSPARENT_HEADER.match(body):
            raise NeedAst
        indent = ind
        j -= 1
    return type_checking, guarded
