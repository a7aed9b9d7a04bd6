"""Run `llmcore deps --format json` on one project for the benchmark scripts.

Shared by real_projects.py and fawltydeps_samples.py (they import it as a sibling module:
Python puts a script's folder first on sys.path).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["run_llmcore_json"]


def run_llmcore_json(python: Path, project_dir: Path, timeout: float) -> dict[str, Any] | str:
    """The JSON report of `PY -m pytest_llmcore.cli deps --no-cache` on ``project_dir``, or a
    one-line reason why there is none (exit status other than 0/1, output not JSON)."""
    cmd = [str(python), "-m", "pytest_llmcore.cli", "deps", "--format", "json", "--no-cache"]
    # `python -m` puts the working directory first on sys.path: run from an empty one so
    # PYTHONPATH, not whatever tree we were started in, decides which llmcore runs.
    with tempfile.TemporaryDirectory(prefix="llmcore-cwd-") as cwd:
        proc = subprocess.run(
            [*cmd, str(project_dir.resolve())],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode not in (0, 1):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {proc.returncode}: {last}"
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return "output is not JSON"
    return report
