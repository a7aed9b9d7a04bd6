"""A bounded GGUF header reader: key/value metadata and tensor shapes, never the weights.

The file is untrusted (a pull request can add one): every count and length is checked
against the bytes the file still has before anything is allocated or looped over, arrays
nest at most :data:`MAX_NESTING` deep, and large arrays (tokenizer vocabularies) are
skipped with ``seek``, only their length kept. Anything malformed is a :class:`GgufError`
saying what and where; the caller adds the file name.

The ``gguf`` package's reader materialises every field (9 s for Gemma 3's 262,144-token
vocabulary); this one takes 0.1 s. The gguf package writes the test models and checks this
reader in the tests.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

__all__ = ["GgufError", "Header", "Skipped", "read_header"]

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
#: arrays longer than this (token lists, scores) are skipped, only their length kept
SMALL_ARRAY = 256
#: arrays of arrays deeper than this are not GGUF any real writer produces
MAX_NESTING = 4
#: GGML_MAX_DIMS
MAX_DIMS = 4
#: keys and kept strings longer than this are not metadata (GGUF caps keys at 65,535 bytes)
MAX_KEPT_STRING = 1 << 20
SUPPORTED_VERSIONS = (2, 3)
#: smallest encodings, to bound counts by the bytes left: a key/value pair is a key length
#: (8), a type (4) and at least one byte; a tensor info is a name length (8), a dimension
#: count (4), a type (4) and an offset (8)
_MIN_KV, _MIN_TENSOR = 13, 24


class GgufError(ValueError):
    """A malformed or hostile GGUF header; the message names the field when there is one."""


@dataclass(frozen=True)
class Skipped:
    """A large array that was skipped: only its length is known."""

    length: int


@dataclass(frozen=True)
class Header:
    version: int
    fields: dict[str, Any]
    tensors: list[tuple[str, list[int], int]]
    """(name, dims, GGML type id) per tensor."""


class _Reader:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size
        self.where = "header"

    def left(self) -> int:
        return self.size - self.fh.tell()

    def take(self, fmt: str) -> Any:
        n = struct.calcsize(fmt)
        data = self.fh.read(n)
        if len(data) != n:
            raise GgufError(f"truncated file (in {self.where})")
        return struct.unpack(fmt, data)[0]

    def skip(self, n: int) -> None:
        if n > self.left():
            raise GgufError(f"{self.where}: {n:,} bytes declared, only {self.left():,} left")
        self.fh.seek(n, 1)

    def length(self, what: str, unit: int) -> int:
        """A 64-bit count of ``unit``-byte items, bounded by the bytes left in the file."""
        n = int(self.take("<Q"))
        if n * unit > self.left():
            raise GgufError(
                f"{self.where}: {what} {n:,} needs at least {n * unit:,} bytes, "
                f"only {self.left():,} left"
            )
        return n

    def string(self, keep: bool = True) -> str:
        n = self.length("string length", 1)
        if not keep:
            self.fh.seek(n, 1)
            return ""
        if n > MAX_KEPT_STRING:
            raise GgufError(f"{self.where}: string of {n:,} bytes (at most {MAX_KEPT_STRING:,})")
        return self.fh.read(n).decode("utf-8", "replace")

    def value(self, vtype: int, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            return self.array(depth + 1)
        raise GgufError(f"{self.where}: unknown value type {vtype}")

    def array(self, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise GgufError(f"{self.where}: arrays nested more than {MAX_NESTING} deep")
        itype = self.take("<I")
        unit = {_STRING: 8, _ARRAY: 12}.get(itype) or (
            struct.calcsize(_SCALARS[itype]) if itype in _SCALARS else 0
        )
        if not unit:
            raise GgufError(f"{self.where}: array of unknown type {itype}")
        count = self.length("array length", unit)
        if count <= SMALL_ARRAY:
            return [self.value(itype, depth) for _ in range(count)]
        if itype == _STRING:
            for _ in range(count):
                self.string(keep=False)
        elif itype == _ARRAY:
            raise GgufError(f"{self.where}: an array of {count:,} arrays")
        else:
            self.skip(count * unit)
        return Skipped(count)


def _tensor(r: _Reader, index: int) -> tuple[str, list[int], int]:
    r.where = f"tensor #{index}"
    name = r.string()
    r.where = f"tensor {name!r}"
    n_dims = r.take("<I")
    if n_dims > MAX_DIMS:
        raise GgufError(f"{r.where}: {n_dims} dimensions (at most {MAX_DIMS})")
    dims = [int(r.take("<Q")) for _ in range(n_dims)]
    ttype = int(r.take("<I"))
    r.take("<Q")  # offset into the data section
    return name, dims, ttype


def read_header(fh: BinaryIO, size: int) -> Header:
    """Parse the header of an open GGUF file of ``size`` bytes. Raises :class:`GgufError`."""
    if fh.read(4) != b"GGUF":
        raise GgufError("bad magic: not a GGUF file")
    r = _Reader(fh, size)
    version = int(r.take("<I"))
    if version not in SUPPORTED_VERSIONS:
        raise GgufError(f"GGUF version {version} is not supported (2 or 3)")
    n_tensors = int(r.take("<Q"))
    n_kv = r.length("key/value count", _MIN_KV)
    if n_tensors * _MIN_TENSOR > r.left():
        raise GgufError(f"tensor count {n_tensors:,} does not fit in the file")
    fields: dict[str, Any] = {}
    for i in range(n_kv):
        r.where = f"key #{i}"
        key = r.string()
        r.where = f"field {key!r}"
        fields[key] = r.value(r.take("<I"))
    tensors = [_tensor(r, i) for i in range(n_tensors)]
    return Header(version, fields, tensors)
