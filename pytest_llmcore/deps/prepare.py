"""Work the gate's judging needs whatever the imports turn out to be, done by this process
while forked workers scan (:func:`.filescan.scan_many`'s ``meanwhile``)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from .cache import ImportCache
from .declarations import ProjectDeclarations
from .mapping import ModuleMap
from .projectfacts import ProjectFacts

__all__ = ["prepare_judging"]


#: modules that judging loads on demand, nearly always: loaded while workers scan
_JUDGING_MODULES = (
    "uses",
    "evidence",
    "guess_owners",
    "reconcile",
    "reexport",
    "triage",
    "undeclared",
    "companions",
    "doctools",
    "evidence_tables",
    "implicit",
    "locks",
    "nodeps",
    "pytest_plugin_table",
    "toolfiles",
)


def prepare_judging(
    decl: ProjectDeclarations,
    cache: ImportCache,
    user_map: Mapping[str, tuple[str, ...]],
    facts: ProjectFacts,
) -> None:
    """What judging needs whatever the imports turn out to be, done while workers scan:
    its modules loaded, each declared distribution's modules read from its metadata (into
    the run's memo, where judging finds them), the commands the project runs."""
    for name in _JUDGING_MODULES:
        importlib.import_module(f"{__package__}.{name}")
    mapper = ModuleMap(user_map, memo=cache.memo)
    for d in decl.declared:
        mapper.provides(d.name)
    if decl.declared:
        facts.prepare()
        _prepare_pins(decl, cache, facts)
    from .owners import top_levels  # for the owners of undeclared imports, nearly always asked

    cache.memo("top-levels", "", top_levels)


def _prepare_pins(decl: ProjectDeclarations, cache: ImportCache, facts: ProjectFacts) -> None:
    """What telling a version pin's companion from an unused pin asks (installed
    requirements of the declared distributions, the lock file's requirers): only when
    an entry pins a version, the only case where judging asks it."""
    from .companions import is_version_pin
    from .configured import declared_pins

    if any(is_version_pin(d) for d in decl.declared):
        declared_pins(cache.memo, ((d.key, d.name) for d in decl.declared))
        facts.lock_requirers(decl.declared)
