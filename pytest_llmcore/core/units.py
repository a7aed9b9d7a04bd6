"""Byte sizes written the way people write them: "12GiB", "500MB", "9.3 GiB"."""

from __future__ import annotations

import re

__all__ = ["BYTE_UNITS", "format_bytes", "parse_bytes"]

BYTE_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*")


def parse_bytes(value: object) -> int:
    """``"12GiB"`` -> 12884901888; a bare number is bytes. Raises ValueError quoting the value."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{value!r}: a size can't be negative")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a size (e.g. "12GiB" or "500MB")')
    m = _SIZE.fullmatch(value)
    if m is None or (m.group(2) and m.group(2).lower() not in BYTE_UNITS):
        raise ValueError(f'cannot read {value!r} as a size (e.g. "12GiB" or "500MB")')
    number = float(m.group(1))
    if number < 0:
        raise ValueError(f"{value!r}: a size can't be negative")
    return int(number * BYTE_UNITS[m.group(2).lower() or "b"])


def format_bytes(value: float) -> str:
    """Binary units, two decimals for GiB/MiB: ``9.31 GiB``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(value) >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value:.0f} B"
