"""The dependency gate's judgements on small trees, as a user reads them (issue 17): every
finding kind with its exact message, the caps on the places shown, development code, the
hooks' evidence, entry points and namespace packages. Written from the mutation benchmark's
survivors (docs/benchmarks.md) through ``run_gate`` and the modules' public functions.

The projects use only distributions every test environment has (pytest and its
requirements, this package's own, the core test group's) or names nothing installs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.gate import project_root_for, run_gate
from pytest_llmcore.deps.owners import module_owners
from pytest_llmcore.deps.records import GateResult, ImportRecord
from pytest_llmcore.deps.undeclared import display_module
from pytest_llmcore.deps.uses import dev_path_matcher


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return root


def _said(result: GateResult) -> list[str]:
    return [
        f.message() + (f" [ignored: {f.ignored_reason}]" if f.ignored_reason else "")
        for f in result.findings
    ]


def _used(result: GateResult) -> dict[str, list[str]]:
    return {k: [e.text for e in v] for k, v in result.used_by.items()}


_APP = """import tomlkit
import hypothesis
import yaml
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import sortedcontainers
try:
    import vulture
except ImportError:
    vulture = None
import iniconfig
import nowhere_mod
import google.cloud.storage
import azure.storage.blob
import pygments.lexers


def run():
    return tomlkit, hypothesis, iniconfig, nowhere_mod, google, azure, vulture, pygments, (
        sortedcontainers
    )
