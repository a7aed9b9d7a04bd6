"""Gate configuration, suppressions, first-party names and new declaration formats, end to end
through real ``llmcore deps`` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import CODES, canonical_name
from pytest_llmcore.deps.settings import load_settings, parse_code, parse_kinds

REPO = Path(__file__).resolve().parents[1]
HEAD = '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.9"\n'


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", str(root), "--no-cache", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _findings(root: Path, *args: str) -> tuple[int, dict[str, tuple[str, str | None]], list[str]]:
    rc, out, err = _cli(root, "--format", "json", *args)
    assert err == ""
    data = json.loads(out)
    return (
        rc,
        {f["dependency"]: (f["kind"], f["ignored"]) for f in data["findings"]},
        data["notes"],
    )


# -- suppression and per-rule config -----------------------------------------------------


def test_inline_suppressions_per_rule_and_stale_warnings(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD + "dependencies = [\n"
            '  "tiktoken",  # llmcore: ignore[LLMD002]\n'
            '  "loguru",  # noqa: LLMD002\n'
            '  "rich",  # llmcore: ignore[LLMD001]\n'
            '  "httpx",  # llmcore: ignore\n'
            '  "click",\n  "orjson",\n  "tqdm",\n]\n'
            "[tool.llmcore.deps.per-rule-ignores]\n"
            'LLMD002 = ["click", "gone-away"]\nmissing = ["zz_missing_mod"]\n'
            "[tool.llmcore.deps.ignore]\n"
            'orjson = "loaded by a plugin"\nnumpy = "was needed once"\n'
            'LLMD003 = "transitive imports are fine here"\n',
            "requirements-dev.txt": "pytest-randomly  # llmcore: ignore[unused]\n",
            "app.py": "import zz_missing_mod\nimport httpx\nzz_missing_mod.x, httpx.y\n",
        },
    )
    rc, found, notes = _findings(root)
    assert rc == 1
    assert found == {
        "tiktoken": ("unused", "suppressed by a comment at pyproject.toml:6"),
        "loguru": ("unused", "suppressed by a comment at pyproject.toml:7"),
        "rich": ("unused", None),
        "click": ("unused", "[tool.llmcore.deps] per-rule-ignores LLMD002"),
        "orjson": ("unused", "loaded by a plugin"),
        "tqdm": ("unused", None),
        "pytest-randomly": found["pytest-randomly"],
        "zz_missing_mod": ("missing", "[tool.llmcore.deps] per-rule-ignores LLMD001"),
    }
    assert [n for n in notes if n.startswith("warning:")] == [
        "warning: [tool.llmcore.deps] ignore.numpy matches no finding; remove it",
        "warning: [tool.llmcore.deps] ignore.LLMD003 matches no finding; remove it",
        "warning: [tool.llmcore.deps] per-rule-ignores.LLMD002 entry 'gone-away' matches no "
        "finding; remove it",
        "warning: pyproject.toml:8: the suppression comment for rich matches no finding; remove it",
        "warning: pyproject.toml:9: the suppression comment for httpx matches no finding; "
        "remove it",
    ] + (
        []
        if found["pytest-randomly"][1]
        else [
            "warning: requirements-dev.txt:1: the suppression comment for pytest-randomly "
            "matches no finding; remove it"
        ]
    )
    rc, out, _ = _cli(root)
    assert "2 failing finding(s) (rich, tqdm)" in out


def test_fail_on_accepts_codes_and_kinds(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD
            + 'dependencies = []\n[tool.llmcore.deps]\nfail-on = ["LLMD001"]\n',
            "app.py": "import somewhere_else\nsomewhere_else.x\n",
        },
    )
    rc, out, _ = _cli(root)
    assert rc == 1 and "FAIL" in out and "somewhere_else: missing (LLMD001)" in out
    rc, _, _ = _cli(root, "--fail-on", "llmd002,unreachable")
    assert rc == 0
    assert parse_kinds(["LLMD006", "unmapped"], "x") == parse_kinds(
        ["unused-companion", "LLMD005"], "y"
    )


_KINDS = (
    "missing (LLMD001), unused (LLMD002), transitive (LLMD003), misplaced-dev (LLMD004), "
    "unmapped (LLMD005), unused-companion (LLMD006), unreachable (LLMD007)"
)
_EXAMPLE = 'e.g. [tool.llmcore.deps.per-rule-ignores] LLMD002 = ["torchvision"]'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'fail-on = ["LLMD099"]',
            "unknown finding kind 'LLMD099' in {path} [tool.llmcore.deps] fail-on "
            f"(use {_KINDS}, all or none)",
        ),
        (
            "per-rule-ignores = 3",
            f"{{path}}: [tool.llmcore.deps] per-rule-ignores must be a table, {_EXAMPLE}",
        ),
        (
            'per-rule-ignores = { LLMD002 = "x" }',
            "{path}: [tool.llmcore.deps] per-rule-ignores.LLMD002 must be a list of dependency "
            f"names, {_EXAMPLE}",
        ),
        (
            "per-rule-ignores = { bogus = [] }",
            "{path}: [tool.llmcore.deps] per-rule-ignores.bogus: unknown finding code or kind "
            f"(use one of {_KINDS})",
        ),
        (
            'ignore = { LLMD042 = "r" }',
            "{path}: [tool.llmcore.deps] ignore.LLMD042: unknown finding code "
            f"(use one of {_KINDS})",
        ),
        (
            'ignore = { torch = "" }',
            "{path}: [tool.llmcore.deps] ignore.torch must be a non-empty reason string, "
            'e.g. ignore = { torchvision = "loaded by a plugin at run time" }',
        ),
        (
            "max-file-size = true",
            "{path}: [tool.llmcore.deps] max-file-size must be a positive number of bytes, not "
            "True (e.g. max-file-size = 5000000)",
        ),
        ("gitignore = 1", "{path}: [tool.llmcore.deps] gitignore must be true or false"),
        (
            "typo-key = 1",
            "{path}: unknown key in [tool.llmcore.deps]: 'typo-key' (known keys: cache, "
            "dev-paths, dev-requirements, exclude, fail-on, first-party, gitignore, ignore, map, "
            "max-file-size, per-rule-ignores, requirements)",
        ),
        (
            'fail_on = ["all"]',
            "{path}: unknown key in [tool.llmcore.deps]: 'fail_on' (did you mean 'fail-on'?)",
        ),
    ],
)
def test_invalid_config_is_one_line_error_naming_the_key(
    tmp_path: Path, table: str, message: str
) -> None:
    root = _write(tmp_path, {"pyproject.toml": HEAD + f"[tool.llmcore.deps]\n{table}\n"})
    rc, out, err = _cli(root)
    assert rc == 2 and out == ""
    # the whole line: file, key, what is wrong and the fix
    expected = message.replace("{path}", str(root / "pyproject.toml"))
    assert err == f"llmcore deps: {expected}\n"


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.one_of(st.text(max_size=8), st.integers(), st.lists(st.text(max_size=8))),
    )
)
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_per_rule_ignores_loader_never_crashes(tmp_path: Path, table: dict[str, object]) -> None:
    import tomlkit

    doc = tomlkit.document()
    doc["tool"] = {"llmcore": {"deps": {"per-rule-ignores": table}}}
    (tmp_path / "pyproject.toml").write_text(tomlkit.dumps(doc))
    bad = [
        k
        for k, v in table.items()
        if parse_code(k) is None or not (isinstance(v, list) and all(isinstance(n, str) for n in v))
    ]
    try:
        loaded = load_settings(tmp_path)
    except InputError as exc:
        assert bad, f"a valid table was refused: {exc}"
        assert "\n" not in str(exc) and "per-rule-ignores" in str(exc)
    else:
        assert not bad, f"{bad} were accepted"
        expected: dict[str, set[str]] = {}
        for k, names in table.items():
            kind = parse_code(k)
            assert kind is not None and isinstance(names, list)
            expected.setdefault(CODES[kind], set()).update(canonical_name(n) for n in names)
        assert loaded.per_rule_ignores == expected


# -- unreachable and setup.py-only projects ----------------------------------------------


def test_setup_py_only_project_is_checked_and_unreachable_is_its_own_kind(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup(\n    name='tool',\n"
            "    python_requires='>=3.8',\n    install_requires=[\n        'requests',\n"
            "        'torchvision',\n        \"dataclasses; python_version<'3.7'\",\n    ],\n)\n",
            "tool/__init__.py": "import requests\nrequests.get\n",
        },
    )
    rc, out, _ = _cli(root)
    assert rc == 1
    lines = out.splitlines()
    assert (
        "FAIL    setup.py:7: torchvision: unused (LLMD002) - never imported (looked for "
        "module torchvision, from installed metadata)"
        in lines
        or any(ln.startswith("FAIL    setup.py:7: torchvision: unused (LLMD002)") for ln in lines)
    )
    assert (
        "warn    setup.py:8: dataclasses: unreachable (LLMD007) - its marker "
        '`python_version < "3.7"` excludes every supported Python (requires-python >=3.8) '
        "(setup.py:8)"
    ) in lines
    assert "1 failing finding(s) (torchvision)" in out


# -- first-party names -------------------------------------------------------------------


def test_scripts_and_folders_do_not_shadow_dependencies(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD + 'dependencies = ["azure-identity", "alembic", "boto3",'
            ' "redis"]\n',
            "app/__init__.py": "import boto3\nimport redis\nboto3.client, redis.Redis\n",
            "examples/azure.py": "from azure.identity import DefaultAzureCredential\n"
            "DefaultAzureCredential()\n",
            "examples/run.py": "import helpers\nimport azure\nhelpers.go(), azure\n",
            "examples/helpers.py": "def go(): ...\n",
            "alembic/env.py": "from alembic import context\ncontext.configure()\n",
            "typings/boto3/__init__.pyi": "def client() -> None: ...\n",
            "tests/redis/__init__.py": "",
            "tests/redis/test_r.py": "import redis\nimport zz_undeclared\n"
            "redis.Redis, zz_undeclared\n",
            "__pypackages__/3.11/lib/x.py": "",
        },
    )
    result = run_gate(root, use_cache=False)
    assert {f.dependency: f.kind.value for f in result.findings} == {"zz_undeclared": "missing"}
    assert result.used_by["azure-identity"][0].text == "imported at examples/azure.py:1"
    assert result.used_by["alembic"][0].text == "imported at alembic/env.py:1"
    assert result.used_by["redis"][0].text.startswith("imported at app/__init__.py:2")


def test_configured_packages_are_first_party(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD + "dependencies = []\n"
            '[tool.setuptools.packages.find]\nwhere = ["lib"]\n'
            '[tool.poetry]\npackages = [{ include = "corelib", from = "source" }]\n',
            "lib/mypkg/__init__.py": "",
            "source/corelib/__init__.py": "",
            "rootmod.py": "import mypkg\nimport corelib\nimport notmine\nmypkg, corelib, notmine\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert [(f.kind.value, f.dependency) for f in result.findings] == [("missing", "notmine")]


def test_tool_only_pyproject_in_a_subfolder_is_not_a_nested_project(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD + 'dependencies = ["rich", "httpx"]\n',
            "app/__init__.py": "",
            "app/ui/pyproject.toml": "[tool.ruff]\nline-length = 120\n",
            "app/ui/setup.cfg": "[flake8]\nmax-line-length = 120\n",
            "app/ui/view.py": "import rich\nrich.print()\n",
            "plugin/pyproject.toml": '[project]\nname = "plugin"\n',
            "plugin/p.py": "import httpx\nhttpx.get\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert result.used_by["rich"][0].text == "imported at app/ui/view.py:1"
    assert [f.dependency for f in result.failing] == ["httpx"]
    assert "plugin: a project of its own (has its own project file); not scanned" in result.notes


def test_setup_py_built_up_at_module_level(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "setup.py": 'from setuptools import setup\nXET = "hf-xet>=1"\n'
            'install_requires = ["click", f"{XET}; platform_machine==\'x86_64\'"]\n'
            'extras = {}\nextras["oauth"] = ["authlib", "fastapi"]\n'
            'extras["testing"] = extras["oauth"] + ["pytest-mock"]\n'
            'extras["all"] = sorted(set(sum(extras.values(), [])))\n'
            'install_requires.append("tqdm")\ninstall_requires += [get_extra()]\n'
            "setup(name='hub', install_requires=install_requires, extras_require=extras)\n",
        },
    )
    from pytest_llmcore.deps.declarations import read_declarations

    decl = read_declarations(root)
    got = sorted({(d.key, d.line, d.section) for d in decl.declared})
    assert got == [
        ("authlib", 5, "setup.extras_require.all"),
        ("authlib", 5, "setup.extras_require.oauth"),
        ("authlib", 5, "setup.extras_require.testing"),
        ("click", 3, "setup.install_requires"),
        ("fastapi", 5, "setup.extras_require.all"),
        ("fastapi", 5, "setup.extras_require.oauth"),
        ("fastapi", 5, "setup.extras_require.testing"),
        ("hf-xet", 3, "setup.install_requires"),
        ("pytest-mock", 6, "setup.extras_require.all"),
        ("pytest-mock", 6, "setup.extras_require.testing"),
        ("tqdm", 8, "setup.install_requires"),
    ]
    assert decl.notes == ["setup.py:9: an entry of setup.install_requires is computed; not read"]


def test_stdlib_backfill_counts_as_a_use(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": HEAD
            + 'dependencies = ["pyreadline3; sys_platform == \'win32\'", "gnureadline"]\n',
            "cli.py": "import readline\nreadline.parse_and_bind('tab: complete')\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert result.findings == []
    assert result.used_by["pyreadline3"][0].text == "imported at cli.py:1"


def test_fix_never_rewrites_setup_py_but_edits_environment_yml(tmp_path: Path) -> None:
    setup_py = (
        "from setuptools import setup\nBASE = ['numpy', 'tqdm']\nsetup(install_requires=BASE)\n"
    )
    root = _write(
        tmp_path,
        {
            "setup.py": setup_py,
            # a known mapping (the built-in table: sklearn): --fix never removes a guessed one
            "environment.yml": "dependencies:\n  - rich\n  - pip:\n    - scikit-learn\n",
            "app.py": "import tqdm\nimport rich\ntqdm.tqdm, rich.print\n",
        },
    )
    rc, out, _ = _cli(root, "--fix")
    assert (root / "setup.py").read_text() == setup_py
    assert (root / "environment.yml").read_text() == "dependencies:\n  - rich\n  - pip:\n"
    assert "removed scikit-learn (scikit-learn) from environment.yml:4" in out
    assert rc == 1 and "FAIL    setup.py:2: numpy: unused (LLMD002)" in out
