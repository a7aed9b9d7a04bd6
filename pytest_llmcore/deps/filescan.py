"""Read and scan source files, in parallel processes where that pays.

Kept apart from the gate so that a worker process imports only the scanner.
"""

from __future__ import annotations

import codecs
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from .helper_markers import helper_hints
from .notebooks import notebook_source
from .records import FileImports
from .safeio import read_bounded
from .scanner import scan_source
from .walk import SourceFile

__all__ = ["FORK_MIN_FILES", "Overlap", "fork_jobs", "scan_chunk", "scan_file", "scan_many"]

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
#: Below this many files, spawning a worker process (a new interpreter) costs more than
#: it saves.
PARALLEL_MIN_FILES = 300
#: Below this many files, even a forked worker (~2 ms) costs more than it saves.
FORK_MIN_FILES = 40


def _decode(raw: bytes) -> tuple[str, str | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        head = b"\n".join(raw.splitlines()[:2])
        m = _COOKIE.search(head)
        if m:
            enc = m.group(1).decode("ascii", "replace")
            try:
                codecs.lookup(enc)
                return raw.decode(enc, errors="replace"), None
            except LookupError:
                pass
        line = raw[: exc.start].count(b"\n") + 1
        return raw.decode(
            "latin-1"
        ), f"not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}); read as Latin-1"


def scan_file(path: Path, rel: str, wanted: Callable[[str], bool], max_size: int) -> FileImports:
    """Imports of one source file or notebook; problems become notes, never exceptions."""
    raw = read_bounded(path, max_size)
    if isinstance(raw, str):
        return FileImports((), raw)
    if b"\0" in raw[:8192]:
        return FileImports((), "binary file; skipped")
    if rel.endswith(".ipynb"):
        try:
            text, _cells = notebook_source(raw)
        except ValueError as exc:
            return FileImports((), f"{exc}; skipped")
        problem = None
    else:
        text, problem = _decode(raw)
    name = rel.rsplit("/", 1)[-1]
    result = scan_source(
        text, is_init=name in ("__init__.py", "__init__.pyi"), wanted=wanted, filename=rel
    )
    notes = [p for p in (problem, result.problem) if p]
    # notebook records keep the line in the joined source; reports map it back to a cell
    hints = helper_hints(raw) if rel.endswith(".py") else 0  # helpers live in .py files
    return FileImports(result.imports, "; ".join(notes) or None, hints)


def scan_chunk(
    items: Sequence[tuple[str, str]], skip: frozenset[str], max_size: int
) -> list[FileImports]:
    def wanted(top: str) -> bool:
        return top not in skip

    return [scan_file(Path(path), rel, wanted, max_size) for path, rel in items]


def _jobs() -> int:
    env = os.environ.get("LLMCORE_DEPS_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:  # the cores this process may run on (taskset, cgroup cpusets), not the machine's
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def fork_jobs() -> int:
    """How many processes a forked scan may use now: 1 unless there are several cores and
    forking is safe (Linux, a single thread)."""
    jobs = _jobs()
    return jobs if jobs > 1 and _fork_safe() else 1


def _fork_safe() -> bool:
    """Forking is cheap and safe on Linux from a process running a single thread.

    With other threads (xdist's execnet, a server fixture), a lock one of them holds
    stays held forever in the child; macOS system libraries are not fork-safe at all.
    """
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() != 1:
        return False
    try:  # threads started by C code too (what Python 3.12+ warns about on fork)
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc: trust the count above
        return True


def _shares(todo: Sequence[SourceFile], jobs: int, head_start: int) -> list[list[SourceFile]]:
    """Split ``todo`` into ``jobs`` shares of about equal bytes (big files dominate);
    share 0, scanned here, counts as ``head_start`` bytes loaded already (negative: it gets
    more, for workers that start late)."""
    shares: list[list[SourceFile]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    loads[0] = head_start
    for f in sorted(todo, key=lambda f: f.size, reverse=True):
        i = loads.index(min(loads))
        shares[i].append(f)
        loads[i] += f.size
    return shares


def _items(share: Sequence[SourceFile]) -> list[tuple[str, str]]:
    return [(f.fspath, f.rel) for f in share]


class Overlap(NamedTuple):
    """Work done while files are scanned in forked workers: ``meanwhile`` by this process,
    ``side`` by the first worker (before it scans), its answer handed to ``on_answer``.

    ``side`` runs only in a forked worker: without one, the caller computes what it needs
    of it itself."""

    meanwhile: Callable[[], object] | None = None
    side: Callable[[], object] | None = None
    on_answer: Callable[[object], None] | None = None


_NO_OVERLAP = Overlap()


def scan_many(
    todo: Sequence[SourceFile],
    skip: frozenset[str],
    max_size: int,
    *,
    may_fork: bool = False,
    overlap: Overlap = _NO_OVERLAP,
) -> Iterator[tuple[SourceFile, FileImports]]:
    """Scan ``todo``; modules whose top-level name is in ``skip`` are left out.

    With several cores, all but one share of the files go to worker processes while this
    process runs ``overlap.meanwhile`` (work the caller needs next, such as loading modules)
    and scans its own share. Workers are forked (for ``may_fork`` callers, on Linux, with one
    thread) from :data:`FORK_MIN_FILES` files, else spawned (a new interpreter each) from
    :data:`PARALLEL_MIN_FILES`. ``LLMCORE_DEPS_JOBS=1`` turns both off.
    """
    jobs = min(_jobs(), max(1, len(todo) // (FORK_MIN_FILES // 2)))
    if may_fork and jobs > 1 and len(todo) >= FORK_MIN_FILES and _fork_safe():
        from .forkscan import scan_forked

        forked = scan_forked(todo, skip, max_size, jobs, overlap)
        if forked is not None:
            yield from forked
            return
    if jobs > 1 and len(todo) >= PARALLEL_MIN_FILES:
        yield from _scan_spawned(todo, skip, max_size, jobs, overlap.meanwhile)
    else:
        yield from zip(todo, scan_chunk(_items(todo), skip, max_size), strict=True)


def _scan_spawned(
    todo: Sequence[SourceFile],
    skip: frozenset[str],
    max_size: int,
    jobs: int,
    meanwhile: Callable[[], object] | None,
) -> Iterator[tuple[SourceFile, FileImports]]:
    # the local share is the largest, since workers start late (a new interpreter)
    shares = _shares(todo, jobs, -sum(f.size for f in todo) // (4 * jobs))
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(scan_chunk, _items(share), skip, max_size) for share in shares[1:]]
        yield from zip(shares[0], scan_chunk(_items(shares[0]), skip, max_size), strict=True)
        for share, fut in zip(shares[1:], futures, strict=True):
            try:
                results = fut.result()
            except Exception:  # a worker that died (memory, a signal)
                # scan its share here instead: a crashed worker must not lose files
                results = scan_chunk(_items(share), skip, max_size)
            yield from zip(share, results, strict=True)
