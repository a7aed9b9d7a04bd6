"""Which files a project's packaging configuration ships: the rest is not runtime code.

A repository-root dev script (django-rest-framework's ``runtests.py``) beside packages
configured as ``[tool.setuptools.packages.find] include = ["rest_framework*"]`` is in no
wheel, so its imports are development code. Only an explicit configuration says what is
shipped; read from pyproject.toml, never guessed:

- setuptools ``packages`` (a list), ``packages.find`` (``where``, ``include``),
  ``py-modules``, ``package-dir``, ``script-files``;
- Hatch wheel ``packages``; Poetry ``packages``; flit ``[tool.flit.module] name``;
- setup.cfg / setup.py ``packages`` (a list, ``find:``, ``find_packages(where, include=)``),
  ``package_dir``, ``py_modules``, read statically (:mod:`.setup_shipping`).

A file is shipped when its path, below a package base (``where``, ``package-dir``'s root,
``from``), starts with a configured top-level package folder or is a configured module.
Matching is by top-level name (``exclude`` and sub-package lists are not followed), so a
file is called unshipped only when no configured package could hold it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

from ..core.config import string_list, table_get

__all__ = ["packaged_matcher"]


class _Shipped:
    """Top-level package patterns and module files below base folders, and whole paths."""

    def __init__(self) -> None:
        self.packages: set[tuple[str, str]] = set()  # (base, top-level folder pattern)
        self.modules: set[str] = set()  # module file paths
        self.paths: set[str] = set()  # files or folders shipped as they are

    def __call__(self, rel: str) -> bool:
        if rel in self.modules or any(
            not p or rel == p or rel.startswith(p + "/") for p in self.paths
        ):
            return True
        for base, pattern in self.packages:
            rest = rel[len(base) + 1 :] if base else rel
            if base and not rel.startswith(base + "/"):
                continue
            top, sep, _ = rest.partition("/")
            if sep and fnmatch.fnmatchcase(top, pattern):
                return True
        return False


def _base(path: str) -> str:
    return path.strip().strip("/").removeprefix("./").rstrip("/").lstrip(".") or ""


def _setuptools(st: Mapping[str, Any], out: _Shipped) -> bool:
    pdir = st.get("package-dir")
    root = _base(pdir.get("", "")) if isinstance(pdir, Mapping) else ""
    named = {str(k): _base(v) for k, v in (pdir or {}).items() if k and isinstance(v, str)}
    found = False
    pk = st.get("packages")
    if isinstance(pk, list):
        found = True
        for name in string_list(pk):
            top = name.split(".", 1)[0]
            if top in named:
                out.paths.add(named[top])
            else:
                out.packages.add((root, top))
    find = table_get(st, "packages", "find")
    if isinstance(find, Mapping):
        found = True
        include = string_list(find.get("include")) or ["*"]
        for where in string_list(find.get("where")) or ["."]:
            for pattern in include:
                out.packages.add((_base(where), pattern.split(".", 1)[0]))
    for mod in string_list(st.get("py-modules")):
        found = True
        out.modules.add(f"{root}/{mod.replace('.', '/')}.py".lstrip("/"))
    out.paths.update(_base(p) for p in string_list(st.get("script-files")))
    return found


def _others(doc: Any, out: _Shipped) -> bool:
    found = False
    wheel = table_get(doc, "tool", "hatch", "build", "targets", "wheel")
    if isinstance(wheel, Mapping) and isinstance(wheel.get("packages"), list):
        found = True
        out.paths.update(_base(p) for p in string_list(wheel["packages"]))
    poetry = table_get(doc, "tool", "poetry", "packages")
    if isinstance(poetry, list):
        for entry in poetry:
            if isinstance(entry, Mapping) and isinstance(entry.get("include"), str):
                found = True
                base = _base(entry["from"]) if isinstance(entry.get("from"), str) else ""
                top = str(entry["include"]).strip("/").split("/", 1)[0]
                if top.endswith(".py"):
                    out.modules.add(f"{base}/{top}".lstrip("/"))
                else:
                    out.packages.add((base, top))
    flit = table_get(doc, "tool", "flit", "module", "name")
    if isinstance(flit, str):
        found = True
        top = flit.split(".", 1)[0]
        for base in ("", "src"):
            out.packages.add((base, top))
            out.modules.add(f"{base}/{top}.py".lstrip("/"))
    return found


def packaged_matcher(
    doc: Any, setup: Mapping[str, Any] | None = None
) -> Callable[[str], bool] | None:
    """Is a file (path relative to the root) shipped? None: the configuration doesn't say.

    ``doc``: pyproject.toml; ``setup``: what setup.cfg / setup.py say, as a
    ``[tool.setuptools]`` table (:mod:`.setup_shipping`)."""
    out = _Shipped()
    st = table_get(doc, "tool", "setuptools")
    found = _setuptools(st, out) if isinstance(st, Mapping) else False
    found = _others(doc, out) or found
    if setup is not None:
        found = _setuptools(setup, out) or found
    # ``packages = []`` ships nothing: an application installed for its dependencies only
    return out if found and (out.packages or out.modules or out.paths) else None
