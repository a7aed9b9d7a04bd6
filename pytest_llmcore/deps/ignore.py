""".gitignore and ``exclude`` patterns, matched the way git does and in linear time.

Patterns are compiled by pathspec (git's wildmatch rules: anchoring, ``**``, negation,
directory-only patterns); pathspec picks its re2 backend when ``google-re2`` is installed,
whose matching time is linear in the path, so a pattern like ``*a*a*a*a*a*a*a*a*c`` can't
keep a core busy on a long file name the way a backtracking regex does.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from .safeio import read_bounded

__all__ = ["GitIgnore", "PatternSet", "exclude_patterns"]

#: A .gitignore larger than this is read only this far (a hostile tree could hold gigabytes).
MAX_IGNORE_FILE = 1_000_000
#: patterns compiled into one set; re2 refuses a set past its memory budget
_CHUNK = 1000


def _compile(lines: list[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _specs(lines: list[str], bad: list[str]) -> list[Any]:
    """``lines`` compiled as few specs as possible, in order; a line that does not compile
    alone goes to ``bad``. A set too large for the matcher (re2 refuses huge sets: a hostile
    .gitignore of 50,000 lines) is split in halves, so it is never a crash."""
    try:
        return [_compile(lines)]
    except Exception:  # pathspec raises re.error, re2's error or its own error types
        if len(lines) == 1:
            bad.append(lines[0])
            return []
    mid = len(lines) // 2
    return _specs(lines[:mid], bad) + _specs(lines[mid:], bad)


def _patterns(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


class PatternSet:
    """The patterns of one .gitignore (or the ``exclude`` setting), relative to ``base``."""

    def __init__(self, base: str, lines: list[str]) -> None:
        self.base = base
        self.bad: list[str] = []
        # a repeated line only matters where it last occurs (the last match wins); chunks
        # keep each compiled set small enough for the matcher
        unique = list(reversed(dict.fromkeys(reversed(lines))))
        self.specs = [
            s
            for i in range(0, len(unique), _CHUNK)
            for s in _specs(unique[i : i + _CHUNK], self.bad)
        ]

    def check(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matched."""
        if self.base:
            if not rel.startswith(self.base + "/"):
                return None
            rel = rel[len(self.base) + 1 :]
        path = rel + "/" if is_dir else rel
        for spec in reversed(self.specs):  # the last matching pattern wins, as in one spec
            include: bool | None = spec.check_file(path).include
            if include is not None:
                return include
        return None


class GitIgnore:
    """The .gitignore files met so far on the way down a tree; the deepest match wins."""

    def __init__(self, sets: Iterable[PatternSet] = ()) -> None:
        self.sets = list(sets)

    def with_file(self, path: Path, base: str, notes: list[str] | None = None) -> GitIgnore:
        """Add ``path``'s patterns; a bad pattern is skipped, as git does, with a note."""
        raw = read_bounded(path, MAX_IGNORE_FILE)
        if isinstance(raw, str):
            if notes is not None:
                notes.append(f"{base + '/' if base else ''}.gitignore: {raw}")
            return self
        lines = _patterns(raw.decode("utf-8", errors="replace"))
        if not lines:
            return self
        ps = PatternSet(base, lines)
        if ps.bad and notes is not None:
            where = f"{base}/.gitignore" if base else ".gitignore"
            bad = ", ".join(repr(b) for b in ps.bad[:3])
            notes.append(f"{where}: pattern {bad} is not a valid pattern; ignored")
        return GitIgnore([*self.sets, ps])

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for ps in reversed(self.sets):
            hit = ps.check(rel, is_dir)
            if hit is not None:
                return hit
        return False


def exclude_patterns(patterns: Iterable[str]) -> GitIgnore:
    """The ``exclude`` setting as one pattern set; a bad pattern is a configuration error."""
    lines = [p for p in patterns if p.strip()]
    if not lines:
        return GitIgnore()
    ps = PatternSet("", lines)
    if ps.bad:
        raise InputError(
            f"[tool.llmcore.deps] exclude: {ps.bad[0]!r} is not a valid pattern",
            fix="use .gitignore syntax; a bracket range must go upwards, e.g. [a-z]",
        )
    return GitIgnore([ps])
