"""Reconcile a guessed module name with the imports nothing claimed.

A dependency whose import name was guessed (no user map, not installed, not in the built-in
table) and that looks unused, while the project imports a module nothing declares that
plausibly belongs to it (``PyQt5`` for pyqt5, ``faiss`` for faiss-cpu,
``google.cloud.pubsub_v1`` for google-cloud-pubsub), is one finding of kind ``unmapped``
with the ``map`` entry to add, not an ``unused`` plus a ``missing``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .model import Evidence, Finding, Kind

__all__ = ["ImportSite", "plausible_owner", "reconcile_guessed"]

_SEP = re.compile(r"[-_.]+")
#: first components that only name a namespace: ``google`` alone belongs to no one dist
_NAMESPACE_ROOTS = {"google", "azure", "jaraco", "zope", "backports", "sphinxcontrib", "aws"}


class ImportSite(NamedTuple):
    """One import nothing declared provides."""

    module: str
    where: str
    file: str
    line: int


def _squash(text: str) -> str:
    return _SEP.sub("", text).lower()


def _variants(key: str) -> set[str]:
    """The distribution name without separators, case, ``py``/``python`` affixes."""
    d = _squash(key)
    out = {d}
    for affix in ("python", "py"):
        if d.startswith(affix) and len(d) - len(affix) >= 2:
            out.add(d[len(affix) :])
        if d.endswith(affix) and len(d) - len(affix) >= 2:
            out.add(d[: -len(affix)])
    return out


def plausible_owner(key: str, module: str) -> bool:
    """Could ``module`` (dotted) be what distribution ``key`` provides?

    Case, ``-``/``_``/``.`` and ``py``/``python`` affixes are ignored (``PyNaCl`` ->
    ``nacl``, ``dnspython`` -> ``dns``, ``absl-py`` -> ``absl``); a namespace
    distribution matches a sub-package of its namespace with at most a version suffix
    (``google-cloud-pubsub`` -> ``google.cloud.pubsub_v1``, never
    ``google.cloud.storage_transfer`` for google-cloud-storage); a leading part of the
    name on a ``-`` boundary matches a top-level module (``faiss-cpu`` -> ``faiss``).
    """
    parts = module.split(".")
    variants = _variants(key)
    squashed = [_squash(".".join(parts[:k])) for k in range(1, len(parts) + 1)]
    for depth, s in enumerate(squashed, start=1):
        if depth == 1 and parts[0] in _NAMESPACE_ROOTS and len(parts) > 1:
            continue
        if s in variants:
            return True
        if depth > 1 and any(
            re.fullmatch(r"v?\d+(?:p\d+)?(?:beta\d*|alpha\d*)?", s[len(v) :])
            for v in variants
            if v and s.startswith(v) and len(s) > len(v)  # "" would own every "0.x"
        ):
            return True
    comps = [c for c in key.split("-") if c]
    top = squashed[0]
    if len(comps) > 1 and comps[0] not in _NAMESPACE_ROOTS and len(top) >= 3:
        return any(_squash("-".join(comps[:j])) == top for j in range(1, len(comps)))
    return False


def reconcile_guessed(
    findings: list[Finding], guessed: Iterable[str], sites: Sequence[ImportSite]
) -> set[int]:
    """Turn each ``unused`` finding of a guessed dependency with a plausible import into
    ``unmapped`` (in place); return the indices of ``sites`` now accounted for."""
    guessed_keys = set(guessed)
    taken: set[int] = set()
    by_module: dict[str, list[int]] = {}
    for j, s in enumerate(sites):
        by_module.setdefault(s.module, []).append(j)
    for i, f in enumerate(findings):
        key = f.declared[0].key if f.declared else None
        if f.kind is not Kind.UNUSED or key not in guessed_keys:
            continue
        hits = sorted(j for mod, js in by_module.items() if plausible_owner(key, mod) for j in js)
        if not hits:
            continue
        taken.update(hits)
        mods = sorted({_module_root(key, sites[j].module) for j in hits})
        first = sites[hits[0]]
        suggestion = ", ".join(f'"{m}"' for m in mods)
        ev = Evidence(
            f"its module was guessed as {f.module}, but {first.module} imported at "
            f"{first.where} plausibly belongs to it; if so, add "
            f"[tool.llmcore.deps] map = {{ {f.dependency} = [{suggestion}] }}",
            first.file,
            first.line,
        )
        findings[i] = Finding(
            Kind.UNMAPPED, f.dependency, f.declared, (ev,), f.ignored_reason, ",".join(mods)
        )
    return taken


def _module_root(key: str, module: str) -> str:
    """The shortest prefix of ``module`` that still matches ``key`` (the map entry)."""
    parts = module.split(".")
    for k in range(1, len(parts)):  # the proper prefixes; the whole module is the fallback
        prefix = ".".join(parts[:k])
        if (k > 1 or parts[0] not in _NAMESPACE_ROOTS) and plausible_owner(key, prefix):
            return prefix
    return module
