"""Requirements files installed with ``--no-deps``: hand-written locks.

``pip install -r extra-requirements.txt --no-deps`` resolves nothing, so the file must list
every requirement of its own entries (evaluate's ``gin-config``, which its
``rl-reliability-metrics`` git entry needs). Such an entry, unused by the project, pins what
another entry of the file needs: ``unused-companion`` (LLMD006), as a lock file's entries are.
Only the line that installs the file counts: the same file installed without the flag is
resolved by pip and its unused entries stay ``unused``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from .lazyre import lazy_compile
from .records import Declared, Finding, canonical_name
from .requirement_refs import REFERENCING_FILES
from .safeio import read_text

__all__ = ["no_deps_files", "no_deps_text"]

#: ``-r FILE`` / ``--requirement FILE`` on a command line
_REQ_FLAG = lazy_compile(r"(?:^|\s)(?:-r|--requirement)(?:\s+|=)[\"']?([\w./-]+\.(?:txt|in))")
_NO_DEPS = lazy_compile(r"(?:^|\s)--no-deps(?=\s|$|[\"';&|])")


def no_deps_files(root: Path) -> dict[str, str]:
    """Requirements file (from the root) -> ``file:line`` of a command installing it with
    ``--no-deps`` (same command line; a ``\\`` continuation joins lines)."""
    found: dict[str, str] = {}
    for pattern in REFERENCING_FILES:
        for path in sorted(root.glob(pattern)):
            try:
                text = read_text(path)
            except OSError:
                continue
            rel = path.relative_to(root).as_posix()
            for line_no, line in _logical_lines(text):
                if _NO_DEPS.search(line) is None:
                    continue
                for m in _REQ_FLAG.finditer(line):
                    target = m.group(1).removeprefix("./")
                    if (root / target).is_file():
                        found.setdefault(target, f"{rel}:{line_no}")
    return found


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, text) of each line, backslash continuations joined."""
    start, parts = 0, list[str]()
    for i, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = i
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(raw)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def no_deps_text(
    finding: Finding,
    files: Mapping[str, str],
    declared: Collection[Declared],
    requirer: str | None,
) -> str | None:
    """Why an unused entry of a ``--no-deps`` file pins another entry's requirement, or None
    (not in such a file, or alone in it: a file of one entry serves nothing else).
    ``requirer``: the declared distribution known to require it (installed metadata or a
    lock file), named when it is another entry of the same file."""
    for entry in finding.declared:
        where = files.get(entry.file)
        if where is None:
            continue
        others = {d.key for d in declared if d.file == entry.file and d.key != entry.key}
        if not others:
            continue
        who = (
            f"{requirer} (listed there) requires it"
            if requirer is not None and canonical_name(requirer) in others
            else "the installer resolves nothing, so the file lists its entries' requirements"
        )
        return (
            f"not used directly; {entry.file} is installed with --no-deps ({where}): {who}, "
            "so this entry pins a requirement"
        )
    return None
