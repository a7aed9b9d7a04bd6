"""The gate's scan step: every source file's imports, from the per-file cache or scanned
(on a cold run, a worker forked before the declarations were read walks the tree and scans
too, while this process prepares judging: :mod:`.earlyscan`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from .cache import ImportCache, cache_key
from .declarations import ProjectDeclarations
from .earlyscan import EarlyScan, cache_location
from .firstparty import first_party_names
from .mapping import ModuleMap, stdlib_backfills, stdlib_names
from .namespaces import open_namespaces
from .prepare import prepare_judging
from .projectfacts import ProjectFacts
from .records import FileImports, GateResult
from .settings import DepsSettings
from .walk import SourceFile, iter_sources

__all__ = ["Scan", "ScanPlan", "modules_no_scan_wants", "scan_project"]


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


class ScanPlan(NamedTuple):
    """How the scan step runs: its cache, the user's module map, and a cold CLI run's
    walker (started before the declarations were read) or whether it may fork at all."""

    cache_dir: Path | None
    use_cache: bool | None
    user_map: Mapping[str, tuple[str, ...]]
    early: EarlyScan | None = None
    may_fork: bool = False


def modules_no_scan_wants(
    files: Sequence[SourceFile],
    settings: DepsSettings,
    decl: ProjectDeclarations,
    user_map: Mapping[str, tuple[str, ...]],
) -> frozenset[str]:
    """The standard library and the project's own modules (those no declaration adds to)."""
    return frozenset(_plan(files, settings, decl, user_map)[2])


def scan_project(
    root: Path,
    settings: DepsSettings,
    decl: ProjectDeclarations,
    result: GateResult,
    plan: ScanPlan,
) -> Scan:
    """Every source file's imports: from the cache when the file is unchanged."""
    where = plan.early.where if plan.early else cache_location(root, settings, *plan[:2])
    path = where / "imports.json" if where is not None else None
    facts = ProjectFacts(root, decl.pyproject)
    if plan.early is not None:
        early = _finish_early(plan.early, root, settings, decl, result, plan.user_map, facts)
        if early is not None:
            return early._replace(evidence_cache_dir=where)
    files = list(iter_sources(root, settings.exclude, settings.gitignore, skipped=result.notes))
    local, opened, skip = _plan(files, settings, decl, plan.user_map)
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
            may_fork=plan.may_fork,
            overlap=Overlap(
                meanwhile=lambda: prepare_judging(decl, cache, plan.user_map, facts),
                side=lambda: prefetch(decl, files),
                on_answer=lambda answer: apply_prefetched(answer, cache, facts),
            ),
        ):
            per_file[f.rel] = res
            cache.put(f, res)
    result.files_scanned = len(files)
    return Scan(files, local, skip, opened, cache, where, per_file, facts)


def _finish_early(
    early: EarlyScan,
    root: Path,
    settings: DepsSettings,
    decl: ProjectDeclarations,
    result: GateResult,
    user_map: Mapping[str, tuple[str, ...]],
    facts: ProjectFacts,
) -> Scan | None:
    """A cold run whose worker walks and scans: judging is prepared here meanwhile, then
    this process scans from the same queue. None when the worker's walk did not come back
    (the caller walks and scans itself)."""
    from .prefetch import apply_prefetched

    if not early.walker.give(decl):  # the worker plans with these declarations
        return None
    path = early.where / "imports.json" if early.where is not None else None
    cache = ImportCache(path, "")  # nothing on disk to load; keyed once the files are known
    prepare_judging(decl, cache, user_map, facts)
    planned: list[tuple[set[str], frozenset[str], set[str]]] = []  # read again below

    def skip_for(files: Sequence[SourceFile]) -> frozenset[str]:
        planned.append(_plan(files, settings, decl, user_map))
        return frozenset(planned[-1][2])

    got = early.walker.finish(
        skip_for,
        on_answer=lambda answer: apply_prefetched(answer, cache, facts),
        jobs=_jobs(),
    )
    if got is None:
        return None
    walked, done = got
    files = walked.files
    result.notes.extend(walked.notes)
    local, opened, skip = planned[-1]  # the plan the walk's files were checked against
    cache.key = cache_key(skip, settings.max_file_size)
    per_file: dict[str, FileImports] = {}
    for i, f in enumerate(files):
        per_file[f.rel] = done[i]
        cache.put(f, done[i])
    result.files_scanned = len(files)
    return Scan(files, local, skip, opened, cache, None, per_file, facts)


def _jobs() -> int:
    from .filescan import fork_jobs

    return fork_jobs()