"""


PYGMENTS_TRANSITIVE = (
    "Pygments (module pygments): transitive (LLMD003) - imported at app/main.py:15; "
    "not declared; installed only because pytest requires it"
)


def test_every_kind_of_finding_in_one_project(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "app"\nversion = "0"\n'
                'dependencies = ["pytest", "PyYAML", "tomlkit", "notinstalled-zz"]\n'
                '[project.scripts]\napp-serve = "pluggy.cli:main"\napp-own = "app.main:run"\n'
                'app-blank = ":main"\n'
                '[dependency-groups]\ndev = ["hypothesis", "sortedcontainers", "pathspec", '
                '"vulture"]\n'
                '[tool.llmcore.deps]\nignore = { notinstalled-zz = "vendored later" }\n'
            ),
            "app/__init__.py": "",
            "app/main.py": _APP,
            "tests/test_x.py": "import pathspec\nimport nowhere_mod\n"
            "def test(): pathspec, nowhere_mod\n",
            "scripts/s.py": "import nowhere_mod\nimport nowhere_mod.sub\nnowhere_mod\n",
        },
    )
    r = run_gate(root, use_cache=False)
    said = [
        "PyYAML: unused (LLMD002) - imported at app/main.py:3 but the name 'yaml' is never used",
        "notinstalled-zz: unused (LLMD002) - never imported (looked for module notinstalled_zz,"
        " guessed from its name; set [tool.llmcore.deps] map if wrong) [ignored: vendored later]",
        "hypothesis: misplaced-dev (LLMD004) - declared for development only but imported by "
        "runtime code at app/main.py:2",
        PYGMENTS_TRANSITIVE,
        "azure.storage: missing (LLMD001) - imported at app/main.py:14; not declared, "
        "not installed",
        "google.cloud.storage: missing (LLMD001) - imported at app/main.py:13; not declared, "
        "not installed",
        "iniconfig: transitive (LLMD003) - imported at app/main.py:11; not declared; installed "
        "only because pytest requires it",
        "nowhere_mod: missing (LLMD001) - imported at app/main.py:12; imported at "
        "scripts/s.py:1; imported at scripts/s.py:2; and 1 more place(s); not declared, "
        "not installed",
        "pluggy: transitive (LLMD003) - imported at pyproject.toml (entry point 'app-serve'); "
        "not declared; installed only because pytest requires it",
    ]
    # pytest >= 8 requires Pygments (installed: transitive); the lowest supported pytest, 7.4,
    # does not (then not installed: missing)
    if importlib.util.find_spec("pygments") is None:
        said.remove(PYGMENTS_TRANSITIVE)
        said.append(
            "pygments: missing (LLMD001) - imported at app/main.py:15; not declared, not installed"
        )
    assert _said(r) == said
    assert [f.module for f in r.findings][:3] == ["_yaml,yaml", "notinstalled_zz", "hypothesis"]
    assert _used(r) == {
        "pytest": ["the test runner (the project has tests)"],
        "tomlkit": ["imported at app/main.py:1"],
        "hypothesis": ["imported at app/main.py:2"],
        "sortedcontainers": ["imported at app/main.py:6"],  # TYPE_CHECKING: used, not runtime
        "pathspec": ["imported at tests/test_x.py:1"],
        "vulture": ["imported at app/main.py:8"],  # guarded: used, not runtime
    }
    assert [f.dependency for f in r.failing] == ["PyYAML"]
    assert (r.files_scanned, r.notes) == (4, [])


def test_what_was_looked_for_and_the_caps_on_places(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "app"\nversion = "0"\ndependencies = ["tomlkit", '
                '"mapped-zz", "pytorch-lightning", "pathspec", "vulture"]\n'
                '[dependency-groups]\ndev = ["hypothesis", "pathspec", "sortedcontainers"]\n'
                '[tool.llmcore.deps]\nmap = { mapped-zz = ["mz_one", "mz_two"] }\n'
            ),
            "app/a.py": "import vulture\n"
            * 6
            + "import pathspec\nimport sortedcontainers\nimport sortedcontainers.sorteddict\n"
            "def f(): return pathspec, sortedcontainers\n",
            "app/b.py": "import sortedcontainers, hypothesis\nimport sortedcontainers as sc\n"
            "import sortedcontainers\nsortedcontainers, sc\n",
            "tests/t.py": "import hypothesis\nhypothesis\n",
        },
    )
    r = run_gate(root, use_cache=False)
    dead = "; ".join(
        f"imported at app/a.py:{i} but the name 'vulture' is never used" for i in range(1, 6)
    )  # five places, not six
    runtime = "declared for development only but imported by runtime code at"
    assert _said(r) == [
        "tomlkit: unused (LLMD002) - never imported (looked for module tomlkit, "
        "from installed metadata)",
        "mapped-zz: unused (LLMD002) - never imported (looked for module mz_one, mz_two, "
        "from [tool.llmcore.deps] map)",
        "pytorch-lightning: unused (LLMD002) - never imported (looked for module "
        "lightning_fabric, pytorch_lightning, from the built-in table)",
        f"vulture: unused (LLMD002) - {dead}",
        f"sortedcontainers: misplaced-dev (LLMD004) - {runtime} app/a.py:8; {runtime} "
        f"app/a.py:9; {runtime} app/b.py:1",  # three places of four
    ]
    misplaced = r.findings[-1]
    assert misplaced.module == "sortedcontainers"
    # pathspec is declared for runtime too: no misplaced-dev; hypothesis's runtime import
    # is dead (only its test import is used)
    assert _used(r) == {
        "pathspec": ["imported at app/a.py:7"],
        "hypothesis": ["imported at tests/t.py:1"],
        "sortedcontainers": [
            "imported at app/a.py:8",
            "imported at app/a.py:9",
            "imported at app/b.py:1",
        ],
    }


def test_module_of_a_misplaced_finding_is_its_first_runtime_import(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = []\n'
            '[dependency-groups]\ndev = ["hypothesis"]\n',
            "tests/t.py": "import hypothesis.errors\nhypothesis\n",
            "app/a.py": "import hypothesis.strategies\nhypothesis\n",
        },
    )
    (f,) = run_gate(root, use_cache=False).findings
    assert (f.kind.value, f.module) == ("misplaced-dev", "hypothesis.strategies")


def test_guarded_and_sibling_imports_are_no_findings(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\n'
            'dependencies = ["tomlkit"]\n',
            "app/a.py": "import tomlkit\ntry:\n    import nowhere2\nexcept ImportError:\n"
            "    nowhere2 = None\ntomlkit, nowhere2\n",
            "tools/helper.py": "X = 1\n",
            "tools/run.py": "import helper\nimport nomod_after\nhelper, nomod_after\n",
        },
    )
    r = run_gate(root, use_cache=False)
    assert _said(r) == [  # the import after the sibling's is still read
        "nomod_after: missing (LLMD001) - imported at tools/run.py:2; not declared, not installed"
    ]
    assert _used(r) == {"tomlkit": ["imported at app/a.py:1"]}


def test_a_dead_import_used_through_another_module_and_a_dynamic_parent(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "pkg"\nversion = "0"\n'
            'dependencies = ["PyYAML", "google-cloud-storage"]\n',
            "pkg/__init__.py": "",
            "pkg/compat.py": "import yaml as json_like\n",
            "pkg/use.py": "from pkg.compat import json_like\njson_like.dump\nimport importlib\n"
            'importlib.import_module("google.cloud")\n',
        },
    )
    r = run_gate(root, use_cache=False)
    assert _said(r) == []
    assert _used(r) == {
        "PyYAML": ["imported at pkg/compat.py:1 as 'json_like', used through pkg/use.py:1"],
        "google-cloud-storage": ["imported at pkg/use.py:4"],
    }


def test_entry_points_of_the_project_itself_are_no_uses(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = []\n'
            '[project.scripts]\nown = "app.cli:main"\nblank = ":main"\nstd = "json.tool:main"\n',
            "app/__init__.py": "",
            "app/cli.py": "def main(): pass\n",
        },
    )
    r = run_gate(root, use_cache=False)
    assert (r.findings, r.used_by) == ([], {})


def test_an_entry_point_is_runtime_code(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = []\n'
            '[project.scripts]\nserve = "pluggy.cli:main"\n'
            '[dependency-groups]\ndev = ["pluggy"]\n',
        },
    )
    (f,) = run_gate(root, use_cache=False).findings
    assert f.message() == (
        "pluggy: misplaced-dev (LLMD004) - declared for development only but imported by "
        "runtime code at pyproject.toml (entry point 'serve')"
    )
    # an annotation points at the file's first line
    assert f.to_json()["evidence"] == [
        {
            "text": "declared for development only but imported by runtime code at "
            "pyproject.toml (entry point 'serve')",
            "file": "pyproject.toml",
            "line": 1,
        }
    ]


def _hooks(mapped: dict[str, Any], uses: dict[str, Any], seen: list[GateResult]) -> Any:
    def module_map(config: Any, root: str) -> list[Any]:
        return [mapped, None]

    def used(config: Any, root: str) -> list[Any]:
        return [None, uses]

    def findings(config: Any, result: GateResult) -> None:
        seen.append(result)

    hook = SimpleNamespace(
        pytest_llmcore_deps_module_map=module_map,
        pytest_llmcore_deps_used_without_import=used,
        pytest_llmcore_deps_findings=findings,
    )
    return SimpleNamespace(hook=hook)


def test_hooks_add_module_names_and_uses_and_see_the_findings(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\n'
            'dependencies = ["Odd_Name", "plugin-zz", "gone-zz"]\n',
            "app/a.py": "import oddmod\noddmod\n",
        },
    )
    seen: list[GateResult] = []
    config = _hooks({"odd-name": ["oddmod"]}, {"Plugin_ZZ": "loaded by the server"}, seen)
    r = run_gate(root, use_cache=False, config=config)
    assert _used(r) == {
        "Odd_Name": ["imported at app/a.py:1"],
        "plugin-zz": ["loaded by the server (a pytest_llmcore_deps_used_without_import hook)"],
    }
    assert [f.dependency for f in r.findings] == ["gone-zz"]
    assert seen == [r]


def test_project_root_and_bad_roots(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "a/pyproject.toml": "",
            "a/b/c/x.py": "",
            "s/setup.cfg": "",
            "r/requirements-dev.txt": "",
            "r/d/y.py": "",
            "none/z.py": "",
        },
    )
    assert project_root_for(tmp_path / "a/b/c/x.py") == tmp_path / "a"
    assert project_root_for(tmp_path / "a/b/c") == tmp_path / "a"
    assert project_root_for(tmp_path / "a") == tmp_path / "a"
    assert project_root_for(tmp_path / "s") == tmp_path / "s"
    assert project_root_for(tmp_path / "r/d/y.py") == tmp_path / "r"
    empty = run_gate(tmp_path / "none", use_cache=False)
    assert empty.notes == [
        "no declared dependencies found (pyproject.toml, setup.cfg, requirements*.txt): "
        "nothing to check"
    ]
    with pytest.raises(InputError) as e:
        run_gate(tmp_path / "nope", use_cache=False)
    assert str(e.value) == f"{(tmp_path / 'nope').resolve()}: no such project directory"


def test_a_project_root_without_project_files_is_the_start(tmp_path: Path) -> None:
    _tree(tmp_path, {"q/z.py": ""})
    above = [
        d
        for d in tmp_path.parents
        if (d / "pyproject.toml").is_file()
        or (d / "setup.cfg").is_file()
        or any(d.glob("requirements*.txt"))
    ]
    if above:
        pytest.skip(f"{above[0]} holds a project file: the temporary directory is inside one")
    assert project_root_for(tmp_path / "q/z.py") == tmp_path / "q"


@pytest.mark.parametrize(
    ("module", "shown"),
    [
        ("google.cloud.storage.blob", "google.cloud.storage"),
        ("google.protobuf", "google.protobuf"),
        ("google", "google"),
        ("azure.storage.blob", "azure.storage"),
        ("zope.interface", "zope.interface"),
        ("jaraco.text.layouts", "jaraco.text"),
        ("backports.zoneinfo", "backports.zoneinfo"),
        ("numpy.linalg", "numpy"),
        ("googleapis.x.y", "googleapis"),
    ],
)
def test_the_module_a_missing_finding_names(module: str, shown: str) -> None:
    assert display_module(ImportRecord(module, 1, (), True)) == shown


def test_a_namespace_member_is_its_own_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``import jaraco.text`` is not jaraco.classes's because both live under ``jaraco``."""
    site = _tree(
        tmp_path / "site",
        {
            "jaraco/mutfake/__init__.py": "",
            "jaraco_mutfake-1.0.dist-info/METADATA": "Metadata-Version: 2.1\n"
            "Name: jaraco.mutfake\nVersion: 1.0\n",
            "jaraco_mutfake-1.0.dist-info/top_level.txt": "jaraco\n",
            "jaraco_mutfake-1.0.dist-info/RECORD": "jaraco/mutfake/__init__.py,,\n",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    owners = module_owners(["jaraco.mutfake", "jaraco.mutnone", "jaraco"])
    assert owners["jaraco.mutfake"] == ["jaraco.mutfake"]
    assert "jaraco.mutnone" not in owners and "jaraco.mutfake" in owners["jaraco"]
    root = _tree(
        tmp_path / "p",
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = []\n',
            "a.py": "import jaraco.mutfake\nimport jaraco.mutnone.x\njaraco\n",
        },
    )
    r = run_gate(root, use_cache=False)
    assert _said(r) == [
        "jaraco.mutfake: missing (LLMD001) - imported at a.py:1; installed here "
        "(jaraco.mutfake) but not declared",
        "jaraco.mutnone: missing (LLMD001) - imported at a.py:2; not declared, not installed",
    ]


def test_places_are_distinct_and_capped_at_three(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = []\n',
            "a.py": "import nomod_q\nimport nomod_q\nimport nomod_r.x, nomod_r\n",
            "b.py": "import nomod_q\nnomod_q\n",
        },
    )
    assert _said(run_gate(root, use_cache=False)) == [
        "nomod_q: missing (LLMD001) - imported at a.py:1; imported at a.py:2; imported at "
        "b.py:1; not declared, not installed",
        "nomod_r: missing (LLMD001) - imported at a.py:3; not declared, not installed",
    ]


