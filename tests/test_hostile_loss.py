"""Issue 11, class 2: nothing is lost (--fix, baselines, reports).

More of this class: test_deps_fix.py (atomic --fix, symlinks) and
test_budgets_reliability.py (baselines merge per machine, every output attempted).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases

LLMCORE = [sys.executable, "-m", "pytest_llmcore"]


@pytest.mark.parametrize("case", smoke_cases("loss"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)


def _read_only(path: Path) -> None:
    """A file this process cannot write: chattr +i as root (root ignores modes), else 0444."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root without chattr: no way to make a file read-only")
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)


def test_fix_checks_every_target_takes_a_write_before_replacing_any(tmp_path: Path) -> None:
    """pyproject.toml was rewritten, then requirements.txt failed: half a fix."""
    pp = (
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["requests", "torchvision"]\n'
        '[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n'
    )
    (tmp_path / "pyproject.toml").write_text(pp)
    (tmp_path / "requirements.txt").write_text("requests\ntorchvision\n")
    (tmp_path / "app.py").write_text("import requests\n\nrequests.get\n")
    _read_only(tmp_path / "requirements.txt")
    try:
        res = subprocess.run(
            [*LLMCORE, "deps", "--fix", "--no-cache", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        subprocess.run(["chattr", "-i", str(tmp_path / "requirements.txt")], check=False)
    assert res.returncode == 2
    reason = "Operation not permitted" if os.geteuid() == 0 else "Permission denied"
    assert res.stderr.splitlines() == [
        f"llmcore deps: requirements.txt: cannot write ({reason}); nothing written (check "
        "the directory is writable and the disk has room)"
    ]
    assert (tmp_path / "pyproject.toml").read_text() == pp
    assert (tmp_path / "requirements.txt").read_text() == "requests\ntorchvision\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
