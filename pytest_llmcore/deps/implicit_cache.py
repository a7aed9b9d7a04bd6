"""Per-file results of the implicit-use scan, kept between runs.

The scan reads every source file when a dependency has no other use; on a warm run an
unchanged file (same size and mtime) gives back its recorded hits instead. The results
depend on what was looked for, so a different set of pending dependencies, programs or
triggers (the signature) starts the cache afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.fsutil import atomic_write_bytes
from .records import Evidence

__all__ = ["ScanCache"]

_FORMAT = 1


class ScanCache:
    """``rel -> (size, mtime_ns, {dist: evidence})`` in one JSON file."""

    def __init__(self, path: Path | None, looked_for: Any) -> None:
        self.path = path
        # compared whole, as the import cache's key is (no hashlib to load)
        self.signature = json.dumps([_FORMAT, looked_for], sort_keys=True, default=str)
        self.files: dict[str, list[Any]] = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_bytes())
                if data.get("sig") == self.signature and isinstance(data.get("files"), dict):
                    self.files = data["files"]
            except (OSError, ValueError, AttributeError):
                self.files = {}

    def get(self, rel: str, size: int, mtime_ns: int) -> dict[str, Evidence] | None:
        entry = self.files.get(rel)
        if not isinstance(entry, list) or len(entry) != 3 or entry[:2] != [size, mtime_ns]:
            return None
        try:
            return {d: Evidence(t, f, ln) for d, (t, f, ln) in entry[2].items()}
        except (TypeError, ValueError, AttributeError):
            return None

    def put(self, rel: str, size: int, mtime_ns: int, hits: dict[str, Evidence]) -> None:
        self.files[rel] = [size, mtime_ns, {d: [e.text, e.file, e.line] for d, e in hits.items()}]
        self.dirty = True

    def save(self, live: set[str]) -> None:
        if self.path is None:
            return
        stale = set(self.files) - live
        if not self.dirty and not stale:
            return
        for rel in stale:
            del self.files[rel]
        data = {"sig": self.signature, "files": self.files}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(
                self.path, json.dumps(data, separators=(",", ":")).encode(), durable=False
            )
        except OSError:
            pass  # a read-only tree still gets its result
