"""Read files of a tree we did not write: regular files only, never more than a cap."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["MAX_TREE_FILE", "read_bounded", "read_bytes", "read_text"]

#: no project file the gate reads whole (a config, a workflow, a source) is larger
MAX_TREE_FILE = 50_000_000


def read_bounded(path: Path | str, max_size: int) -> bytes | str:
    """The bytes of a regular file of at most ``max_size`` bytes, else why not (a note).

    The file is opened without blocking and checked to be regular before anything is read
    (a FIFO would block forever, ``/dev/zero`` never ends, and a walked file may have been
    swapped since), and the cap applies before reading: at most ``max_size + 1`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc}); skipped"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file; skipped"
        if st.st_size > max_size:
            return f"{st.st_size:,} bytes, over max-file-size {max_size:,}; skipped"
        # read what fstat promises (plus one byte, to see growth), never a cap-sized buffer:
        # read(max_size + 1) allocates the whole cap per file (5 MB x 2,300 files on torch)
        want = min(st.st_size, max_size) + 1
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as fh:
            raw = fh.read(want)
            if len(raw) == want and want <= max_size:  # it grew since fstat
                raw += fh.read(max_size + 1 - want)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc}); skipped"
    finally:
        os.close(fd)
    if len(raw) > max_size:
        return f"over max-file-size {max_size:,} bytes; skipped"
    return raw


def read_bytes(path: Path | str, max_size: int = MAX_TREE_FILE) -> bytes:
    """:func:`read_bounded` for callers that handle ``OSError``: the note is its message."""
    raw = read_bounded(path, max_size)
    if isinstance(raw, str):
        raise OSError(errno.EINVAL, raw.replace("; skipped", ""))
    return raw


def read_text(path: Path | str, max_size: int = MAX_TREE_FILE) -> str:
    """The file as text (undecodable bytes replaced); ``OSError`` as :func:`read_bytes`."""
    return read_bytes(path, max_size).decode("utf-8", errors="replace")
