"""Where a run's import cache lives, and a cold run's walk started as early as possible.

A cold CLI run forks its walking worker right after the settings are read, before this
process loads the judging modules and reads the declarations: the worker walks while this
process reads the declarations and hands them over (:meth:`.forkwalk.WalkScan.give`); the
worker then plans its scan, answers the prefetch questions and scans, while this process
prepares judging and scans its share. This module is loaded before the fork, so it
imports little.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .settings import DepsSettings

if TYPE_CHECKING:
    from .declarations import ProjectDeclarations
    from .forkscan import Walked
    from .forkwalk import WalkScan
    from .walk import SourceFile

__all__ = ["EarlyScan", "cache_location", "has_many_sources", "start_early_scan"]


class EarlyScan(NamedTuple):
    """A cold run's forked walker, and where the run's cache goes."""

    walker: WalkScan
    where: Path | None
    """The cache folder; None when caching is off."""


def cache_location(
    root: Path, settings: DepsSettings, cache_dir: Path | None, use_cache: bool | None
) -> Path | None:
    """The cache folder of this run (created), or None when caching is off."""
    from .cache import default_cache_dir

    on = settings.cache if use_cache is None else use_cache
    # default_cache_dir creates the folder: only when the cache is on
    return (cache_dir or default_cache_dir(root)) if on else None


def is_cold(where: Path | None) -> bool:
    """No import cache to read: every file is scanned."""
    return where is None or not os.path.lexists(where / "imports.json")


def has_many_sources(root: Path, enough: int = 40, folders: int = 64) -> bool:
    """A quick look (breadth first, ``folders`` folders at most): does ``root`` hold
    ``enough`` Python files for a forked walk to pay? Under that, forking and preparing all
    of judging cost a tiny project more than they save."""
    found, queue = 0, [str(root)]
    for folder in queue:
        if len(queue) > folders:
            break
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                found += 1
            elif not entry.name.startswith((".", "_")) and entry.is_dir(follow_symlinks=False):
                queue.append(entry.path)
        if found >= enough:
            return True
    return False


def start_early_scan(
    root: Path,
    settings: DepsSettings,
    cache_dir: Path | None,
    use_cache: bool | None,
    user_map: Mapping[str, tuple[str, ...]],
) -> EarlyScan | None:
    """The walking worker of a cold run on a tree worth it; None otherwise (the scan
    step then walks and scans as a warm run does)."""
    where = cache_location(root, settings, cache_dir, use_cache)
    if not is_cold(where) or not has_many_sources(root):
        return None
    from .filescan import fork_jobs

    if fork_jobs() < 2:
        return None
    from .forkwalk import start_walk_scan

    child = _WorkerSide(root, settings, user_map)
    walker = start_walk_scan(child.walk, child.plan, settings.max_file_size, child.side)
    return None if walker is None else EarlyScan(walker, where)


class _WorkerSide:
    """What the forked worker does before it scans: it walks, then plans and answers the
    prefetch questions with the declarations this process read meanwhile and gave it."""

    def __init__(
        self, root: Path, settings: DepsSettings, user_map: Mapping[str, tuple[str, ...]]
    ) -> None:
        self.root, self.settings, self.user_map = root, settings, user_map

    def walk(self) -> Walked:
        from .forkscan import Walked
        from .walk import iter_sources

        s, notes = self.settings, list[str]()
        files = list(iter_sources(self.root, s.exclude, s.gitignore, skipped=notes))
        return Walked(files, notes)

    def plan(self, files: Sequence[SourceFile], decl: ProjectDeclarations) -> frozenset[str]:
        from .gatescan import modules_no_scan_wants

        return modules_no_scan_wants(files, self.settings, decl, self.user_map)

    def side(self, files: Sequence[SourceFile], decl: ProjectDeclarations) -> object:
        from .prefetch import prefetch

        return prefetch(decl, files)
