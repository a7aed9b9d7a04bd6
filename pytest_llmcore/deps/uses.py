"""The project's imports as uses: where each is, and whether it is development code."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from .declarations import ProjectDeclarations
from .firstparty import SiblingModules
from .notebooks import cell_of, notebook_source
from .records import FileImports, ImportRecord
from .safeio import read_bounded
from .walk import SourceFile

__all__ = ["Use", "collect_uses", "dev_path_matcher", "entry_point_uses"]


class Use(NamedTuple):
    """One import of a module somewhere in the project."""

    rec: ImportRecord
    file: str
    where: str
    dev_code: bool


def dev_path_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """Is a file development code (tests, docs, scripts...)? Path components are memoised."""
    pats = tuple(patterns)
    by_component = [p for p in pats if "/" not in p]
    by_path = [p for p in pats if "/" in p]
    memo: dict[str, bool] = {}
    # one regex for all component patterns: fnmatch per pattern per component was 0.1 s on torch
    one = re.compile("|".join(fnmatch.translate(p) for p in by_component) or "(?!)")

    def component(part: str) -> bool:
        hit = memo.get(part)
        if hit is None:
            hit = memo[part] = one.match(os.path.normcase(part)) is not None
        return hit

    # fnmatch.fnmatch(rel, p) for every path pattern at once (it compares normcased paths)
    whole = re.compile("|".join(fnmatch.translate(os.path.normcase(p)) for p in by_path) or "(?!)")
    prefixes = tuple(p.rstrip("/") + "/" for p in by_path)
    dirs: dict[str, bool] = {}

    def is_dev(rel: str) -> bool:
        parent, _, name = rel.rpartition("/")
        hit = dirs.get(parent)
        if hit is None:  # files share directories: judge each directory once
            hit = dirs[parent] = any(component(part) for part in parent.split("/") if part)
        if hit or component(name):
            return True
        return rel.startswith(prefixes) or whole.match(os.path.normcase(rel)) is not None

    return is_dev


class _NotebookCells:
    """``file (cell N)`` for an import in a notebook; each notebook is read once."""

    def __init__(self, max_file_size: int) -> None:
        self.max_file_size = max_file_size
        self.maps: dict[str, list[tuple[int, int]]] = {}

    def where(self, f: SourceFile, line: int) -> str:
        if f.rel not in self.maps:
            raw = read_bounded(f.path, self.max_file_size)
            try:
                self.maps[f.rel] = [] if isinstance(raw, str) else notebook_source(raw)[1]
            except ValueError:
                self.maps[f.rel] = []
        return f"{f.rel} ({cell_of(self.maps[f.rel], line)})"


def collect_uses(
    files: Sequence[SourceFile],
    per_file: Mapping[str, FileImports],
    dev_paths: Iterable[str],
    max_file_size: int,
    notes: list[str],
    packaged: Callable[[str], bool] | None = None,
) -> list[Use]:
    """Every import of every file (a scan's problem becomes a note). ``packaged``: is a
    file shipped (:func:`.packaged.packaged_matcher`)? One that is not is development code."""
    uses: list[Use] = []
    cells = _NotebookCells(max_file_size)
    is_dev = dev_path_matcher(dev_paths)
    siblings = SiblingModules(files)
    if packaged is not None and not any(packaged(f.rel) for f in files if not is_dev(f.rel)):
        packaged = None  # the configuration ships none of the code: it says nothing
    for f in files:
        res = per_file[f.rel]
        if res.problem:
            notes.append(f"{f.rel}: {res.problem}")
        dev_code = is_dev(f.rel) or (packaged is not None and not packaged(f.rel))
        for rec in res.imports:
            if siblings.is_local(f.rel, rec.module):
                continue  # a module beside the script, not a dependency
            where = cells.where(f, rec.line) if f.rel.endswith(".ipynb") else f"{f.rel}:{rec.line}"
            uses.append(Use(rec, f.rel, where, dev_code))
    return uses


def entry_point_uses(decl: ProjectDeclarations, wanted: Callable[[str], bool]) -> list[Use]:
    """Console scripts and entry points of the project itself import their modules."""
    uses: list[Use] = []
    for name, target in decl.scripts.items():
        mod = target.split(":", 1)[0].strip()
        if mod and wanted(mod.split(".", 1)[0]):
            uses.append(
                Use(
                    ImportRecord(mod, 1, (), True),
                    "pyproject.toml",
                    f"pyproject.toml (entry point {name!r})",
                    False,
                )
            )
    return uses
