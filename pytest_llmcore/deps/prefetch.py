"""Judging's costly questions that need no scan result, answered by a scan worker first.

A forked scan worker reads what the installed environment says of each declared
distribution (its pytest and flake8 plugin surfaces, the requirement closure) and which
pytest plugin names the project's sources use, then joins the queue of files; the answers come back
with its scan results. Judging then finds them where it would have computed them (the
environment memo, :attr:`.projectfacts.ProjectFacts.source_usage`) instead of computing
them after the scan, when this process is the only one at work.

Every answer is exactly what judging computes lazily without a worker: the memo entries
are the same functions of the same keys, and the source usage is read for every word any
declared plugin provides, a superset of the words judging asks about, each word's first
place being the same whatever else is looked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from .records import canonical_name
from .walk import SourceFile, SourcePaths

if TYPE_CHECKING:  # loaded by the worker that answers (this process is about to fork)
    from .cache import ImportCache
    from .declarations import ProjectDeclarations
    from .projectfacts import ProjectFacts
    from .pytest_plugin_table import PluginSurface
    from .pytest_usage import PytestUsage

__all__ = ["Prefetched", "apply_prefetched", "prefetch"]


class Prefetched(NamedTuple):
    """A scan worker's answers, applied by the process that judges."""

    memo: dict[str, Any]
    """Environment memo entries (``kind:key`` -> value), as :meth:`.cache.ImportCache.memo`."""
    words: frozenset[str]
    """The plugin words the source usage was read for."""
    usage: PytestUsage | None
    """What the project's sources use of those words (fixtures, markers, calls, plugins);
    None when no declared distribution is a pytest plugin (nothing is read)."""


def _known(found: PluginSurface | None, _name: str) -> PluginSurface | None:
    return found


def prefetch(decl: ProjectDeclarations, files: Sequence[SourceFile]) -> Prefetched:
    """The answers about ``decl``'s distributions and ``files`` judging nearly always asks."""
    from .configured import entry_points
    from .flake8_plugins import installed_flake8_plugin
    from .flake8_plugins import plugin_to_json as flake8_to_json
    from .pytest_plugins import installed_surface, plugin_surface, surface_to_json
    from .pytest_usage import PytestUsage, add_project_sources
    from .requires import requirement_closure

    keys = list(dict.fromkeys(d.key for d in decl.declared))
    memo: dict[str, Any] = {"closure:" + ",".join(keys): requirement_closure(keys)}
    words: set[str] = set()
    for d in decl.declared:
        key = canonical_name(d.name)
        found = installed_surface(d.name)
        memo[f"pytest11:{key}"] = surface_to_json(found)
        eps = entry_points(d.name)
        memo[f"has-pytest11:{key}"] = any(g == "pytest11" for g, _, _ in eps)
        memo[f"flake8:{key}"] = flake8_to_json(installed_flake8_plugin(eps))
        surface, _ = plugin_surface(d.name, partial(_known, found))
        if surface is not None:
            words |= surface.words
    if not words:  # no plugin declared: nothing to read (and no reader to load)
        return Prefetched(memo, frozenset(), None)
    usage = PytestUsage()
    add_project_sources(usage, SourcePaths(files), frozenset(words))
    return Prefetched(memo, frozenset(words), usage)


def apply_prefetched(answer: object, cache: ImportCache, facts: ProjectFacts) -> None:
    """Hand a worker's :class:`Prefetched` answers to judging (anything else is ignored)."""
    if isinstance(answer, Prefetched):
        cache.seed(answer.memo)
        if answer.usage is not None:
            facts.source_usage = (answer.words, answer.usage)
