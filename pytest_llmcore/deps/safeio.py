"""Read files of a tree we did not write: regular files only, never more than a cap."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_bounded"]


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
