"""The owners of undeclared imports, from top_level.txt read once (while workers scan) or
read on demand: the same answer either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmcore.deps import owners
from pytest_llmcore.deps.owners import module_owners, top_levels

_TOPS = ["yaml", "pytest", "_pytest", "pluggy", "packaging", "jaraco.text", "no_such_mod"]


def test_the_index_gives_the_same_owners() -> None:
    index = top_levels()
    assert index is not None
    again = json.loads(json.dumps(index))  # the memo keeps it as JSON
    assert module_owners(_TOPS, [tuple(e) for e in again]) == module_owners(_TOPS)
    assert module_owners(["yaml"], index) == {"yaml": ["PyYAML"]}


def test_with_the_index_no_top_level_file_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    index = top_levels()
    assert index is not None
    read: list[str] = []
    real = owners.InstalledDist.read_text

    def counting(self: owners.InstalledDist, filename: str) -> str | None:
        read.append(filename)
        return real(self, filename)

    monkeypatch.setattr(owners.InstalledDist, "read_text", counting)
    assert module_owners(["yaml"], index) == {"yaml": ["PyYAML"]}
    assert "top_level.txt" not in read


def test_an_index_entry_without_top_level_reads_its_record(tmp_path: Path) -> None:
    info = tmp_path / "demo_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
    (info / "RECORD").write_text("yaml/__init__.py,,\n")
    assert module_owners(["yaml"], [(str(info), None)]) == {"yaml": ["demo-pkg"]}
