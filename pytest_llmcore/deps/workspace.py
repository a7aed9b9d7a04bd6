"""Code that serves the root without being its own: workspace members and hidden folders.

A monorepo root often declares, in its dev group or extras, what its members need to be
developed and tested together: pydantic-ai's root declares ``exa-py`` because its member
``pydantic_ai_slim`` imports ``exa_py`` and the root's tests exercise that code. The members
are projects of their own (they are not scanned as the root's code, so their imports are
never reported missing for the root), but a member's used import counts as a use of a
dependency the root declares.

Members are read from the root's ``pyproject.toml``: ``[tool.uv.workspace] members``
(globs, minus ``exclude``), ``[tool.rye.workspace] members``, Hatch environments'
``workspace.members``, and local path dependencies (``[tool.uv.sources] x = { path = ... }``,
Poetry ``x = { path = ... }``). Only folders inside the root that are projects of their own
count: any other folder is scanned as the root's code already.

Hidden folders and files at the root (``.github/scripts/``, ``.claude/skills/``) are treated
the same way: a CI helper's import is a use, but the walker skips them as FawltyDeps does, so
their imports are never reported missing nor make a dev dependency "misplaced".
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..core.config import parse_toml_data, table_get
from ..core.errors import InputError
from .lazyre import whole_word_finder
from .records import Evidence, canonical_name

__all__ = [
    "AuxiliaryImports",
    "Member",
    "hidden_entries",
    "member_dirs",
    "member_module_map",
    "members",
]

#: a root naming more members than this is not a workspace we can check quickly
MAX_MEMBERS = 500


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _path_sources(table: Any) -> Iterator[str]:
    """``x = { path = "libs/x" }`` entries of a dependency or sources table (uv allows lists)."""
    if not isinstance(table, Mapping):
        return
    for value in table.values():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
                yield entry["path"]


def _patterns(doc: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(member globs and paths, exclude globs) the root's pyproject.toml names."""
    members: list[str] = []
    excludes: list[str] = []
    for tool in ("uv", "rye"):
        ws = table_get(doc, "tool", tool, "workspace")
        if isinstance(ws, Mapping):
            members += _strs(ws.get("members"))
            excludes += _strs(ws.get("exclude"))
    envs = table_get(doc, "tool", "hatch", "envs")
    for env in envs.values() if isinstance(envs, Mapping) else ():
        for m in table_get(env, "workspace", "members") or ():
            path = m.get("path") if isinstance(m, Mapping) else m
            if isinstance(path, str):
                members.append(path)
    members += _path_sources(table_get(doc, "tool", "uv", "sources"))
    poetry = table_get(doc, "tool", "poetry")
    tables = [table_get(poetry, "dependencies"), table_get(poetry, "dev-dependencies")]
    groups = table_get(poetry, "group")
    if isinstance(groups, Mapping):
        tables += [table_get(g, "dependencies") for g in groups.values()]
    for table in tables:
        members += _path_sources(table)
    return members, excludes


def _expand(root: Path, pattern: str) -> Iterable[Path]:
    pattern = pattern.strip().removeprefix("./").rstrip("/")
    if not pattern or pattern == "." or Path(pattern).is_absolute():
        return ()
    if not any(c in pattern for c in "*?["):
        return (root / pattern,)
    try:
        return sorted(root.glob(pattern))
    except (ValueError, NotImplementedError, OSError):  # a pattern pathlib cannot take
        return ()


def member_dirs(root: Path, pyproject: Mapping[str, Any] | None) -> list[str]:
    """Folders (relative to ``root``, sorted) of the root's workspace members that are
    projects of their own. Paths outside the root are left out."""
    from .declarations import is_project_dir

    if not pyproject:
        return []
    root = root.resolve()
    members, excludes = _patterns(pyproject)
    found: set[str] = set()
    for pattern in members:
        for path in _expand(root, pattern):
            try:
                rel = path.resolve().relative_to(root).as_posix()
            except (ValueError, OSError):
                continue  # outside the root: another repository's code
            if rel in ("", ".") or any(fnmatch.fnmatch(rel, e.rstrip("/")) for e in excludes):
                continue
            if path.is_dir() and is_project_dir(path):
                found.add(rel)
            if len(found) >= MAX_MEMBERS:
                return sorted(found)
    return sorted(found)


class Member(NamedTuple):
    """One workspace member: its folder, distribution name and importable top-level names."""

    rel: str
    name: str
    packages: frozenset[str]


def _member_doc(folder: Path) -> Mapping[str, Any]:
    path = folder / "pyproject.toml"
    try:
        return parse_toml_data(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError, InputError):
        return {}


def _member_name(folder: Path, doc: Mapping[str, Any]) -> str:
    name = table_get(doc, "project", "name") or table_get(doc, "tool", "poetry", "name")
    if not isinstance(name, str):
        try:
            cfg = (folder / "setup.cfg").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cfg = ""
        m = re.search(r"^\[metadata\][^[]*?^name\s*=\s*(\S+)", cfg, re.M | re.S)
        name = m.group(1) if m else folder.name
    return canonical_name(name)


def _top_names(folder: Path) -> set[str]:
    """Packages (with ``__init__.py``) and modules directly in ``folder``."""
    names: set[str] = set()
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name.endswith(".py") and e.name not in _NOT_MODULES:
                    names.add(e.name[:-3])
                elif e.is_dir() and os.path.isfile(os.path.join(e.path, "__init__.py")):
                    names.add(e.name)
    except OSError:
        pass
    return {n for n in names if n.isidentifier()}


