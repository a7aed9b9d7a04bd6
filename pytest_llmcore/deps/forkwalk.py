"""A cold run's walk and scan in a forked worker, started before this process needs them.

The worker walks the tree, then waits for the context this process gives it
(:meth:`WalkScan.give`: the declarations, read meanwhile), plans which imports its scan
wants, queues its files (largest first) on a pipe, answers a ``side`` question about them,
then scans from the queue; this process goes on with its own work (loading the judging
modules, reading the declarations, preparing judging) and, in :meth:`WalkScan.finish`,
scans from the same queue until it is empty. A worker that fails
loses nothing: whatever it took and did not send back is scanned here, and a walk that did
not come back makes :meth:`~WalkScan.finish` answer None (the caller walks itself).
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from . import forkscan
from .forkscan import Walked
from .records import FileImports
from .walk import SourceFile

__all__ = ["WalkScan", "start_walk_scan", "walk_and_scan"]

#: the modules a scan skips, from the files and the context (see :meth:`WalkScan.give`)
Plan = Callable[[Sequence[SourceFile], Any], frozenset[str]]
#: the worker's side question, asked of the files and the context
Side = Callable[[Sequence[SourceFile], Any], object]


class _WalkPipes(NamedTuple):
    list_r: int
    list_w: int
    queue_r: int
    queue_w: int
    result_r: int
    result_w: int
    context_r: int
    context_w: int


def _pipes() -> _WalkPipes | None:
    fds: list[int] = []
    try:
        for _ in range(4):
            fds.extend(os.pipe())
    except OSError:  # no file descriptor left (EMFILE)
        for fd in fds:
            os.close(fd)
        return None
    return _WalkPipes(*fds)


def _walker_child(
    pipes: _WalkPipes, walk: Callable[[], Walked], plan: Plan, max_size: int, side: Side | None
) -> None:  # pragma: no cover - runs in the child; its coverage is not collected
    code = 1
    try:
        for fd in (pipes.list_r, pipes.result_r, pipes.context_w):
            os.close(fd)
        walked = walk()
        with os.fdopen(pipes.context_r, "rb") as inp:  # EOF, and an error, if never given
            context = pickle.loads(inp.read())
        files = walked.files
        skip = plan(files, context)
        with os.fdopen(pipes.list_w, "wb") as out:
            out.write(pickle.dumps(walked._replace(skip=skip), protocol=5))
        with os.fdopen(pipes.queue_w, "wb") as out:  # blocks only while the parent drains
            out.write(forkscan.queue_bytes(files))
        answer = forkscan.side_answer(None if side is None else lambda: side(files, context))
        forkscan.send_results(
            pipes.result_w, answer, forkscan.drain(pipes.queue_r, files, skip, max_size)
        )
        code = 0
    finally:
        os._exit(code)


def start_walk_scan(
    walk: Callable[[], Walked], plan: Plan, max_size: int, side: Side | None = None
) -> WalkScan | None:
    """Fork the worker that runs ``walk()`` and, once given the context,
    ``plan(files, context)`` and ``side(files, context)``, then scans; None when no worker
    could be forked."""
    pipes = _pipes()
    if pipes is None:
        return None
    try:
        pid = os.fork()
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None
    if pid == 0:  # pragma: no cover - the child never returns
        _walker_child(pipes, walk, plan, max_size, side)
    for fd in (pipes.list_w, pipes.queue_w, pipes.result_w, pipes.context_r):
        os.close(fd)
    return WalkScan(pid, pipes, max_size)


class WalkScan:
    """The forked walker; :meth:`finish` joins its scan, :meth:`discard` stops it."""

    def __init__(self, pid: int, pipes: _WalkPipes, max_size: int) -> None:
        self._pid = pid
        self._pipes = pipes
        self._max_size = max_size
        self._open = [pipes.list_r, pipes.queue_r, pipes.result_r, pipes.context_w]

    def give(self, context: object) -> bool:
        """Hand the worker what its plan and side question need (the declarations this
        process read); False, the worker stopped, when it can't be handed over."""
        try:
            data = pickle.dumps(context, protocol=5)
        except Exception:  # an object that does not pickle: this process walks itself
            self.discard()
            return False
        self._open.remove(self._pipes.context_w)
        try:
            with os.fdopen(self._pipes.context_w, "wb") as out:
                out.write(data)
        except OSError:  # the worker is gone (EPIPE)
            self.discard()
            return False
        return True

    def _read_all(self, fd: int) -> bytes:
        self._open.remove(fd)  # an fd closed twice may close one opened since under that number
        with os.fdopen(fd, "rb") as inp:
            return inp.read()

    def finish(
        self,
        skip_for: Callable[[Sequence[SourceFile]], frozenset[str]],
        on_answer: Callable[[object], None] | None = None,
        jobs: int = 2,
    ) -> tuple[Walked, dict[int, FileImports]] | None:
        """The walk and every file's scan result, this process scanning from the queue
        too; None when the walk did not come back or the worker planned other modules than
        ``skip_for`` does here (a declaration changed between the two reads)."""
        if self._pid < 0:  # stopped already (the context could not be given)
            return None
        if self._pipes.context_w in self._open:  # never given: the worker must not wait on it
            self._open.remove(self._pipes.context_w)
            os.close(self._pipes.context_w)  # it reads no context, and gives its walk up
        more: list[forkscan.Worker] = []
        try:
            try:
                walked = pickle.loads(self._read_all(self._pipes.list_r))
            except Exception:  # the child died before its walk came back
                walked = None
            if not isinstance(walked, Walked):
                return None
            files = walked.files
            skip = skip_for(files)
            if walked.skip != skip:
                return None
            from .filescan import FORK_MIN_FILES

            queue, size = self._pipes.queue_r, self._max_size
            for _ in range(jobs - 2 if len(files) >= FORK_MIN_FILES * (jobs - 1) else 0):
                try:
                    more.append(forkscan.Worker(queue, files, skip, size))
                except OSError:  # no process or pipe to spare: fewer workers
                    break
            done = dict(forkscan.drain(queue, files, skip, size))
            for worker in more:
                done.update(worker.collect())
            self._collect(done, on_answer)
            forkscan.scan_lost(done, files, skip, size)
            return walked, done
        finally:
            for worker in more:
                worker.discard()
            self.discard()

    def _collect(
        self, done: dict[int, FileImports], on_answer: Callable[[object], None] | None
    ) -> None:
        data = self._read_all(self._pipes.result_r)
        _, status = os.waitpid(self._pid, 0)
        self._pid = -1
        got = forkscan.unpickled(data) if status == 0 else None
        if got is not None:
            answer, theirs = got
            done.update(theirs)
            if answer is not None and on_answer is not None:
                on_answer(answer)

    def discard(self) -> None:
        """Close what is still open; a worker not reaped yet is killed (it may be waiting
        on a full pipe) and reaped: no zombie, no open descriptor."""
        for fd in self._open:
            os.close(fd)
        self._open = []
        if self._pid > 0:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = -1


def walk_and_scan(
    walk: Callable[[], Walked],
    skip_for: Callable[[Sequence[SourceFile]], frozenset[str]],
    max_size: int,
    meanwhile: Callable[[], object],
    side: Callable[[Sequence[SourceFile]], object] | None = None,
    on_answer: Callable[[object], None] | None = None,
    jobs: int = 2,
) -> tuple[Walked, dict[int, FileImports]] | None:
    """:func:`start_walk_scan` with no context to give, ``meanwhile()`` here, then
    :meth:`WalkScan.finish`."""
    started = start_walk_scan(
        walk,
        lambda files, _: skip_for(files),
        max_size,
        None if side is None else (lambda files, _: side(files)),
    )
    if started is None:
        return None
    try:
        started.give(None)
        meanwhile()
    except BaseException:
        started.discard()
        raise
    return started.finish(skip_for, on_answer, jobs)
