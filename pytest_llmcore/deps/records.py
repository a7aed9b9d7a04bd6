"""Core types of the dependency gate: declarations, imports, findings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, TypeVar

from .kinds import CODES as CODES
from .kinds import Kind as Kind

T = TypeVar("T")


class Memo(Protocol):
    """Remembers answers about the installed environment across runs (``ImportCache.memo``):
    ``compute()``'s answer, which must survive a JSON round trip (a tuple comes back a list)."""

    def __call__(self, kind: str, key: str, compute: Callable[[], T]) -> T: ...


def no_memo(kind: str, key: str, compute: Callable[[], T]) -> T:
    """A :class:`Memo` that remembers nothing."""
    return compute()


_NORMALIZE = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return _NORMALIZE.sub("-", name).lower()


@dataclass(frozen=True)
class Declared:
    """One declared dependency entry, located in the file that declares it."""

    name: str
    """Distribution name as written."""
    requirement: str
    """The requirement text as written (for reports and --fix)."""
    file: str
    """Path relative to the project root."""
    line: int
    section: str
    """Where in the file: ``project.dependencies``, ``dependency-groups.test``..."""
    dev: bool
    suppress: tuple[str, ...] = ()
    """Finding codes an inline ``# llmcore: ignore[...]`` on its line suppresses (``*``: all)."""
    unreachable: str | None = None
    """Why no supported Python installs it (its environment marker), when that is so."""
    incidental: str | None = None
    """Why this entry alone never fails as unused: declared only in a subfolder's
    requirements file that nothing installs from (a test fixture, an example's own list),
    or in an extra that only installs the project's own plugin (an install alias)."""
    alternatives: tuple[str, ...] = ()
    """Distributions the same requirement names instead, by a condition read statically
    (``"a" if release else "a-nightly"`` in setup.py): it is used when one of them is."""

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


class ImportRecord(NamedTuple):
    """One module imported by a scanned file."""

    module: str
    """Absolute dotted module name (``numpy``, ``google.cloud.storage``)."""
    line: int
    bound: tuple[str, ...]
    """Names the statement binds in the module namespace (empty for dynamic imports)."""
    used: bool
    """True when a bound name is used, re-exported, or the import is dynamic or a star import."""
    type_checking: bool = False
    guarded: bool = False
    """Inside ``try`` whose handlers catch ImportError (or a broader exception)."""
    dynamic: bool = False


class FileImports(NamedTuple):
    """The third-party-candidate imports of one file, plus any problem reading it."""

    imports: tuple[ImportRecord, ...]
    problem: str | None = None
    hints: int = -1
    """Which helpers the file may define (:func:`.helper_markers.helper_hints`); -1: not
    known (look at the file itself)."""


@dataclass(frozen=True)
class Evidence:
    """Why a dependency counts as used (or not), shown in reports."""

    text: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem with one dependency."""

    kind: Kind
    dependency: str
    declared: tuple[Declared, ...]
    evidence: tuple[Evidence, ...]
    ignored_reason: str | None = None
    module: str | None = None

    @property
    def code(self) -> str:
        return CODES[self.kind]

    @property
    def declared_in(self) -> str | None:
        return self.declared[0].location if self.declared else None

    def message(self) -> str:
        """One line: ``torchvision: unused (LLMD002) - never imported ...``."""
        parts = "; ".join(e.text for e in self.evidence)
        what = self.dependency
        if not self.declared and self.module and self.module != self.dependency:
            what += f" (module {self.module.replace(',', ', ')})"
        return f"{what}: {self.kind.value} ({self.code}) - {parts}"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": self.kind.value,
            "dependency": self.dependency,
            "module": self.module,
            "declared_in": self.declared_in,
            "evidence": [{"text": e.text, "file": e.file, "line": e.line} for e in self.evidence],
            "ignored": self.ignored_reason,
        }


@dataclass
class GateResult:
    """Everything one gate run found."""

    root: str
    declared: list[Declared] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Problems that did not stop the run (unreadable files, syntax errors...)."""
    used_by: dict[str, list[Evidence]] = field(default_factory=dict)
    files_scanned: int = 0
    fail_on: frozenset[Kind] = frozenset({Kind.UNUSED})

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in self.fail_on and f.ignored_reason is None]

    @property
    def failed(self) -> bool:
        return bool(self.failing)
