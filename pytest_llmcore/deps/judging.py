"""The dependency gate's steps after its settings: declarations x imports -> findings.

:func:`judge_project` is four named steps: load the declarations, scan the sources
(through the per-file cache), judge every declaration and every undeclared import, report
(triage, save the cache, the findings hook). A declaration is used when the first of
:data:`_EVIDENCE`'s finders has evidence for it, as pytest-xdist asks its providers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .cache import ImportCache
from .declarations import ProjectDeclarations, read_declarations
from .firstparty import configured_packages
from .gatescan import Scan, ScanPlan, scan_project
from .mapping import ModuleMap, Provides, module_matches
from .namespaces import LocalTree, keep_extension_imports
from .records import Declared, Evidence, Finding, GateResult, Kind, canonical_name
from .settings import DepsSettings
from .walk import SourcePaths

if TYPE_CHECKING:  # loaded after the scan starts, by prepare_judging (start-up time)
    from .earlyscan import EarlyScan
    from .evidence import EvidenceFinder
    from .reexport import ReexportFinder
    from .uses import Use

__all__ = ["judge_project"]


# -- the steps of a run ------------------------------------------------------------------


def _load(root: Path, settings: DepsSettings) -> tuple[ProjectDeclarations, GateResult]:
    """The project's declarations, and the result they start."""
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
    return decl, result


