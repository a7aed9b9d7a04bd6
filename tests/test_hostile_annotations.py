"""Issue 11, class 6: GitHub annotations cannot be injected by file names or test ids.
The escaping itself is unit-tested in test_core_io.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases


@pytest.mark.parametrize("case", smoke_cases("annotations"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)
