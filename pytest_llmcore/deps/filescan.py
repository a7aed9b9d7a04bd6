"""Read and scan source files, in parallel processes for large trees.

Kept apart from the gate so that a worker process imports only the scanner.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .notebooks import notebook_source
from .records import FileImports
from .safeio import read_bounded
from .scanner import scan_source
from .walk import SourceFile

__all__ = ["scan_file", "scan_many"]

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
#: Below this many files, starting a worker process costs more than it saves.
PARALLEL_MIN_FILES = 300


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
    return FileImports(result.imports, "; ".join(notes) or None)


def _scan_chunk(
    items: Sequence[tuple[str, str]], skip: frozenset[str], max_size: int
) -> list[FileImports]:
    def wanted(top: str) -> bool:
        return top not in skip

    return [scan_file(Path(path), rel, wanted, max_size) for path, rel in items]


def _jobs() -> int:
    env = os.environ.get("LLMCORE_DEPS_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return min(os.cpu_count() or 1, 4)


def scan_many(
    todo: Sequence[SourceFile], skip: frozenset[str], max_size: int
) -> Iterator[tuple[SourceFile, FileImports]]:
    """Scan ``todo``; modules whose top-level name is in ``skip`` are left out.

    With several cores and many files, all but one share of the files go to worker
    processes (spawned: safe under threads, same on every OS) while this process scans
    its own share; ``LLMCORE_DEPS_JOBS=1`` turns that off.
    """
    jobs = _jobs()
    if jobs < 2 or len(todo) < PARALLEL_MIN_FILES:
        yield from zip(
            todo, _scan_chunk([(f.fspath, f.rel) for f in todo], skip, max_size), strict=True
        )
        return
    # balance bytes, not file counts: big files dominate; the local share is the largest
    # since workers start late (a new interpreter)
    shares: list[list[SourceFile]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    loads[0] = -sum(f.size for f in todo) // (4 * jobs)
    for f in sorted(todo, key=lambda f: f.size, reverse=True):
        i = loads.index(min(loads))
        shares[i].append(f)
        loads[i] += f.size
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(_scan_chunk, [(f.fspath, f.rel) for f in share], skip, max_size)
            for share in shares[1:]
        ]
        yield from zip(
            shares[0],
            _scan_chunk([(f.fspath, f.rel) for f in shares[0]], skip, max_size),
            strict=True,
        )
        for share, fut in zip(shares[1:], futures, strict=True):
            try:
                results = fut.result()
            except Exception:  # a worker that died (memory, a signal)
                # scan its share here instead: a crashed worker must not lose files
                results = _scan_chunk([(f.fspath, f.rel) for f in share], skip, max_size)
            yield from zip(share, results, strict=True)
