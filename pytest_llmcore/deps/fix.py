"""``llmcore deps --fix``: remove unused declarations, keeping every other byte."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from ..core.config import plain
from ..core.errors import InputError
from .fiximports import DeadImport, plan_source_edits
from .mapping import ModuleMap
from .records import Declared, GateResult, Kind
from .safeio import read_bounded
from .settings import DepsSettings

__all__ = ["FileEdit", "FixPlan", "apply_fix", "plan_fix", "plan_result_fix"]

#: A declaration file larger than this is not edited.
MAX_DECLARATION_FILE = 50_000_000


@dataclass(frozen=True)
class FileEdit:
    path: Path
    rel: str
    before: str
    after: str
    removed: tuple[Declared, ...]
    original: bytes | None = None
    """The bytes the edit was planned on: the file must still hold them when it is written."""
    notes: tuple[str, ...] = ()
    """One line per other change (a dead import statement removed)."""

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.rel}",
                tofile=f"b/{self.rel}",
            )
        )

    def data(self) -> bytes:
        return self.after.encode("utf-8", errors="surrogateescape")


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


def _read(path: Path, rel: str) -> bytes:
    raw = read_bounded(path, MAX_DECLARATION_FILE)
    if isinstance(raw, str):
        raise InputError(f"{raw.replace('; skipped', '')}; nothing written", rel)
    return raw


def _changed(rel: str) -> InputError:
    return InputError(
        "changed since llmcore deps read it; nothing written", rel, fix="run it again"
    )


def _edit_toml(path: Path, rel: str, decls: list[Declared]) -> FileEdit:
    raw = _read(path, rel)
    try:
        before = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _changed(rel) from None
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
    return FileEdit(path, rel, before, after, tuple(decls), raw)


def _edit_lines(path: Path, rel: str, decls: list[Declared]) -> FileEdit:
    """Delete each entry by its line, after checking the line still holds that entry."""
    raw = _read(path, rel)
    before = raw.decode("utf-8", errors="surrogateescape")
    lines = before.splitlines(keepends=True)
    for d in sorted(decls, key=lambda d: d.line, reverse=True):
        i = d.line - 1
        if not 0 <= i < len(lines):
            raise _changed(rel)
        if d.file.endswith("setup.cfg"):
            if lines[i].strip().split("#")[0].strip() != d.requirement:
                raise _changed(rel)
            del lines[i]
            continue
        start, end = _line_span(lines, i)
        entry = "".join(lines[start:end]).replace("\\\r\n", " ").replace("\\\n", " ")
        if d.requirement not in entry.split(" #")[0]:
            raise _changed(rel)
        del lines[start:end]
    return FileEdit(path, rel, before, "".join(lines), tuple(decls), raw)


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


# -- the whole --fix: which dependencies go, their dead imports, atomic writes -------------

_UNREAD = re.compile(r"^(?P<rel>[^:]+\.(?:py|pyi|ipynb)): (?P<why>.*); skipped$")


@dataclass
class FixPlan:
    """What ``--fix`` writes, and the failing dependencies it keeps (one line each)."""

    edits: list[FileEdit]
    refused: list[str]

    def diff(self) -> str:
        return "".join(e.diff() for e in self.edits)

    def report(self) -> list[str]:
        out = [
            f"removed {d.name} ({d.requirement}) from {d.location}"
            for e in self.edits
            for d in e.removed
        ]
        out += [f"removed the unused import {n}" for e in self.edits for n in e.notes]
        return out


def _unread_sources(notes: Iterable[str]) -> list[str]:
    """Source files whose imports are unknown: too large or unreadable (a FIFO, a device, a
    binary file or a link out of the project holds no project source)."""
    out = []
    for n in notes:
        m = _UNREAD.match(n)
        if m and ("over max-file-size" in m.group("why") or m.group("why").startswith("cannot")):
            out.append(n)
    return out


def _dead_imports(
    root: Path, settings: DepsSettings, provides: dict[str, tuple[str, ...]]
) -> list[DeadImport]:
    """Every never-used import of the given dependencies' modules, read afresh."""
    from .filescan import scan_file
    from .walk import iter_sources

    tops = {m.split(".", 1)[0]: dep for dep, mods in provides.items() for m in mods}
    needles = [t.encode() for t in tops]
    found: list[DeadImport] = []
    for f in iter_sources(root, settings.exclude, settings.gitignore, hidden=True):
        raw = read_bounded(f.path, settings.max_file_size)
        if isinstance(raw, str) or not any(n in raw for n in needles):
            continue
        res = scan_file(f.path, f.rel, lambda top: top in tops, settings.max_file_size)
        for rec in res.imports:
            for dep, mods in provides.items():
                if not rec.used and any(
                    rec.module == m or rec.module.startswith(m + ".") for m in mods
                ):
                    found.append(DeadImport(dep, f.rel, rec.line))
    return found


