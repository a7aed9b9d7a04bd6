"""File helpers: atomic writes that never leave a half-written file behind, and reads of
files we did not write that never block or read without bound."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

#: a JSON report or baseline this large is not one of ours
MAX_DATA_FILE = 512 * 2**20


def read_regular(path: Path, max_size: int = MAX_DATA_FILE) -> bytes:
    """The bytes of a regular file of at most ``max_size`` bytes.

    Opened without blocking and checked before anything is read: a FIFO named like a report
    or baseline would block for ever, ``/dev/zero`` never ends. Raises ``OSError`` (its
    ``strerror`` says why) for anything else.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = fh.read(max_size + 1)
    if len(data) > max_size:
        raise OSError(errno.EFBIG, f"larger than {max_size:,} bytes", str(path))
    return data


def append_regular(path: Path | str, text: str) -> None:
    """Append ``text`` to a regular file (created with the umask's mode when absent).

    Opened without blocking: a FIFO with no reader fails at once (ENXIO) instead of hanging
    the run, and a device is refused, as for every report we write.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        fh.write(text)


def _new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0o666 less the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: what ``tempfile.mkstemp`` opens with: a new file only, never through a link
_TEMP_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new private file (0600) in ``path``'s folder, as ``mkstemp`` makes one; without
    importing tempfile, whose imports (random, shutil) cost a cold gate run ~4 ms."""
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue  # a name another writer holds: draw again
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``durable=False`` skips the fsync: for caches, whose loss after a power cut only costs
    a rebuild (an fsync was most of a warm run's write time).

    An existing file keeps its permission bits; a new one gets the umask's, as a plain write
    would (``mkstemp`` alone would leave it 0600). A symbolic link is written through: the
    file it points at is replaced and the link stays a link.
    """
    if path.is_symlink():
        path = path.resolve()
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
