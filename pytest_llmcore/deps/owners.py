"""Which installed distributions provide given top-level modules (for missing vs transitive).

``importlib.metadata.packages_distributions()`` answers for every module of every installed
distribution, building a path object per RECORD line: 0.3-0.6 s in an environment with
torch, paid by every run with one undeclared import. Only a few modules are ever asked
about, so this answers for those only: a module that is not importable at all has no
owner (no metadata read), and RECORD files are searched as text.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
from collections.abc import Iterable

__all__ = ["module_owners"]


def _importable(top: str) -> bool:
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError, AttributeError):
        return False


def _declared_tops(dist: md.Distribution) -> set[str] | None:
    text = dist.read_text("top_level.txt")
    if text is None:
        return None
    return {ln.strip() for ln in text.splitlines() if ln.strip()}


def _dotted_name(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


_NAME = re.compile(r"^Name:[ \t]*(\S+)", re.MULTILINE)


def _name(dist: md.Distribution) -> str | None:
    """The distribution's name from its metadata's ``Name:`` header, without a full parse."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    m = _NAME.search(text)
    return m.group(1) if m else None


def _record_pattern(tops: Iterable[str]) -> re.Pattern[str]:
    paths = (t.replace(".", "/") for t in tops)  # a namespace member: ``jaraco/text/...``
    names = "|".join(sorted(map(re.escape, paths), key=len, reverse=True))
    # ``top/...`` (a package) or ``top.py`` / ``top.cpython-311-x86_64-linux-gnu.so``
    return re.compile(rf"^({names})(?:/|\.[^/,]*,)", re.MULTILINE)


def module_owners(tops: Iterable[str]) -> dict[str, list[str]]:
    """Top-level module -> installed distributions providing it, for the given modules.

    The same answer as ``packages_distributions()`` restricted to ``tops`` (top_level.txt
    when a distribution has one, else its RECORD), for modules that can be imported here.
    A dotted name (a namespace package's member, ``jaraco.text``) is looked up in RECORD
    files: every distribution of the namespace lists only ``jaraco`` in top_level.txt.
    """
    wanted = {t for t in tops if _dotted_name(t) and _importable(t)}
    if not wanted:
        return {}
    pattern = _record_pattern(wanted)
    dotted = any("." in t for t in wanted)
    owners: dict[str, list[str]] = {}
    for dist in md.distributions():
        declared = _declared_tops(dist)
        if declared is not None and not dotted:
            hits = declared & wanted
        else:
            record = dist.read_text("RECORD") or ""
            hits = {m.group(1).replace("/", ".") for m in pattern.finditer(record)}
            hits |= (declared or set()) & wanted
        if not hits:
            continue
        name = _name(dist)
        if name is None:
            continue
        for top in hits:
            owners.setdefault(top, []).append(name)
    return owners
