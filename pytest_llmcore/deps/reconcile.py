"""Reconcile a module name that was not read from metadata with the project's imports.

A dependency whose import name was guessed (no user map, not installed, not in the built-in
table) or comes from the built-in table, and that looks unused, while the project imports a
module that plausibly belongs to it, is one finding of kind ``unmapped`` with the ``map``
entry to add, not an ``unused`` plus a ``missing``:

- by name: ``PyQt5`` for pyqt5, ``faiss`` for faiss-cpu, ``thunder`` for lightning-thunder,
  ``google.cloud.pubsub_v1`` for google-cloud-pubsub; an import nothing claims, or one a
  less specific owner claims (``optimum.habana`` for optimum-habana, claimed by the also
  declared ``optimum`` only through its name);
- by package root, for a table entry: the table lists sub-packages of one package
  (flash-linear-attention: ``fla.layers``, ``fla.models``, the newest wheel's), and the
  project imports another one nothing claims (``fla.modules``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .lazyre import lazy_compile
from .mapping import Provides, builtin_entry, module_matches
from .ownernames import (
    NAMESPACE_ROOTS,
    name_variants,
    owner_depth,
    plausible_owner,
    squash,
)
from .records import Evidence, Finding, Kind

__all__ = ["ImportSite", "needs_reconcile", "plausible_owner", "reconcile_guessed"]


class ImportSite(NamedTuple):
    """One import of the project."""

    module: str
    where: str
    file: str
    line: int
    claimed: bool = False
    """A declared distribution's modules already cover it."""
    how: str = "imported at"
    kind: str = "import"
    """``import``; ``docs``: a module the docs build loads; ``program``: a program run."""


#: what a platform build adds to its project's name (triton-xpu, pytorch-triton-rocm,
#: faiss-gpu-cu12, opencv-python-headless, tf-nightly-cpu): the same modules, another build
_BUILD_SUFFIX = lazy_compile(
    r"-(?:cpu|gpu|xpu|npu|tpu|rocm\d*|cuda\d*x?|cu\d+x?|headless|nightly|windows|win32|"
    r"win64|macos|osx|intel|aarch64|arm64|directml|openvino|silicon|ascend|mkl|rolling|pypy)$"
)
_BUILD_PREFIX = ("pytorch-",)
_PYPY_PREFIX = lazy_compile(r"^pypy(-)?(?=[a-z]{3})")


@lru_cache(maxsize=1024)
def build_base(key: str) -> str:
    """``key`` without its platform-build affixes (``pytorch-triton-xpu`` -> ``triton``,
    ``faiss-gpu-cu12`` -> ``faiss``); ``key`` itself when it has none."""
    base = key
    while True:
        cut = _BUILD_SUFFIX.sub("", base)
        cut = next((cut[len(a) :] for a in _BUILD_PREFIX if cut.startswith(a)), cut)
        # a PyPy build: ``pypy-x`` of ``x``, or ``py`` widened to ``pypy`` (PyPyDispatcher
        # of PyDispatcher, both providing ``pydispatch``)
        cut = _PYPY_PREFIX.sub(lambda m: "" if m.group(1) else "py", cut)
        if cut == base or not cut:
            return base
        base = cut


def _package_root(module: str) -> str:
    """The package a module is part of: its first part, or the namespace's sub-package
    (``google.cloud.storage``, ``azure.storage``): a shared namespace is no one's root."""
    parts = module.split(".")
    depth = 1
    if parts[0] in NAMESPACE_ROOTS:
        depth = 3 if parts[:2] == ["google", "cloud"] else 2
    return ".".join(parts[:depth])


def needs_reconcile(findings: Sequence[Finding], provides: Mapping[str, Provides]) -> bool:
    """Is there an ``unused`` finding whose module name was not read from metadata?"""
    return any(
        f.kind is Kind.UNUSED
        and f.declared
        and getattr(provides.get(f.declared[0].key), "source", "") in ("guess", "builtin")
        for f in findings
    )