def plan_result_fix(root: Path, result: GateResult, settings: DepsSettings) -> FixPlan:
    """The edits that remove ``result``'s failing unused dependencies, and what is kept.

    A dependency goes only when its module name is known (not guessed) and each of its
    dead imports can be removed as a whole statement; nothing is removed at all when some
    source files were not read (their imports are unknown).
    """
    unread = _unread_sources(result.notes)
    if unread:
        raise InputError(
            f"--fix: {len(unread)} source file(s) were not read ({unread[0]}); nothing removed",
            fix="raise [tool.llmcore.deps] max-file-size or exclude them, then run it again",
        )
    mapper = ModuleMap(settings.module_map)
    refused: list[str] = []
    provides: dict[str, tuple[str, ...]] = {}
    decls: dict[str, list[Declared]] = {}
    for f in result.failing:
        if f.kind is not Kind.UNUSED:
            continue
        prov = mapper.provides(f.dependency)
        if prov.source == "guess":
            refused.append(
                f"kept {f.dependency}: its module name was guessed ({', '.join(prov.modules)}); "
                f"confirm it with [tool.llmcore.deps] map"
            )
            continue
        provides[f.dependency] = prov.modules
        decls[f.dependency] = list(f.declared)
    dead = _dead_imports(root, settings, provides) if provides else []
    src = plan_source_edits(root, dead, provides)
    for dep, why in sorted(src.refused.items()):
        refused.append(f"kept {dep}: its import can't be removed safely; delete it by hand: {why}")
        decls.pop(dep, None)
    edits = plan_fix(root, [d for ds in decls.values() for d in ds])
    for rel, (raw, new, lines) in sorted(src.after.items()):
        before = raw.decode("utf-8", errors="surrogateescape")
        after = new.decode("utf-8", errors="surrogateescape")
        edits.append(FileEdit(root / rel, rel, before, after, (), raw, lines))
    return FixPlan(edits, refused)


def _stage(e: FileEdit) -> tuple[str, str]:
    """Write ``e`` next to its target (through a symlink) and check nothing changed since."""
    target = os.path.realpath(e.path)
    current = read_bounded(target, MAX_DECLARATION_FILE * 4)
    if isinstance(current, str):
        raise InputError(f"{current.replace('; skipped', '')}; nothing written", e.rel)
    if e.original is not None and current != e.original:
        raise _changed(e.rel)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    # the target itself must take a write (read-only, immutable): checked before any file is
    # replaced, or a later failure would leave the earlier files rewritten
    with open(target, "ab"):
        pass
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target)
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(e.data())
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp, target


def apply_fix(edits: Sequence[FileEdit]) -> None:
    """Write every edit or none: each file is re-read and matched, and every new content is
    written beside its target before the first target is replaced (a read-only directory or
    a full disk stops the fix before anything changed). Symbolic links are written through.
    """
    staged: list[tuple[str, str]] = []
    current: FileEdit | None = None
    try:
        for current in edits:
            staged.append(_stage(current))
    except OSError as exc:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        rel = current.rel if current is not None else "?"
        raise InputError(
            f"cannot write ({exc.strerror or exc}); nothing written",
            rel,
            fix="check the directory is writable and the disk has room",
        ) from None
    except InputError:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    done: list[str] = []
    for e, (tmp, target) in zip(edits, staged, strict=True):
        try:
            os.replace(tmp, target)
        except OSError as exc:  # a rename in a directory we just wrote to: very unlikely
            for rest, _ in staged[len(done) :]:
                with contextlib.suppress(OSError):
                    os.unlink(rest)
            raise InputError(
                f"cannot replace ({exc.strerror or exc}); already written: "
                f"{', '.join(done) or 'nothing'}",
                e.rel,
                fix="check the files named, then run it again",
            ) from None
        done.append(e.rel)