@pytest.mark.parametrize(
    ("rel", "dev"),
    [
        ("tests/test_a.py", True),
        ("pkg/tests/a.py", True),
        ("pkg/a_dev.py", True),
        ("pkg/a.py", False),
        ("docs/ex/a.py", True),
        ("docs/ex/sub/a.py", True),  # fnmatch's * crosses slashes
        ("docs/other.py", False),
        ("tools", True),
        ("scripts/x/y.py", True),  # a path pattern names a folder and all below it
        ("scriptsx/y.py", False),
        ("src/tests_helpers.py", False),
        ("TESTS/a.py", False),
    ],
)
def test_development_paths(rel: str, dev: bool) -> None:
    is_dev = dev_path_matcher(["tests", "tools", "*_dev.py", "docs/ex/*", "scripts/"])
    assert is_dev(rel) is dev
    assert is_dev(rel) is dev  # the memo answers the same


def test_no_development_paths_match_nothing() -> None:
    assert dev_path_matcher([])("tests/a.py") is False


@pytest.mark.parametrize(
    ("files", "pytest_used"),
    [
        ({"main.py": "x = 1\n"}, None),
        ({"conftest.py": ""}, "configured by conftest.py"),
        ({"tests/__init__.py": ""}, "the test runner (the project has tests)"),
        # development code that imports a dependency counts as tests
        ({"docs/conf.py": "import tomlkit\ntomlkit\n"}, "the test runner (the project has tests)"),
    ],
)
def test_pytest_is_used_when_the_project_has_tests(
    tmp_path: Path, files: dict[str, str], pytest_used: str | None
) -> None:
    pyproject = '[project]\nname = "app"\nversion = "0"\ndependencies = ["pytest", "tomlkit"]\n'
    root = _tree(
        tmp_path, {"pyproject.toml": pyproject, "app.py": "import tomlkit\ntomlkit\n", **files}
    )
    r = run_gate(root, use_cache=False)
    assert _used(r).get("pytest") == ([pytest_used] if pytest_used else None)
    assert [f.dependency for f in r.findings] == ([] if pytest_used else ["pytest"])


