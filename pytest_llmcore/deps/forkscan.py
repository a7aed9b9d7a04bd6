"""Scanning in forked workers that share one queue of files.

A fork costs ~2 ms where a spawned interpreter costs ~100 ms, so small trees gain from a
second core too. Files are handed out largest first from a pipe that every process reads
four bytes (one file's index) at a time: a pipe read that small is atomic, so each index
goes to exactly one process, and the processes stay busy until the queue is empty
whatever each file costs (sizes predict that badly: one file may need the ast stage).

The first worker may be handed a ``side`` job to run before it joins the queue (work the
caller needs next that no scan result decides); its answer comes back with the scan
results. A worker that fails loses nothing: whatever it took and did not send back is
scanned here, and a side answer that did not come back is computed later, by the caller.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .records import FileImports
from .walk import SourceFile

if TYPE_CHECKING:  # the scanner loads in the processes that scan (a cold run forks first)
    from .filescan import Overlap

__all__ = ["Walked", "Worker", "drain", "scan_forked", "scan_lost"]

_INDEX = 4  # bytes per queued file index


def drain(
    queue: int, todo: Sequence[SourceFile], skip: frozenset[str], max_size: int
) -> list[tuple[int, FileImports]]:
    """Scan files from ``queue`` until it is empty; (index, imports) of each."""

    def wanted(top: str) -> bool:
        return top not in skip

    from .filescan import scan_file

    done: list[tuple[int, FileImports]] = []
    while chunk := os.read(queue, _INDEX):
        i = int.from_bytes(chunk, "little")
        f = todo[i]
        done.append((i, scan_file(Path(f.fspath), f.rel, wanted, max_size)))
    return done


def side_answer(side: Callable[[], object] | None) -> object:
    """``side()``, or None (no answer: the caller computes it itself) when it fails."""
    if side is None:
        return None
    try:
        return side()
    except Exception:  # the scan must go on
        return None


def queue_bytes(todo: Sequence[SourceFile]) -> bytes:
    """Every file's index, largest file first (sizes predict the cost a little)."""
    order = sorted(range(len(todo)), key=lambda i: todo[i].size, reverse=True)
    return b"".join(i.to_bytes(_INDEX, "little") for i in order)


def send_results(fd: int, answer: object, done: list[tuple[int, FileImports]]) -> None:
    """A worker's (side answer, scan results), written to ``fd`` and closed."""
    try:
        data = pickle.dumps((answer, done), protocol=5)
    except Exception:  # an answer that does not pickle: the scan still counts
        data = pickle.dumps((None, done), protocol=5)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def unpickled(data: bytes) -> tuple[object, dict[int, FileImports]] | None:
    """A worker's (side answer, scan results by file index); None when malformed."""
    try:
        answer, got = pickle.loads(data)
    except Exception:  # a truncated or corrupt stream
        return None
    ok = isinstance(got, list) and all(
        isinstance(p, tuple)
        and len(p) == 2
        and isinstance(p[0], int)
        and isinstance(p[1], FileImports)
        for p in got
    )
    return (answer, dict(got)) if ok else None


class Worker:
    """A forked process draining the queue; :meth:`collect` gets what it scanned."""

    def __init__(
        self,
        queue: int,
        todo: Sequence[SourceFile],
        skip: frozenset[str],
        max_size: int,
        side: Callable[[], object] | None = None,
    ) -> None:
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # pragma: no cover - runs in the child; its coverage is not collected
            code = 1
            try:
                os.close(read_fd)
                send_results(write_fd, side_answer(side), drain(queue, todo, skip, max_size))
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flush of the parent's stdio buffers
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd
        self.answer: object = None

    def _reap(self) -> int:
        if self._pid < 0:
            return -1
        _, status = os.waitpid(self._pid, 0)
        self._pid = -1
        return status

    def collect(self) -> dict[int, FileImports]:
        """What the worker scanned; nothing when it failed or sent something malformed."""
        with os.fdopen(self._fd, "rb") as inp:
            data = inp.read()
        if self._reap() != 0:
            return {}
        got = unpickled(data)
        if got is None:
            return {}
        self.answer = got[0]
        return got[1]

    def discard(self) -> None:
        """Stop waiting for the worker (the caller stopped early): no zombie, no open pipe."""
        if self._pid >= 0:
            os.close(self._fd)  # the child's write fails (EPIPE) and it exits
            self._reap()


def _queue(todo: Sequence[SourceFile]) -> int | None:
    """A pipe holding every file's index, largest file first, read end returned; None when
    the pipe can't hold them all at once (a writer must never block before readers exist)."""
    data = queue_bytes(todo)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    try:
        written = os.write(write_fd, data)
    except BlockingIOError:
        written = 0
    os.close(write_fd)  # readers see the end of the queue once it is empty
    if written != len(data):
        os.close(read_fd)
        return None
    return read_fd


def scan_forked(
    todo: Sequence[SourceFile],
    skip: frozenset[str],
    max_size: int,
    jobs: int,
    overlap: Overlap,
) -> Iterator[tuple[SourceFile, FileImports]] | None:
    """``todo`` scanned by this process and ``jobs - 1`` forked ones, ``overlap.meanwhile``
    run here first and ``overlap.side`` by the first worker; None when the queue could not
    be built (the caller scans another way)."""
    try:
        queue = _queue(todo)
    except OSError:  # no file descriptor left (EMFILE): scan in one process
        return None
    if queue is None:
        return None
    return _run(queue, todo, skip, max_size, jobs, overlap)


def _run(
    queue: int,
    todo: Sequence[SourceFile],
    skip: frozenset[str],
    max_size: int,
    jobs: int,
    overlap: Overlap,
) -> Iterator[tuple[SourceFile, FileImports]]:
    workers: list[Worker] = []
    try:
        for _ in range(jobs - 1):
            side = None if workers else overlap.side
            try:
                workers.append(Worker(queue, todo, skip, max_size, side))
            except OSError:  # no process or pipe to spare (EAGAIN, EMFILE): fewer workers
                break
        if overlap.meanwhile:
            overlap.meanwhile()
        done = dict(drain(queue, todo, skip, max_size))
        for worker in workers:
            done.update(worker.collect())
        if workers and workers[0].answer is not None and overlap.on_answer is not None:
            overlap.on_answer(workers[0].answer)
        scan_lost(done, todo, skip, max_size)  # a worker died holding these
        for i, f in enumerate(todo):
            yield f, done[i]
    finally:
        os.close(queue)
        for worker in workers:
            worker.discard()


# -- a cold run: the worker walks the tree too ----------------------------------------------


def scan_lost(
    done: dict[int, FileImports],
    todo: Sequence[SourceFile],
    skip: frozenset[str],
    max_size: int,
) -> None:
    """Scan here the files no process sent back (a worker died holding them)."""
    lost = [i for i in range(len(todo)) if i not in done]
    if lost:
        from .filescan import scan_chunk

        items = [(todo[i].fspath, todo[i].rel) for i in lost]
        done.update(zip(lost, scan_chunk(items, skip, max_size), strict=True))


# -- a cold run: the worker walks the tree too ----------------------------------------------


class Walked(NamedTuple):
    """What a worker's walk found: the files, why anything was skipped, and the modules
    its scan did not want (set by the worker; the caller checks it plans the same)."""

    files: list[SourceFile]
    notes: list[str]
    skip: frozenset[str] | None = None
