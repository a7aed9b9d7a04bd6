"""What ships beside the package: workflows, the pre-commit hook, the docs site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: the test setup installs the 'ship' dependency group")
    return str(path)


@pytest.mark.parametrize("workflow", ["ci.yml", "gpu.yml"])
def test_workflows_match_the_github_schema(workflow: str) -> None:
    path = REPO / ".github" / "workflows" / workflow
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        res = subprocess.run(
            [_tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout + res.stderr


def test_gpu_workflow_is_for_one_self_hosted_gpu() -> None:
    import yaml

    wf = yaml.safe_load((REPO / ".github" / "workflows" / "gpu.yml").read_text())
    job = wf["jobs"]["gpu-budgets"]
    assert job["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert (
        wf["concurrency"]["group"] == "gpu-runner"
        and wf["concurrency"]["cancel-in-progress"] is False
    )
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    assert job["timeout-minutes"] <= 60 and "schedule" in triggers
    text = (REPO / ".github" / "workflows" / "gpu.yml").read_text()
    for needle in (
        "CMAKE_ARGS: -DGGML_CUDA=on",
        "llmcore doctor --expect-gpu",
        "--llmcore-require-gpu",
        "--llmcore-save-baseline=main",
        "--llmcore-compare=main",
        "upload-artifact",
    ):
        assert needle in text


def test_pre_commit_hook_fails_then_passes_on_a_temporary_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hook")
    repo = tmp_path / "proj"
    shutil.copytree(FIXTURES / "llm-runtime-core", repo)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env)
    cmd = [
        _tool("pre-commit"),
        "try-repo",
        str(REPO),
        "llmcore-deps",
        "--hook-stage",
        "pre-push",
        "--all-files",
    ]
    res = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "torchvision: unused (LLMD002)" in res.stdout
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('    "torchvision==0.22.1",\n', ""))
    ok = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "llmcore dependency gate" in ok.stdout and "Passed" in ok.stdout


def test_docs_build_strict(tmp_path: Path) -> None:
    res = subprocess.run(
        [_tool("mkdocs"), "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "site" / "deps" / "index.html").is_file()
