"""What a project's own files say it runs, apart from its imports: its tool files (CI
workflows, tox, nox, Makefiles, docs configuration...) and the commands they run.

None of it depends on the import scan, so a run reads it while scan workers are busy
(:meth:`ProjectFacts.prepare`), and the evidence finder reads it from here afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the readers load only when asked (start-up time)
    from .doctools import DocUse
    from .invocations import Invocation
    from .locks import Requirers
    from .pytest_usage import PytestUsage
    from .records import Declared
    from .toolfiles import ToolFileSet

__all__ = ["ProjectFacts"]


class ProjectFacts:
    """The project's tool files and invocations, each read at most once per run."""

    def __init__(self, root: Path, pyproject: Mapping[str, Any] | None) -> None:
        self.root = root
        self.pyproject = pyproject
        self.notes: list[str] = []
        self._files: ToolFileSet | None = None
        self._invocations: list[Invocation] | None = None
        self._docs: tuple[list[DocUse], list[str]] | None = None
        self._lock: dict[tuple[tuple[str, str], ...], Requirers] = {}
        self.source_usage: tuple[frozenset[str], PytestUsage] | None = None
        """What the sources use of these pytest plugin words, read by a scan worker."""

    @property
    def files(self) -> ToolFileSet:
        if self._files is None:
            from .toolfiles import find_tool_files

            self._files = find_tool_files(self.root)
        return self._files

    @property
    def invocations(self) -> list[Invocation]:
        if self._invocations is None:
            from .doccommands import developer_docs
            from .toolfiles import INVOCATION_KINDS, TASK_RUNNER_TOOLS

            tool = (self.pyproject or {}).get("tool")
            runners = isinstance(tool, Mapping) and any(t in tool for t in TASK_RUNNER_TOOLS)
            docs = bool(developer_docs(self.files))  # their shell code blocks run commands
            from .declarations_req import requirement_files  # a lock's header names a command

            locks = bool(requirement_files(self.root))
            if not (runners or docs or locks) and not any(map(self.files.of, INVOCATION_KINDS)):
                self._invocations = []  # nothing runs anything: the readers stay unloaded
            else:
                from .invocations import read_invocations

                self._invocations = read_invocations(self.files, self.pyproject, self.notes)
        return self._invocations

    def docs(self) -> tuple[list[DocUse], list[str]]:
        """What the docs toolchain's configuration uses (mkdocs, Sphinx, autodoc pages),
        and the notes reading it gave (the caller reports them only when it asks)."""
        if self._docs is None:
            from .doctools import mkdocs_config_args, read_doc_uses

            named = [
                c
                for inv in self.invocations
                if inv.run.command == "mkdocs"
                for c in mkdocs_config_args(inv.run.args)
            ]
            notes: list[str] = []
            self._docs = read_doc_uses(self.files, notes, named, self.invocations), notes
        return self._docs

    def lock_requirers(self, declared: Iterable[Declared]) -> Requirers:
        """:func:`.locks.lock_requirers` of these declarations, read once per run."""
        pairs = tuple((d.name, d.requirement) for d in declared)
        if pairs not in self._lock:
            from .locks import lock_requirers

            self._lock[pairs] = lock_requirers(self.root, pairs)
        return self._lock[pairs]

    def prepare(self) -> None:
        """Read what judging nearly always asks for: the commands the project runs, and
        what its docs configuration uses."""
        _ = self.invocations
        self.docs()
