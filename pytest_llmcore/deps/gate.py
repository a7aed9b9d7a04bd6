"""Run the dependency gate on one project: declarations x imports -> findings."""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from .cache import ImportCache, cache_key, default_cache_dir
from .declarations import ProjectDeclarations, read_declarations
from .evidence import EvidenceFinder
from .filescan import scan_many
from .firstparty import SiblingModules, first_party_names
from .mapping import (
    ModuleMap,
    Provides,
    module_matches,
    requirement_closure,
    stdlib_backfills,
)
from .model import (
    Declared,
    Evidence,
    FileImports,
    Finding,
    GateResult,
    ImportRecord,
    Kind,
    canonical_name,
)
from .notebooks import cell_of, notebook_source
from .owners import module_owners
from .reconcile import ImportSite, reconcile_guessed
from .reexport import ReexportFinder
from .safeio import read_bounded
from .settings import DepsSettings, load_settings
from .triage import triage
from .walk import SourceFile, iter_sources

__all__ = ["project_root_for", "run_gate"]


@dataclass(frozen=True)
class _Use:
    """One import of a module somewhere in the project."""

    rec: ImportRecord
    file: str
    where: str
    dev_code: bool


# -- reading files -----------------------------------------------------------------------


# -- project facts -----------------------------------------------------------------------


def _local_names(
    files: Sequence[SourceFile], settings: DepsSettings, decl: ProjectDeclarations
) -> set[str]:
    return first_party_names(
        files, settings.first_party, decl.project_name, decl.pyproject, decl.setup_packages
    )


def _dev_path_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """Is a file development code (tests, docs, scripts...)? Path components are memoised."""
    pats = tuple(patterns)
    by_component = [p for p in pats if "/" not in p]
    by_path = [p for p in pats if "/" in p]
    memo: dict[str, bool] = {}
    # one regex for all component patterns: fnmatch per pattern per component was 0.1 s on torch
    one = re.compile("|".join(fnmatch.translate(p) for p in by_component) or "(?!)")

    def component(part: str) -> bool:
        hit = memo.get(part)
        if hit is None:
            hit = memo[part] = one.match(os.path.normcase(part)) is not None
        return hit

    dirs: dict[str, bool] = {}

    def is_dev(rel: str) -> bool:
        parent, _, name = rel.rpartition("/")
        hit = dirs.get(parent)
        if hit is None:  # files share directories: judge each directory once
            hit = dirs[parent] = any(component(part) for part in parent.split("/") if part)
        if hit or component(name):
            return True
        return any(fnmatch.fnmatch(rel, p) or rel.startswith(p.rstrip("/") + "/") for p in by_path)

    return is_dev


def project_root_for(path: Path) -> Path:
    """The nearest directory at or above ``path`` holding a project file."""
    path = path.resolve()
    start = path if path.is_dir() else path.parent
    for d in (start, *start.parents):
        if (
            (d / "pyproject.toml").is_file()
            or (d / "setup.cfg").is_file()
            or any(d.glob("requirements*.txt"))
        ):
            return d
    return start


# -- the gate ----------------------------------------------------------------------------


