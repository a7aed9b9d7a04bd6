"""One parser per kind of value: sizes ("12GiB"), percentages ("10%"), booleans, numbers.

Every parser takes the raw value (a TOML value or a command-line string) and raises
``ValueError`` with a message that quotes the value and shows a valid form; callers add
where the value came from (file and key, option, marker).
"""

from __future__ import annotations

import math
import re

__all__ = [
    "BYTE_UNITS",
    "MAX_BYTES",
    "format_bytes",
    "parse_bool",
    "parse_bytes",
    "parse_number",
    "parse_percent",
]

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
#: The largest size accepted (1 EiB): more is a typo, and ``int(1e400)`` would overflow.
MAX_BYTES = 2**60
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_SIZE = re.compile(rf"\s*({_NUMBER})\s*([A-Za-z]*)\s*")
_PERCENT = re.compile(rf"\s*({_NUMBER})\s*(%?)\s*")


def parse_bytes(value: object) -> int:
    """``"12GiB"`` -> 12884901888; a bare number is bytes. Raises ValueError quoting the value."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    number: float
    if isinstance(value, int):
        number = value  # exact: float() would round 2**60 + 1 down and overflow on 10**400
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        m = _SIZE.fullmatch(value)
        if m is None or (m.group(2) and m.group(2).lower() not in BYTE_UNITS):
            raise ValueError(f'cannot read {value!r} as a size (e.g. "12GiB" or "500MB")')
        number = float(m.group(1)) * BYTE_UNITS[m.group(2).lower() or "b"]
    else:
        raise ValueError(f'{value!r} is not a size (e.g. "12GiB" or "500MB")')
    if number < 0 or (isinstance(number, float) and math.isnan(number)):
        raise ValueError(f"{value!r}: a size can't be negative or NaN")
    if number > MAX_BYTES:
        raise ValueError(f"{value!r}: too large for a size (at most 1 EiB)")
    return int(number)


def parse_percent(value: object) -> float:
    """A percentage -> a fraction, by one rule for config and command line alike.

    ``"10%"`` and ``10`` (a bare number is a number of percent) are 0.1; ``0`` is 0. A bare
    number strictly between 0 and 1 is refused as ambiguous (``0.5``: 50% or 0.5%?): write
    ``"50%"`` or ``"0.5%"``. Negative, NaN and infinite values are refused.
    """
    if isinstance(value, bool):
        raise ValueError(f'{value!r} is not a percentage (e.g. "10%")')
    if isinstance(value, (int, float)):
        number, sign = float(value), ""
    elif isinstance(value, str):
        m = _PERCENT.fullmatch(value)
        if m is None:
            raise ValueError(f'cannot read {value!r} as a percentage (e.g. "10%")')
        number, sign = float(m.group(1)), m.group(2)
    else:
        raise ValueError(f'{value!r} is not a percentage (e.g. "10%")')
    if not math.isfinite(number) or number < 0:
        raise ValueError(f'{value!r}: a percentage must be a finite number >= 0 (e.g. "10%")')
    if not sign and 0 < number < 1:
        raise ValueError(
            f'{value!r} is ambiguous: write "{number * 100:g}%" or "{number:g}%" '
            "(a bare number is a number of percent)"
        )
    return number / 100.0


def parse_number(
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    integer: bool = False,
) -> float:
    """A finite number (never a boolean) within the bounds given; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not {'an integer' if integer else 'a number'}")
    if integer and not isinstance(value, int):
        raise ValueError(f"{value!r} is not an integer")
    number = float(value)
    kind = "an integer" if integer else "a number"
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if minimum is not None and (number <= minimum if exclusive_minimum else number < minimum):
        raise ValueError(
            f"{value!r} must be {kind} {'>' if exclusive_minimum else '>='} {minimum:g}"
        )
    if maximum is not None and number > maximum:
        raise ValueError(f"{value!r} must be {kind} <= {maximum:g}")
    return number


def parse_bool(value: object) -> bool:
    """``true``/``false`` only: a string such as ``"no"`` is refused, never read as true."""
    if isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a boolean (write true or false, without quotes)")


def format_bytes(value: float) -> str:
    """Binary units, two decimals for GiB/MiB: ``9.31 GiB``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(value) >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value:.0f} B"
