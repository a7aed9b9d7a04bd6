"""Find a project's Python files and notebooks, honouring .gitignore and excludes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .declarations import is_project_dir

__all__ = ["DEFAULT_EXCLUDES", "GitIgnore", "SourceFile", "iter_sources"]

#: Directories never scanned: environments, caches, build output, VCS data.
PROJECT_FILES: tuple[str, ...] = ("pyproject.toml", "setup.cfg", "setup.py")
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
    "site-packages",
    ".eggs",
    ".ipynb_checkpoints",
)


class _Rule:
    __slots__ = ("base", "dir_only", "negate", "regex")

    def __init__(self, base: str, pattern: str) -> None:
        self.base = base
        self.negate = pattern.startswith("!")
        if self.negate:
            pattern = pattern[1:]
        pattern = pattern.replace("\\ ", " ")
        self.dir_only = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        anchored = "/" in pattern
        pattern = pattern.lstrip("/")
        self.regex = re.compile(_glob_to_regex(pattern, anchored))

    def match(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        return self.regex.match(rel) is not None


def _glob_to_regex(pattern: str, anchored: bool) -> str:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return "^" + prefix + "".join(out) + "$"


class GitIgnore:
    """The .gitignore rules met so far on the way down a tree (git's last-match-wins)."""

    def __init__(self, rules: Iterable[_Rule] = ()) -> None:
        self.rules = list(rules)

    def with_file(self, path: Path, base: str) -> GitIgnore:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        rules = list(self.rules)
        for line in text.splitlines():
            line = line.rstrip()
            if not line or line.startswith("#"):
                continue
            rules.append(_Rule(base, line))
        return GitIgnore(rules)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        result = False
        for rule in self.rules:
            if rule.negate:
                if result and rule.match(rel, is_dir):
                    result = False
            elif not result and rule.match(rel, is_dir):
                result = True
        return result


@dataclass(frozen=True)
class SourceFile:
    path: Path
    rel: str
    size: int
    mtime_ns: int


def iter_sources(
    root: Path,
    excludes: Iterable[str] = (),
    use_gitignore: bool = True,
    skipped: list[str] | None = None,
    nested_projects: bool = True,
) -> Iterator[SourceFile]:
    """Every ``.py``/``.pyi``/``.ipynb`` file under ``root``; symlink loops are cut.

    A subdirectory with a project file of its own (pyproject.toml, setup.cfg, setup.py)
    is another project and is skipped when ``nested_projects`` is true.
    """
    root = root.resolve()
    ex_rules = GitIgnore(_Rule("", p) for p in excludes)
    seen_dirs: set[tuple[int, int]] = set()

    def walk(d: Path, rel_dir: str, ignore: GitIgnore) -> Iterator[SourceFile]:
        try:
            st = d.stat()
        except OSError:
            return
        ident = (st.st_dev, st.st_ino)
        if ident in seen_dirs:
            if skipped is not None:
                skipped.append(f"{rel_dir or '.'}: directory visited twice (symlink loop); skipped")
            return
        seen_dirs.add(ident)
        if rel_dir and nested_projects and is_project_dir(d):
            if skipped is not None:
                skipped.append(
                    f"{rel_dir}: a project of its own (has its own project file); not scanned"
                )
            return
        if use_gitignore and (d / ".gitignore").is_file():
            ignore = ignore.with_file(d / ".gitignore", rel_dir)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            if skipped is not None:
                skipped.append(f"{rel_dir or '.'}: cannot list ({exc.strerror}); skipped")
            return
        for e in entries:
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                sub = d / e.name
                if e.name in DEFAULT_EXCLUDES or (sub / "pyvenv.cfg").exists():
                    continue
                if ignore.ignored(rel, True) or ex_rules.ignored(rel, True):
                    continue
                yield from walk(Path(e.path), rel, ignore)
            elif e.name.endswith((".py", ".pyi", ".ipynb")):
                if ignore.ignored(rel, False) or ex_rules.ignored(rel, False):
                    continue
                try:
                    fst = e.stat()
                except OSError:
                    if skipped is not None:
                        skipped.append(f"{rel}: broken link; skipped")
                    continue
                yield SourceFile(Path(e.path), rel, fst.st_size, fst.st_mtime_ns)

    yield from walk(root, "", GitIgnore())
