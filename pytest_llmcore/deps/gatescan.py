"""The gate's scan step: every source file's imports, from the per-file cache or scanned
(forked workers on a cold run walk the tree too, while this process prepares judging)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from .cache import ImportCache, cache_key, default_cache_dir
from .declarations import ProjectDeclarations
from .firstparty import first_party_names
from .mapping import ModuleMap, stdlib_backfills, stdlib_names
from .namespaces import open_namespaces
from .prepare import prepare_judging
from .projectfacts import ProjectFacts
from .records import FileImports, GateResult
from .settings import DepsSettings
from .walk import SourceFile, iter_sources

__all__ = ["Scan", "scan_project"]


class Scan(NamedTuple):
    """The project's sources and what was found in them."""

    files: list[SourceFile]
    local: set[str]
    skip: set[str]
    """Top-level modules that are no dependency: the standard library and the project's own."""
    opened: frozenset[str]
    """First-party names a declared distribution may add to, scanned all the same."""
    cache: ImportCache
    evidence_cache_dir: Path | None
    """Where the evidence finders remember answers; None when caching is off."""
    per_file: dict[str, FileImports]
    facts: ProjectFacts
    """The project's tool files and commands (read while scan workers ran, if any)."""

    def wanted(self, top: str) -> bool:
        return top not in self.skip


def _plan(
    files: Sequence[SourceFile],
    settings: DepsSettings,
    decl: ProjectDeclarations,
    user_map: Mapping[str, tuple[str, ...]],
) -> tuple[set[str], frozenset[str], set[str]]:
    """(first-party names, those a declared distribution may add to, modules no scan wants)."""
    local = first_party_names(
        files, settings.first_party, decl.project_name, decl.pyproject, decl.setup_packages
    )
    stdlib = stdlib_names()
    stdlib -= stdlib_backfills(d.name for d in decl.declared)
    rows = ModuleMap(user_map, use_metadata=False)
    opened = open_namespaces(
        local, {d.key for d in decl.declared}, lambda key: rows.provides(key).modules
    )
    return local, opened, stdlib | (local - opened)


def scan_project(
    root: Path,
    settings: DepsSettings,
    decl: ProjectDeclarations,
    result: GateResult,
    cache_dir: Path | None,
    use_cache: bool | None,
    user_map: Mapping[str, tuple[str, ...]],
    may_fork: bool,
) -> Scan:
    """Every source file's imports: from the cache when the file is unchanged."""
    cache_on = settings.cache if use_cache is None else use_cache
    # default_cache_dir creates the folder: only when the cache is on
    where = (cache_dir or default_cache_dir(root)) if cache_on else None
    path = where / "imports.json" if where is not None else None
    facts = ProjectFacts(root, decl.pyproject)
    cold = path is None or not os.path.lexists(path)
    if may_fork and cold and decl.declared and _has_many_sources(root):
        early = _walk_and_scan(root, settings, decl, result, user_map, path, facts)
        if early is not None:
            return early._replace(evidence_cache_dir=where)
    files = list(iter_sources(root, settings.exclude, settings.gitignore, skipped=result.notes))
    local, opened, skip = _plan(files, settings, decl, user_map)
    cache = ImportCache(path, cache_key(skip, settings.max_file_size))
    if cache.note:
        result.notes.append(cache.note)
    todo: list[SourceFile] = []
    per_file: dict[str, FileImports] = {}
    for f in files:
        hit = cache.get(f)
        if hit is None:
            todo.append(f)
        else:
            per_file[f.rel] = hit
    if todo:  # the scanner's modules load only when a file changed (warm start-up time)
        from .filescan import Overlap, scan_many
        from .prefetch import apply_prefetched, prefetch

        for f, res in scan_many(
            todo,
            frozenset(skip),
            settings.max_file_size,
            may_fork=may_fork,
            overlap=Overlap(
                meanwhile=lambda: prepare_judging(decl, cache, user_map, facts),
                side=lambda: prefetch(decl, files),
                on_answer=lambda answer: apply_prefetched(answer, cache, facts),
            ),
        ):
            per_file[f.rel] = res
            cache.put(f, res)
    result.files_scanned = len(files)
    return Scan(files, local, skip, opened, cache, where, per_file, facts)


def _has_many_sources(root: Path, enough: int = 40, folders: int = 64) -> bool:
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


def _walk_and_scan(
    root: Path,
    settings: DepsSettings,
    decl: ProjectDeclarations,
    result: GateResult,
    user_map: Mapping[str, tuple[str, ...]],
    path: Path | None,
    facts: ProjectFacts,
) -> Scan | None:
    """A cold run (no cache to read): a forked worker walks the tree and starts the scan
    while this process prepares judging; None when that can't be done here."""
    from .filescan import fork_jobs

    jobs = fork_jobs()
    if jobs < 2:
        return None
    from .forkscan import Walked, walk_and_scan
    from .prefetch import apply_prefetched, prefetch

    cache = ImportCache(path, "")  # nothing on disk to load; keyed once the files are known

    def walk() -> Walked:
        notes: list[str] = []
        files = list(iter_sources(root, settings.exclude, settings.gitignore, skipped=notes))
        return Walked(files, notes)

    got = walk_and_scan(
        walk,
        lambda files: frozenset(_plan(files, settings, decl, user_map)[2]),
        settings.max_file_size,
        meanwhile=lambda: prepare_judging(decl, cache, user_map, facts),
        side=lambda files: prefetch(decl, files),
        on_answer=lambda answer: apply_prefetched(answer, cache, facts),
        jobs=jobs,
    )
    if got is None:
        return None
    walked, done = got
    files = walked.files
    result.notes.extend(walked.notes)
    local, opened, skip = _plan(files, settings, decl, user_map)
    cache.key = cache_key(skip, settings.max_file_size)
    per_file: dict[str, FileImports] = {}
    for i, f in enumerate(files):
        per_file[f.rel] = done[i]
        cache.put(f, done[i])
    result.files_scanned = len(files)
    return Scan(files, local, skip, opened, cache, None, per_file, facts)
