"""Dependencies that serve the project's own name or its workspace (corpus4 classes).

- a declared distribution that adds a subpackage to the project's own namespace
  (optimum's ``optimum-onnx`` -> ``optimum.onnxruntime``) is used by that import, while a
  real first-party module is never credited to it nor reported missing;
- an extra that only installs the project's own plugins (``amd = "optimum-amd"``) is an
  install alias: reported, never failing;
- type stubs declared at a workspace root are used by a member's import that mypy checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.namespaces import LocalTree, extension_guesses, open_namespaces
from pytest_llmcore.deps.records import Finding

REPO = Path(__file__).resolve().parents[1]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def _findings(root: Path) -> dict[str, Finding]:
    return {f.dependency: f for f in run_gate(root, use_cache=False).findings}


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


# -- a distribution adding a subpackage to the project's own namespace --------------------


def test_a_configured_extension_is_used_through_an_existing_first_party_package(
    tmp_path: Path,
) -> None:
    """``acme/plugins/`` is the project's own; ``acme.plugins.fast`` comes from acme-fast
    (a config map row), and the project's own ``acme.plugins.base`` stays first-party."""
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "acme"\nversion = "0"\n'
            'dependencies = ["acme-fast", "requests"]\n'
            '[tool.llmcore.deps.map]\nacme-fast = ["acme.plugins.fast"]\n',
            "src/acme/__init__.py": "import requests\n",
            "src/acme/plugins/__init__.py": "",
            "src/acme/plugins/base.py": "",
            "src/acme/run.py": """\
                import acme.plugins.fast
                from acme.plugins import base
                from acme import requests

                print(acme.plugins.fast.go(), base, requests)
                """,
        },
    )
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.findings] == []
    assert result.used_by["acme-fast"][0].text == "imported at src/acme/run.py:1"


def test_a_real_first_party_module_is_never_credited_to_a_namespace_dependency(
    tmp_path: Path,
) -> None:
    """``foo/ext/`` exists here: ``from foo.ext import x`` is the project's own, so
    ``foo-ext`` is unused; an attribute of the package (``from foo import helper``) is
    neither missing nor anyone's."""
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "foo"\nversion = "0"\n'
            'dependencies = ["foo-ext", "foo-other"]\n',
            "foo/__init__.py": "def helper():\n    pass\n",
            "foo/ext/__init__.py": "x = 1\n",
            "foo/main.py": "from foo.ext import x\nfrom foo import helper\nprint(x, helper)\n",
        },
    )
    found = _findings(root)
    assert sorted(found) == ["foo-ext", "foo-other"]
    assert {f.kind.value for f in found.values()} == {"unused"}
    assert found["foo-ext"].evidence[0].text == (
        "never imported (looked for module foo_ext, foo.ext, guessed from its name; "
        "set [tool.llmcore.deps] map if wrong)"
    )


def test_an_unused_name_from_a_namespace_extension_is_not_a_use(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "foo"\nversion = "0"\n'
            'dependencies = ["foo-ext"]\n',
            "foo/__init__.py": "",
            "foo/main.py": "from foo.ext import thing\n",
        },
    )
    found = _findings(root)
    assert list(found) == ["foo-ext"]
    assert found["foo-ext"].evidence[0].text == (
        "imported at foo/main.py:1 but the name 'thing' is never used"
    )


def test_a_plugin_project_uses_the_namespace_owner_it_extends(tmp_path: Path) -> None:
    """A plugin (project ``optimum-onnx``, package ``optimum/onnxruntime/``) importing the
    owner's ``optimum.utils`` uses its declared ``optimum`` (table row ``optimum.utils``)."""
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "optimum-onnx"\nversion = "0"\n'
            'dependencies = ["optimum"]\n',
            "optimum/onnxruntime/__init__.py": "from optimum.utils import logging\n",
            "optimum/onnxruntime/run.py": "from optimum.onnxruntime import x\nprint(x)\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert result.findings == []
    assert result.used_by["optimum"][0].text == "imported at optimum/onnxruntime/__init__.py:1"


def test_open_namespaces_and_dotted_guesses() -> None:
    rows = {"optimum-onnx": ("optimum.onnxruntime",), "numpy": ("numpy",)}
    opened = open_namespaces(
        {"optimum", "my_pkg", "tests"},
        ["optimum-onnx", "numpy", "my-pkg-ext", "tests2"],
        lambda key: rows.get(key, ()),
    )
    assert opened == frozenset({"optimum", "my_pkg"})
    assert extension_guesses("my-pkg-ext-fast", {"my_pkg"}) == (
        "my_pkg.ext.fast",
        "my_pkg.ext_fast",
    )
    assert extension_guesses("my-pkg", {"my_pkg"}) == ()


