"""Which declared distribution a guessed module name belongs to, when two could claim it."""

from __future__ import annotations

from collections.abc import Mapping

from .mapping import Provides

__all__ = ["drop_shadowed_guesses"]


def drop_shadowed_guesses(provides: Mapping[str, Provides]) -> dict[str, Provides]:
    """Guesses made by stripping ``python-``/``py-``/``-python`` give way to a declared
    distribution that provides the module under its own name (or from metadata, the
    table, config): tree-sitter-python does not provide tree-sitter's ``tree_sitter``."""
    owner: dict[str, str] = {}
    for key, prov in provides.items():
        for mod in prov.modules:
            if prov.source != "guess" or mod == key.replace("-", "_"):
                owner.setdefault(mod, key)
    out = dict(provides)
    for key, prov in provides.items():
        if prov.source != "guess":
            continue
        keep = tuple(m for m in prov.modules if owner.get(m, key) == key)
        if keep and keep != prov.modules:
            out[key] = prov._replace(modules=keep)
    return out
