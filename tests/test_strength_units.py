"""Value parsers and formatters at their edges (issue 17): exact results, exact one-line
messages, and the boundary itself plus one unit past it."""

from __future__ import annotations

import argparse
import math

import pytest

from pytest_llmcore.core.argtypes import MAX_SIZE, int_in, size_in
from pytest_llmcore.core.units import (
    MAX_BYTES,
    format_bytes,
    parse_bool,
    parse_bytes,
    parse_number,
    parse_percent,
)

GiB, MiB, KiB = 2**30, 2**20, 2**10


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (GiB, "1.00 GiB"),
        (GiB - 1, "1024.00 MiB"),
        (MiB, "1.00 MiB"),
        (MiB - 1, "1024.00 KiB"),
        (KiB, "1.00 KiB"),
        (KiB - 1, "1023 B"),
        (0, "0 B"),
        (1.5 * GiB, "1.50 GiB"),
        (10 * 2**40, "10240.00 GiB"),
        (-GiB, "-1.00 GiB"),  # a negative difference keeps its unit
        (-(KiB - 1), "-1023 B"),
    ],
)
def test_format_bytes_at_each_unit_boundary(value: float, text: str) -> None:
    assert format_bytes(value) == text


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("12GiB", 12 * GiB),
        ("500MB", 500 * 10**6),
        ("1kb", 1000),
        ("1KiB", 1024),
        ("1 mib", MiB),
        ("2tb", 2 * 10**12),
        ("1TiB", 2**40),
        ("1gb", 10**9),
        ("7b", 7),
        ("  3 gib  ", 3 * GiB),
        ("1.5GiB", 3 * GiB // 2),
        (".5KiB", 512),
        ("1e3", 1000),
        ("+8", 8),
        ("100", 100),
        ("0", 0),
        (7, 7),
        (1.9, 1),  # whole bytes, truncated
        (0.0, 0),
        (-0.0, 0),
        ("1048576TiB", MAX_BYTES),  # exactly the largest size
        (MAX_BYTES, MAX_BYTES),
    ],
)
def test_parse_bytes_values(value: object, size: int) -> None:
    assert parse_bytes(value) == size


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12XB", 'cannot read \'12XB\' as a size (e.g. "12GiB" or "500MB")'),
        ("GiB", 'cannot read \'GiB\' as a size (e.g. "12GiB" or "500MB")'),
        ("nan", 'cannot read \'nan\' as a size (e.g. "12GiB" or "500MB")'),
        ("", 'cannot read \'\' as a size (e.g. "12GiB" or "500MB")'),
        ("-1", "'-1': a size can't be negative or NaN"),
        ("-1KiB", "'-1KiB': a size can't be negative or NaN"),
        (-1, "-1: a size can't be negative or NaN"),
        (float("nan"), "nan: a size can't be negative or NaN"),
        ("1048577TiB", "'1048577TiB': too large for a size (at most 1 EiB)"),
        (MAX_BYTES + 1, f"{MAX_BYTES + 1}: too large for a size (at most 1 EiB)"),
        (10**400, f"{10**400}: too large for a size (at most 1 EiB)"),
        ("1e400", "'1e400': too large for a size (at most 1 EiB)"),
        (float("inf"), "inf: too large for a size (at most 1 EiB)"),
        (True, "True is not a size"),
        (None, 'None is not a size (e.g. "12GiB" or "500MB")'),
        ([1], '[1] is not a size (e.g. "12GiB" or "500MB")'),
    ],
)
def test_parse_bytes_refusals_are_exact(value: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_bytes(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "fraction"),
    [
        ("10%", 0.10),
        (10, 0.10),
        ("10", 0.10),
        (" 2.5 % ", 0.025),
        ("0.5%", 0.005),
        (1, 0.01),  # 1 is not ambiguous: one percent
        ("1", 0.01),
        (0, 0.0),
        ("0", 0.0),
        ("0%", 0.0),
        (250, 2.5),  # more than 100% is a valid tolerance
    ],
)
def test_parse_percent_values(value: object, fraction: float) -> None:
    assert parse_percent(value) == pytest.approx(fraction, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.5, '0.5 is ambiguous: write "50%" or "0.5%" (a bare number is a number of percent)'),
        (
            "0.99",
            '\'0.99\' is ambiguous: write "99%" or "0.99%" (a bare number is a number of percent)',
        ),
        (-1, '-1: a percentage must be a finite number >= 0 (e.g. "10%")'),
        ("-0.5%", "'-0.5%': a percentage must be a finite number >= 0 (e.g. \"10%\")"),
        (math.inf, 'inf: a percentage must be a finite number >= 0 (e.g. "10%")'),
        (math.nan, 'nan: a percentage must be a finite number >= 0 (e.g. "10%")'),
        ("ten", "cannot read 'ten' as a percentage (e.g. \"10%\")"),
        ("10%%", "cannot read '10%%' as a percentage (e.g. \"10%\")"),
        (True, 'True is not a percentage (e.g. "10%")'),
        (None, 'None is not a percentage (e.g. "10%")'),
    ],
)
def test_parse_percent_refusals_are_exact(value: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_percent(value)
    assert str(exc.value) == message


def test_parse_number_bounds_at_equality_and_past() -> None:
    assert parse_number(0, minimum=0) == 0.0
    assert parse_number(10, maximum=10) == 10.0
    assert parse_number(0.5, minimum=0, exclusive_minimum=True) == 0.5
    assert parse_number(3, integer=True) == 3.0
    cases: list[tuple[object, dict[str, object], str]] = [
        (0, {"minimum": 0, "exclusive_minimum": True}, "0 must be a number > 0"),
        (-1, {"minimum": 0}, "-1 must be a number >= 0"),
        (-0.001, {"minimum": 0}, "-0.001 must be a number >= 0"),
        (10.5, {"maximum": 10}, "10.5 must be a number <= 10"),
        (-1, {"minimum": 0, "integer": True}, "-1 must be an integer >= 0"),
        (11, {"maximum": 10, "integer": True}, "11 must be an integer <= 10"),
        (1.0, {"integer": True}, "1.0 is not an integer"),
        ("x", {"integer": True}, "'x' is not an integer"),
        ("x", {}, "'x' is not a number"),
        (True, {}, "True is not a number"),
        (math.inf, {}, "inf is not a finite number"),
        (math.nan, {"minimum": 0}, "nan is not a finite number"),
    ]
    for value, kwargs, message in cases:
        with pytest.raises(ValueError) as exc:
            parse_number(value, **kwargs)  # type: ignore[arg-type]
        assert str(exc.value) == message, (value, kwargs)


def test_parse_bool_takes_booleans_only() -> None:
    assert parse_bool(True) is True and parse_bool(False) is False
    for value in ("no", "true", 1, 0, None):
        with pytest.raises(ValueError) as exc:
            parse_bool(value)
        assert str(exc.value) == f"{value!r} is not a boolean (write true or false, without quotes)"


# -- argparse types -----------------------------------------------------------------------------


def refusal(parse: object, value: str) -> str:
    with pytest.raises(argparse.ArgumentTypeError) as exc:
        parse(value)  # type: ignore[operator]
    return str(exc.value)


def test_int_in_range_ends() -> None:
    p = int_in(1, 16_777_216, "a context size")
    assert p.__name__ == "a context size"
    assert (p("1"), p("16777216"), p(" 4_096 ")) == (1, 16_777_216, 4096)
    assert refusal(p, "0") == "0 is out of range: use 1..16,777,216"
    assert refusal(p, "16777217") == "16777217 is out of range: use 1..16,777,216"
    assert refusal(p, "4k") == "'4k' is not a context size"
    assert refusal(int_in(-1, 10), "x") == "'x' is not an integer"
    assert int_in(-1, 10)("-1") == -1


def test_size_in_range_ends() -> None:
    p = size_in(1)
    assert p.__name__ == "size"
    assert (p("1"), p("1024TiB")) == (1, MAX_SIZE)
    assert refusal(p, "0") == "'0' is out of range: use 1 B..1 PiB"
    assert refusal(p, "1025TiB") == "'1025TiB' is out of range: use 1 B..1 PiB"
    assert refusal(p, "lots") == 'cannot read \'lots\' as a size (e.g. "12GiB" or "500MB")'
    assert refusal(p, "-8GiB") == "'-8GiB': a size can't be negative or NaN"
    assert refusal(p, "1e400GiB") == "'1e400GiB': too large for a size (at most 1 EiB)"
    capped = size_in(0, GiB)
    assert (capped("0"), capped("1GiB")) == (0, GiB)
    assert refusal(capped, "1073741825") == "'1073741825' is out of range: use 0 B..1.00 GiB"
    default = size_in()  # from 0 bytes to 1 PiB
    assert (default("0"), default("1024TiB")) == (0, MAX_SIZE)
    assert refusal(default, "1025TiB") == "'1025TiB' is out of range: use 0 B..1 PiB"
    same = size_in(0, int(str(MAX_SIZE)))  # an equal ceiling (another int object) reads alike
    assert refusal(same, "1025TiB") == "'1025TiB' is out of range: use 0 B..1 PiB"
    wide = size_in(0, 2 * MAX_SIZE)  # only the default ceiling is spelt "1 PiB"
    assert refusal(wide, "2049TiB") == "'2049TiB' is out of range: use 0 B..2097152.00 GiB"
