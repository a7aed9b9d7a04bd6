"""Lexical stage, dynamic imports: ``import_module("x")``, ``__import__``, ``importorskip``.

The ast stage records a call whose first positional argument (else its ``name=`` /
``modname=`` keyword) is one plain string literal naming a module. This reads the same
from blanked text, and raises :class:`NeedAst` wherever it could read it differently
(``"a" "b"`` concatenation, escapes, a call on a continued line or in an inline block).
"""

from __future__ import annotations

import re

from .lexblocks import NeedAst
from .prefilter import DOTTED

__all__ = ["dynamic_imports"]

_CALL = re.compile(r"\b(import_module|__import__|importorskip)[ \t]*\(")
_KEYWORD = re.compile(r"(\w+)\s*=(?!=)\s*")
_COMPOUND = re.compile(
    r"[ \t]*(?:try|if|elif|else|for|while|with|except|finally|def|class|async|match|case|lambda)\b"
)
_BLANK = " \t\n\\"


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i] in _BLANK:
        i += 1
    return i


def _close(s: str, start: int) -> int:
    """Index of the ``)`` closing the call whose arguments begin at ``start``."""
    depth = 0
    for i in range(start, len(s)):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
    raise NeedAst


def _literal(lit: str) -> str | None:
    """The value of a plain string literal when it names a module; None otherwise."""
    k = 0
    while k < len(lit) and lit[k] not in "'\"":
        k += 1
    prefix, rest = lit[:k].lower(), lit[k:]
    if set(prefix) - {"r", "u"}:
        return None  # bytes, f-strings, t-strings: never a module name to ast either
    q = rest[:3] if rest[:3] in ("'''", '"""') else rest[:1]
    if len(rest) < 2 * len(q) or not rest.endswith(q):
        raise NeedAst  # unterminated
    body = rest[len(q) : len(rest) - len(q)]
    if "\\" in body and "r" not in prefix:
        raise NeedAst  # escapes
    return body if DOTTED.fullmatch(body) else None


def _argument(s: str, start: int, end: int, kw: str, strings: dict[int, str]) -> str | None:
    """The module named by the arguments ``s[start:end]`` of a call taking ``kw=``."""
    k = _skip(s, start)
    m = _KEYWORD.match(s, k)
    if m is not None and m.group(1) == kw:
        k = _skip(s, m.end())
    if (m is None or m.group(1) == kw) and s.startswith('""', k) and k in strings:
        after = _skip(s, k + 2)
        if after == end or s[after] == ",":
            return _literal(strings[k])
        if s.startswith('""', after):
            raise NeedAst  # "a" "b" is one constant to ast
        return None  # "a" + b, "a".strip(), "a" if c else "b": not a constant
    if '""' in s[start:end]:
        raise NeedAst
    return None


def _plain_line(s: str, call: int) -> bool:
    """Does the statement holding ``s[call]`` start on its line, outside any inline block?"""
    line_start = s.rfind("\n", 0, call) + 1
    if line_start >= 2 and s[line_start - 2] == "\\":
        return False
    if _COMPOUND.match(s, line_start):
        return False
    head = s[:line_start]
    return sum(head.count(c) for c in "([{") == sum(head.count(c) for c in ")]}")


def _chain_start_ok(s: str, call: int) -> bool:
    """``a.b.import_module(``: the receiver is on the call's line (ast's line for the call)."""
    j = call - 1
    while j >= 0 and (s[j].isalnum() or s[j] in "_. \t"):
        j -= 1
    return not s[j + 1 : call].strip(" \t").startswith(".")


def dynamic_imports(padded: str, strings: dict[int, str]) -> list[tuple[str, int, bool]]:
    """``(module, line, optional)`` per dynamic import call in blanked text ``padded``.

    ``strings`` maps the offset of each ``""`` placeholder in ``padded`` to its literal.
    """
    out: list[tuple[str, int, bool]] = []
    for m in _CALL.finditer(padded):
        start = m.start()
        prev = padded[:start].rstrip(" \t")
        if prev.endswith("def") and (len(prev) == 3 or not prev[-4].isalnum()):
            continue  # ``def import_module(name):`` defines one
        fn = m.group(1)
        end = _close(padded, m.end())
        mod = _argument(
            padded, m.end(), end, "modname" if fn == "importorskip" else "name", strings
        )
        if mod is None:
            continue
        if not _plain_line(padded, start) or not _chain_start_ok(padded, start):
            raise NeedAst
        out.append((mod, padded.count("\n", 0, start), fn == "importorskip"))
    return out
