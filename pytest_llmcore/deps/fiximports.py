"""``--fix`` for dead imports: a dependency that goes takes its never-used imports with it.

Like ruff's F401 fix, only whole statements go, and every other byte of the file stays:
a statement that also imports something else, or shares its line with another statement,
is not edited; the dependency is then kept and the exact lines to delete are reported.
A block left empty gets ``pass``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .safeio import read_bounded

__all__ = ["DeadImport", "SourcePlan", "plan_source_edits"]

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True)
class DeadImport:
    """A never-used import of ``dependency`` at ``rel:line``."""

    dependency: str
    rel: str
    line: int


@dataclass
class SourcePlan:
    """New contents per source file, and the dependencies whose imports can't be removed."""

    after: dict[str, tuple[bytes, bytes, tuple[str, ...]]]
    """rel -> (bytes read, bytes to write, one line per removed statement)."""
    refused: dict[str, str]
    """dependency -> why it is kept (one line, naming the lines to delete by hand)."""


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = "." * node.level + (node.module or "")
    return [base if a.name == "*" else f"{base}.{a.name}" for a in node.names]


def _belongs(module: str, provided: Sequence[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in provided)


@dataclass
class _File:
    raw: bytes
    lines: list[bytes]
    tree: ast.Module
    stmts: list[ast.stmt]
    parent: dict[int, list[ast.stmt]]


def _load(path: Path) -> _File | None:
    raw = read_bounded(path, 50_000_000)
    if isinstance(raw, str):
        return None
    try:
        tree = ast.parse(raw)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    parent: dict[int, list[ast.stmt]] = {}
    for body in _bodies(tree):
        for s in body:
            parent[id(s)] = body
    stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    return _File(raw, _LINE.findall(raw), tree, stmts, parent)


def _alone(f: _File, node: ast.stmt) -> bool:
    """Does ``node`` own its lines: no other statement starts or ends on them?"""
    first, last = node.lineno, node.end_lineno or node.lineno
    for other in f.stmts:
        if other is node:
            continue
        o_first, o_last = other.lineno, other.end_lineno or other.lineno
        encloses = o_first < first and o_last >= last
        if not encloses and o_first <= last and o_last >= first:
            return False
    return True


def _statement(f: _File, line: int) -> ast.Import | ast.ImportFrom | None:
    for n in f.stmts:
        if isinstance(n, (ast.Import, ast.ImportFrom)) and n.lineno == line:
            return n
    return None


def _text(f: _File, node: ast.stmt) -> str:
    first, last = node.lineno, node.end_lineno or node.lineno
    body = b" ".join(x.strip() for x in f.lines[first - 1 : last])
    return body.decode("utf-8", errors="replace")


def _rewrite(f: _File, gone: list[ast.stmt]) -> bytes:
    """The file without the ``gone`` statements' lines; a block left empty keeps ``pass``."""
    drop: set[int] = set()
    keep_pass: dict[int, bytes] = {}
    ids = {id(s) for s in gone}
    for node in gone:
        first, last = node.lineno, node.end_lineno or node.lineno
        drop.update(range(first - 1, last))
        body = f.parent.get(id(node), [])
        if body and all(id(s) in ids for s in body) and body[0] is node:
            raw = f.lines[first - 1]
            indent = raw[: len(raw) - len(raw.lstrip(b" \t"))]
            eol = raw[len(raw.rstrip(b"\r\n")) :] or b"\n"
            keep_pass[first - 1] = indent + b"pass" + eol
    out = [keep_pass.get(i, b"") if i in drop else ln for i, ln in enumerate(f.lines)]
    return b"".join(out)


def _check_dead(
    f: _File, rel: str, lines: Iterable[int], provided: Sequence[str], removing: Sequence[str]
) -> tuple[list[ast.stmt], str | None]:
    """The statements to delete for one dependency in one file, or why not."""
    out: list[ast.stmt] = []
    for line in sorted(set(lines)):
        node = _statement(f, line)
        if node is None:
            return [], f"{rel}:{line}: no import statement found there any more"
        mods = _modules(node)
        if not all(_belongs(m, removing) for m in mods) or not _alone(f, node):
            return [], f"{rel}:{line}: {_text(f, node)}"
        if any(_belongs(m, provided) for m in mods):
            out.append(node)
    return out, None


def plan_source_edits(
    root: Path,
    dead: Iterable[DeadImport],
    provides: Mapping[str, Sequence[str]],
) -> SourcePlan:
    """Remove each dependency's dead imports, or refuse that dependency.

    ``provides`` maps every dependency being removed to its modules: a statement importing
    only modules of removed dependencies may go whole.
    """
    removing = [m for mods in provides.values() for m in mods]
    by_dep: dict[str, dict[str, list[int]]] = {}
    for d in dead:
        by_dep.setdefault(d.dependency, {}).setdefault(d.rel, []).append(d.line)
    files: dict[str, _File | None] = {}
    gone: dict[str, list[ast.stmt]] = {}
    refused: dict[str, str] = {}
    for dep, per_file in sorted(by_dep.items()):
        plan: dict[str, list[ast.stmt]] = {}
        for rel, lines in sorted(per_file.items()):
            if rel not in files:
                files[rel] = None if rel.endswith(".ipynb") else _load(root / rel)
            f = files[rel]
            if f is None:
                first = min(lines)
                refused[dep] = f"{rel}:{first}: can't be edited safely; delete the import by hand"
                break
            nodes, why = _check_dead(f, rel, lines, provides.get(dep, ()), removing)
            if why is not None:
                refused[dep] = why
                break
            plan[rel] = nodes
        if dep not in refused:
            for rel, nodes in plan.items():
                gone.setdefault(rel, []).extend(nodes)
    after: dict[str, tuple[bytes, bytes, tuple[str, ...]]] = {}
    for rel, nodes in gone.items():
        f = files[rel]
        assert f is not None
        uniq = list({id(n): n for n in nodes}.values())
        new = _rewrite(f, uniq)
        try:
            ast.parse(new)
        except (SyntaxError, ValueError):  # pragma: no cover - _rewrite keeps blocks valid
            continue
        done = tuple(
            f"{rel}:{n.lineno}: {_text(f, n)}" for n in sorted(uniq, key=lambda n: n.lineno)
        )
        after[rel] = (f.raw, new, done)
    return SourcePlan(after, refused)
