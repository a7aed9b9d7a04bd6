"""Which installed distributions provide given top-level modules (for missing vs transitive).

``importlib.metadata.packages_distributions()`` answers for every module of every installed
distribution, building a path object per RECORD line: 0.3-0.6 s in an environment with
torch, paid by every run with one undeclared import. Only a few modules are ever asked
about, so this answers for those only: a module that is not importable at all has no
owner (no metadata read), and RECORD files are searched as text.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable

from .installed import InstalledDist, all_installed

__all__ = ["module_owners"]


def _importable(top: str) -> bool:
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError, AttributeError):
        return False


def _declared_tops(dist: InstalledDist) -> set[str] | None:
    text = dist.read_text("top_level.txt")
    if text is None:
        return None
    return {ln.strip() for ln in text.splitlines() if ln.strip()}


def _dotted_name(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _record_patterns(tops: Iterable[str]) -> dict[str, re.Pattern[str]]:
    # a namespace member is ``jaraco/text/...`` in a RECORD
    # ``top/...`` (a package) or ``top.py`` / ``top.cpython-311-x86_64-linux-gnu.so``
    return {
        t: re.compile(rf"^{re.escape(t.replace('.', '/'))}(?:/|\.[^/,]*,)", re.MULTILINE)
        for t in tops
    }


def _record_hits(record: str, patterns: dict[str, re.Pattern[str]]) -> set[str]:
    """The modules a RECORD lists: the first line of each is enough (torch's RECORD holds
    15,000 lines of its own), and a name absent from the text needs no regex at all."""
    return {
        t for t, pat in patterns.items() if t.replace(".", "/") in record and pat.search(record)
    }


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
    patterns = _record_patterns(wanted)
    dotted = any("." in t for t in wanted)
    owners: dict[str, list[str]] = {}
    for dist in all_installed():
        declared = _declared_tops(dist)
        if declared is not None and not dotted:
            hits = declared & wanted
        else:
            record = dist.read_text("RECORD") or ""
            hits = _record_hits(record, patterns) | ((declared or set()) & wanted)
        if not hits:
            continue
        name = dist.name()
        if name is None:
            continue
        for top in hits:
            owners.setdefault(top, []).append(name)
    return owners
