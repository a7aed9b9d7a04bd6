"""Issue 11, class 7: CUDA_VISIBLE_DEVICES read as CUDA reads it (doctor and the markers).
The parser itself is tested in test_gpu_visible.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases


@pytest.mark.parametrize("case", smoke_cases("cuda"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)
