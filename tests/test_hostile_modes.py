"""Issue 11, class 8: reports, HTML and baselines are created with the umask applied, and a
rewritten file keeps its mode. Unit tests: test_core_io.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases


@pytest.mark.parametrize("case", smoke_cases("modes"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)
