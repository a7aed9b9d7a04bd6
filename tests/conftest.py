from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> object:
    """Copy a fixture project (``fixtures/<name>``) into a temporary directory."""

    def make(name: str) -> Path:
        dest = tmp_path / Path(name).name
        shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns(".pytest_cache"))
        return dest

    return make
