"""Issue 11, class 5: exit codes CI can trust (0 ok, 1 findings, 2 usage or input error) and
JSON-only stdout for --format json. More in test_cli_contract.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases


@pytest.mark.parametrize("case", smoke_cases("exitcodes"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)
