"""Could a module name be a distribution's? Name plausibility, no metadata read.

Shared by :mod:`.reconcile` (imports) and :mod:`.reconcile_names` (modules the docs build
loads, programs the project runs): case, separators and ``py``/``python`` affixes aside,
namespace members, a leading part of the name, a vendor-prefixed name's rest.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lazyre import lazy_compile

__all__ = [
    "FAMILIES",
    "GENERIC",
    "NAMESPACE_ROOTS",
    "abbreviates",
    "name_variants",
    "owner_depth",
    "plausible_owner",
    "squash",
]

_SEP = lazy_compile(r"[-_.]+")
#: first components that only name a namespace: ``google`` alone belongs to no one dist
NAMESPACE_ROOTS = {"google", "azure", "jaraco", "zope", "backports", "sphinxcontrib", "aws"}
#: first parts of names that say whose plugin, stubs or integration a distribution is, not
#: whose vendor: ``django-redis`` never provides ``redis``, ``types-requests`` not ``requests``
FAMILIES = {
    "pytest",
    "types",
    "django",
    "flask",
    "sphinx",
    "sphinxcontrib",
    "mkdocs",
    "jupyter",
    "jupyterlab",
    "fastapi",
    "pydantic",
    "sqlalchemy",
    "celery",
    "pre",
    "flake8",
    "pylint",
    "mypy",
    "ruff",
    "poetry",
    "hatch",
    "pdm",
    "tox",
    "nox",
    "setuptools",
    "opentelemetry",
    "langchain",
    "llama",
    "airflow",
    "apache",
    "dagster",
    "prefect",
    "streamlit",
    "napari",
    "datasette",
    "aws",
    "google",
    "azure",
}


def squash(text: str) -> str:
    return _SEP.sub("", text).lower()


@lru_cache(maxsize=1024)
def name_variants(key: str) -> frozenset[str]:
    """The distribution name without separators, case, ``py``/``python`` affixes, and a
    C library's ``lib`` prefix after them (``py-libnuma`` -> ``numa``, libsass's ``sass``)."""
    d = squash(key)
    out = {d}
    for affix in ("python", "py"):
        if d.startswith(affix) and len(d) - len(affix) >= 2:
            out.add(d[len(affix) :])
        if d.endswith(affix) and len(d) - len(affix) >= 2:
            out.add(d[: -len(affix)])
    out |= {v[3:] for v in out if v.startswith("lib") and len(v) >= 6}
    return frozenset(out)


#: module names too generic to be a vendor-prefixed distribution's own
GENERIC = {
    "utils",
    "util",
    "common",
    "core",
    "tools",
    "helpers",
    "client",
    "server",
    "base",
    "config",
    "tests",
    "testing",
    "models",
    "data",
    "plugin",
    "plugins",
    "extensions",
    "sdk",
    "main",
    "app",
}


def plausible_owner(key: str, module: str) -> bool:
    """Could ``module`` (dotted) be what distribution ``key`` provides?

    Case, ``-``/``_``/``.`` and ``py``/``python`` affixes are ignored (``PyNaCl`` ->
    ``nacl``, ``dnspython`` -> ``dns``, ``absl-py`` -> ``absl``); a namespace
    distribution matches a sub-package of its namespace with at most a version suffix
    (``google-cloud-pubsub`` -> ``google.cloud.pubsub_v1``, never
    ``google.cloud.storage_transfer`` for google-cloud-storage); a leading part of the
    name on a ``-`` boundary matches a top-level module (``faiss-cpu`` -> ``faiss``), and
    so does the rest of a vendor-prefixed name (``lightning-thunder`` -> ``thunder``).
    """
    return owner_depth(key, module) > 0


def owner_depth(key: str, module: str) -> int:
    """How many leading parts of ``module`` name ``key``'s package, the most that do
    (``optimum.habana.x`` names optimum-habana in 2, faiss-cpu's ``faiss`` in 1); 0: none."""
    parts = module.split(".")
    variants = name_variants(key)
    squashed = [squash(".".join(parts[:k])) for k in range(1, len(parts) + 1)]
    for depth in range(len(squashed), 0, -1):
        s = squashed[depth - 1]
        if depth == 1 and parts[0] in NAMESPACE_ROOTS and len(parts) > 1:
            continue
        if s and s in variants:  # an empty part (``.0``) is no module name
            return depth
        if depth > 1 and any(
            re.fullmatch(r"v?\d+(?:p\d+)?(?:beta\d*|alpha\d*)?", s[len(v) :])
            for v in variants
            if v and s.startswith(v) and len(s) > len(v)  # "" would own every "0.x"
        ):
            return depth
    comps = [c for c in key.split("-") if c]
    top = squashed[0]
    if len(comps) < 2 or comps[0] in NAMESPACE_ROOTS or len(top) < 3:
        return 0
    if any(squash("-".join(comps[:j])) == top for j in range(1, len(comps))):
        return 1
    return 1 if _vendor_rest(comps, top) or abbreviates(key, top) else 0


def _vendor_rest(comps: list[str], top: str) -> bool:
    """A vendor's prefix (lightning-thunder -> ``thunder``, nvidia-modelopt -> ``modelopt``):
    the rest of the name after one first part, four letters at least, not a plugin family's
    prefix, not a generic module name a project has of its own (qwen-vl-utils never
    provides a stray ``utils``), nor a word that only describes (cpm-kernels never provides
    Hugging Face's ``kernels``: :func:`.tablewords.describes`)."""
    if comps[0] in FAMILIES or len(top) < 4 or top in GENERIC:
        return False
    if squash("-".join(comps[1:])) != top:
        return False
    from .tablewords import describes  # reads the built-in table: only for a candidate

    return len(comps) > 2 or not describes(comps[-1], "-".join(comps))


def _parts(key: str) -> list[str]:
    """The name's parts, without ``py``/``python`` parts at either end."""
    parts = [c for c in _SEP.split(key.lower()) if c]
    while parts and parts[0] in ("py", "python"):
        parts = parts[1:]
    while parts and parts[-1] in ("py", "python"):
        parts = parts[:-1]
    return parts


def _is_subsequence(short: str, word: str) -> bool:
    letters = iter(word)
    return all(c in letters for c in short)


def abbreviates(key: str, module: str) -> bool:
    """Is top-level ``module`` the name ``key`` abbreviated: each part of the name, in order,
    either in full or cut to one to three of its letters (its first, then any later ones),
    at least one part in full (two letters or more) and one cut? ``msprobe`` is
    m[ind]s[tudio] + probe (mindstudio-probe), ``ucm`` uc + m[anager] (uc-manager),
    ``sklearn`` s[ci]k[it] + learn. Two to four parts, three letters at least, never a
    generic name nor a plugin family's or a namespace's (``django-gizmo`` is no ``dgizmo``)."""
    word = squash(module)
    parts = _parts(key)
    if len(word) < 3 or word in GENERIC or not 2 <= len(parts) <= 4:
        return False
    if parts[0] in FAMILIES or parts[0] in NAMESPACE_ROOTS:
        return False

    def spell(i: int, at: int, full: bool, cut: bool) -> bool:
        if i == len(parts):
            return at == len(word) and full and cut
        part = parts[i]
        if word.startswith(part, at) and spell(i + 1, at + len(part), full or len(part) > 1, cut):
            return True
        for n in range(1, min(3, len(part) - 1) + 1):
            piece = word[at : at + n]
            if (
                len(piece) == n
                and piece[0] == part[0]
                and _is_subsequence(piece[1:], part[1:])
                and spell(i + 1, at + n, full, True)
            ):
                return True
        return False

    return spell(0, 0, False, False)
