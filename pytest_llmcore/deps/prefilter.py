"""Stage 1 of the scanner: which modules a file may import, from one regex over the raw text.

A file whose candidates are all standard library or first-party needs no further work,
unless it has an import form the line-anchored regex can't see (inline after ``;`` or
``:``, backslash-continued, or dynamic): then it goes on to the later stages.
"""

from __future__ import annotations

import re

__all__ = ["DOTTED", "candidate_modules", "has_hidden_imports"]

DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.\w+)*")

# Every pattern starts with a literal ("\n", "import", "\\"): the regex engine then scans
# for it at C speed. Texts get a "\n" prepended so the first line is found too.
_PRE_IMPORT = re.compile(r"\n[ \t\f]*(?:import[ \t]+([^\n#;]*)|from[ \t]+([\w.]+)[ \t]+import\b)")
_PRE_CONTINUED = re.compile(r"\\\r?\n[ \t\f]*(?:import|from)\b|import[ \t]*\\\r?\n")
_DYNAMIC_NAMES = ("import_module", "__import__", "importorskip")


def _inline_keyword(text: str, kw: str) -> bool:
    """``kw`` right after ``;`` or ``:`` and blanks: ``x = 1;    import y``, ``if x: import y``."""
    size = len(kw)
    i = text.find(kw)
    while i != -1:
        j = i - 1
        while j >= 0 and text[j] in " \t\f":
            j -= 1
        if j >= 0 and text[j] in ";:" and text[i + size : i + size + 1] in (" ", "\t", "."):
            return True
        i = text.find(kw, i + size)
    return False


def has_hidden_imports(text: str) -> bool:
    """Imports the line-anchored prefilter can't see: inline, continued or dynamic."""
    return (
        any(name in text for name in _DYNAMIC_NAMES)
        or _inline_keyword(text, "import")
        or _inline_keyword(text, "from")
        or ("\\" in text and _PRE_CONTINUED.search(text) is not None)
    )


def candidate_modules(text: str) -> tuple[set[str], bool]:
    """Top-level names ``text`` may import, and whether it has import forms stage 1 can't see.

    The set is a superset of the real absolute imports, except for the forms flagged by the
    second value (inline, backslash-continued and dynamic imports).
    """
    tops: set[str] = set()
    for m in _PRE_IMPORT.finditer("\n" + text):
        if m.group(1) is not None:
            for dotted in DOTTED.findall(m.group(1)):
                tops.add(dotted.split(".", 1)[0])
        else:
            mod = m.group(2)
            if not mod.startswith("."):
                tops.add(mod.split(".", 1)[0])
    return tops, has_hidden_imports(text)
