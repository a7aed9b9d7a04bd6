"""Declared distributions that add a subpackage to the project's own namespace.

optimum declares ``optimum-onnx``, which installs ``optimum.onnxruntime`` into the
``optimum`` package the project itself owns; axolotl declares ``axolotl-contribs-lgpl``
(``axolotl.contribs.lgpl``). The scanner leaves out every first-party top-level name, so
such an import was never seen and the dependency read as unused.

A first-party top-level name is *open* when a declared distribution could provide a module
under it: its config or built-in table row names ``top.x``, or its name is ``top-x``. An
open name is scanned, and each import under it is then kept only when it is inside a module
a declared distribution provides that no module or package of the project's tree resolves:
a real first-party module is never reported missing nor credited to a dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from .records import canonical_name
from .runindex import matches_any

if TYPE_CHECKING:
    from .uses import Use

__all__ = ["LocalTree", "extension_guesses", "keep_extension_imports", "open_namespaces"]


def _tail(key: str, top: str) -> str | None:
    """``contribs-lgpl`` for ``axolotl-contribs-lgpl`` under ``axolotl``, else None."""
    head = canonical_name(top) + "-"
    return key[len(head) :] if key.startswith(head) and len(key) > len(head) else None


def extension_guesses(key: str, tops: Iterable[str]) -> tuple[str, ...]:
    """Dotted module guesses for a distribution named after an open namespace:
    ``axolotl-contribs-lgpl`` -> ``axolotl.contribs.lgpl`` (and ``axolotl.contribs_lgpl``)."""
    out: list[str] = []
    for top in sorted(tops):
        tail = _tail(key, top)
        if tail is not None:
            out += [f"{top}.{tail.replace('-', '.')}", f"{top}.{tail.replace('-', '_')}"]
    return tuple(dict.fromkeys(out))


def open_namespaces(
    local: Iterable[str], declared: Iterable[str], rows: Callable[[str], Sequence[str]]
) -> frozenset[str]:
    """First-party top-level names some declared distribution (canonical ``declared``) could
    add a module to: named ``top-x``, or ``rows`` (its config or table modules) lists
    ``top.x``. Installed metadata is not asked: opening a name must stay cheap."""
    tops = {t for t in local if t.isidentifier()}
    if not tops:
        return frozenset()
    found: set[str] = set()
    for key in declared:
        found.update(t for t in tops if _tail(key, t) is not None)
        for mod in rows(key):
            top, dot, _ = mod.partition(".")
            if dot and top in tops:
                found.add(top)
    return frozenset(found)


class LocalTree:
    """Does a dotted module resolve to a module or package of the project's own tree?"""

    def __init__(self, files: Iterable[str], bases: Iterable[str]) -> None:
        self.files = set(files)
        self.dirs: set[str] = set()
        for rel in self.files:
            d = rel.rpartition("/")[0]
            while d and d not in self.dirs:
                self.dirs.add(d)
                d = d.rpartition("/")[0]
        self.bases = tuple(dict.fromkeys(b.strip("/") for b in ("", *bases)))

    def resolves(self, module: str) -> bool:
        """A module file on the path (what follows it names attributes), or a folder for
        every part (a package): ``from optimum import version`` resolves through
        ``optimum/__init__.py``'s folder only when ``optimum/version.py`` or a folder
        ``optimum/version/`` exists; any other name there is an attribute or not ours."""
        parts = module.split(".")
        for base in self.bases:
            path = base
            for part in parts:
                path = f"{path}/{part}" if path else part
                if f"{path}.py" in self.files or f"{path}.pyi" in self.files:
                    return True
                if path not in self.dirs:
                    break
            else:
                return True
        return False


def keep_extension_imports(
    uses: Sequence[Use], opened: frozenset[str], tree: LocalTree, provided: Iterable[str]
) -> list[Use]:
    """``uses`` without the imports under an open namespace that are the project's own.

    One stays only under a module of ``provided`` (every declared distribution's modules)
    that the tree does not resolve: ``from optimum.onnxruntime import pipeline`` (no
    ``optimum/onnxruntime`` here) stays, ``from foo.ext import x`` with ``foo/ext/`` here
    and ``from optimum import version`` (no distribution provides ``optimum.version``) go.
    """
    foreign = tuple(p for p in dict.fromkeys(provided) if p.partition(".")[0] in opened)
    outside = tuple(p for p in foreign if not tree.resolves(p))
    out: list[Use] = []
    for u in uses:
        if u.rec.module.split(".", 1)[0] in opened and not matches_any(u.rec.module, outside):
            continue
        out.append(u)
    return out
