"""Lexical stage, uses: is a name certainly *loaded* somewhere, read from blanked text?

The lexical stage only ever concludes "used": a name it can't prove loaded sends the file
to the ast stage. So every rule here must be sound: an occurrence counts only where the
syntax tree is bound to hold ``Name(ctx=Load)`` for it. Stores (``x = ``, ``for x in``,
``with … as x``, ``except … as x``, ``del x``, ``x: int``, ``a, x = …``), parameters,
keyword names and definitions never count; ambiguous spots don't either.
"""

from __future__ import annotations

import keyword
import re

__all__ = ["certainly_loaded"]

#: Words after which a name is an expression being read (``return x``, ``if x:``...).
_LOAD_AFTER = frozenset(
    {
        "return", "yield", "await", "not", "in", "is", "and", "or", "if", "elif",
        "while", "assert", "raise", "else", "with", "except", "from",
    }
)  # fmt: skip
#: ``match``/``case``/``type``/``_`` are soft keywords: their statements look like calls.
_UNSURE_NAMES = frozenset({"match", "case", "type", "_", *keyword.kwlist})
_KEYWORDS = frozenset(keyword.kwlist) | {"match", "case", "type"}
_AUG = re.compile(r"(?:\*\*|//|>>|<<|[-+*/%@&|^])=")
_OPEN, _CLOSE = "([{", ")]}"
_FOR_LAMBDA = re.compile(r"\b(?:for|lambda)\b")
_SPACE = " \t\f"
#: How far back to look for the bracket a name sits in; further means "not sure".
_BRACKET_REACH = 4000
_BRACKET = re.compile(r"[()\[\]{}]")


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _prev(s: str, i: int) -> tuple[int, bool]:
    """Index of the last non-blank char before ``i`` and whether a line break was crossed."""
    j = i - 1
    crossed = False
    while j >= 0 and (s[j] in _SPACE or s[j] in "\n\r\\"):
        crossed |= s[j] in "\n\r\\"
        j -= 1
    return j, crossed


def _word_before(s: str, j: int) -> str:
    """The identifier ending at ``s[j]`` (inclusive), or ""."""
    k = j
    while k >= 0 and _is_word(s[k]):
        k -= 1
    return s[k + 1 : j + 1]


def _next_text(s: str, i: int) -> str:
    """Up to three chars after ``i`` once blanks are skipped; "\n" for the end of the line."""
    j = i
    while j < len(s) and s[j] in _SPACE:
        j += 1
    return s[j : j + 3] if j < len(s) else "\n"


def _storing(nxt: str) -> bool:
    """Would what follows a name make it a target: ``=``, ``:=``, ``+=``...?"""
    return (
        (nxt[:1] == "=" and nxt[1:2] != "=")
        or nxt.startswith(":=")
        or _AUG.match(nxt) is not None
        or nxt[:1] == "\\"
    )


def _opener(s: str, i: int) -> int:
    """Index of the innermost unclosed bracket before ``i``, or -1."""
    depth = 0
    # only the brackets, found by the regex engine: a name at statement level walks back
    # the whole reach, and a character loop there was most of a small project's scan time
    for m in reversed(list(_BRACKET.finditer(s, max(0, i - _BRACKET_REACH + 1), i))):
        if m.group() in _CLOSE:
            depth += 1
        elif depth == 0:
            return m.start()
        else:
            depth -= 1
    return -1


def _reading_opener(s: str, k: int, i: int, depth: int = 0) -> bool:
    """Is every name between the bracket at ``s[k]`` and ``i`` read (an argument, a subscript,
    a display inside one)? Comprehension targets and lambda parameters are not."""
    if depth > 20 or _FOR_LAMBDA.search(s, k + 1, i) is not None:
        return False
    if s[k] == "{":
        return True  # dict and set displays can't be assigned to
    j, crossed = _prev(s, k)
    if j < 0 or crossed:
        return False  # ``f\n(x)`` at statement level is two statements
    c = s[j]
    if s[k] == "[" and c in ")]":
        return True  # x()[i], x[0][i]
    if c in _OPEN or c == ",":
        # a tuple or list inside another bracket: read when that bracket reads
        outer = j if c in _OPEN else _opener(s, j)
        return outer >= 0 and _reading_opener(s, outer, i, depth + 1)
    word = _word_before(s, j)
    if not word or word[0].isdigit():
        return False
    if word in _KEYWORDS:
        return word in _LOAD_AFTER and word != "with"  # ``return (a, x)``, not ``for (a, x)``
    w, _ = _prev(s, j - len(word) + 1)
    before = _word_before(s, w) if w >= 0 else ""
    return not (before == "def" or (s[k] == "[" and before in ("class", "type")))


def _load_at(s: str, i: int, size: int) -> bool:
    """Is the name occurrence ``s[i : i + size]`` certainly a load?"""
    j, crossed = _prev(s, i)
    prev = s[j] if j >= 0 else "\n"
    if prev == ".":
        return False  # an attribute: x.name
    nxt = _next_text(s, i + size)
    word = _word_before(s, j) if j >= 0 and _is_word(prev) else ""
    if nxt[:1] in (".", "(", "["):
        # the value of an attribute, call or subscript is read even in ``x.a = 1``
        return word not in ("def", "class", "type")
    if prev == ":" and nxt[:1] == "=" and nxt[1:2] != "=" and _opener(s, i) >= 0:
        # ``def f(x: T = 1)``: inside brackets, only a parameter's annotation is followed
        # by ``=`` after a ``:`` (a dict value, slice or lambda body can't be assigned)
        return True
    if _storing(nxt):
        return False
    if word:
        return not crossed and word in _LOAD_AFTER
    if prev == ">" and j > 0 and s[j - 1] == "-":
        return True  # -> annotation
    if prev == ":":
        # inside brackets (annotations, dict values, slices, lambda bodies) a name after
        # ``:`` is read; at statement level it may start an inline block's assignment
        return nxt[:1] in (")", "]", "}", "\n", ";") or _opener(s, i) >= 0
    if prev == "=" and (j == 0 or s[j - 1] not in "=!<>:+-*/%@&|^"):
        if nxt[:1] == "," and _opener(s, i) >= 0:
            return True  # inside brackets: a keyword argument's value or a default
        return nxt[:1] not in (",", ":")  # ``x = name, y = …`` makes name a target
    if prev in "=<>+-%&|^~@!":
        return True
    if prev in "([{,":
        k = _opener(s, i)
        return k >= 0 and _reading_opener(s, k, i)
    return False


def certainly_loaded(s: str, name: str, skip: list[tuple[int, int]]) -> bool:
    """Is ``name`` loaded somewhere in ``s`` outside the ``skip`` spans (import statements)?"""
    if name in _UNSURE_NAMES:
        return False
    size = len(name)
    i = s.find(name)
    while i != -1:
        before = s[i - 1] if i else "\n"
        after = s[i + size : i + size + 1] or " "
        if (
            not _is_word(before)
            and not _is_word(after)
            and not any(a <= i < b for a, b in skip)
            and _load_at(s, i, size)
        ):
            return True
        i = s.find(name, i + size)
    return False
