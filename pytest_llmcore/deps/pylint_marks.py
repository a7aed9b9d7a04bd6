"""Lines on which pylint's ``unused-import`` (W0611) is disabled: an import kept on purpose.

``import timm  # pylint: disable=unused-import``, ``# pylint: disable-next=W0611`` on the
line above, or a ``# pylint: disable=C0415,W0611`` line of its own, which holds from there
to the end of its block or to a ``# pylint: enable=`` of the same message (txtai's
test/python/testoptional.py). Such an import says it is there for its side effect, exactly
as ``# noqa: F401`` does.
"""

from __future__ import annotations

import re

__all__ = ["unused_import_disabled"]

_DIRECTIVE = re.compile(r"#\s*pylint\s*:\s*(disable-next|disable|enable)\s*=\s*([\w\s,-]+)")
#: the names pylint knows the message by (``all`` disables every message)
_CODES = frozenset({"unused-import", "w0611", "all"})


def _directive(line: str) -> str | None:
    """``disable``, ``disable-next`` or ``enable`` when the line's pylint comment names
    unused-import, else None."""
    for m in _DIRECTIVE.finditer(line):
        if {c.strip().lower() for c in m.group(2).split(",")} & _CODES:
            return m.group(1).lower()
    return None


def unused_import_disabled(text: str) -> frozenset[int]:
    """The 1-based lines of ``text`` on which pylint would not report an unused import."""
    if "pylint" not in text:
        return frozenset()
    out: set[int] = set()
    scopes: list[int] = []  # indents of the standalone ``disable`` lines still in effect
    next_code = False
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped:
            continue
        indent = len(raw) - len(raw.lstrip())
        what = _directive(stripped) if "pylint" in stripped else None
        if stripped.startswith("#"):
            if what == "disable":
                scopes.append(indent)
            elif what == "enable":
                scopes.clear()
            elif what == "disable-next":
                next_code = True
            continue
        while scopes and scopes[-1] > indent:
            scopes.pop()  # the block that held the directive has ended
        if scopes or next_code or what == "disable":
            out.add(number)
        next_code = False
    return frozenset(out)
