"""What ships beside the package: workflows, the Action, the pre-commit hooks, scripts, docs.

The tools (check-jsonschema, actionlint, shellcheck, pre-commit, mkdocs) come from the 'ship'
dependency group; without them these tests skip, except under LLMCORE_FULL=1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, REPO, require, require_tool

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SHIPPED_SCRIPTS = ["scripts/_venv.sh", "scripts/_progress.sh", "scripts/test", "scripts/demo"]


def _yaml(path: Path) -> Any:
    require("yaml")
    import yaml

    return yaml.safe_load(path.read_text())


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


@pytest.mark.parametrize("workflow", [p.name for p in WORKFLOWS])
def test_workflows_match_the_github_schema(workflow: str) -> None:
    path = REPO / ".github" / "workflows" / workflow
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        res = _run([require_tool("check-jsonschema"), "--builtin-schema", schema, str(path)])
        assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize(
    ("path", "schema"),
    [("action.yml", "vendor.github-actions"), (".github/dependabot.yml", "vendor.dependabot")],
)
def test_action_and_dependabot_match_their_schema(path: str, schema: str) -> None:
    res = _run([require_tool("check-jsonschema"), "--builtin-schema", schema, str(REPO / path)])
    assert res.returncode == 0, res.stdout + res.stderr


def test_actionlint_with_shellcheck_is_clean() -> None:
    """actionlint (runner labels from .github/actionlint.yaml) runs shellcheck on every
    `run:` step of every workflow."""
    shellcheck = require_tool("shellcheck")
    config = str(REPO / ".github" / "actionlint.yaml")
    cmd = [require_tool("actionlint"), "-config-file", config, "-shellcheck", shellcheck]
    cmd += ["-pyflakes", "", "-no-color"]
    res = _run([*cmd, *map(str, WORKFLOWS)], cwd=REPO)
    assert res.returncode == 0, res.stdout + res.stderr
    # the same run fails on a known defect: shellcheck is really consulted
    bad = REPO / ".github" / "workflows" / "gpu.yml"
    text = bad.read_text().replace('"$LLMCORE_PROFILE"); fi', "$LLMCORE_PROFILE); fi")
    broken = Path(os.environ.get("TMPDIR", "/tmp")) / f"llmcore-broken-{os.getpid()}.yml"
    broken.write_text(text)
    try:
        res = _run([*cmd, str(broken)], cwd=REPO)
    finally:
        broken.unlink()
    assert res.returncode == 1 and "SC2206" in res.stdout, res.stdout + res.stderr
    assert "label" not in res.stdout  # the runner labels come from .github/actionlint.yaml


def _action_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _yaml(REPO / "action.yml")["runs"]["steps"]
    return steps


def test_shellcheck_on_scripts_and_action_steps(tmp_path: Path) -> None:
    shellcheck = require_tool("shellcheck")
    paths = [str(REPO / p) for p in [*SHIPPED_SCRIPTS, ".ci/run"]]
    for i, step in enumerate(_action_steps()):
        if "run" in step:
            assert "${{" not in step["run"], f"action.yml step {i}: pass inputs through env:"
            script = tmp_path / f"action-step-{i}.sh"
            script.write_text("#!/usr/bin/env bash\n" + step["run"])
            paths.append(str(script))
    res = _run([shellcheck, "-x", "-s", "bash", *paths], cwd=REPO)
    assert res.returncode == 0, res.stdout + res.stderr


USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+?)(?:\s+#\s*(\S+))?\s*$", re.M)


def test_actions_are_pinned_by_commit_sha_and_kept_current_by_dependabot() -> None:
    found = 0
    for path in [*WORKFLOWS, REPO / "action.yml"]:
        for ref, comment in USES.findall(path.read_text()):
            found += 1
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{path.name}: {ref}"
            assert re.fullmatch(r"v\d+(\.\d+)*", comment), f"{path.name}: {ref} needs # vX.Y"
    assert found >= 10
    updates = _yaml(REPO / ".github" / "dependabot.yml")["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"github-actions"}


def test_gpu_workflow_works_on_a_fresh_repository() -> None:
    wf = _yaml(REPO / ".github" / "workflows" / "gpu.yml")
    job = wf["jobs"]["gpu-budgets"]
    assert job["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert wf["concurrency"] == {"group": "gpu-runner", "cancel-in-progress": False}
    assert wf["permissions"] == {"contents": "read"}
    assert job["if"] == (
        "github.event_name != 'pull_request' || "
        "github.event.pull_request.head.repo.full_name == github.repository"
    )
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    assert job["timeout-minutes"] <= 60 and "schedule" in triggers
    steps = {s.get("name", s.get("uses", "")): s for s in job["steps"]}
    text = (REPO / ".github" / "workflows" / "gpu.yml").read_text()
    assert "--llmcore-profile rtx" not in text and "PROFILE: rtx" not in text
    # the wheelhouse: keyed on version, CUDA, GPU, Python and flags; never pip's cache
    key = steps["Wheelhouse key (llama-cpp-python version, CUDA, GPU, Python, CMake flags)"]
    for part in ("LLAMA_CPP_PYTHON_VERSION", "cuda${cuda}", "sm${sm}", "cp${py}", "${flags}"):
        assert part in key["run"]
    build = steps["Build the CUDA wheel of llama-cpp-python (first run only, ~10 minutes)"]
    assert "--no-cache-dir" in build["run"] and "--no-binary llama-cpp-python" in build["run"]
    install = steps["Install (llama-cpp-python from the wheelhouse only)"]["run"]
    assert "--no-index --find-links wheelhouse" in install
    # the baseline reaches the checkout before the tests, or the run says there is none
    names = list(steps)
    restore = "Restore the main baseline (saved by the nightly run)"
    assert names.index(restore) < names.index("Tests and GPU budgets")
    tests = steps["Tests and GPU budgets"]["run"]
    assert "::notice title=llmcore::no main baseline yet" in tests
    assert "--llmcore-compare=main" in tests and "--llmcore-save-baseline=main" in tests
    save = steps["Keep the nightly baseline for the next runs"]
    assert save["uses"].startswith("actions/cache/save@") and "SAVE_BASELINE" in save["if"]
    assert "github.event_name == 'schedule'" in job["env"]["SAVE_BASELINE"]


def _action_env(step: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """A step's env: with ``${{ inputs.X }}`` replaced by the input's value or default."""
    declared = _yaml(REPO / "action.yml")["inputs"]
    env = {}
    for name, value in step.get("env", {}).items():
        m = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", str(value))
        assert m, f"action.yml: env {name} must be one input, got {value!r}"
        env[name] = inputs.get(m[1], str(declared[m[1]].get("default", "")))
    return env


def _run_action(tmp_path: Path, cwd: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    """Runs the action's `run:` steps as the runner would (bash -e, GITHUB_ENV carried over)."""
    gh_env, out = tmp_path / "github_env", tmp_path / "github_output"
    gh_env.touch()
    base = {**os.environ, "RUNNER_TEMP": str(tmp_path / "runner-temp")}
    base |= {"GITHUB_ACTION_PATH": str(REPO), "GITHUB_OUTPUT": str(out), "GITHUB_ENV": str(gh_env)}
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    declared = _yaml(REPO / "action.yml")["inputs"]
    res = subprocess.CompletedProcess[str]([], 0, "", "")
    for step in _action_steps():
        input_name = re.fullmatch(
            r"inputs\.([\w-]+) == 'true'", step.get("if", "inputs.x == 'true'")
        )
        assert input_name, step.get("if")
        if (
            inputs.get(input_name[1], declared.get(input_name[1], {}).get("default", "true"))
            != "true"
        ):
            continue
        carried = dict(line.split("=", 1) for line in gh_env.read_text().splitlines() if line)
        env = {**base, **carried, **_action_env(step, inputs)}
        res = _run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
        )
        if res.returncode != 0:
            return res
    return res


