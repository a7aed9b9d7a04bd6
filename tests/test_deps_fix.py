"""``llmcore deps --fix``: the project still imports afterwards, and nothing is lost.

Driven through the real command: a subprocess where nothing needs to be injected, the
in-process ``main`` where a test must change a file mid-run or make a write fail (we run
as root, where chmod can't make a directory read-only).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore import cli
from pytest_llmcore.deps import fix as fixmod
from pytest_llmcore.deps import gate

PYPROJECT = '[project]\nname = "app"\nversion = "0"\ndependencies = [{deps}]\n'
NUMPY_MAP = '[tool.llmcore.deps]\nmap = {{ numpy = ["numpy"] }}\n'.format()


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", str(root), "--no-cache", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LLMCORE_DEPS_JOBS": "1"},
    )


def _main(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    rc = cli.main(["deps", str(root), "--no-cache", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def _findings(root: Path) -> dict[str, list[str]]:
    proc = _cli(root, "--format", "json")
    data = json.loads(proc.stdout)
    out: dict[str, list[str]] = {}
    for f in data["findings"]:
        out.setdefault(f["kind"], []).append(f["dependency"])
    return out


# -- dead imports go with their dependency --------------------------------------------------

COMPAT = """\
import os
try:
    import yaml  # optional speed-up
except ImportError:
    yaml = None


def f():
    import numpy as np