def reconcile_guessed(
    findings: list[Finding],
    guessed: Iterable[str],
    sites: Sequence[ImportSite],
    provides: Mapping[str, Provides] | None = None,
    root: Path | None = None,
    others: Callable[[], Sequence[ImportSite]] | None = None,
) -> set[int]:
    """Turn each ``unused`` finding of a ``guessed`` dependency (or one whose ``provides``
    came from the built-in table) with a plausible import into ``unmapped`` (in place);
    return the indices of ``sites`` now accounted for. A claimed site counts only when its
    claimers' modules are less specific than the part of it that names the dependency.
    ``root``: the project, whose lock file says which distributions each one requires;
    ``others``: the docs-loaded modules and programs run (:mod:`.reconcile_names`), read
    only for a finding no import fits."""
    provides = provides or {}
    requires = _lock_requires(root)
    others = lru_cache(maxsize=1)(others) if others is not None else None  # read once
    guessed_keys = set(guessed) | {k for k, p in provides.items() if p.source == "builtin"}
    taken: set[int] = set()
    by_module: dict[str, list[int]] = {}
    for j, s in enumerate(sites):
        by_module.setdefault(s.module, []).append(j)
    unused = {f.declared[0].key for f in findings if f.kind is Kind.UNUSED and f.declared}
    for i, f in enumerate(findings):
        key = f.declared[0].key if f.declared else None
        if f.kind is not Kind.UNUSED or key is None or key not in guessed_keys:
            continue
        own = provides.get(key)
        hits, roots = _plausible_sites(key, own, sites, by_module, provides, requires)
        sibling = None
        if not hits:
            sibling, hits = _build_sibling_sites(key, sites, by_module, provides, unused)
        if not hits:
            from .reconcile_names import named_sites  # it imports this module

            named = named_sites(key, others)
            if named:
                findings[i] = _unmapped(f, key, own, named, False)
            continue
        taken.update(j for j in hits if not sites[j].claimed)
        findings[i] = _unmapped(f, key, own, [sites[j] for j in hits], roots, sibling)
    return taken


def _build_sibling_sites(
    key: str,
    sites: Sequence[ImportSite],
    by_module: Mapping[str, list[int]],
    provides: Mapping[str, Provides],
    unused: set[str],
) -> tuple[tuple[str, tuple[str, ...]] | None, list[int]]:
    """The used declared distribution that ``key`` is another build of (triton-xpu beside
    triton, either way round), and the imports it claims: they are ``key``'s too, whatever
    name ``key``'s module was guessed as."""
    base = build_base(key)
    siblings = [k for k in provides if k != key and k not in unused and build_base(k) == base]
    for sib in siblings:
        hits = [
            j
            for mod, js in by_module.items()
            if sites[js[0]].claimed and any(module_matches(mod, m) for m in provides[sib].modules)
            for j in js
        ]
        if hits:
            return (sib, provides[sib].modules), sorted(hits)
    return None, []


def _plausible_sites(
    key: str,
    own: Provides | None,
    sites: Sequence[ImportSite],
    by_module: Mapping[str, list[int]],
    provides: Mapping[str, Provides],
    requires: Callable[[str], Collection[str]] = lambda key: (),
) -> tuple[list[int], bool]:
    """Indices of the sites that plausibly belong to ``key``, and whether they were found
    by package root (a table entry's sub-packages) rather than by name."""
    hits: list[int] = []
    variants = name_variants(key)
    members = _namespace_members(key, own)
    if members:  # a sibling under the namespace parent is another distribution's module
        brings = requires(key)
        by_module = {m: js for m, js in by_module.items() if not _sibling(key, m, members, brings)}
    for mod, js in by_module.items():
        if sites[js[0]].claimed and not (
            "." in mod and any(v.startswith(squash(mod.split(".", 1)[0])) for v in variants)
        ):
            continue  # cheap: only a deeper sub-package named like it can beat its claimer
        depth = owner_depth(key, mod)
        if not depth or (depth == 1 and _owned_elsewhere(key, mod.split(".", 1)[0])):
            continue
        if sites[js[0]].claimed and (
            _claimer_depth(key, mod, provides) >= depth
            or (own is not None and any(module_matches(mod, m) for m in own.modules))
        ):
            continue  # its own dead import, or a declared owner at least as specific has it
        hits.extend(js)
    if hits or own is None or own.source != "builtin":
        return sorted(hits), False
    roots = {_package_root(m) for m in builtin_entry(key) if "." in m} - set(own.modules)
    for mod, js in by_module.items():
        if _package_root(mod) in roots and "." in mod:
            hits.extend(j for j in js if not sites[j].claimed)
    return sorted(hits), True


def _owned_elsewhere(key: str, top: str) -> bool:
    """Is ``top``, which ``key`` claims by a looser rule than its own name (a leading part,
    a vendor's rest, an abbreviation), another distribution's module by the built-in table
    or by what is installed here? nemo-evaluator-launcher never provides NeMo's ``nemo``
    (nemo-toolkit's). Another build of ``key`` (faiss-gpu beside faiss-cpu) is no other."""
    if squash(top) in name_variants(key):
        return False
    from .owners import module_owners
    from .records import canonical_name
    from .tablewords import table_owners

    base = build_base(key)
    owners = [*table_owners(top), *module_owners([top]).get(top, ())]
    return any(build_base(canonical_name(d)) != base for d in owners)


