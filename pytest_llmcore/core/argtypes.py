"""argparse ``type=`` functions for the ``llmcore`` command: every numeric option is parsed
and range-checked here, so a bad value is argparse's one-line usage error (exit 2) naming
the option, never a traceback or a nonsense recommendation (``fit --ctx -5``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .units import format_bytes, parse_bytes, parse_percent

__all__ = ["MAX_SIZE", "int_in", "percent_arg", "size_in"]

#: 1 PiB: no accelerator or model comes near it; larger sizes are typos (1e400GiB)
MAX_SIZE = 2**50


def int_in(
    lo: int, hi: int, what: str = "an integer", need: str | None = None
) -> Callable[[str], int]:
    """An integer in [lo, hi]; with ``need``, every error reads ``'1': need <need>``."""

    def parse(value: str) -> int:
        try:
            n = int(value.strip().replace("_", ""))
        except ValueError:
            why = f"need {need}" if need else f"is not {what}"
            raise argparse.ArgumentTypeError(f"{value!r}{':' if need else ''} {why}") from None
        if not lo <= n <= hi:
            if need:
                raise argparse.ArgumentTypeError(f"{value!r}: need {need}")
            raise argparse.ArgumentTypeError(f"{n} is out of range: use {lo}..{hi:,}")
        return n

    parse.__name__ = what  # argparse's fallback message names the type
    return parse


def size_in(lo: int = 0, hi: int = MAX_SIZE) -> Callable[[str], int]:
    """A byte size such as ``16GiB`` or ``500MB`` (a bare number is bytes) in [lo, hi]."""

    def parse(value: str) -> int:
        try:
            n = parse_bytes(value)  # refuses NaN, infinities and more than 1 EiB itself
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if not lo <= n <= hi:
            top = "1 PiB" if hi == MAX_SIZE else format_bytes(hi)
            raise argparse.ArgumentTypeError(
                f"{value!r} is out of range: use {format_bytes(lo)}..{top}"
            )
        return n

    parse.__name__ = "size"
    return parse


def percent_arg(value: str) -> float:
    """``10%`` (or ``10``) as a fraction, read by the one rule config uses (``parse_percent``)."""
    try:
        return parse_percent(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