@given(st.lists(st.from_regex(r"[a-c]{1,2}(/[a-c]{1,2}){0,2}\.py", fullmatch=True), max_size=8))
def test_local_tree_resolves_exactly_the_tree_s_modules(files: list[str]) -> None:
    tree = LocalTree(files, ["src"])
    for rel in files:
        assert tree.resolves(rel[: -len(".py")].replace("/", "."))
        assert tree.resolves(rel[: -len(".py")].replace("/", ".") + ".attr")
    assert not tree.resolves("zz")
    assert not tree.resolves("a.zz") or any(f.startswith("a.py") for f in files)


# -- an extra that only installs the project's own plugins ----------------------------


def test_a_setup_py_extra_of_several_own_plugins_is_an_install_alias(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "setup.py": """\
                from setuptools import setup

                setup(
                    name="demo",
                    install_requires=["requests"],
                    extras_require={
                        "all": ["demo[amd]", "demo-intel", "demo-habana>=1"],
                        "gpu": ["demo-cuda", "torch"],
                    },
                )
                """,
            "demo/__init__.py": "import requests, torch\nprint(requests, torch)\n",
        },
    )
    code, data = _cli(root)
    assert code == 1
    by_dep = {f["dependency"]: f for f in data["findings"] if f["kind"] == "unused"}
    assert sorted(by_dep) == ["demo-cuda", "demo-habana", "demo-intel"]
    assert by_dep["demo-intel"]["ignored"] == (
        "the extra 'all' only installs the project's own plugin demo-intel "
        "(`pip install demo[all]`): an install alias for users; not failing"
    )
    assert by_dep["demo-habana"]["ignored"] is not None
    # an extra that also installs a third-party distribution is no alias
    assert by_dep["demo-cuda"]["ignored"] is None
    assert by_dep["demo-cuda"]["kind"] == "unused"


def test_an_own_plugin_also_declared_elsewhere_still_fails(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n'
            'dependencies = ["demo-amd"]\n'
            '[project.optional-dependencies]\namd = ["demo-amd"]\n',
            "demo/__init__.py": "",
        },
    )
    found = _findings(root)
    assert list(found) == ["demo-amd"]
    assert found["demo-amd"].ignored_reason is None


# -- type stubs at a workspace root for its members' imports ----------------------------

_MEMBER_TOML = '[project]\nname = "core"\nversion = "0"\ndependencies = ["pyyaml", "pandas"]\n'


def _workspace(tmp_path: Path, mypy: str) -> Path:
    return _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "root"\nversion = "0"\ndependencies = []\n'
            '[dependency-groups]\ndev = ["types-pyyaml", "pandas-stubs", "mypy"]\n'
            '[tool.uv.sources]\ncore = { path = "packages/core" }\n' + mypy,
            "root.py": "print(1)\n",
            "packages/core/pyproject.toml": _MEMBER_TOML,
            "packages/core/core/__init__.py": "import yaml\nimport pandas as pd\nprint(yaml, pd)\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: uv run mypy .\n",
        },
    )


def test_stubs_used_by_a_path_dependency_member_that_mypy_checks(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "")
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    assert result.used_by["types-pyyaml"][0].text == (
        "type stubs for pyyaml, imported as yaml in packages/core/core/__init__.py:1, "
        "which mypy checks (the mypy command lines); workspace member packages/core"
    )
    assert result.used_by["pandas-stubs"][0].line == 2


def test_stubs_for_a_member_mypy_does_not_check_are_unused(tmp_path: Path) -> None:
    root = _workspace(tmp_path, '[tool.mypy]\nfiles = ["root.py"]\n')
    found = {f.dependency: f for f in run_gate(root, use_cache=False).failing}
    assert sorted(found) == ["pandas-stubs", "types-pyyaml"]
    assert found["types-pyyaml"].evidence[-1].text == (
        "type stubs for pyyaml, which is imported only where mypy does not check "
        "(packages/core/core/__init__.py; scope from [tool.mypy])"
    )


def test_stubs_for_a_hidden_folder_s_import_are_unused(tmp_path: Path) -> None:
    """A hidden folder (``.github/scripts``) is scanned apart, but it is no member mypy
    checks: a stub for its import alone is still unused."""
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "root"\nversion = "0"\ndependencies = []\n'
            '[dependency-groups]\ndev = ["types-requests"]\n',
            "root.py": "print(1)\n",
            ".github/scripts/notify.py": "import requests\nrequests.get('x')\n",
        },
    )
    assert [f.dependency for f in run_gate(root, use_cache=False).failing] == ["types-requests"]