def _hooked(config: Any, root: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Module names and uses added by ``pytest_llmcore_deps_*`` hooks (none without pytest)."""
    hooked_map: dict[str, tuple[str, ...]] = {}
    hooked_uses: dict[str, str] = {}
    if config is not None:
        for m in config.hook.pytest_llmcore_deps_module_map(config=config, root=str(root)):
            hooked_map.update({canonical_name(k): tuple(v) for k, v in (m or {}).items()})
        for u in config.hook.pytest_llmcore_deps_used_without_import(config=config, root=str(root)):
            hooked_uses.update({canonical_name(k): str(v) for k, v in (u or {}).items()})
    return hooked_map, hooked_uses


def _evidence_finder(
    root: Path,
    decl: ProjectDeclarations,
    scan: Scan,
    uses: Sequence[Use],
    mapper: ModuleMap,
    config: Any,
) -> EvidenceFinder:
    """Evidence of a use beyond imports: tools run, plugins, stubs, docs, implicit uses."""
    from .evidence import EvidenceFinder
    from .guess_owners import drop_shadowed_guesses

    provided = drop_shadowed_guesses({d.key: mapper.provides(d.name) for d in decl.declared})
    return EvidenceFinder(
        root,
        pyproject=decl.pyproject,
        sources=SourcePaths(scan.files),
        imported=[(u.rec.module, u.file) for u in uses if u.rec.used],
        declared={d.key: (d.name, provided[d.key].modules) for d in decl.declared},
        provides=lambda dist: mapper.provides(dist).modules,
        has_tests=any(u.dev_code for u in uses)
        or (root / "tests").is_dir()
        or (root / "conftest.py").is_file(),
        config=config,
        cache_dir=scan.evidence_cache_dir,
        memo=scan.cache.memo,
        facts=scan.facts,
        hints={rel: fi.hints for rel, fi in scan.per_file.items()},
    )


def _own_namespace_kept(
    uses: list[Use], scan: Scan, decl: ProjectDeclarations, mapper: ModuleMap
) -> list[Use]:
    """Imports under an open first-party name: only those a declared distribution adds."""
    _, folders = configured_packages(decl.pyproject)
    tree = LocalTree((f.rel for f in scan.files), folders)
    provided = [m for d in decl.declared for m in mapper.provides(d.name).modules]
    return keep_extension_imports(uses, scan.opened, tree, provided)


def judge_project(
    root: Path,
    settings: DepsSettings,
    early: EarlyScan | None,
    cache_dir: Path | None,
    use_cache: bool | None,
    extra_map: Mapping[str, tuple[str, ...]],
    config: Any,
) -> GateResult:
    """:func:`.gate.run_gate` after its settings are read (and a cold run's walk started)."""
    decl, result = _load(root, settings)
    hooked_map, hooked_uses = _hooked(config, root)
    user_map = {**hooked_map, **settings.module_map, **extra_map}
    # forked workers only outside pytest, whose process may run threads and C extensions
    plan = ScanPlan(cache_dir, use_cache, user_map, early, may_fork=config is None)
    scan = scan_project(root, settings, decl, result, plan)
    from .packaged import packaged_matcher
    from .reexport import ReexportFinder
    from .triage import triage
    from .uses import collect_uses, entry_point_uses

    # a file no wheel ships is development code
    shipped = packaged_matcher(decl.pyproject, decl.setup_shipping)
    uses = collect_uses(
        scan.files, scan.per_file, settings.dev_paths, settings.max_file_size, result.notes, shipped
    )
    uses += entry_point_uses(decl, scan.wanted)
    mapper = ModuleMap(user_map, memo=scan.cache.memo, namespaces=scan.opened)
    if scan.opened:
        uses = _own_namespace_kept(uses, scan, decl, mapper)
    finder = _evidence_finder(root, decl, scan, uses, mapper, config)
    reexports = ReexportFinder(scan.files, scan.local, settings.max_file_size)
    judging = _Judging(decl, uses, mapper, settings, result, hooked_uses, reexports, finder)
    _evaluate(judging, scan.cache)
    finder.reclassify_companions(result)
    triage(result, settings)
    scan.cache.save({f.rel for f in scan.files})  # after _evaluate: it remembers answers
    if config is not None:
        config.hook.pytest_llmcore_deps_findings(config=config, result=result)
    return result


# -- judging -------------------------------------------------------------------------------


class _Judging(NamedTuple):
    """What judging the declarations needs, built once per run."""

    decl: ProjectDeclarations
    uses: list[Use]
    mapper: ModuleMap
    settings: DepsSettings
    result: GateResult
    hooked_uses: Mapping[str, str]
    reexports: ReexportFinder
    finder: EvidenceFinder


class _Candidate(NamedTuple):
    """One declared distribution and the imports of its modules."""

    key: str
    dist: str
    modules: tuple[str, ...]
    live: list[Use]
    """Imports whose name is used."""
    dead: list[Use]
    """Imports whose name is never used."""


def _imported(j: _Judging, c: _Candidate) -> list[Evidence] | None:
    return [Evidence(f"imported at {u.where}", u.file, u.rec.line) for u in c.live[:3]] or None


def _reexported(j: _Judging, c: _Candidate) -> list[Evidence] | None:
    """A dead import whose name another module imports and uses (``from a.compat import json``)."""
    for u in c.dead:
        if u.rec.bound and not u.file.endswith(".ipynb"):
            where = j.reexports.find(u.file, u.rec.bound[0])
            if where is not None:
                text = f"imported at {u.where} as {u.rec.bound[0]!r}, used through {where}"
                return [Evidence(text, u.file, u.rec.line)]
    return None


def _hook_says(j: _Judging, c: _Candidate) -> list[Evidence] | None:
    if c.key not in j.hooked_uses:
        return None
    return [Evidence(f"{j.hooked_uses[c.key]} (a pytest_llmcore_deps_used_without_import hook)")]


def _elsewhere(j: _Judging, c: _Candidate) -> list[Evidence] | None:
    found = j.finder.evidence(c.dist, c.modules)
    return None if found is None else [found]


#: Evidence that a declaration is used, asked in order; the first answer wins.
_EVIDENCE: tuple[Callable[[_Judging, _Candidate], list[Evidence] | None], ...] = (
    _imported,
    _reexported,
    _hook_says,
    _elsewhere,
)

_SOURCES = {
    "metadata": "from installed metadata",
    "builtin": "from the built-in table",
    "config": "from [tool.llmcore.deps] map",
    "guess": "guessed from its name; set [tool.llmcore.deps] map if wrong",
}


def _unused(j: _Judging, c: _Candidate, decls: Sequence[Declared], prov: Provides) -> Finding:
    ev = [
        Evidence(
            f"imported at {u.where} but the name {u.rec.bound[0]!r} is never used",
            u.file,
            u.rec.line,
        )
        for u in c.dead[:5]
    ]
    if not c.dead:
        looked = f"looked for module {', '.join(prov.modules)}, {_SOURCES[prov.source]}"
        ev.append(Evidence(f"never imported ({looked})"))
    ignored = j.settings.ignore.get(c.key)
    return Finding(Kind.UNUSED, c.dist, tuple(decls), tuple(ev), ignored, ",".join(prov.modules))


def _misplaced(j: _Judging, c: _Candidate, decls: Sequence[Declared]) -> Finding | None:
    """A development-only dependency imported by runtime code."""
    runtime = [
        u for u in c.live if not u.dev_code and not u.rec.type_checking and not u.rec.guarded
    ]
    if not runtime:
        return None
    ev = tuple(
        Evidence(
            f"declared for development only but imported by runtime code at {u.where}",
            u.file,
            u.rec.line,
        )
        for u in runtime[:3]
    )
    ignored = j.settings.ignore.get(c.key)
    return Finding(Kind.MISPLACED_DEV, c.dist, tuple(decls), ev, ignored, runtime[0].rec.module)


def _claim(
    prov: Provides, by_top: Mapping[str, list[Use]], claimed: set[int]
) -> tuple[list[Use], list[Use]]:
    """The live and dead imports of ``prov``'s modules, marked as claimed."""
    live: list[Use] = []
    dead: list[Use] = []
    for mod in prov.modules:
        for u in by_top.get(mod.split(".", 1)[0], ()):
            if module_matches(u.rec.module, mod) or (
                u.rec.module == mod.rsplit(".", 1)[0] and not u.rec.bound
            ):
                claimed.add(id(u))
                (live if u.rec.used else dead).append(u)
    return live, dead


def _judge_declared(
    j: _Judging,
    key: str,
    decls: Sequence[Declared],
    prov: Provides,
    by_top: Mapping[str, list[Use]],
    claimed: set[int],
) -> None:
    live, dead = _claim(prov, by_top, claimed)
    c = _Candidate(key, decls[0].name, prov.modules, live, dead)
    # a declaration no supported Python installs is judged by its imports alone: a string
    # like 'concurrent.futures' never makes the `futures` backport used (LLMD007 instead)
    unreachable = all(d.unreachable for d in decls)
    finders = [f for f in _EVIDENCE if not (unreachable and f is _elsewhere)]
    evidence = next((ev for find in finders if (ev := find(j, c))), None)
    if evidence:
        j.result.used_by[c.dist] = evidence
    else:
        j.result.findings.append(_unused(j, c, decls, prov))
    if all(d.dev for d in decls):
        misplaced = _misplaced(j, c, decls)
        if misplaced is not None:
            j.result.findings.append(misplaced)


def _evaluate(j: _Judging, cache: ImportCache) -> None:
    """Findings for every declaration, then for every import no declaration claims."""
    from .guess_owners import drop_shadowed_guesses
    from .reconcile import ImportSite, needs_reconcile, reconcile_guessed
    from .reconcile_names import name_sites
    from .undeclared import undeclared_findings

    by_key: dict[str, list[Declared]] = defaultdict(list)
    for d in j.decl.declared:
        by_key[d.key].append(d)
    provides = drop_shadowed_guesses({k: j.mapper.provides(v[0].name) for k, v in by_key.items()})
    by_top: dict[str, list[Use]] = defaultdict(list)  # imports by top-level module
    for u in j.uses:
        by_top[u.rec.module.split(".", 1)[0]].append(u)
    claimed: set[int] = set()
    for key, decls in by_key.items():
        _judge_declared(j, key, decls, provides[key], by_top, claimed)
    # a module name not read from metadata never fails as unused while an import fits it
    if needs_reconcile(j.result.findings, provides):
        sites = [
            ImportSite(u.rec.module, u.where, u.file, u.rec.line, id(u) in claimed) for u in j.uses
        ]
        guessed = [k for k, p in provides.items() if p.source == "guess"]
        taken = reconcile_guessed(
            j.result.findings, guessed, sites, provides, j.finder.root, lambda: name_sites(j.finder)
        )
        claimed.update(id(j.uses[i]) for i in taken)
    rest = [u for u in j.uses if id(u) not in claimed and not u.rec.guarded]
    j.result.findings.extend(undeclared_findings(rest, by_key, cache, j.settings))