def test_notebook_places_and_scan_problems_as_notes(tmp_path: Path) -> None:
    import json

    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# t"]},
            {"cell_type": "code", "source": ["x = 1\n"]},
            {
                "cell_type": "code",
                "source": [
                    "import os\n",
                    "import tomlkit\n",
                    "import nomod_nb\n",
                    "tomlkit, nomod_nb",
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0"\ndependencies = ["tomlkit"]\n'
            "[tool.llmcore.deps]\nmax-file-size = 400\n",
            "n.ipynb": json.dumps(notebook),
            "big.py": "import nomod_big\n" + "#" * 500 + "\n",
        },
    )
    (root / "latin.py").write_bytes(b"# \xe9\nimport nomod_latin\nnomod_latin\n")
    r = run_gate(root, use_cache=False)
    assert _said(r) == [
        "nomod_latin: missing (LLMD001) - imported at latin.py:2; not declared, not installed",
        "nomod_nb: missing (LLMD001) - imported at n.ipynb (cell 2, line 3); not declared, "
        "not installed",
    ]
    assert _used(r) == {"tomlkit": ["imported at n.ipynb (cell 2, line 2)"]}
    assert r.notes == [
        "big.py: 518 bytes, over max-file-size 400; skipped",
        "latin.py: not UTF-8 (byte 0xe9 at line 1); read as Latin-1",
    ]


def test_an_empty_name_owns_no_versioned_module() -> None:
    """A counterexample hypothesis found to test_plausible_owner_never_raises: an empty
    name's variant is a prefix of everything, and ``0`` looked like a version suffix."""
    from pytest_llmcore.deps.reconcile import plausible_owner

    assert plausible_owner("", "0.") is False
    assert plausible_owner("", "v2.x") is False
    assert plausible_owner("google-cloud-pubsub", "google.cloud.pubsub_v1") is True