def test_action_gate_runs_from_its_own_venv(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    shutil.copytree(FIXTURES / "llm-runtime-core", proj)
    res = _run_action(tmp_path, proj)  # defaults: path ., format github
    assert res.returncode == 1, res.stdout + res.stderr
    assert re.search(r"^::error file=pyproject\.toml,line=\d+,.*torchvision", res.stdout, re.M)
    gate = (tmp_path / "github_env").read_text()
    assert f"LLMCORE_GATE={tmp_path}/runner-temp/pytest-llmcore/bin/llmcore" in gate
    # inputs reach the command: fail-on none passes, the text format has no annotations
    res = _run_action(tmp_path, tmp_path, path="proj", **{"fail-on": "none", "format": "text"})
    assert res.returncode == 0 and "::error" not in res.stdout, res.stdout + res.stderr
    assert "torchvision" in res.stdout


def test_action_budgets_run_in_the_projects_environment(tmp_path: Path) -> None:
    proj = tmp_path / "demo"
    shutil.copytree(FIXTURES / "budgets-demo", proj)
    inputs = {"gate": "false", "budgets": "true", "python": sys.executable, "path": "demo"}
    res = _run_action(tmp_path, tmp_path, **inputs, **{"pytest-args": "-p no:cacheprovider -q"})
    report = (tmp_path / "github_output").read_text()
    # relative to the workspace (where the job runs), not to `path`, like other actions' paths
    assert f"report={tmp_path}/llmcore-report.json" in report.splitlines()
    assert (tmp_path / "llmcore-report.json").is_file(), res.stdout + res.stderr
    assert res.returncode == 1, res.stdout + res.stderr  # the demo has over-budget tests
    assert "test_ttft_over_budget" in res.stdout


def _git_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
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
    return repo, env


@pytest.mark.parametrize("hook", ["llmcore-deps", "llmcore-deps-system"])
def test_pre_commit_hook_fails_then_passes_on_a_temporary_repository(
    tmp_path: Path, hook: str
) -> None:
    repo, env = _git_repo(tmp_path)
    if hook == "llmcore-deps-system":  # the project's environment: this interpreter's llmcore
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    pre_commit = require_tool("pre-commit")
    cmd = [pre_commit, "try-repo", str(REPO), hook, "--hook-stage", "pre-push", "--all-files"]
    res = _run(cmd, cwd=repo, env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "torchvision: unused (LLMD002)" in res.stdout
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('    "torchvision==0.22.1",\n', ""))
    ok = _run(cmd, cwd=repo, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "llmcore dependency gate" in ok.stdout and "Passed" in ok.stdout


def test_pre_commit_hooks_declare_their_minimum_version() -> None:
    hooks = _yaml(REPO / ".pre-commit-hooks.yaml")
    assert [(h["id"], h["language"]) for h in hooks] == [
        ("llmcore-deps", "python"),
        ("llmcore-deps-system", "system"),
    ]
    assert {h["minimum_pre_commit_version"] for h in hooks} == {"3.2.0"}  # stage pre-push


def test_install_progress_filter_and_heartbeat() -> None:
    sample = (
        "Collecting numpy\nnoise\n[  5%] Building C object a\n[ 12%] b\n[ 25%] c\n[100%] Link\n"
        "Successfully installed numpy-2.0\n"
    )
    script = (
        'source scripts/_progress.sh; progress_filter; HEARTBEAT_SECONDS=1 heartbeat_start "busy"'
        "; sleep 1.5; heartbeat_stop"
    )
    res = _run(["bash", "-c", script], cwd=REPO, input=sample)
    assert res.stdout.splitlines() == [
        "  Collecting numpy",
        "  compiling llama.cpp: 12%",
        "  compiling llama.cpp: 25%",
        "  compiling llama.cpp: 100%",
        "  Successfully installed numpy-2.0",
        "  busy (0 min)",
    ]
    ninja = "[1/200] a\n[40/200] b\n[200/200] c\n"
    res = _run(
        ["bash", "-c", "source scripts/_progress.sh; progress_filter"], cwd=REPO, input=ninja
    )
    assert res.stdout == "  compiling llama.cpp: 20%\n  compiling llama.cpp: 100%\n"


def test_pip_install_says_what_takes_long_and_shows_the_log_on_failure(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "scripts").mkdir(parents=True)
    for name in ("_venv.sh", "_progress.sh"):
        shutil.copy(REPO / "scripts" / name, root / "scripts" / name)
    subprocess.run([sys.executable, "-m", "venv", str(root / ".venv")], check=True)
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp_path / "pip-cache"), "CI": "true"}
    ok = _run(["bash", "-c", "source scripts/_venv.sh; pip_install pip"], cwd=root, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith(
        "installing into .venv: llama-cpp-python is compiled from source the first time "
        "(about 10-15 minutes on 2 cores; later runs reuse the wheel); progress below\n"
    )
    assert "\r" not in ok.stdout and (root / ".venv" / "pip-install.log").is_file()
    bad = _run(
        ["bash", "-c", f"source scripts/_venv.sh; pip_install {tmp_path}/nope"], cwd=root, env=env
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "pip install failed (exit 1); the end of " in bad.stderr
    assert "nope" in bad.stderr.split("the end of", 1)[1]


def test_docs_build_strict(tmp_path: Path) -> None:
    res = _run(
        [require_tool("mkdocs"), "build", "--strict", "-q", "-d", str(tmp_path / "site")], cwd=REPO
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "site" / "deps" / "index.html").is_file()
    assert (tmp_path / "site" / "migrating-from-deptry" / "index.html").is_file()
