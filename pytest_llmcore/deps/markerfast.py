"""The few PEP 508 markers installed metadata nearly always holds, evaluated without
packaging: ``python_version < "3.11"``, ``sys_platform == "win32"``, ``extra == "dev"``,
joined by ``and``/``or``.

The requirement closure evaluates every ``Requires-Dist`` marker of every declared
distribution's dependencies; importing packaging's marker machinery for that costs a cold
run ~14 ms. Any marker outside this subset (parentheses, ``in``, ``~=``, a version with a
letter or a wildcard, a pre-release Python) gets None, and the caller asks packaging.
``tests/test_deps_speed_paths.py`` checks the answers against packaging's.
"""

from __future__ import annotations

import os
import sys

from .lazyre import lazy_compile

__all__ = ["evaluate_simple"]

_VARS = (
    "python_version|python_full_version|os_name|sys_platform|platform_system"
    "|platform_machine|platform_python_implementation|implementation_name|extra"
)
#: one token: a comparison (the variable on the left, a value without spaces or quotes), a
#: keyword followed by a space or a parenthesis, or a parenthesis
_TOKEN = lazy_compile(
    rf"\s*(?:({_VARS})\s*(<=|>=|==|!=|<|>)\s*(?:'([A-Za-z0-9._+-]*)'|\"([A-Za-z0-9._+-]*)\")"
    r"|(and|or)(?=[\s(])|([()]))\s*"
)
_RELEASE = lazy_compile(r"[0-9]+(?:\.[0-9]+)*")
#: a value packaging would read as a version (``==1.0``, ``==v2``) compares as one: not here
_STRING = lazy_compile(r"(?![vV]?[0-9])[A-Za-z_][A-Za-z0-9._-]*")


#: :func:`platform.python_implementation` of the implementations it names from sys.version
_IMPLEMENTATIONS = {"cpython": "CPython", "pypy": "PyPy"}


def _python(var: str) -> str | None:
    """This Python's version as the marker variable spells it; None for a pre-release."""
    v = sys.version_info
    full = f"{v.major}.{v.minor}.{v.micro}"
    if v.releaselevel != "final" or sys.version.split(" ", 1)[0] != full:
        return None  # 3.13.0rc1, a 3.12.1+ build: packaging's rules apply
    return f"{v.major}.{v.minor}" if var == "python_version" else full


def _string(var: str) -> str:
    if var == "os_name":
        return os.name
    if var == "sys_platform":
        return sys.platform
    if var == "implementation_name":
        return sys.implementation.name
    if var == "extra":
        return ""  # the closure asks for no extra
    if var == "platform_python_implementation" and sys.implementation.name in _IMPLEMENTATIONS:
        return _IMPLEMENTATIONS[sys.implementation.name]
    if sys.platform in ("linux", "darwin"):  # where platform reads these from uname
        uname = os.uname()
        if var == "platform_system":
            return uname.sysname
        if var == "platform_machine":
            return uname.machine
    import platform  # elsewhere, its rules: only markers that name it pay for the import

    if var == "platform_system":
        return platform.system()
    if var == "platform_machine":
        return platform.machine()
    return platform.python_implementation()


def _release(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # 3.11 and 3.11.0 are the same release
    return tuple(parts)


def _compare_versions(have: str, op: str, want: str) -> bool | None:
    if not _RELEASE.fullmatch(want):
        return None
    a, b = _release(have), _release(want)
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return {
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
        "==": a == b,
        "!=": a != b,
    }[op]


def _atom(var: str, op: str, value: str) -> bool | None:
    if var in ("python_version", "python_full_version"):
        have = _python(var)
        return None if have is None else _compare_versions(have, op, value)
    if op not in ("==", "!=") or not _STRING.fullmatch(value):
        return None
    have = _string(var)
    if var == "extra":
        value = value.lower().replace("_", "-").replace(".", "-")  # as packaging normalises
    return (have == value) is (op == "==")


def _tokens(marker: str) -> list[bool | str | None] | None:
    """Each comparison's verdict (None: packaging decides), keyword and parenthesis."""
    out: list[bool | str | None] = []
    pos = 0
    while pos < len(marker):
        m = _TOKEN.match(marker, pos)
        if m is None or m.end() == pos:
            return None
        if m.group(5) is not None and marker[m.start(5) - 1 : m.start(5)] not in (" ", "\t", ")"):
            return None  # ``'3.8'and``: left to packaging
        if m.group(1) is not None:
            value = m.group(3) if m.group(3) is not None else m.group(4)
            out.append(_atom(m.group(1), m.group(2), value))
        else:
            out.append(m.group(5) or m.group(6))
        pos = m.end()
    return out


class _Parser:
    """``or`` of ``and`` of comparisons or parenthesised markers (PEP 508's precedence)."""

    def __init__(self, tokens: list[bool | str | None]) -> None:
        self.tokens, self.at, self.unknown = tokens, 0, False

    def _peek(self) -> bool | str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else "end"

    def _primary(self) -> bool:
        tok = self._peek()
        self.at += 1
        if tok == "(":
            value = self.any_of()
            if self._peek() != ")":
                raise ValueError("unbalanced")
            self.at += 1
            return value
        if tok is None:
            self.unknown = True  # every comparison is still parsed, as packaging does
            return False
        if not isinstance(tok, bool):
            raise ValueError(f"unexpected {tok}")
        return tok

    def _all_of(self) -> bool:
        value = self._primary()
        while self._peek() == "and":
            self.at += 1
            value = self._primary() and value
        return value

    def any_of(self) -> bool:
        value = self._all_of()
        while self._peek() == "or":
            self.at += 1
            value = self._all_of() or value
        return value


def evaluate_simple(marker: str) -> bool | None:
    """``marker`` evaluated for this Python with no extra asked, or None when only
    packaging can say (the caller then asks it)."""
    tokens = _tokens(marker)
    if not tokens:
        return None
    parser = _Parser(tokens)
    try:
        value = parser.any_of()
    except ValueError:
        return None
    if parser.at != len(tokens) or parser.unknown:
        return None
    return value
