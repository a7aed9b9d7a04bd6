"""Find a project's Python files and notebooks, honouring .gitignore and excludes.

Bounded on hostile trees: the walk is iterative (no recursion limit on deep trees), never
leaves the project root through a symbolic link, visits a directory once (link loops),
yields only regular files (a FIFO named ``pipe.py`` would block the reader forever, a link
to ``/dev/zero`` never ends), and turns unreadable directories into notes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .declarations import is_project_dir
from .ignore import GitIgnore, exclude_patterns

__all__ = [
    "DEFAULT_EXCLUDES",
    "PROJECT_FILES",
    "GitIgnore",
    "SourceFile",
    "SourcePaths",
    "excluded_by_default",
    "iter_sources",
]

PROJECT_FILES: tuple[str, ...] = ("pyproject.toml", "setup.cfg", "setup.py")
#: Directories never scanned: environments, caches, build output, VCS data.
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
    "__pypackages__",  # PEP 582 local packages: installed code, not the project's
    ".eggs",
    ".pixi",  # pixi's environments
    ".direnv",
    ".ipynb_checkpoints",
)


def excluded_by_default(e: os.DirEntry[str]) -> bool:
    """A folder :data:`DEFAULT_EXCLUDES` names, unless it is a package of the project:
    hatch's ``src/hatch/env/`` and ``venv/`` hold ``__init__.py`` (an environment holds
    ``pyvenv.cfg`` and no ``__init__.py``; a build folder neither)."""
    if e.name not in DEFAULT_EXCLUDES:
        return False
    if not e.name.isidentifier() or e.name in ("site-packages", "__pycache__"):
        return True
    return not os.path.isfile(os.path.join(e.path, "__init__.py")) or os.path.exists(
        os.path.join(e.path, "pyvenv.cfg")
    )


#: what a virtual environment puts beside its pyvenv.cfg (POSIX and Windows layouts): skipped
#: where the project root is itself an environment, the rest of the root being scanned
VENV_DIRS = frozenset({"bin", "lib", "lib64", "include", "Lib", "Scripts", "Include", "share"})
_SUFFIXES = (".py", ".pyi", ".ipynb")
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


class SourceFile(NamedTuple):
    fspath: str
    rel: str
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        # made on demand: a Path per file cost 60 ms of a 2,300-file warm run
        return Path(self.fspath)


class SourcePaths:
    """(relative path, path) of source files, each Path made only when iterated to: a
    warm run whose answers are cached never reads the files, and needs none."""

    def __init__(self, files: Iterable[SourceFile]) -> None:
        self._files = tuple(files)

    def __iter__(self) -> Iterator[tuple[str, Path]]:
        return ((f.rel, f.path) for f in self._files)


@dataclass
class _Dir:
    path: str
    rel: str
    ignore: GitIgnore


class _Walker:
    def __init__(
        self,
        root: Path,
        excludes: Iterable[str],
        use_gitignore: bool,
        notes: list[str] | None,
        nested_projects: bool,
        hidden: bool,
    ) -> None:
        self.root = str(root)
        self.excludes = exclude_patterns(excludes)
        self.use_gitignore = use_gitignore
        self.notes = notes
        self.nested = nested_projects
        self.hidden = hidden
        self.venv_root = False
        self.seen: set[tuple[int, int]] = set()

    def note(self, text: str) -> None:
        if self.notes is not None:
            self.notes.append(text)

    def inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def entries(self, d: _Dir) -> list[os.DirEntry[str]] | None:
        """The directory's entries, sorted; None when it is skipped (with a note)."""
        try:
            st = os.stat(d.path)
            with os.scandir(d.path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.note(f"{d.rel or '.'}: cannot list ({exc.strerror or exc}); skipped")
            return None
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen:
            self.note(f"{d.rel or '.'}: directory visited twice (symlink loop); skipped")
            return None
        self.seen.add(ident)
        names = {e.name for e in entries}
        if "pyvenv.cfg" in names or "conda-meta" in names:
            if d.rel:
                return None  # a virtual environment, or a conda/pixi one
            self.venv_root = True  # the root is one: skip its bin/, lib/...
        if (
            d.rel
            and self.nested
            and any(n in names for n in PROJECT_FILES)
            and is_project_dir(Path(d.path))  # not a folder's [tool.*]-only pyproject.toml
        ):
            self.note(f"{d.rel}: a project of its own (has its own project file); not scanned")
            return None
        if self.use_gitignore and ".gitignore" in names:
            d.ignore = d.ignore.with_file(Path(d.path, ".gitignore"), d.rel, self.notes)
        return entries

    def skipped(self, rel: str, is_dir: bool, ignore: GitIgnore) -> bool:
        return ignore.ignored(rel, is_dir) or self.excludes.ignored(rel, is_dir)

    def subdir(self, e: os.DirEntry[str], rel: str, ignore: GitIgnore) -> _Dir | None:
        if excluded_by_default(e) or self.skipped(rel, True, ignore):
            return None
        if (self.venv_root and rel == e.name and e.name in VENV_DIRS) or (
            not self.hidden and e.name.startswith(".")
        ):
            return None
        if e.is_symlink() and not self.inside(e.path):
            self.note(f"{rel}: symbolic link to a directory outside the project; not followed")
            return None
        return _Dir(e.path, rel, ignore)

    def source(self, e: os.DirEntry[str], rel: str, ignore: GitIgnore) -> SourceFile | None:
        if self.skipped(rel, False, ignore):
            return None
        if e.is_symlink() and not self.inside(e.path):
            self.note(f"{rel}: symbolic link to a file outside the project; skipped")
            return None
        try:
            st = e.stat()
        except OSError as exc:
            self.note(f"{rel}: cannot read ({exc.strerror or 'broken link'}); skipped")
            return None
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
            self.note(f"{rel}: {kind}, not a regular file; skipped")
            return None
        return SourceFile(e.path, rel, st.st_size, st.st_mtime_ns)

    def walk(self) -> Iterator[SourceFile]:
        # a stack of entry iterators keeps the order of a recursive walk: sorted names,
        # each directory's contents where the directory comes
        stack: list[tuple[_Dir, Iterator[os.DirEntry[str]]]] = []
        top = _Dir(self.root, "", GitIgnore())
        first = self.entries(top)
        if first is not None:
            stack.append((top, iter(first)))
        while stack:
            d, it = stack[-1]
            e = next(it, None)
            if e is None:
                stack.pop()
                continue
            rel = f"{d.rel}/{e.name}" if d.rel else e.name
            try:
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                sub = self.subdir(e, rel, d.ignore)
                entries = self.entries(sub) if sub is not None else None
                if sub is not None and entries is not None:
                    stack.append((sub, iter(entries)))
            elif e.name.endswith(_SUFFIXES) and (self.hidden or not e.name.startswith(".")):
                found = self.source(e, rel, d.ignore)
                if found is not None:
                    yield found


def iter_sources(
    root: Path,
    excludes: Iterable[str] = (),
    use_gitignore: bool = True,
    skipped: list[str] | None = None,
    nested_projects: bool = True,
    hidden: bool = False,
) -> Iterator[SourceFile]:
    """Every regular ``.py``/``.pyi``/``.ipynb`` file under ``root``, in sorted order.

    A subdirectory with a project file of its own (pyproject.toml, setup.cfg, setup.py)
    is another project and is skipped when ``nested_projects`` is true. Hidden files and
    folders (``.github/``, ``.hidden.py``) are skipped unless ``hidden`` is true (the gate
    reads them apart, see :mod:`.workspace`); so are environments: a folder holding
    ``pyvenv.cfg`` or ``conda-meta/``, ``site-packages``, ``__pypackages__``, and the
    ``bin/``, ``lib/``... of a root that is itself an environment. Why anything was
    skipped goes to ``skipped`` as a note. Raises :class:`InputError` for a bad ``excludes``
    pattern.
    """
    walker = _Walker(root.resolve(), excludes, use_gitignore, skipped, nested_projects, hidden)
    yield from walker.walk()