def run_gate(
    root: Path,
    settings: DepsSettings | None = None,
    cache_dir: Path | None = None,
    use_cache: bool | None = None,
    extra_map: dict[str, tuple[str, ...]] | None = None,
    config: Any = None,
) -> GateResult:
    """Check ``root``'s declared dependencies against its imports.

    With a pytest ``config``, the ``pytest_llmcore_deps_*`` hooks of conftest files and
    plugins add module names and uses, and see the findings before they fail.
    Raises :class:`InputError` only when the project's own configuration can't be read
    (a malformed pyproject.toml); every other problem becomes a note on the result.
    """
    root = root.resolve()
    if not root.is_dir():
        raise InputError("no such project directory", root)
    if settings is None:
        settings = load_settings(root)
    decl = read_declarations(root, settings.requirements, settings.dev_requirements)
    result = GateResult(
        root=str(root),
        declared=list(decl.declared),
        notes=list(decl.notes),
        fail_on=settings.fail_on,
    )
    if not decl.declared and not decl.files:
        result.notes.append(
            "no declared dependencies found (pyproject.toml, setup.cfg, "
            "requirements*.txt): nothing to check"
        )

    files = list(iter_sources(root, settings.exclude, settings.gitignore, skipped=result.notes))
    local = _local_names(files, settings, decl)
    stdlib = set(sys.stdlib_module_names) | {"__future__", "__main__"}
    stdlib -= stdlib_backfills(d.name for d in decl.declared)
    skip = stdlib | local

    def wanted(top: str) -> bool:
        return top not in skip

    cache_on = settings.cache if use_cache is None else use_cache
    cache = ImportCache(
        (cache_dir or default_cache_dir(root)) / "imports.json" if cache_on else None,
        cache_key(skip, settings.max_file_size),
    )
    if cache.note:
        result.notes.append(cache.note)

    uses: list[_Use] = []
    todo: list[SourceFile] = []
    per_file: dict[str, FileImports] = {}
    for f in files:
        hit = cache.get(f)
        if hit is None:
            todo.append(f)
        else:
            per_file[f.rel] = hit
    for f, res in scan_many(todo, frozenset(skip), settings.max_file_size):
        per_file[f.rel] = res
        cache.put(f, res)
    result.files_scanned = len(files)

    nb_maps: dict[str, list[tuple[int, int]]] = {}
    is_dev = _dev_path_matcher(settings.dev_paths)
    siblings = SiblingModules(files)
    for f in files:
        res = per_file[f.rel]
        if res.problem:
            result.notes.append(f"{f.rel}: {res.problem}")
        dev_code = is_dev(f.rel)
        for rec in res.imports:
            if siblings.is_local(f.rel, rec.module):
                continue  # a module beside the script, not a dependency
            where = f"{f.rel}:{rec.line}"
            if f.rel.endswith(".ipynb"):
                if f.rel not in nb_maps:
                    raw = read_bounded(f.path, settings.max_file_size)
                    try:
                        nb_maps[f.rel] = [] if isinstance(raw, str) else notebook_source(raw)[1]
                    except ValueError:
                        nb_maps[f.rel] = []
                where = f"{f.rel} ({cell_of(nb_maps[f.rel], rec.line)})"
            uses.append(_Use(rec, f.rel, where, dev_code))
    # console scripts and entry points of the project itself import their modules
    for name, target in decl.scripts.items():
        mod = target.split(":", 1)[0].strip()
        if mod and wanted(mod.split(".", 1)[0]):
            uses.append(
                _Use(
                    ImportRecord(mod, 1, (), True),
                    "pyproject.toml",
                    f"pyproject.toml (entry point {name!r})",
                    False,
                )
            )

    hooked_map: dict[str, tuple[str, ...]] = {}
    hooked_uses: dict[str, str] = {}
    if config is not None:
        for m in config.hook.pytest_llmcore_deps_module_map(config=config, root=str(root)):
            hooked_map.update({canonical_name(k): tuple(v) for k, v in (m or {}).items()})
        for u in config.hook.pytest_llmcore_deps_used_without_import(config=config, root=str(root)):
            hooked_uses.update({canonical_name(k): str(v) for k, v in (u or {}).items()})
    mapper = ModuleMap({**hooked_map, **settings.module_map, **(extra_map or {})})
    evidence_finder = EvidenceFinder(
        root,
        pyproject=decl.pyproject,
        sources=[(f.rel, f.path) for f in files],
        imported=[(u.rec.module, u.file) for u in uses if u.rec.used],
        declared={d.key: (d.name, mapper.provides(d.name).modules) for d in decl.declared},
        provides=lambda dist: mapper.provides(dist).modules,
        has_tests=any(u.dev_code for u in uses)
        or (root / "tests").is_dir()
        or (root / "conftest.py").is_file(),
        config=config,
        cache_dir=(cache_dir or default_cache_dir(root)) if cache_on else None,
    )
    _evaluate(
        root,
        decl,
        uses,
        mapper,
        settings,
        result,
        wanted,
        hooked_uses,
        ReexportFinder(files, local, settings.max_file_size),
        cache,
        evidence_finder=evidence_finder,
    )
    evidence_finder.reclassify_companions(result)
    triage(result, settings)
    cache.save({f.rel for f in files})  # after _evaluate: it remembers environment answers
    if config is not None:
        config.hook.pytest_llmcore_deps_findings(config=config, result=result)
    return result


