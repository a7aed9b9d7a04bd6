"""Read the file list of a distribution's newest wheel on PyPI without downloading it.

Used by ``gen_module_map.py --pypi``. For each name the PyPI simple index (JSON form,
PEP 691) lists the files; the newest non-yanked wheel (a pure ``none-any`` one when there
is one) is opened over HTTP range requests, reading only the zip's central directory (a
few KB, however large the wheel), the way pip's lazy wheel reads metadata. Generation
time only: nothing in the package queries a registry.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import time
import urllib.error
import urllib.request
import zipfile
from typing import Any

INDEX = "https://pypi.org/simple/{name}/"
_BLOCK = 64 * 1024
_PRE = re.compile(r"(a|b|rc|dev)\d*$|\.dev\d*", re.IGNORECASE)


def _get(url: str, headers: dict[str, str], tries: int = 3) -> bytes:
    for attempt in range(tries):
        try:
            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=30) as resp:
                data: bytes = resp.read()
                if resp.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return data
        except urllib.error.HTTPError as exc:
            exc.close()  # its response holds the connection open
            if exc.code == 404 or attempt == tries - 1:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == tries - 1:
                raise
        time.sleep(1.0 + attempt)
    raise AssertionError("unreachable")


class _RangeFile(io.RawIOBase):
    """A seekable read-only file over HTTP range requests, fetched in cached blocks."""

    def __init__(self, url: str, size: int) -> None:
        self._url, self._size, self._pos = url, size, 0
        self._spans: list[tuple[int, bytes]] = []  # (start, bytes) fetched so far

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buf: Any) -> int:
        end = min(self._size, self._pos + len(buf))
        if end <= self._pos:
            return 0
        for start, data in self._spans:
            if start <= self._pos and end <= start + len(data):
                break
        else:  # one request per read (the central directory is read in one go), >= 64 KiB
            lo = max(0, min(self._pos, end - _BLOCK))
            data = _get(self._url, {"Range": f"bytes={lo}-{end - 1}"})
            start = lo
            self._spans.append((start, data))
        chunk = data[self._pos - start : end - start]
        buf[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def newest_wheel(files: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest non-yanked wheel of a final release (a pre-release only when none)."""
    wheels = [f for f in files if f["filename"].endswith(".whl") and not f.get("yanked")]
    if not wheels:
        return None

    def key(f: dict[str, Any]) -> tuple[bool, str, bool]:
        version = f["filename"].split("-")[1]
        pure = f["filename"].endswith("-none-any.whl")
        return (not _PRE.search(version), f.get("upload-time") or "", pure)

    return max(wheels, key=key)


def wheel_files(name: str) -> tuple[str, list[str]] | None:
    """(wheel file name, the paths in it) for ``name``'s newest wheel; None without one."""
    try:
        raw = _get(
            INDEX.format(name=name),
            {"Accept": "application/vnd.pypi.simple.v1+json", "Accept-Encoding": "gzip"},
        )
    except urllib.error.HTTPError:
        return None
    wheel = newest_wheel(json.loads(raw)["files"])
    if wheel is None or not wheel.get("size"):
        return None
    with zipfile.ZipFile(_RangeFile(wheel["url"], int(wheel["size"]))) as z:  # type: ignore[arg-type]
        return wheel["filename"], z.namelist()
