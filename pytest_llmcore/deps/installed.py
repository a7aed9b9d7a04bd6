"""Installed distributions' metadata files, read without importing ``importlib.metadata``.

The gate reads one or two files (``top_level.txt``, ``RECORD``) of a few declared
distributions. ``importlib.metadata`` imports ``email``, ``zipfile``, ``csv`` and
``inspect`` first: about 11 ms, a tenth of a cold run on a small project. Installed
distributions live as ``NAME-VERSION.dist-info`` (or ``.egg-info``) folders in the
``sys.path`` directories (PEP 376, the packaging specification's "Recording installed
projects"), so one listing per directory finds them, in ``sys.path`` order as
``importlib.metadata`` does. Where that cannot be the whole answer (a zip file or an
``.egg`` on ``sys.path``), a miss asks ``importlib.metadata``.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from .records import canonical_name

__all__ = ["InstalledDist", "all_installed", "installed", "installed_folders", "installed_names"]

_SUFFIXES = (".dist-info", ".egg-info")
_NAME = re.compile(r"^Name:[ \t]*(\S+)", re.MULTILINE)


def _index() -> tuple[dict[str, Path], bool]:
    """Each installed distribution's metadata folder by canonical name (the first on
    ``sys.path`` wins), and whether a path entry may hide others (zip files, eggs)."""
    return _index_of(tuple(sys.path))


@lru_cache(maxsize=8)
def _index_of(path: tuple[str, ...]) -> tuple[dict[str, Path], bool]:
    found: dict[str, Path] = {}
    partial = False
    for entry in path:
        root = Path(entry or ".")
        if entry.endswith(".egg") or os.path.isfile(root):
            partial = True
            continue
        try:
            names = os.listdir(root)
        except OSError:
            continue  # a missing folder or a path hook's marker, as importlib skips them
        for name in names:
            if name.endswith(_SUFFIXES):
                # ``name-1.0.dist-info``, ``name.egg-info``, ``name-1.0-py3.11.egg-info``
                key = canonical_name(name.rsplit(".", 1)[0].split("-", 1)[0])
                found.setdefault(key, root / name)
    return found, partial


def installed_folders() -> list[Path] | None:
    """Every installed distribution's metadata folder; None where a zip file or an egg on
    ``sys.path`` may hide others (:func:`all_installed` asks importlib there)."""
    found, partial = _index()
    return None if partial else list(found.values())


def installed_names() -> frozenset[str]:
    """PEP 503 names of the distributions installed in ``sys.path``'s folders."""
    return frozenset(_index()[0])


class InstalledDist:
    """One installed distribution: its metadata files and the files it installed."""

    def __init__(self, folder: Path | None, fallback: object = None) -> None:
        self._folder = folder
        self._md = fallback  # an ``importlib.metadata.Distribution`` where a zip/egg held it

    def read_text(self, filename: str) -> str | None:
        if self._folder is None:
            text = self._md.read_text(filename)  # type: ignore[attr-defined]
            return text if isinstance(text, str) else None
        try:
            return (self._folder / filename).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def name(self) -> str | None:
        """Its ``Name:`` header (core metadata), read without a full parse."""
        text = self.read_text("METADATA") or self.read_text("PKG-INFO") or ""
        m = _NAME.search(text)
        return m.group(1) if m else None

    def entry_points(self) -> tuple[tuple[str, str, str], ...]:
        """(group, name, value) of each entry point (``entry_points.txt``, an INI file)."""
        out: list[tuple[str, str, str]] = []
        group = ""
        for raw in (self.read_text("entry_points.txt") or "").splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                group = line[1:-1].strip()
            elif "=" in line and group:
                name, _, value = line.partition("=")
                out.append((group, name.strip(), value.strip()))
        return tuple(out)

    def requires(self) -> list[str]:
        """``Requires-Dist`` of its core metadata (for an ``.egg-info``, importlib's answer,
        which translates ``requires.txt``)."""
        if self._folder is not None and self._folder.name.endswith(".dist-info"):
            head = (self.read_text("METADATA") or "").split("\n\n", 1)[0]
            return [
                line.partition(":")[2].strip()
                for line in head.splitlines()
                if line.lower().startswith("requires-dist:")
            ]
        import importlib.metadata as md

        dist = self._md if self._folder is None else md.PathDistribution(self._folder)
        return list(dist.requires or [])  # type: ignore[attr-defined]

    def locate_file(self, relative: str) -> Path:
        """Where a path from its RECORD lies (relative to the folder holding the metadata)."""
        if self._folder is None:
            return Path(str(self._md.locate_file(relative)))  # type: ignore[attr-defined]
        return self._folder.parent / relative


def installed(dist: str) -> InstalledDist | None:
    """The installed distribution ``dist``, or ``None``."""
    key = canonical_name(dist)
    found, partial = _index()
    folder = found.get(key)
    if folder is not None:
        return InstalledDist(folder)
    if not partial:
        return None
    import importlib.metadata as md  # only where a zip or an egg is on sys.path

    try:
        return InstalledDist(None, md.distribution(key))
    except md.PackageNotFoundError:
        return None


def all_installed() -> list[InstalledDist]:
    """Every installed distribution (importlib's list where a zip or an egg is on sys.path)."""
    found, partial = _index()
    if not partial:
        return [InstalledDist(folder) for folder in found.values()]
    import importlib.metadata as md

    return [InstalledDist(None, dist) for dist in md.distributions()]
