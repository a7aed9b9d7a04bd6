"""Which imports are the project's own.

Only the project's importable packages are first-party everywhere: packages and modules at
the root, in ``src/``, in configured package folders (setuptools ``packages``/``package-dir``/
``packages.find``, Hatch wheel ``packages``, Poetry ``packages``, flit, setup.py/setup.cfg
``packages``), the project's name, and ``[tool.llmcore.deps] first-party``. A folder without
``__init__.py`` at the root (``alembic/``, ``typings/``), a script in a sub-folder
(``examples/azure.py``) or a test package (``tests/redis/``) is not: it must neither shadow
a dependency nor hide an undeclared import.

A script's sibling modules are still local *to that script*: ``import helpers`` in
``examples/run.py`` beside ``examples/helpers.py`` (:class:`SiblingModules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from ..core.config import string_list, table_get

__all__ = ["SiblingModules", "configured_packages", "first_party_names"]


class _HasRel(Protocol):
    @property
    def rel(self) -> str: ...


def configured_packages(doc: Any) -> tuple[set[str], set[str]]:
    """(package names, folders holding packages) that pyproject.toml configures."""
    names: set[str] = set()
    folders: set[str] = {"src"}
    st = table_get(doc, "tool", "setuptools")
    if isinstance(st, Mapping):
        pk = st.get("packages")
        names.update(p.split(".")[0] for p in string_list(pk))
        find = table_get(st, "packages", "find")
        if isinstance(find, Mapping):
            folders.update(string_list(find.get("where")))
            names.update(p.split(".")[0].rstrip("*") for p in string_list(find.get("include")))
        for ext in st.get("ext-modules") or ():  # extension modules it builds
            if isinstance(ext, Mapping) and isinstance(ext.get("name"), str):
                names.add(str(ext["name"]).split(".")[0])
        pdir = st.get("package-dir")
        if isinstance(pdir, Mapping):
            for pkg, folder in pdir.items():
                if not pkg and isinstance(folder, str):
                    folders.add(folder)
                elif pkg:
                    names.add(str(pkg).split(".")[0])
    wheel = table_get(doc, "tool", "hatch", "build", "targets", "wheel")
    for target in (wheel, table_get(doc, "tool", "hatch", "build")):
        if isinstance(target, Mapping):
            names.update(p.rstrip("/").split("/")[-1] for p in string_list(target.get("packages")))
    poetry = table_get(doc, "tool", "poetry", "packages")
    if isinstance(poetry, list):
        for entry in poetry:
            if isinstance(entry, Mapping) and isinstance(entry.get("include"), str):
                names.add(str(entry["include"]).split("/")[0].split(".")[0])
                if isinstance(entry.get("from"), str):
                    folders.add(str(entry["from"]))
    maturin = table_get(doc, "tool", "maturin", "module-name")
    if isinstance(maturin, str):
        names.add(maturin.split(".")[0])
    flit = table_get(doc, "tool", "flit", "module", "name")
    if isinstance(flit, str):
        names.add(flit.split(".")[0])
    return names, folders


def first_party_names(
    files: Sequence[_HasRel],
    configured: Iterable[str],
    project_name: str | None,
    pyproject: Any,
    setup_packages: Iterable[str] = (),
) -> set[str]:
    """Top-level names of the project's own importable packages and modules."""
    names: set[str] = set(configured)
    names.update(p.split(".")[0] for p in setup_packages)
    if project_name:
        names.add(project_name.replace("-", "_"))
    cfg_names, folders = configured_packages(pyproject)
    names.update(cfg_names)
    bases = {""} | {f.strip("/").removeprefix("./") for f in folders if f not in (".", "./")}
    for f in files:
        parts = f.rel.split("/")
        for base in bases:
            depth = len(base.split("/")) if base else 0
            if base and parts[:depth] != base.split("/"):
                continue
            rest = parts[depth:]
            if len(rest) == 1 and rest[0].endswith((".py", ".pyi")):
                names.add(rest[0].rsplit(".", 1)[0])  # a module at the base
            elif len(rest) == 2 and rest[1] in ("__init__.py", "__init__.pyi"):
                names.add(rest[0])  # a package at the base
    return {n for n in names if n.isidentifier()}


#: namespace roots several distributions share: a project folder of that name is no
#: evidence that ``google.cloud.storage`` is the project's own
_SHARED_NAMESPACES = frozenset({"google", "azure", "jaraco", "zope", "backports", "sphinxcontrib"})


class SiblingModules:
    """Modules beside a script, importable by it (Python puts a script's folder on sys.path).

    An import ``a.b.c`` in a file is local when, from the file's import base (its nearest
    folder that is not a package), the dotted path reaches a module or package file of
    the project, other than the file itself. A bare name (``import redis``) resolves only
    to a module file (``redis.py``), never to a folder: ``tests/redis/`` is a test
    package, not the redis client. The project root is left to :func:`first_party_names`.
    """

    def __init__(self, files: Sequence[_HasRel]) -> None:
        self.files = {f.rel for f in files}
        self.dirs: set[str] = set()
        for rel in self.files:
            # every folder above the file; a folder already known has its parents known
            d = rel.rpartition("/")[0]
            while d and d not in self.dirs:
                self.dirs.add(d)
                d = d.rpartition("/")[0]
        self.packages = {
            rel.rsplit("/", 1)[0]
            for rel in self.files
            if rel.endswith(("/__init__.py", "/__init__.pyi"))
        }
        self._base: dict[str, str] = {}

    def _import_base(self, rel: str) -> str:
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        hit = self._base.get(folder)
        if hit is None:
            base = folder
            while base and base in self.packages:
                base = base.rsplit("/", 1)[0] if "/" in base else ""
            hit = self._base[folder] = base
        return hit

    def _module_file(self, path: str) -> str | None:
        for suffix in (".py", ".pyi"):
            if path + suffix in self.files:
                return path + suffix
        return None

    def is_local(self, rel: str, module: str) -> bool:
        base = self._import_base(rel)
        if base and self._reaches(base, rel, module):
            return True
        # the root is on sys.path too (pytest's rootdir, ``python -m``): a dotted import
        # through a root folder without ``__init__.py`` (``docs_src.tutorial001``,
        # ``scripts.release``) is the project's own; root packages and modules are
        # first_party_names' job, and a shared namespace (``google``) is never ours
        top = module.split(".", 1)[0]
        return "." in module and top not in _SHARED_NAMESPACES and self._reaches("", rel, module)

    def _reaches(self, base: str, rel: str, module: str) -> bool:
        """Does ``module`` resolve to a project file other than ``rel`` from ``base``?"""
        parts = module.split(".")
        path = base
        for i, part in enumerate(parts):
            path = f"{path}/{part}" if path else part
            found = self._module_file(path)
            if found is not None:
                # ``from mod import name`` reaches a module; a deeper path can't go on
                return found != rel and i >= len(parts) - 2
            if path not in self.dirs or (i == 0 and len(parts) == 1):
                return False
        return len(parts) > 1
