"""Run the hostile corpus's marked cases (benchmarks/hostile_cases.py) from tests.

Each case pins the exit status, the lines the output must (and must not) hold and the
files left afterwards; a case passes only with its expected verdict (right, or a clean
one-line error): never a traceback, a wrong result, data loss or a hang.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from hostile_cases import Case, Outcome, all_cases, run_case  # noqa: E402

from .conftest import INNER_ADDOPTS  # noqa: E402

__all__ = ["Case", "Outcome", "check", "smoke_cases"]


def smoke_cases(cls: str) -> list[object]:
    """The marked cases of one class, as pytest parameters named after the case."""
    return [pytest.param(c, id=c.name) for c in all_cases() if c.cls == cls and c.smoke]


def check(case: Case, tmp_path: Path) -> Outcome:
    """Run ``case``; fail with its verdict, reason and output unless it went as expected."""
    if case.root_only and (os.geteuid() != 0 or shutil.which("chattr") is None):
        pytest.skip("needs root and chattr (a file even root cannot write)")
    out = run_case(_without_unrelated_plugins(case), tmp_path, timeout=120)
    want = "clean error" if case.error else "right"
    assert out.verdict == want, f"{out.verdict}: {out.why}\n{out.tail[-2000:]}"
    return out


def _without_unrelated_plugins(case: Case) -> Case:
    """``case`` with its pytest runs leaving out the plugins our pytester runs leave out
    (tests/conftest.py): what they cost is start-up, not anything the case checks."""
    addopts = " ".join(filter(None, (INNER_ADDOPTS, case.env.get("PYTEST_ADDOPTS"))))
    return dataclasses.replace(case, env={**case.env, "PYTEST_ADDOPTS": addopts})
