"""Uses through another module: ``import ujson as json`` in compat.py, used by its importers.

A name bound by an import and never used in its own module may be used by a module that
imports it from there (``from app.compat import json``, ``from .compat import json``,
``compat.json`` after ``from app import compat``, or a star import). Only consulted for a
dependency whose imports are all dead, so its cost (reading the files that mention the
name) is paid rarely.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .safeio import read_bounded
from .walk import SourceFile

__all__ = ["ReexportFinder", "module_names"]

#: How many (module, name) hops a chain of re-exports is followed.
_MAX_HOPS = 50


def module_names(rel: str, local: Iterable[str]) -> list[str]:
    """Dotted names a file may be imported as: ``src/app/compat.py`` -> ``app.compat``."""
    parts = rel.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    tops = set(local)
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i] in tops]


def _package(rel: str, local: Iterable[str]) -> list[str]:
    """Dotted package names of the file's directory (for resolving relative imports)."""
    names = module_names(rel, local)
    if rel.endswith(("/__init__.py", "/__init__.pyi")):
        return names
    return [n.rsplit(".", 1)[0] for n in names if "." in n]


def _chains(tree: ast.AST) -> set[str]:
    """Every dotted attribute chain read in ``tree``: ``a.b.c`` gives a, a.b and a.b.c."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            parts = [node.attr]
            cur: ast.expr = node.value
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                out.add(".".join([cur.id, *reversed(parts)]))
    return out


def _all_names(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                node.value, (ast.List, ast.Tuple)
            ):
                out |= {
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
    return out


class _Parsed(NamedTuple):
    rel: str
    tree: ast.Module
    chains: set[str]
    exported: set[str]
    is_init: bool


class ReexportFinder:
    """Finds a use of an imported name through other modules of the project."""

    def __init__(self, files: Sequence[SourceFile], local: Iterable[str], max_size: int) -> None:
        self.files = [f for f in files if f.rel.endswith((".py", ".pyi"))]
        self.local = set(local)
        self.max_size = max_size
        self._raw: dict[str, bytes] = {}
        self._parsed: dict[str, _Parsed | None] = {}

    def _read(self, f: SourceFile) -> bytes:
        if f.rel not in self._raw:
            raw = read_bounded(f.path, self.max_size)
            self._raw[f.rel] = b"" if isinstance(raw, str) else raw
        return self._raw[f.rel]

    def _parse(self, f: SourceFile) -> _Parsed | None:
        if f.rel not in self._parsed:
            try:
                tree = ast.parse(self._read(f))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._parsed[f.rel] = None
            else:
                is_init = f.rel.rsplit("/", 1)[-1] in ("__init__.py", "__init__.pyi")
                self._parsed[f.rel] = _Parsed(f.rel, tree, _chains(tree), _all_names(tree), is_init)
        return self._parsed[f.rel]

    def _bindings(self, p: _Parsed, mods: set[str], name: str) -> list[tuple[str, int, bool]]:
        """How ``p`` reaches ``name`` of a module in ``mods``: (access path, line, re-export)."""
        out: list[tuple[str, int, bool]] = []
        pkgs = _package(p.rel, self.local)
        for node in ast.walk(p.tree):
            if isinstance(node, ast.ImportFrom):
                bases = [node.module or ""] if not node.level else []
                for pkg in pkgs if node.level else ():
                    parts = pkg.split(".")
                    if node.level - 1 < len(parts):
                        head = ".".join(parts[: len(parts) - (node.level - 1)])
                        bases.append(f"{head}.{node.module}" if node.module else head)
                for a in node.names:
                    for base in bases:
                        if base in mods and a.name in (name, "*"):
                            bound = name if a.name == "*" else (a.asname or a.name)
                            out.append((bound, node.lineno, a.asname == a.name))
                        elif f"{base}.{a.name}" in mods:
                            out.append((f"{a.asname or a.name}.{name}", node.lineno, False))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in mods:
                        out.append((f"{a.asname or a.name}.{name}", node.lineno, False))
        return out

    def find(self, rel: str, name: str) -> str | None:
        """Where the name ``name`` bound in file ``rel`` is used from another module, if it is."""
        todo = [(rel, name)]
        seen: set[tuple[str, str]] = set()
        while todo and len(seen) < _MAX_HOPS:
            cur, nm = todo.pop()
            if (cur, nm) in seen:
                continue
            seen.add((cur, nm))
            mods = set(module_names(cur, self.local))
            if not mods:
                continue
            last = {m.rsplit(".", 1)[-1].encode() for m in mods}
            for f in self.files:
                if f.rel == cur:
                    continue
                raw = self._read(f)
                if nm.encode() not in raw or not any(x in raw for x in last):
                    continue
                p = self._parse(f)
                if p is None:
                    continue
                for path, line, explicit in self._bindings(p, mods, nm):
                    bound = path.split(".", 1)[0]
                    if path in p.chains or (path == bound and bound in p.exported):
                        return f"{f.rel}:{line}"
                    if path == bound and (explicit or p.is_init):
                        return f"{f.rel}:{line}"
                    if path == bound:
                        todo.append((f.rel, bound))
        return None
