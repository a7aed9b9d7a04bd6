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


def _compile(lines: list[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _bad_patterns(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split ``lines`` into (good, bad) by compiling each alone (only after a failure)."""
    good: list[str] = []
    bad: list[str] = []
    for line in lines:
        try:
            _compile([line])
        except Exception:  # pathspec raises re.error or its own error types
            bad.append(line)
        else:
            good.append(line)
    return good, bad


def _patterns(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


class PatternSet:
    """The patterns of one .gitignore (or the ``exclude`` setting), relative to ``base``."""

    def __init__(self, base: str, lines: list[str]) -> None:
        self.base = base
        self.bad: list[str] = []
        try:
            self.spec = _compile(lines)
        except Exception:
            good, self.bad = _bad_patterns(lines)
            self.spec = _compile(good)

    def check(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matched."""
        if self.base:
            if not rel.startswith(self.base + "/"):
                return None
            rel = rel[len(self.base) + 1 :]
        result = self.spec.check_file(rel + "/" if is_dir else rel)
        include: bool | None = result.include
        return include


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
