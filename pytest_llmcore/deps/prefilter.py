"""Stage 1 of the scanner: which modules a file may import, from a scan of the raw text.

A file whose candidates are all standard library or first-party needs no further work,
unless it has an import form this stage can't read (inline after ``;`` or ``:``,
backslash-continued, or dynamic): then it goes on to the later stages.
"""

from __future__ import annotations

import re

__all__ = ["DOTTED", "candidate_modules"]

DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.\w+)*")

# Each pattern starts with a literal ("import", "from", "\\"), which the regex engine
# scans for quickly; where the keyword stands (line start, or after ``;``/``:``) is then
# checked for the few matches. Anchoring on "\n" instead enters the matcher on every line.
_IMPORT = re.compile(r"import[ \t]+([^\n#;]*)")
_FROM = re.compile(r"from[ \t]+([\w.]+)[ \t]+import\b")
_CONTINUED_AFTER = re.compile(r"\\\r?\n[ \t\f]*(?:import|from)\b")
_CONTINUED_BEFORE = re.compile(r"import[ \t]*\\\r?\n")
_DYNAMIC_NAMES = ("import_module", "__import__", "importorskip")
_LINE, _INLINE, _OTHER = 0, 1, 2


def _place(text: str, start: int) -> int:
    """Where the keyword at ``start`` stands: at a line's start, inline after ``;``/``:``."""
    j = start - 1
    while j >= 0 and text[j] in " \t\f":
        j -= 1
    if j < 0 or text[j] in "\n\r":
        return _LINE
    return _INLINE if text[j] in ";:" else _OTHER


def _continued_or_dynamic(text: str) -> bool:
    return any(name in text for name in _DYNAMIC_NAMES) or (
        "\\" in text
        and (
            _CONTINUED_AFTER.search(text) is not None or _CONTINUED_BEFORE.search(text) is not None
        )
    )


def candidate_modules(text: str) -> tuple[set[str], bool]:
    """Top-level names ``text`` may import, and whether it has import forms stage 1 can't see.

    The set is a superset of the real absolute imports, except for the forms flagged by the
    second value (inline, backslash-continued and dynamic imports).
    """
    tops: set[str] = set()
    hidden = False
    for m in _IMPORT.finditer(text):
        place = _place(text, m.start())
        if place == _LINE:
            # ``import a.b as c, d``: the first name of each part (an alias is no module:
            # counting ``F`` of ``import torch.nn.functional as F`` sent most files on)
            for part in m.group(1).split(","):
                first = DOTTED.match(part.strip())
                if first:
                    tops.add(first.group(0).split(".", 1)[0])
        hidden |= place == _INLINE
    for m in _FROM.finditer(text):
        place = _place(text, m.start())
        mod = m.group(1)
        if place == _LINE and not mod.startswith("."):
            tops.add(mod.split(".", 1)[0])
        hidden |= place == _INLINE
    return tops, hidden or _continued_or_dynamic(text)
