"""Names a guessed dependency may go by outside the code's imports.

A module name guessed from the distribution's name (sphinx-version-warning ->
``sphinx_version_warning``) can be wrong where the project uses the distribution without
importing it: Sphinx loads it from conf.py's ``extensions`` (``versionwarning.extension``),
mkdocs from ``markdown_extensions``, CI runs its program (pylinkvalidator's
``pylinkvalidate.py``). Such a module or program, that no declared distribution claims and
that plausibly belongs to the dependency, makes its ``unused`` finding ``unmapped`` (not
failing), as an import does (:mod:`.reconcile`).

Plausible is judged as for imports, and more strictly: a plugin family's first part
(``sphinx-``, ``mkdocs-``) may be dropped (``sphinx-fancy-tabs`` -> ``fancytabs``) but never
stands for the tool itself (no ``sphinx.ext.autodoc`` for sphinx-version-warning); a
program may also be a stem of the name (``pylinkvalidate`` of pylinkvalidator), never a
system program or another declared distribution's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from .mapping import module_matches
from .ownernames import FAMILIES, GENERIC, name_variants, owner_depth, squash
from .reconcile import ImportSite

if TYPE_CHECKING:
    from .evidence import EvidenceFinder

__all__ = ["name_sites", "named_sites", "plausible_name"]

#: what a program's file name may add to its name (``pylinkvalidate.py``)
_PROGRAM_SUFFIXES = (".py", ".pyz", ".exe", ".sh")
#: the most letters a program's name and the distribution's may differ by at the end
#: (``pylinkvalidate`` of ``pylinkvalidator``), and the fewest they must share first
_STEM_SLACK, _STEM_MIN = 2, 6


def _family_rest(key: str) -> str | None:
    """``key`` without its plugin family's first part (and a ``python-``/``py-`` before
    it), squashed: ``sphinx-version-warning`` -> ``versionwarning``; None when it has none."""
    comps = [c for c in key.split("-") if c]
    if comps and comps[0] in ("python", "py"):
        comps = comps[1:]
    if len(comps) < 2 or comps[0] not in FAMILIES:
        return None
    rest = squash("".join(comps[1:]))
    return rest if len(rest) >= 4 and rest not in GENERIC else None


def _tool_only(key: str, module: str) -> bool:
    """Is ``module`` the plugin family's tool itself (``sphinx.ext.autodoc`` beside
    sphinx-version-warning): a plugin never provides its host's package."""
    comps = [c for c in key.split("-") if c]
    return bool(comps) and comps[0] in FAMILIES and squash(module.split(".")[0]) == comps[0]


def _same_stem(a: str, b: str) -> bool:
    """``pylinkvalidate`` and ``pylinkvalidator``, ``spellcheck`` and ``spellchecker``:
    the same word but for its last few letters."""
    common = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return common >= _STEM_MIN and max(len(a), len(b)) - common <= _STEM_SLACK


def plausible_name(key: str, site: ImportSite) -> bool:
    """Could ``site`` (a docs-loaded module, or a program) be what ``key`` provides?"""
    if site.kind == "program":
        name = site.module
        for suffix in _PROGRAM_SUFFIXES:
            name = name.removesuffix(suffix)
        word = squash(name)
        names = {*name_variants(key), *filter(None, [_family_rest(key)])}
        if word in names:
            return True
        return any(_same_stem(word, v) for v in names)
    if _tool_only(key, site.module):
        return False
    rest = _family_rest(key)
    first = squash(site.module.split(".")[0])
    return (rest is not None and first == rest) or owner_depth(key, site.module) > 0


def _docs_sites(finder: EvidenceFinder) -> Iterator[ImportSite]:
    from .evidence_tables import DOCS_MODULES

    provided = [m for _, mods in finder.declared.values() for m in mods]
    for use in finder.docs:
        if " renders `" in use.what:
            continue  # an API page: mostly the project's own modules, never a plugin
        for module in use.modules:
            # a declared distribution's module, or one the docs table gives an owner
            owned = (
                module.split(".")[0] in DOCS_MODULES
                or any(d in finder.declared for d in use.dists)
                or any(module_matches(module, m) for m in provided)
            )
            where = f"{use.file}:{use.line}" if use.line else use.file
            sphinx = "Sphinx extension" in use.what
            how = "loaded as a Sphinx extension at" if sphinx else "loaded by the docs build at"
            yield ImportSite(module, where, use.file, use.line or 0, owned, how, "docs")


def _declared_programs(finder: EvidenceFinder) -> set[str]:
    """Every program a declared distribution provides (installed scripts, else names)."""
    from .configured import console_scripts
    from .runindex import command_names

    keys = finder.declared.keys()
    return {
        name
        for key, (dist, _) in finder.declared.items()
        for name in command_names(key, console_scripts(dist), taken=keys - {key})
    }


def _program_sites(finder: EvidenceFinder) -> list[ImportSite]:
    from .evidence_tables import BASE_PROGRAMS, SYSTEM_COMMANDS

    runs: dict[str, ImportSite] = {}
    for inv in finder.invocations:
        name = inv.run.command
        if inv.run.module or inv.via or not name or name in runs:
            continue  # `python -m` is an import; a pre-commit hook runs in its own env
        if name in SYSTEM_COMMANDS or name in BASE_PROGRAMS or "$" in name:
            continue
        where = f"{inv.file}:{inv.line}" if inv.line else inv.file
        runs[name] = ImportSite(name, where, inv.file, inv.line or 0, False, "run at", "program")
    if not runs:
        return []
    owned = _declared_programs(finder)
    return [s._replace(claimed=s.module in owned) for s in runs.values()]


def name_sites(finder: EvidenceFinder) -> list[ImportSite]:
    """The modules the docs build loads and the programs the project runs, each marked
    claimed when a declared distribution provides it."""
    return [*_docs_sites(finder), *_program_sites(finder)]


def named_sites(key: str, others: Callable[[], Sequence[ImportSite]] | None) -> list[ImportSite]:
    """The unclaimed docs-loaded modules and programs plausibly ``key``'s."""
    if others is None:
        return []
    return [s for s in others() if not s.claimed and plausible_name(key, s)]
