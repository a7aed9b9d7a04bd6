"""Imports no declaration provides: ``missing`` or ``transitive`` findings, one per
distribution that would provide them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from .cache import ImportCache
from .owners import module_owners, top_levels
from .records import Declared, Evidence, Finding, ImportRecord, Kind, canonical_name
from .requires import requirement_closure
from .settings import DepsSettings
from .uses import Use

__all__ = ["undeclared_findings"]

_Groups = dict[str, tuple[list[str], list[Use]]]


def display_module(rec: ImportRecord) -> str:
    """The module a finding names: the top level, or two or three parts of a namespace."""
    parts = rec.module.split(".")
    if parts[0] in ("google", "azure", "jaraco", "zope", "backports") and len(parts) > 1:
        return ".".join(parts[: 3 if parts[0] == "google" else 2])
    return parts[0]


def _by_owner(undeclared: Mapping[str, list[Use]], owners: Mapping[str, Sequence[str]]) -> _Groups:
    """Modules grouped by the installed distribution that provides them (else by module)."""
    groups: _Groups = {}
    for mod, us in sorted(undeclared.items()):
        dists = owners.get(mod, ())  # a namespace member's own distribution, not a sibling's
        name = dists[0] if dists else mod
        mods, all_uses = groups.setdefault(name, ([], []))
        mods.append(mod)
        all_uses.extend(us)
    return groups


def _places(us: Sequence[Use]) -> list[Evidence]:
    """The first three distinct places, and how many more."""
    seen_where: dict[str, Use] = {}
    for u in us:
        seen_where.setdefault(u.where, u)
    ev = [Evidence(f"imported at {w}", u.file, u.rec.line) for w, u in list(seen_where.items())[:3]]
    if len(seen_where) > 3:
        ev.append(Evidence(f"and {len(seen_where) - 3} more place(s)"))
    return ev


def _why(
    name: str,
    installed: bool,
    closure: Callable[[], Mapping[str, str]],
    by_key: Mapping[str, Sequence[Declared]],
) -> tuple[Kind, Evidence]:
    if not installed:
        return Kind.MISSING, Evidence("not declared, not installed")
    parent_key = closure().get(canonical_name(name))
    if parent_key is not None:
        parent = by_key[parent_key][0].name
        return Kind.TRANSITIVE, Evidence(
            f"not declared; installed only because {parent} requires it"
        )
    return Kind.MISSING, Evidence(f"installed here ({name}) but not declared")


def undeclared_findings(
    uses: Sequence[Use],
    by_key: Mapping[str, Sequence[Declared]],
    cache: ImportCache,
    settings: DepsSettings,
) -> list[Finding]:
    """Findings for ``uses`` (imports no declaration claimed), sorted by distribution."""
    undeclared: dict[str, list[Use]] = defaultdict(list)
    for u in uses:
        undeclared[display_module(u.rec)].append(u)
    if not undeclared:
        return []
    tops = sorted(undeclared)
    owners: Mapping[str, Sequence[str]] = cache.memo(
        "owners",
        ",".join(tops),
        lambda: module_owners(tops, cache.memo("top-levels", "", top_levels)),
    )
    keys = list(by_key)
    memo: list[Mapping[str, str]] = []

    def closure() -> Mapping[str, str]:  # asked only when an undeclared import is installed
        if not memo:
            memo.append(cache.memo("closure", ",".join(keys), partial(requirement_closure, keys)))
        return memo[0]

    findings = []
    for name, (mods, us) in sorted(_by_owner(undeclared, owners).items()):
        installed = name not in mods or bool(owners.get(name))
        kind, why = _why(name, installed, closure, by_key)
        ev = (*_places(us), why)
        ignored = settings.ignore.get(canonical_name(name))
        findings.append(Finding(kind, name, (), ev, ignored, ",".join(mods)))
    return findings
