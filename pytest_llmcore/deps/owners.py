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
from pathlib import Path

from .installed import InstalledDist, all_installed, installed_folders

__all__ = ["TopLevels", "module_owners", "top_levels"]

#: (metadata folder, its top_level.txt names or None) of every installed distribution
TopLevels = list[tuple[str, "list[str] | None"]]


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


def top_levels() -> TopLevels | None:
    """Every installed distribution's top_level.txt, read once (while workers scan, into
    the environment memo): the owners of undeclared imports then need no more than the
    RECORD files of distributions without one. None where importlib lists them."""
    folders = installed_folders()
    if folders is None:
        return None
    out: TopLevels = []
    for folder in folders:
        tops = _declared_tops(InstalledDist(folder))
        out.append((str(folder), None if tops is None else sorted(tops)))
    return out


def module_owners(tops: Iterable[str], index: TopLevels | None = None) -> dict[str, list[str]]:
    """Top-level module -> installed distributions providing it, for the given modules.

    The same answer as ``packages_distributions()`` restricted to ``tops`` (top_level.txt
    when a distribution has one, else its RECORD), for modules that can be imported here.
    A dotted name (a namespace package's member, ``jaraco.text``) is looked up in RECORD
    files: every distribution of the namespace lists only ``jaraco`` in top_level.txt.
    ``index``: :func:`top_levels`, already read.
    """
    wanted = {t for t in tops if _dotted_name(t) and _importable(t)}
    if not wanted:
        return {}
    patterns = _record_patterns(wanted)
    dotted = any("." in t for t in wanted)
    if index is None:
        dists = [(d, _declared_tops(d)) for d in all_installed()]
    else:
        dists = [(InstalledDist(Path(f)), None if t is None else set(t)) for f, t in index]
    owners: dict[str, list[str]] = {}
    for dist, declared in dists:
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
