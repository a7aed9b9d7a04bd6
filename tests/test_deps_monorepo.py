"""Monorepos and companions declared with a reason: real trees, the gate run as users run it.

- a workspace member's used import is a use of a dependency the root declares (pydantic-ai:
  the root's dev group holds exa-py for pydantic_ai_slim/.../exa.py), and the member's own
  imports are never reported missing for the root;
- an unused entry whose line comment names the used dependency it serves is an
  ``unused-companion`` (huggingface_hub: ``"requests",  # see .../gradio-app/gradio/pull/11830``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.companions import comment_parent, declaration_comments
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Declared
from pytest_llmcore.deps.workspace import member_dirs

REPO = Path(__file__).resolve().parents[1]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def _cli(root: Path) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "LLMCORE_DEPS_JOBS": "1"},
        check=False,
        timeout=120,
    )
    assert proc.stderr == "", proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, data


def _kinds(data: dict[str, Any]) -> dict[str, str]:
    return {f["dependency"]: f["kind"] for f in data["findings"]}


MEMBER = '[project]\nname = "{name}"\nversion = "0"\ndependencies = {deps}\n'


def _uv_workspace(tmp_path: Path, members: str, extra: str = "") -> Path:
    root_toml = (
        '[project]\nname = "mono"\nversion = "0"\ndependencies = []\n'
        '[dependency-groups]\ndev = ["exa-py", "asgi-lifespan", "dead-one"]\n'
        f"[tool.uv.workspace]\nmembers = {members}\n{extra}"
    )
    return _tree(
        tmp_path,
        {
            "pyproject.toml": root_toml,
            "tests/test_root.py": "def test_x():\n    assert True\n",
            "libs/slim/pyproject.toml": MEMBER.format(name="slim", deps='["exa-py", "httpx2"]'),
            "libs/slim/slim/__init__.py": "",
            "libs/slim/slim/exa.py": (
                "from exa_py import AsyncExa\nimport httpx2\n\n"
                "def client():\n    return AsyncExa(), httpx2.Client()\n"
            ),
            # a dead import in a member is no use
            "libs/other/pyproject.toml": MEMBER.format(name="other", deps='["dead-one"]'),
            "libs/other/other.py": "import dead_one\n",
        },
    )


def test_a_uv_workspace_members_import_is_a_use_of_the_roots_dependency(tmp_path: Path) -> None:
    root = _uv_workspace(tmp_path, '["libs/*"]')
    rc, data = _cli(root)
    assert rc == 1
    # the member's imports (httpx2) are the member's business, never missing for the root
    assert _kinds(data) == {"asgi-lifespan": "unused", "dead-one": "unused"}
    result = run_gate(root, use_cache=False)
    assert [e.text for e in result.used_by["exa-py"]] == [
        "imported by workspace member libs/slim at libs/slim/slim/exa.py:1"
    ]
    assert "libs/slim: a project of its own (has its own project file); not scanned" in (
        result.notes
    )


def test_a_declared_member_provides_its_own_packages(tmp_path: Path) -> None:
    """pydantic-ai's shape: the root depends on its member pydantic-ai-slim, whose package is
    pydantic_ai; the member is not installed, and its name is no guide to its module."""
    _tree(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "mono"\nversion = "0"\n'
                'dependencies = ["slim-dist[openai]", "cli-tool"]\n'
                "[tool.uv.sources]\nslim-dist = { workspace = true }\n"
                'cli-tool = { workspace = true }\n[tool.uv.workspace]\nmembers = ["libs/*"]\n'
            ),
            "mono/__init__.py": "import slimpkg\nfrom clipkg.main import run\nslimpkg.x, run\n",
            "libs/slim/pyproject.toml": MEMBER.format(name="slim-dist", deps="[]"),
            "libs/slim/slimpkg/__init__.py": "",
            "libs/cli/pyproject.toml": MEMBER.format(name="cli_tool", deps="[]")
            + "[tool.setuptools.packages.find]\nwhere = ['src']\n",
            "libs/cli/src/clipkg/__init__.py": "",
            "libs/cli/src/clipkg/main.py": "def run(): ...\n",
        },
    )
    rc, data = _cli(tmp_path)
    assert (rc, data["findings"]) == (0, [])
    result = run_gate(tmp_path, use_cache=False)
    assert result.used_by["slim-dist"][0].text == "imported at mono/__init__.py:1"
    assert result.used_by["cli-tool"][0].text == "imported at mono/__init__.py:2"


def test_workspace_exclude_and_paths_outside_the_root_are_not_members(tmp_path: Path) -> None:
    root = _uv_workspace(
        tmp_path / "repo", '["libs/*", "../elsewhere"]', 'exclude = ["libs/slim"]\n'
    )
    _tree(tmp_path, {"elsewhere/pyproject.toml": MEMBER.format(name="e", deps="[]")})
    _tree(tmp_path, {"elsewhere/e.py": "import exa_py\nexa_py.X\n"})
    assert member_dirs(root, _doc(root)) == ["libs/other"]
    rc, data = _cli(root)
    assert rc == 1
    assert _kinds(data) == {"asgi-lifespan": "unused", "dead-one": "unused", "exa-py": "unused"}


def _doc(root: Path) -> dict[str, Any]:
    import tomlkit

    doc: dict[str, Any] = tomlkit.parse((root / "pyproject.toml").read_text()).unwrap()
    return doc


def test_path_dependencies_rye_and_hatch_workspaces_are_members(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "mono"\nversion = "0"\n'
                "[tool.uv.sources]\nuvpath = { path = 'packages/uvpath', editable = true }\n"
                "[tool.poetry.group.dev.dependencies]\npoet = { path = './packages/poet' }\n"
                "[tool.rye.workspace]\nmembers = ['rye-*']\n"
                "[tool.hatch.envs.default.workspace]\n"
                "members = [{ path = 'hatched' }, 'not-a-project']\n"
            ),
            "packages/uvpath/setup.py": "from setuptools import setup\nsetup()\n",
            "packages/poet/pyproject.toml": MEMBER.format(name="poet", deps="[]"),
            "rye-one/pyproject.toml": MEMBER.format(name="one", deps="[]"),
            "rye-two/setup.cfg": "[metadata]\nname = two\n",
            "hatched/pyproject.toml": MEMBER.format(name="h", deps="[]"),
            "not-a-project/x.py": "",  # scanned as the root's code already
        },
    )
    assert member_dirs(tmp_path, _doc(tmp_path)) == [
        "hatched",
        "packages/poet",
        "packages/uvpath",
        "rye-one",
        "rye-two",
    ]


def test_hostile_member_patterns_are_skipped(tmp_path: Path) -> None:
    doc = {"tool": {"uv": {"workspace": {"members": ["/etc", "", ".", "[", "**/../..", 3]}}}}
    assert member_dirs(tmp_path, doc) == []


# -- companions whose declaration says whom they serve ------------------------------------

SETUP_PY = """\
from setuptools import setup

