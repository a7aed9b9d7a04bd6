"""``llmcore deps --fix``: remove unused declarations, keeping every other byte."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from ..core.config import plain
from ..core.errors import InputError
from ..core.fsutil import atomic_write_bytes
from .model import Declared

__all__ = ["FileEdit", "apply_fix", "plan_fix"]


@dataclass(frozen=True)
class FileEdit:
    path: Path
    rel: str
    before: str
    after: str
    removed: tuple[Declared, ...]

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.rel}",
                tofile=f"b/{self.rel}",
            )
        )


def _line_span(lines: list[str], index: int) -> tuple[int, int]:
    """A requirements entry with its ``\\`` continuation lines."""
    end = index
    while end < len(lines) and lines[end].rstrip("\r\n").endswith("\\"):
        end += 1
    return index, end + 1


def _remove_from_line(line: str, d: Declared) -> str | None:
    """The line without the entry, or None when the whole line goes."""
    body = line.rstrip("\r\n")
    eol = line[len(body) :]
    for q in ('"', "'"):
        token = f"{q}{d.requirement}{q}"
        if token not in body:
            continue
        if re.fullmatch(r"\s*" + re.escape(token) + r"\s*,?\s*(#.*)?", body):
            return None
        new = re.sub(re.escape(token) + r"\s*,\s*", "", body, count=1)
        if new == body:
            new = re.sub(r",\s*" + re.escape(token), "", body, count=1)
        if new == body:
            new = body.replace(token, "", 1)
        return new + eol
    if d.section.startswith("tool.poetry") and re.match(
        r"^\s*[\"']?" + re.escape(d.name) + r"[\"']?\s*=", body
    ):
        return None
    return line


def _expected(data: Any, removed: Iterable[Declared]) -> Any:
    for d in removed:
        parts = d.section.split(".")
        cur = data
        for p in parts[:-1]:
            cur = cur.get(p, {}) if isinstance(cur, dict) else {}
        leaf = cur.get(parts[-1]) if isinstance(cur, dict) else None
        if isinstance(leaf, list) and d.requirement in leaf:
            leaf.remove(d.requirement)
        elif isinstance(leaf, dict) and d.name in leaf:
            del leaf[d.name]
    return data


def _edit_toml(path: Path, rel: str, decls: list[Declared]) -> FileEdit:
    raw = path.read_bytes()
    before = raw.decode("utf-8")
    lines = before.splitlines(keepends=True)
    for d in sorted(decls, key=lambda d: d.line, reverse=True):
        i = d.line - 1
        if not 0 <= i < len(lines):
            continue
        new = _remove_from_line(lines[i], d)
        if new is None:
            del lines[i]
        else:
            lines[i] = new
    after = "".join(lines)
    want = _expected(plain(tomlkit.parse(before)), decls)
    try:
        got = plain(tomlkit.parse(after))
    except tomlkit.exceptions.ParseError:
        got = None
    if got != want:
        # the text edit did not give the intended document: let tomlkit edit the tree
        doc = tomlkit.parse(before)
        for d in decls:
            node: Any = doc
            for p in d.section.split("."):
                node = node.get(p) if isinstance(node, Mapping) else None
            if isinstance(node, list) and d.requirement in node:
                node.remove(d.requirement)
            elif isinstance(node, MutableMapping) and d.name in node:
                del node[d.name]
        after = tomlkit.dumps(doc)
        if plain(tomlkit.parse(after)) != want:
            raise InputError(
                "could not remove the entries without other changes; nothing written",
                path,
                fix="remove them by hand",
            )
    return FileEdit(path, rel, before, after, tuple(decls))


def _edit_lines(path: Path, rel: str, decls: list[Declared]) -> FileEdit:
    before = path.read_bytes().decode("utf-8", errors="surrogateescape")
    lines = before.splitlines(keepends=True)
    for d in sorted(decls, key=lambda d: d.line, reverse=True):
        i = d.line - 1
        if not 0 <= i < len(lines):
            continue
        if d.file.endswith("setup.cfg"):
            if lines[i].strip().split("#")[0].strip() == d.requirement:
                del lines[i]
            continue
        start, end = _line_span(lines, i)
        del lines[start:end]
    return FileEdit(path, rel, before, "".join(lines), tuple(decls))


def plan_fix(root: Path, decls: Iterable[Declared]) -> list[FileEdit]:
    """The edits that remove ``decls``; nothing is written."""
    by_file: dict[str, list[Declared]] = {}
    for d in decls:
        by_file.setdefault(d.file, []).append(d)
    edits: list[FileEdit] = []
    for rel, ds in sorted(by_file.items()):
        path = root / rel
        if rel == "setup.py" or rel.endswith("/setup.py"):
            continue  # code, read statically: never rewritten (its findings stay reported)
        if rel.endswith(".toml"):
            edits.append(_edit_toml(path, rel, ds))
        else:
            edits.append(_edit_lines(path, rel, ds))
    return [e for e in edits if e.before != e.after]


def apply_fix(edits: Iterable[FileEdit]) -> None:
    for e in edits:
        atomic_write_bytes(e.path, e.after.encode("utf-8", errors="surrogateescape"))
