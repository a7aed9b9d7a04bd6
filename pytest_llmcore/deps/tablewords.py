"""What the built-in module table (module_map.tsv) says about a word or a module name.

Read only for a candidate a name rule (:mod:`.ownernames`, :mod:`.reconcile`) already
accepted, by searching the table's text: never parsed whole on an ordinary run.

- :func:`describes`: a last part that several distributions end with, none of which
  provides a module of that name, only describes them (``-kernels``: deepspeed-kernels
  provides ``dskernels``, quack-kernels ``quack``). A vendor-prefixed name ending with it
  names no module ``kernels`` (that is Hugging Face's own distribution).
- :func:`table_owners`: the distributions the table lists a top-level module for (``nemo``:
  nemo-toolkit), so a guess of another name never claims it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from . import mapping

__all__ = ["describes", "table_owners", "table_text"]

#: how many other distributions must end with a word for it to be a description
_DESCRIBED = 2


@cache
def table_text() -> str:
    """module_map.tsv's text (empty when unreadable: the hand-kept table still answers)."""
    try:
        return mapping.MAP_FILE.read_text(encoding="utf-8")
    except OSError:
        return ""


def _rows_ending(word: str) -> list[tuple[str, str]]:
    pattern = re.compile(rf"^([^\t\n]*-{re.escape(word)})\t([^\n]*)$", re.MULTILINE)
    return [(m.group(1), m.group(2)) for m in pattern.finditer(table_text())]


@lru_cache(maxsize=256)
def describes(word: str, key: str) -> bool:
    """Does the last part ``word`` only describe the distributions that end with it (at
    least two besides ``key``, none providing a module named ``word``)?"""
    rows = [(dist, mods) for dist, mods in _rows_ending(word) if dist != key]
    if len(rows) < _DESCRIBED:
        return False
    own = word.replace("-", "_")
    return not any(m.split(".", 1)[0].lower() == own for _, mods in rows for m in mods.split(","))


@lru_cache(maxsize=256)
def table_owners(module: str) -> tuple[str, ...]:
    """The distributions the built-in table lists top-level ``module`` for, exactly."""
    pattern = re.compile(rf"^([^\t\n]+)\t(?:[^\n]*,)?{re.escape(module)}(?=,|$)", re.MULTILINE)
    found = [m.group(1) for m in pattern.finditer(table_text())]
    found += [d for d, mods in mapping.BUILTIN_MODULES.items() if module in mods]
    return tuple(dict.fromkeys(found))