def _evaluate(
    root: Path,
    decl: ProjectDeclarations,
    uses: list[_Use],
    mapper: ModuleMap,
    settings: DepsSettings,
    result: GateResult,
    wanted: Callable[[str], bool],
    hooked_uses: Mapping[str, str] | None = None,
    reexports: ReexportFinder | None = None,
    cache: ImportCache | None = None,
    *,
    evidence_finder: EvidenceFinder,
) -> None:
    by_key: dict[str, list[Declared]] = defaultdict(list)
    for d in decl.declared:
        by_key[d.key].append(d)
    provides: dict[str, Provides] = {k: mapper.provides(v[0].name) for k, v in by_key.items()}
    # index imports by top-level module for quick matching
    by_top: dict[str, list[_Use]] = defaultdict(list)
    for u in uses:
        by_top[u.rec.module.split(".", 1)[0]].append(u)
    claimed: set[int] = set()

    for key, decls in by_key.items():
        prov = provides[key]
        dist = decls[0].name
        is_dev_only = all(d.dev for d in decls)
        live: list[_Use] = []
        dead: list[_Use] = []
        for mod in prov.modules:
            for u in by_top.get(mod.split(".", 1)[0], ()):
                if module_matches(u.rec.module, mod) or (
                    u.rec.module == mod.rsplit(".", 1)[0] and not u.rec.bound
                ):
                    claimed.add(id(u))
                    (live if u.rec.used else dead).append(u)
        evidence: list[Evidence] = []
        if live:
            evidence = [Evidence(f"imported at {u.where}", u.file, u.rec.line) for u in live[:3]]
        elif dead and reexports is not None and (through := _through(reexports, dead)):
            evidence = [through]
        elif hooked_uses and key in hooked_uses:
            evidence = [
                Evidence(f"{hooked_uses[key]} (a pytest_llmcore_deps_used_without_import hook)")
            ]
        else:
            found = evidence_finder.evidence(dist, prov.modules)
            if found is not None:
                evidence = [found]
        if evidence:
            result.used_by[dist] = evidence
        else:
            ev: list[Evidence] = [
                Evidence(
                    f"imported at {u.where} but the name {u.rec.bound[0]!r} is never used",
                    u.file,
                    u.rec.line,
                )
                for u in dead[:5]
            ]
            if not dead:
                how = {
                    "metadata": "from installed metadata",
                    "builtin": "from the built-in table",
                    "config": "from [tool.llmcore.deps] map",
                    "guess": "guessed from its name; set [tool.llmcore.deps] map if wrong",
                }[prov.source]
                ev.append(
                    Evidence(f"never imported (looked for module {', '.join(prov.modules)}, {how})")
                )
            result.findings.append(
                Finding(
                    Kind.UNUSED,
                    dist,
                    tuple(decls),
                    tuple(ev),
                    settings.ignore.get(key),
                    ",".join(prov.modules),
                )
            )
        if is_dev_only:
            runtime = [
                u for u in live if not u.dev_code and not u.rec.type_checking and not u.rec.guarded
            ]
            if runtime:
                result.findings.append(
                    Finding(
                        Kind.MISPLACED_DEV,
                        dist,
                        tuple(decls),
                        tuple(
                            Evidence(
                                "declared for development only but imported by runtime code at "
                                f"{u.where}",
                                u.file,
                                u.rec.line,
                            )
                            for u in runtime[:3]
                        ),
                        settings.ignore.get(key),
                        runtime[0].rec.module,
                    )
                )

    # a guessed module name never fails as unused while an unclaimed import fits it
    unclaimed = [u for u in uses if id(u) not in claimed]
    taken = reconcile_guessed(
        result.findings,
        [k for k, p in provides.items() if p.source == "guess"],
        [ImportSite(u.rec.module, u.where, u.file, u.rec.line) for u in unclaimed],
    )
    claimed.update(id(unclaimed[j]) for j in taken)
    # imports no declaration provides, grouped by the distribution that would provide them
    undeclared: dict[str, list[_Use]] = defaultdict(list)
    for u in uses:
        if id(u) in claimed or u.rec.guarded:
            continue
        undeclared[_display_module(u.rec)].append(u)
    if not undeclared:
        return
    tops = sorted({m.split(".", 1)[0] for m in undeclared})
    owners: Mapping[str, Sequence[str]] = (
        cache.memo("owners", ",".join(tops), partial(module_owners, tops))
        if cache is not None
        else module_owners(tops)
    )
    closure: dict[str, str] | None = None
    groups: dict[str, tuple[list[str], list[_Use]]] = {}
    for mod, us in sorted(undeclared.items()):
        dists = owners.get(mod.split(".", 1)[0], ())
        name = dists[0] if dists else mod
        mods, all_uses = groups.setdefault(name, ([], []))
        mods.append(mod)
        all_uses.extend(us)
    for name, (mods, us) in sorted(groups.items()):
        seen_where: dict[str, _Use] = {}
        for u in us:
            seen_where.setdefault(u.where, u)
        ev = [
            Evidence(f"imported at {w}", u.file, u.rec.line)
            for w, u in list(seen_where.items())[:3]
        ]
        if len(seen_where) > 3:
            ev.append(Evidence(f"and {len(seen_where) - 3} more place(s)"))
        kind = Kind.MISSING
        installed = name not in mods or bool(owners.get(name.split(".", 1)[0]))
        if installed:
            if closure is None:
                keys = list(by_key)
                closure = (
                    cache.memo("closure", ",".join(keys), partial(requirement_closure, keys))
                    if cache is not None
                    else requirement_closure(keys)
                )
            if canonical_name(name) in closure:
                kind = Kind.TRANSITIVE
                parent = by_key[closure[canonical_name(name)]][0].name
                ev.append(Evidence(f"not declared; installed only because {parent} requires it"))
            else:
                ev.append(Evidence(f"installed here ({name}) but not declared"))
        else:
            ev.append(Evidence("not declared, not installed"))
        result.findings.append(
            Finding(
                kind, name, (), tuple(ev), settings.ignore.get(canonical_name(name)), ",".join(mods)
            )
        )


def _through(finder: ReexportFinder, dead: Sequence[_Use]) -> Evidence | None:
    """A dead import whose name another module imports and uses (``from a.compat import json``)."""
    for u in dead:
        if u.rec.bound and not u.file.endswith(".ipynb"):
            where = finder.find(u.file, u.rec.bound[0])
            if where is not None:
                text = f"imported at {u.where} as {u.rec.bound[0]!r}, used through {where}"
                return Evidence(text, u.file, u.rec.line)
    return None


def _display_module(rec: ImportRecord) -> str:
    parts = rec.module.split(".")
    if parts[0] in ("google", "azure", "jaraco", "zope", "backports") and len(parts) > 2:
        return ".".join(parts[: 3 if parts[0] == "google" else 2])
    return parts[0]