_NOT_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "__init__.py"})


def members(root: Path, pyproject: Mapping[str, Any] | None) -> list[Member]:
    """The root's workspace members with their distribution names and packages."""
    from .firstparty import configured_packages

    out = []
    for rel in member_dirs(root, pyproject):
        folder = root / rel
        doc = _member_doc(folder)
        names, bases = configured_packages(doc)
        for base in {"", *bases} - {".", "./"}:
            names |= _top_names(folder / base)
        out.append(Member(rel, _member_name(folder, doc), frozenset(names)))
    return out


def member_module_map(root: Path) -> dict[str, tuple[str, ...]]:
    """Member distribution -> its packages, for a root that declares its own members
    (``pydantic-ai-slim`` provides ``pydantic_ai``): known from the member's files, so a
    member that is not installed needs no guess from its name."""
    path = root / "pyproject.toml"
    try:
        raw = path.read_bytes() if path.is_file() else b""
    except OSError:
        return {}
    if b"workspace" not in raw and b"path" not in raw:  # the common case: nothing to parse
        return {}
    try:
        doc = parse_toml_data(raw.decode("utf-8"), path)
    except (UnicodeDecodeError, InputError):
        return {}  # the gate reports a malformed pyproject.toml itself
    return {m.name: tuple(sorted(m.packages)) for m in members(root, doc) if m.packages}


def hidden_entries(root: Path) -> list[str]:
    """Hidden folders and Python files at the root (``.github/``, ``.claude/``, ``.ci.py``)
    that are not environments, caches or VCS data: scanned apart, not as the root's code."""
    from .walk import DEFAULT_EXCLUDES

    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    out = []
    for e in entries:
        name = e.name
        if not name.startswith(".") or name in DEFAULT_EXCLUDES or e.is_symlink():
            continue
        is_code = e.is_file() and name.endswith((".py", ".pyi"))
        env = (e / "pyvenv.cfg").exists() or (e / "conda-meta").is_dir()
        if is_code or (e.is_dir() and not env):
            out.append(name)
    return out


class AuxiliaryImports:
    """Used imports in code that is not the root's own but serves it: workspace members and
    hidden folders. Their imports count as uses of the root's dependencies and are never
    reported missing for it. Read lazily, only for the modules asked about (a text search
    picks the files worth parsing)."""

    def __init__(
        self,
        root: Path,
        members: Iterable[str],
        hidden: Iterable[str] = (),
        max_size: int = 5_000_000,
    ) -> None:
        self.root = root
        self.members = list(members)
        self.hidden = list(hidden)
        self.max_size = max_size
        self._index: dict[str, list[tuple[str, str, int]]] | None = None
        self._sources: list[tuple[str, Path]] | None = None

    def sources(self) -> list[tuple[str, Path]]:
        """(path relative to the root, path) of every file of this code, walked once."""
        if self._sources is None:
            self._sources = list(self._walk())
        return self._sources

    def _walk(self) -> Iterator[tuple[str, Path]]:
        from .walk import iter_sources

        for member in self.members:
            for f in iter_sources(self.root / member):
                yield f"{member}/{f.rel}", f.path
        for name in self.hidden:
            path = self.root / name
            if path.is_file():
                yield name, path
            else:
                for f in iter_sources(path, hidden=True):
                    yield f"{name}/{f.rel}", f.path

    def _build(self, wanted: set[str]) -> dict[str, list[tuple[str, str, int]]]:
        from .filescan import scan_file
        from .safeio import read_bounded

        index: dict[str, list[tuple[str, str, int]]] = {}
        if not wanted:
            return index
        word = whole_word_finder(wanted)
        for rel, path in self.sources():
            raw = read_bounded(path, self.max_size)
            if isinstance(raw, str):  # unreadable: not ours to report
                continue
            if not word(raw.decode("utf-8", "replace")):
                continue
            res = scan_file(path, rel, lambda top: top in wanted, self.max_size)
            for rec in res.imports:
                if rec.used:
                    top = rec.module.split(".", 1)[0]
                    index.setdefault(top, []).append((rec.module, rel, rec.line))
        return index

    def _describe(self, rel: str, line: int) -> str:
        member = self.member_of(rel)
        if member is not None:
            return f"imported by workspace member {member} at {rel}:{line}"
        return f"imported at {rel}:{line} (hidden {rel.split('/', 1)[0]}, scanned apart)"

    def sites(self, modules: Iterable[str], pending: Iterable[str]) -> list[tuple[str, str, int]]:
        """(module, file, line) of every used import of one of ``modules`` in this code;
        ``pending``: every module still looked for (all are searched in the one pass the
        first call makes)."""
        if not self.members and not self.hidden:
            return []
        if self._index is None:
            self._index = self._build({m.split(".", 1)[0] for m in pending})
        return [
            (module, rel, line)
            for provided in modules
            for module, rel, line in self._index.get(provided.split(".", 1)[0], ())
            if module == provided or module.startswith(provided + ".")
        ]

    def member_of(self, rel: str) -> str | None:
        """The workspace member holding ``rel`` (None: a hidden folder's file)."""
        return next((m for m in self.members if rel.startswith(m + "/")), None)

    def find(self, modules: Iterable[str], pending: Iterable[str]) -> Evidence | None:
        """Where this code uses one of ``modules`` (see :meth:`sites`)."""
        for _, rel, line in self.sites(modules, pending)[:1]:
            return Evidence(self._describe(rel, line), rel, line)
        return None
