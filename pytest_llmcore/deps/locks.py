"""Who requires whom, from the project's lock file: uv.lock, poetry.lock, pdm.lock.

A declared dependency nothing imports, that another declared dependency requires (directly
or through others), is a version pin of that requirement (fastapi's ``fastar>=0.9.0``,
which fastapi-cloud-cli requires). Installed metadata answers this when the dependencies
are installed; the lock file answers it in a CI job where they are not.

The three formats are read line by line, not with a TOML parser: lock files run to
megabytes (fastapi's uv.lock is 0.8 MB, seconds for tomlkit), and only the package names
and their unconditional requirements are needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from .model import canonical_name
from .safeio import read_bounded

__all__ = ["LOCK_FILES", "lock_graph", "lock_requirers"]

#: Lock files read, in order; the first one present is used.
LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")
#: A lock file is read up to this size (pathological inputs stay bounded).
_MAX_LOCK = 50_000_000

_HEADER = re.compile(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]?\]\s*$")
_NAME = re.compile(r'^name\s*=\s*"([^"]+)"')
_INLINE_NAME = re.compile(r'\{\s*name\s*=\s*"([^"]+)"')
_POETRY_DEP = re.compile(r'^"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=\s*(.*)$')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def lock_graph(name: str, text: str) -> dict[str, set[str]]:
    """Package -> the packages it requires unconditionally of any extra, from a lock file
    named ``name`` (``uv.lock``, ``poetry.lock`` or ``pdm.lock``)."""
    graph: dict[str, set[str]] = {}
    current: str | None = None
    section = ""
    in_list = False
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header is not None:
            section, in_list = header.group(1), False
            if line.startswith("[[") and section == "package":
                current = None
            continue
        if section == "package" and current is None:
            named = _NAME.match(line)
            if named is not None:
                current = canonical_name(named.group(1))
                graph.setdefault(current, set())
                continue
        if current is None:
            continue
        if name == "poetry.lock":
            if section == "package.dependencies":
                _poetry_dependency(line, graph[current])
            continue
        if section != "package":
            continue
        if line.startswith("dependencies") and "=" in line:
            in_list = True
            line = line.split("=", 1)[1]
        if in_list:
            _list_items(name, line, graph[current])
            if line.rstrip().endswith("]"):
                in_list = False
    return graph


def _poetry_dependency(line: str, into: set[str]) -> None:
    """``griffe = ">=0.30"``; ``foo = {version = "*", optional = true}`` needs an extra."""
    m = _POETRY_DEP.match(line)
    if m is None or re.search(r"\boptional\s*=\s*true\b", m.group(2)):
        return
    into.add(canonical_name(m.group(1)))


def _list_items(name: str, line: str, into: set[str]) -> None:
    """Items of a ``dependencies = [...]`` list: uv's ``{ name = "x" }`` tables (one with
    ``extra = [...]`` of another package still needs that package), pdm's requirement
    strings (one whose marker asks for an extra does not count)."""
    if name == "uv.lock":
        into.update(canonical_name(n) for n in _INLINE_NAME.findall(line))
        return
    for req in _STRING.findall(line):
        spec, _, marker = req.partition(";")
        named = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        if named is not None and "extra" not in marker:
            into.add(canonical_name(named.group(1)))


def lock_requirers(root: Path, declared: Iterable[str]) -> dict[str, list[str]]:
    """Requirement -> the declared distributions (as written) that require it, directly or
    through other packages, per the project's lock file; nearest requirer first."""
    for name in LOCK_FILES:
        raw = read_bounded(root / name, _MAX_LOCK)
        if isinstance(raw, bytes):
            return _requirers(lock_graph(name, raw.decode("utf-8", "replace")), declared)
    return {}


def _requirers(graph: Mapping[str, set[str]], declared: Iterable[str]) -> dict[str, list[str]]:
    """Breadth first from each declared distribution: its requirements by distance."""
    names = {canonical_name(d): d for d in declared}
    found: dict[str, dict[str, int]] = {}
    for start in names:
        depth = {start: 0}
        frontier = [start]
        while frontier:
            nxt = []
            for key in frontier:
                for req in graph.get(key, ()):
                    if req not in depth:
                        depth[req] = depth[key] + 1
                        nxt.append(req)
            frontier = nxt
        for req, d in depth.items():
            if req != start:
                found.setdefault(req, {})[names[start]] = d
    return {req: sorted(by, key=lambda n: (by[n], n)) for req, by in found.items()}