print(os.sep)
"""


def test_dead_imports_are_removed_with_the_dependency(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            # numpy's module named (not guessed) whether or not numpy is installed here:
            # --fix never removes a dependency whose module was guessed
            "pyproject.toml": PYPROJECT.format(deps='"numpy", "pyyaml", "packaging"') + NUMPY_MAP,
            "app/__init__.py": "",
            "app/compat.py": COMPAT,
            "app/other.py": "import packaging\nprint(packaging.__name__)\n",
        },
    )
    proc = _cli(root, "--fix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines()[:4] == [
        "removed numpy (numpy) from pyproject.toml:4",
        "removed pyyaml (pyyaml) from pyproject.toml:4",
        "removed the unused import app/compat.py:3: import yaml  # optional speed-up",
        "removed the unused import app/compat.py:9: import numpy as np",
    ]
    assert (root / "pyproject.toml").read_text() == PYPROJECT.format(deps='"packaging"') + NUMPY_MAP
    assert (root / "app/compat.py").read_text() == (
        "import os\ntry:\n    pass\nexcept ImportError:\n    yaml = None\n\n\n"
        "def f():\n    pass\n\n\nprint(os.sep)\n"
    )
    # the project still imports, and the gate finds nothing missing for what went
    compile((root / "app/compat.py").read_text(), "compat.py", "exec")
    assert _findings(root) == {}


def test_a_statement_that_imports_something_else_too_keeps_the_dependency(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"pyyaml"'),
            "app/__init__.py": "",
            "app/a.py": "import os, yaml\nprint(os.sep)\n",
        },
    )
    before = (root / "pyproject.toml").read_text()
    proc = _cli(root, "--fix")
    assert proc.returncode == 1
    assert proc.stderr == (
        "llmcore deps: --fix: kept pyyaml: its import can't be removed safely; delete it by "
        "hand: app/a.py:1: import os, yaml\n"
    )
    assert (root / "pyproject.toml").read_text() == before
    assert (root / "app/a.py").read_text() == "import os, yaml\nprint(os.sep)\n"


def test_a_guessed_module_name_is_never_removed(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"not-installed-anywhere"'),
            "app/__init__.py": "",
        },
    )
    before = (root / "pyproject.toml").read_text()
    proc = _cli(root, "--fix")
    assert proc.returncode == 1
    assert proc.stderr == (
        "llmcore deps: --fix: kept not-installed-anywhere: its module name was guessed "
        "(not_installed_anywhere); confirm it with [tool.llmcore.deps] map\n"
    )
    assert (root / "pyproject.toml").read_text() == before


def test_diff_shows_the_source_edits_and_writes_nothing(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"pyyaml"'),
            "app/__init__.py": "",
            "app/a.py": "import yaml\nx = 1\n",
        },
    )
    proc = _cli(root, "--diff")
    assert proc.returncode == 1
    assert proc.stdout == (
        "--- a/pyproject.toml\n+++ b/pyproject.toml\n@@ -1,4 +1,4 @@\n [project]\n"
        ' name = "app"\n version = "0"\n-dependencies = ["pyyaml"]\n+dependencies = []\n'
        "--- a/app/a.py\n+++ b/app/a.py\n@@ -1,2 +1 @@\n-import yaml\n x = 1\n"
    )
    assert (root / "app/a.py").read_text() == "import yaml\nx = 1\n"


def test_a_name_used_through_a_reexport_is_a_use(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"pyyaml"'),
            "app/__init__.py": "",
            "app/compat.py": (
                "try:\n    import yaml as fast\nexcept ImportError:\n    fast = None\n"
            ),
            "app/core.py": "from app.compat import fast\nfast.safe_load('')\n",
        },
    )
    proc = _cli(root, "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["used"] == {
        "pyyaml": ["imported at app/compat.py:2 as 'fast', used through app/core.py:1"]
    }


def test_relative_and_module_attribute_reexports(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"pyyaml", "numpy"'),
            "src/app/__init__.py": "",
            "src/app/compat.py": "import yaml as y\nimport numpy as np\n",
            "src/app/core.py": "from . import compat\nfrom .compat import np\ncompat.y.dump(np)\n",
        },
    )
    proc = _cli(root, "--format", "json")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert json.loads(proc.stdout)["used"] == {
        "numpy": ["imported at src/app/compat.py:2 as 'np', used through src/app/core.py:2"],
        "pyyaml": ["imported at src/app/compat.py:1 as 'y', used through src/app/core.py:1"],
    }


# -- nothing is lost ----------------------------------------------------------------------

REQS = "numpy\npyyaml\npackaging\n"


def _req_project(root: Path) -> Path:
    return _write(
        root,
        {
            "requirements.txt": REQS,
            "app/__init__.py": "",
            "app/a.py": "import packaging\nimport numpy\nprint(packaging, numpy)\n",
        },
    )


def test_a_line_inserted_after_the_scan_stops_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _req_project(tmp_path)
    real = gate.run_gate

    def run_gate(*a: Any, **kw: Any) -> Any:
        result = real(*a, **kw)
        (root / "requirements.txt").write_text("torchvision\n" + REQS)  # someone edits
        return result

    monkeypatch.setattr("pytest_llmcore.deps.gate.run_gate", run_gate)
    rc, out, err = _main(capsys, root, "--fix")
    assert (rc, out) == (2, "")
    assert err == (
        "llmcore deps: requirements.txt: changed since llmcore deps read it; nothing written "
        "(run it again)\n"
    )
    assert (root / "requirements.txt").read_text() == "torchvision\n" + REQS


def test_a_change_between_plan_and_write_stops_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _req_project(tmp_path)
    real = fixmod.plan_result_fix

    def plan(*a: Any, **kw: Any) -> Any:
        p = real(*a, **kw)
        with open(root / "requirements.txt", "a") as fh:
            fh.write("torchvision\n")
        return p

    monkeypatch.setattr(fixmod, "plan_result_fix", plan)
    rc, _, err = _main(capsys, root, "--fix")
    assert rc == 2
    assert err == (
        "llmcore deps: requirements.txt: changed since llmcore deps read it; nothing written "
        "(run it again)\n"
    )
    assert (root / "requirements.txt").read_text() == REQS + "torchvision\n"


@pytest.mark.parametrize(
    ("code", "text"),
    [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space left on device")],
)
def test_one_unwritable_target_writes_nothing_at_all(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    text: str,
) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(deps='"pyyaml", "packaging"')
            + NUMPY_MAP
            + 'requirements = ["locked/requirements.txt"]\n',
            "locked/requirements.txt": "numpy\npackaging\n",
            "app/__init__.py": "",
            "app/a.py": "import packaging\nprint(packaging)\n",
        },
    )
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    real = tempfile.mkstemp

    def mkstemp(*a: Any, **kw: Any) -> Any:
        if str(kw.get("dir", "")).endswith("locked"):
            raise OSError(code, text)
        return real(*a, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    rc, out, err = _main(capsys, root, "--fix")
    assert (rc, out) == (2, "")
    assert err == (
        f"llmcore deps: locked/requirements.txt: cannot write ({text}); nothing written "
        "(check the directory is writable and the disk has room)\n"
    )
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_symlinked_requirements_file_is_written_through(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    (root / "reqs").mkdir()
    (root / "requirements.txt").rename(root / "reqs" / "real.txt")
    os.chmod(root / "reqs" / "real.txt", 0o640)
    os.symlink("reqs/real.txt", root / "requirements.txt")
    proc = _cli(root, "--fix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.readlink(root / "requirements.txt") == "reqs/real.txt"
    assert (root / "reqs" / "real.txt").read_text() == "numpy\npackaging\n"
    assert os.stat(root / "reqs" / "real.txt").st_mode & 0o777 == 0o640
    assert sorted(os.listdir(root / "reqs")) == ["real.txt"]


def test_nothing_is_removed_when_a_source_file_was_not_read(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    (root / "pyproject.toml").write_text(
        PYPROJECT.format(deps="")
        + '[tool.llmcore.deps]\nmax-file-size = 200\nrequirements = ["requirements.txt"]\n'
    )
    (root / "app" / "big.py").write_text("import yaml\nyaml.x\n" + "#" * 300 + "\n")
    proc = _cli(root, "--fix")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "llmcore deps: --fix: 1 source file(s) were not read (app/big.py: 320 bytes, over "
        "max-file-size 200; skipped); nothing removed (raise [tool.llmcore.deps] max-file-size "
        "or exclude them, then run it again)\n"
    )
    assert (root / "requirements.txt").read_text() == REQS


def test_a_fifo_or_an_outside_link_does_not_stop_the_fix(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    os.mkfifo(root / "pipe.py")
    os.symlink("/dev/zero", root / "zero.py")
    proc = _cli(root, "--fix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "removed pyyaml (pyyaml) from requirements.txt:2"
    assert (root / "requirements.txt").read_text() == "numpy\npackaging\n"
