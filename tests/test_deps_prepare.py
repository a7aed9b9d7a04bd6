"""What judging asks is answered once per run: read while workers scan (prepare_judging)
and found there by judging, cache file or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps import configured, locks
from pytest_llmcore.deps.gate import run_gate


def _pinned_project(root: Path) -> Path:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\n'
        'dependencies = ["pytest", "pluggy==1.5.0", "iniconfig<99"]\n'
    )
    (root / "poetry.lock").write_text(
        '[[package]]\nname = "pytest"\nversion = "8"\n\n[package.dependencies]\n'
        'pluggy = ">=1"\niniconfig = "*"\n\n[[package]]\nname = "pluggy"\nversion = "1.5.0"\n'
    )
    (root / "test_a.py").write_text("import pytest\n\ndef test_a():\n    assert pytest\n")
    return root


@pytest.mark.parametrize("use_cache", [True, False])
def test_pins_and_lock_requirers_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool
) -> None:
    calls: list[str] = []
    real_pins, real_lock = configured.pinned_by, locks.lock_requirers

    def pins(names: list[str]) -> dict[str, str]:
        calls.append("pinned_by")
        return real_pins(names)

    def lock(root: Path, declared: object) -> locks.Requirers:
        calls.append("lock_requirers")
        return real_lock(root, declared)  # type: ignore[arg-type]

    monkeypatch.setattr(configured, "pinned_by", pins)
    monkeypatch.setattr(locks, "lock_requirers", lock)
    root = _pinned_project(tmp_path)
    for i in range(45):  # enough files for the scan to overlap judging's preparation
        (root / f"m{i}.py").write_text("import os\n")
    r = run_gate(root, use_cache=use_cache)
    assert calls.count("pinned_by") == 1 and calls.count("lock_requirers") <= 1, calls
    kinds = {f.dependency: f.kind.value for f in r.findings}
    assert kinds == {"pluggy": "unused-companion", "iniconfig": "unused-companion"}


def test_no_pin_declared_reads_neither(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(configured, "pinned_by", lambda names: calls.append("p") or {})
    real_lock = locks.lock_requirers
    monkeypatch.setattr(locks, "lock_requirers", lambda *a: calls.append("l") or real_lock(*a))
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["pytest"]\n'
    )
    (tmp_path / "test_a.py").write_text("import pytest\n")
    run_gate(tmp_path, use_cache=False)
    assert calls == []


def test_prepare_reads_the_pins_judging_asks_for(tmp_path: Path) -> None:
    from pytest_llmcore.deps.cache import ImportCache
    from pytest_llmcore.deps.declarations import read_declarations
    from pytest_llmcore.deps.prepare import prepare_judging
    from pytest_llmcore.deps.projectfacts import ProjectFacts

    root = _pinned_project(tmp_path)
    decl = read_declarations(root)
    cache = ImportCache(None, "")
    facts = ProjectFacts(root, decl.pyproject)
    prepare_judging(decl, cache, {}, facts)
    names = ("pytest", "pluggy", "iniconfig")
    asked = configured.declared_pins(cache.memo, [(n, n) for n in names])
    assert asked["pluggy"] == asked["iniconfig"] == "pytest"  # pytest's installed metadata
    assert [k for k in cache._seeded if k.startswith("pinned-by:")] == [
        "pinned-by:pytest,pluggy,iniconfig"
    ]
    assert facts._lock  # the lock's requirers, read once
