"""The commit and branch a run measured: from CI's environment, else from git."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

__all__ = ["commit_and_branch"]


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    return text if out.returncode == 0 and text else None


def commit_and_branch(
    root: Path, env: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(full commit SHA, branch name); None for what can't be known.

    GitHub Actions checks out a detached HEAD (a merge commit for pull requests), so its
    variables come first: GITHUB_SHA, and the PR's head branch or the pushed branch.
    """
    env = os.environ if env is None else env
    commit = env.get("GITHUB_SHA") or _git(root, "rev-parse", "HEAD")
    branch = env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME")
    if not branch:
        name = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
        branch = None if name in (None, "HEAD") else name
    return commit, branch
