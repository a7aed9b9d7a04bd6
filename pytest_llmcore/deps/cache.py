"""The per-file import cache of the dependency gate.

One JSON file, ``ROOT/.pytest_cache/d/llmcore-deps/imports.json``: per source file its size,
mtime and scan result. The key covers everything that changes a file's result (the
package version, the cache format, Python's version, the first-party and standard-library
names left out, the size cap), so changing a setting never reuses a stale "skipped".
A cache file that is not what we wrote (a list, garbage, wrong types) is rebuilt with a
note, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .. import __version__
from ..core.fsutil import atomic_write_bytes
from .records import FileImports, ImportRecord
from .safeio import read_bounded
from .walk import SourceFile

__all__ = ["ImportCache", "cache_key", "default_cache_dir", "env_fingerprint"]

T = TypeVar("T")

#: Bumped whenever the scanner's answer for the same file can change (7: helper hints; 6:
#: an unused import under a pylint disable of unused-import is used; 5: imports of pytester
#: source strings; 4: a raising `except ImportError`).
CACHE_FORMAT = 9
#: A cache file larger than this is not ours (torch's 2,300 files take about 1 MB).
MAX_CACHE_FILE = 512_000_000


def cache_key(skip: Iterable[str], max_file_size: int) -> str:
    """Every input of a file's scan result besides the file itself, written out whole: a
    few kilobytes in the cache file, compared exactly, and no hashlib (OpenSSL) to load."""
    return json.dumps(
        [CACHE_FORMAT, __version__, sys.version_info[:2], sorted(skip), max_file_size]
    )


def env_fingerprint() -> str:
    """The mtimes of the directories distributions are installed in (``site-packages``)."""
    parts = []
    for entry in sys.path:
        if os.path.basename(entry.rstrip("/\\")) in ("site-packages", "dist-packages"):
            try:
                parts.append([entry, os.stat(entry).st_mtime_ns])
            except OSError:
                continue
    return json.dumps(parts)


def _record(item: Any) -> ImportRecord:
    module, line, bound, used, tc, guarded, dynamic = item
    # exact types (JSON gives nothing else), checked flat: a warm run checks every record
    if (
        type(module) is not str
        or type(line) is not int
        or type(bound) is not list
        or type(used) is not bool
        or type(tc) is not bool
        or type(guarded) is not bool
        or type(dynamic) is not bool
    ):
        raise TypeError("bad record")
    for b in bound:
        if type(b) is not str:
            raise TypeError("bad record")
    return ImportRecord(module, line, tuple(bound), used, tc, guarded, dynamic)


class ImportCache:
    """Scan results by file, valid while the file's size and mtime are unchanged."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.path = path
        self.key = key
        self.entries: dict[str, Any] = {}
        self.dirty = False
        self.note: str | None = None
        """Why the cache file on disk was not used, when it was unreadable."""
        self.env: dict[str, Any] = {}
        """Answers about the installed environment, valid while its fingerprint holds."""
        self._fingerprint: str | None = None
        self._seeded: dict[str, Any] = {}
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        if not path.exists() and not path.is_symlink():
            return
        raw = read_bounded(path, MAX_CACHE_FILE)
        if isinstance(raw, str):
            self.note = f"{path}: cache {raw.replace('skipped', 'scanning again')}"
            return
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            data = None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            self.note = f"{path}: not a cache file written by llmcore; rebuilt"
            self.dirty = True
            return
        if data.get("format") == CACHE_FORMAT and data.get("key") == self.key:
            self.entries = files
            env = data.get("env")
            if isinstance(env, dict) and isinstance(env.get("memo"), dict):
                self.env = env

    def memo(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """``compute()``'s answer about the installed environment, remembered across runs.

        Valid while the site-packages directories keep their mtimes (installing or removing
        a distribution changes them); the answer must survive a JSON round trip.
        """
        full = f"{kind}:{key}"
        if self.path is None:  # no cache file: remembered for this run only
            if full not in self._seeded:
                self._seeded[full] = compute()
            answer: T = self._seeded[full]
            return answer
        if self._fingerprint is None:
            self._fingerprint = env_fingerprint()
        if self.env.get("fingerprint") != self._fingerprint:
            self.env = {"fingerprint": self._fingerprint, "memo": {}}
        table = self.env["memo"]
        if full in table:
            hit: T = table[full]
            return hit
        value = table[full] = self._seeded[full] if full in self._seeded else compute()
        self.dirty = True
        return value

    def seed(self, answers: Mapping[str, Any]) -> None:
        """Answers :meth:`memo` would compute (``kind:key`` -> value), computed elsewhere in
        this run (a scan worker): used, and remembered, when they are asked for."""
        self._seeded.update(answers)

    def get(self, f: SourceFile) -> FileImports | None:
        e = self.entries.get(f.rel)
        try:
            if e is None or e[0] != f.size or e[1] != f.mtime_ns:
                return None
            problem = e[2]
            if problem is not None and not isinstance(problem, str):
                return None
            hints = e[4]
            if type(hints) is not int:
                return None
            return FileImports(tuple(_record(r) for r in e[3]), problem, hints)
        except (TypeError, ValueError, IndexError, KeyError):
            return None

    def put(self, f: SourceFile, result: FileImports) -> None:
        records = [
            [r.module, r.line, list(r.bound), r.used, r.type_checking, r.guarded, r.dynamic]
            for r in result.imports
        ]
        self.entries[f.rel] = [f.size, f.mtime_ns, result.problem, records, result.hints]
        self.dirty = True

    def save(self, live: set[str]) -> None:
        """Write the cache, dropping files that are gone; a read-only tree just goes uncached."""
        if self.path is None:
            return
        stale = set(self.entries) - live
        if not self.dirty and not stale:
            return
        for rel in stale:
            del self.entries[rel]
        data = {"format": CACHE_FORMAT, "key": self.key, "files": self.entries, "env": self.env}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if os.path.realpath(self.path) != os.path.abspath(self.path):
                return  # a link in a tree we did not write: never write through it
            atomic_write_bytes(
                self.path, json.dumps(data, separators=(",", ":")).encode(), durable=False
            )
        except OSError:
            pass  # a read-only tree still gets its result


def default_cache_dir(root: Path) -> Path:
    """``ROOT/.pytest_cache/d/llmcore-deps``, the place pytest's own cache uses for plugins."""
    base = root / ".pytest_cache"
    if not base.exists():
        try:
            base.mkdir()
            (base / ".gitignore").write_text("# Created by pytest-llmcore automatically.\n*\n")
            (base / "CACHEDIR.TAG").write_bytes(
                b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by pytest-llmcore.\n"
            )
        except OSError:
            pass
    return base / "d" / "llmcore-deps"