def _namespace_members(key: str, own: Provides | None) -> tuple[str, ...]:
    """The built-in table's modules of ``key`` that name it in full, each part of them
    (``llama_index.readers.file`` for llama-index-readers-file, ``opentelemetry.proto`` for
    opentelemetry-proto): a namespace package's member, whose parent is shared with other
    distributions. A table row of sub-packages of one package (flash-linear-attention's
    ``fla.layers``) names none."""
    if own is None or own.source != "builtin":
        return ()
    return tuple(m for m in own.modules if "." in m and owner_depth(key, m) == m.count(".") + 1)


def _sibling(key: str, module: str, members: Sequence[str], brings: Collection[str]) -> bool:
    """Is ``module`` under the namespace parent of a known member, naming ``key`` less
    deeply than it (``llama_index.embeddings.openai_like`` beside the known
    ``llama_index.readers.file``)? Then it is no evidence of ``key``; a version suffix of
    the member itself (``google.cloud.storage_v2``) names it in full and still is, and so
    is a sibling named after a distribution ``key`` requires (``brings``, per the lock
    file: llama-index-storage-docstore-postgres brings ``llama_index.storage.kvstore.postgres``).
    """
    top = module.split(".", 1)[0]
    if not any(
        top == m.split(".", 1)[0] and owner_depth(key, module) <= m.count(".") for m in members
    ):
        return False
    return not any(owner_depth(r, module) > 1 for r in brings)


def _lock_requires(root: Path | None) -> Callable[[str], Collection[str]]:
    """Declared key -> the distributions it requires, directly or not, per the project's
    lock file (read only for a key that asks)."""
    if root is None:
        return lambda key: ()
    from .locks import lock_requirers

    @lru_cache(maxsize=64)
    def requires(key: str) -> frozenset[str]:
        return frozenset(lock_requirers(root, [(key, key)]))

    return requires


def _claimer_depth(key: str, module: str, provides: Mapping[str, Provides]) -> int:
    """The most parts of ``module`` that another declared distribution's modules cover."""
    return max(
        (
            m.count(".") + 1
            for k, p in provides.items()
            if k != key
            for m in p.modules
            if module_matches(module, m)
        ),
        default=0,
    )


def _unmapped(
    f: Finding,
    key: str,
    own: Provides | None,
    hits: Sequence[ImportSite],
    by_root: bool,
    sibling: tuple[str, tuple[str, ...]] | None = None,
) -> Finding:
    """The ``unmapped`` finding that replaces ``f``, with the ``map`` entry to add."""
    listed = builtin_entry(key) if own is not None and own.source == "builtin" else ()
    if sibling is not None:  # the modules the other build provides, as imported
        mods = sorted({m for m in sibling[1] for s in hits if module_matches(s.module, m)})
    elif hits[0].kind == "program":
        mods = [hits[0].module]
    elif by_root:
        mods = sorted({*listed, *(_package_root(s.module) for s in hits)})
        mods = [m for m in mods if not any(m.startswith(r + ".") for r in mods)]
    else:
        mods = sorted({_module_root(key, s.module) for s in hits})
    first = hits[0]
    if listed:
        said = f"the built-in table lists its modules as {', '.join(listed)}"
    else:
        said = f"its module was guessed as {f.module}"
    why = (
        f"is in their package {_package_root(first.module)}"
        if by_root
        else "plausibly belongs to it"
    )
    if sibling is not None:
        why = f"is {sibling[0]}'s (used), of which it is another build"
    elif first.claimed:
        why += " (credited only to a less specific declared owner)"
    suggestion = ", ".join(f'"{m}"' for m in mods)
    fix = f"add [tool.llmcore.deps] map = {{ {f.dependency} = [{suggestion}] }}"
    what = first.module
    if first.kind == "program":  # a program's name is no module: nothing to map
        what = f"the program {first.module}"
        why = "plausibly is its own"
        fix = f'ignore it: [tool.llmcore.deps] ignore = {{ {f.dependency} = "runs as {mods[0]}" }}'
    ev = Evidence(
        f"{said}, but {what} {first.how} {first.where} {why}; if so, {fix}",
        first.file,
        first.line or None,
    )
    return Finding(Kind.UNMAPPED, f.dependency, f.declared, (ev,), f.ignored_reason, ",".join(mods))


def _module_root(key: str, module: str) -> str:
    """The prefix of ``module`` that names ``key`` (the map entry to suggest); its first
    part when only the name without its plugin family's prefix does (:mod:`.reconcile_names`)."""
    depth = owner_depth(key, module)
    return ".".join(module.split(".")[: depth or 1])