extras = {}
extras["gradio"] = [
    "gradio>=5.0.0",
    "requests",  # see https://github.com/gradio-app/gradio/pull/11830
    "gradio-tools",  # more gradio: a plugin naming its parent is no reason
]
extras["oauth"] = [
    "authlib",
    "itsdangerous",  # required for authlib sessions
    "lonely",  # required by nobody we know of
    "urllib3",  # https://urllib3.readthedocs.io/en/stable/
]
extras["anthropic"] = ["anthropic", "xmltodict"]
setup(name="hub", extras_require=extras)
"""


def test_a_comment_naming_the_used_dependency_it_serves_makes_a_companion(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "setup.py": SETUP_PY,
            "hub/__init__.py": "",
            "hub/web.py": "import gradio\nimport authlib\nimport anthropic\n"
            "gradio.X, authlib.Y, anthropic.Z\n",
        },
    )
    rc, data = _cli(tmp_path)
    assert rc == 1
    # named beside its integration but with no stated reason (instructor's xmltodict): unused;
    # a comment naming only itself or a web page is no reason either
    assert _kinds(data) == {
        "itsdangerous": "unused-companion",
        "gradio-tools": "unused",
        "lonely": "unused",
        "requests": "unused-companion",
        "setuptools": "missing",  # setup.py imports it; a build requirement, not declared
        "urllib3": "unused",
        "xmltodict": "unused",
    }
    texts = {f["dependency"]: f["evidence"][-1]["text"] for f in data["findings"]}
    assert texts["requests"] == (
        "not used directly; the comment on its line (setup.py:6) ties it to gradio (used), "
        "which needs it"
    )
    assert texts["itsdangerous"] == (
        "not used directly; the comment on its line (setup.py:11) ties it to authlib (used), "
        "which needs it"
    )


# -- hidden folders and environments are not the project's code --------------------------


def test_hidden_code_is_a_use_but_never_missing_nor_misplaced(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "app"\nversion = "0"\ndependencies = ["pyyaml", "unusedpkg"]\n'
                '[dependency-groups]\ndev = ["httpx", "griffecli"]\n'
            ),
            "app/__init__.py": "",
            ".github/scripts/check.py": (
                "import subprocess, sys\nimport yaml\nimport httpx\nimport not_declared_here\n"
                "yaml.safe_load(''), httpx.get, not_declared_here.x\n"
                "subprocess.run([sys.executable, '-m', 'griffecli', 'check'])\n"
            ),
            ".hidden.code.py": "import module_a\nmodule_a.x\n",
            ".hidden_dir/code.py": "import module_b\nmodule_b.x\n",
            ".venv/pyvenv.cfg": "home = /usr\n",
            ".venv/lib/python3.11/site-packages/pkg/x.py": "import yaml\nyaml.x\n",
            # a conda env in a hidden folder: its stdlib and tools are no use of anything
            ".conda/envs/app/conda-meta/history": "",
            ".conda/envs/app/lib/python3.12/ast.py": "import unusedpkg\nunusedpkg.x\n",
            ".pixi/envs/default/bin/tool.py": "import unusedpkg\nunusedpkg.x\n",
        },
    )
    rc, data = _cli(tmp_path)
    assert rc == 1
    # FawltyDeps' hidden_files sample: no undeclared module_a/module_b; httpx is not
    # "imported by runtime code"; only the truly unused entry fails
    assert _kinds(data) == {"unusedpkg": "unused"}
    result = run_gate(tmp_path, use_cache=False)
    assert [e.text for e in result.used_by["pyyaml"]] == [
        "imported at .github/scripts/check.py:2 (hidden .github, scanned apart)"
    ]
    assert "griffecli" in result.used_by


def test_a_root_that_is_a_virtualenv_and_pypackages_are_not_scanned(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "numpy\n",
            "pyvenv.cfg": "home = /usr/bin\n",
            "code.py": "import numpy\nimport pandas\nnumpy.x, pandas.y\n",
            "bin/some_tool.py": "from some_installed_tool import main\nmain()\n",
            "lib/python3.10/site-packages/dummy/code.py": "import requests\nrequests.x\n",
            "__pypackages__/3.10/lib/a_module.py": "import scipy\nscipy.x\n",
            "src/lib/helper.py": "import leftpad\nleftpad.x\n",  # a lib/ below the root: code
            "envs/py/conda-meta/history": "",
            "envs/py/lib/site.py": "import condaonly\ncondaonly.x\n",
        },
    )
    rc, data = _cli(tmp_path)
    assert rc == 0
    assert sorted(f["dependency"] for f in data["findings"] if f["kind"] == "missing") == [
        "leftpad",
        "pandas",
    ]


def test_requirements_files_in_subfolders_declare(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "pandas\n",
            "main.py": "import pandas\nimport tensorflow\nimport click\npandas.x, tensorflow.y\n"
            "click.z\n",
            "subdir/requirements.txt": "tensorflow>=2\n",
            "examples/app/app-requirements.txt": "flask\n",
            "examples/app/run.py": "import flask\nflask.Flask\n",
            "a/b/c/requirements.txt": "leftpad\n",  # three levels down: read
            "a/b/c/d/requirements.txt": "toodeep\n",  # four: not
            ".hidden_dir/requirements.txt": "package-y\n",
            "env/requirements.txt": "inenv\n",
            "sub/pyproject.toml": '[project]\nname = "sub"\nversion = "0"\n',
            "sub/requirements.txt": "nestedonly\n",  # a nested project's own
        },
    )
    rc, data = _cli(tmp_path)
    assert rc == 0  # leftpad is unused, but only an unreferenced subfolder declares it
    declared = sorted((d["dependency"], d["declared_in"]) for d in data["declared"])
    assert declared == [
        ("flask", "examples/app/app-requirements.txt:1"),
        ("leftpad", "a/b/c/requirements.txt:1"),
        ("pandas", "requirements.txt:1"),
        ("tensorflow", "subdir/requirements.txt:1"),
    ]
    assert _kinds(data) == {"click": "missing", "leftpad": "unused"}
    leftpad = next(f for f in data["findings"] if f["dependency"] == "leftpad")
    assert leftpad["ignored"].startswith("declared only in a/b/c/requirements.txt, a subfolder")


_NAME = st.from_regex(r"[a-z][a-z0-9]{1,8}(-[a-z0-9]{1,6})?", fullmatch=True)


@given(entry=_NAME, parent=_NAME, before=_NAME, after=_NAME)
def test_a_comment_names_a_parent_only_as_a_word_of_its_own(
    entry: str, parent: str, before: str, after: str
) -> None:
    d = Declared(entry, entry, "pyproject.toml", 3, "project.optional-dependencies.x", False)
    family = entry.startswith(parent + "-") or entry.endswith("-" + parent) or entry == parent
    expected = None if family else parent
    assert comment_parent(d, f"needed by {parent}, see issue", {parent}) == expected
    assert comment_parent(d, f"see https://github.com/{before}/{parent}/pull/1", {parent}) == (
        expected
    )
    # inside a longer name or a domain it is not named
    assert comment_parent(d, f"{before}{parent}x {parent}-{after}y {parent}.io", {parent}) is None


@given(req=st.from_regex(r"[a-z]{1,8}(>=[0-9]{1,3})?", fullmatch=True), text=st.text("ab #:/."))
def test_declaration_comments_round_trip(tmp_path_factory: Any, req: str, text: str) -> None:
    root = tmp_path_factory.mktemp("c")
    (root / "requirements.txt").write_text(f'x\n"{req}",  #{text}\n')
    d = Declared(req, req, "requirements.txt", 2, "requirements", False)
    assert declaration_comments(root, [d]) == {"requirements.txt:2": text.strip()}


def test_unreferenced_subfolder_requirements_never_fail_as_unused(tmp_path: Path) -> None:
    """A test fixture's or an example's own requirements file declares (its imports are not
    missing) but is no reason to fail the project; one that CI installs from is."""
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": MEMBER.format(name="app", deps='["requests"]'),
            "app.py": "import requests\nrequests.get\n",
            "fixtures/case/requirements.txt": "pyjwt\n-r base.txt\n",
            "fixtures/case/base.txt": "tabulate\n",
            "ci/requirements.txt": "rich\n",
            ".github/workflows/ci.yml": (
                "jobs:\n  t:\n    runs-on: x\n    steps:\n"
                "      - run: pip install -r ci/requirements.txt\n"
            ),
        },
    )
    code, data = _cli(root)
    by_dep = {f["dependency"]: f for f in data["findings"]}
    assert by_dep["rich"]["kind"] == "unused" and by_dep["rich"]["ignored"] is None
    assert code == 1  # rich: CI installs from ci/requirements.txt and nothing imports it
    assert by_dep["pyjwt"]["ignored"] == (
        "declared only in fixtures/case/requirements.txt, a subfolder's requirements that no "
        "config, CI or task runner installs from; not failing"
    )
    assert by_dep["tabulate"]["ignored"] == (
        "declared only in fixtures/case/base.txt (from fixtures/case/requirements.txt), a "
        "subfolder's requirements that no config, CI or task runner installs from; not failing"
    )
