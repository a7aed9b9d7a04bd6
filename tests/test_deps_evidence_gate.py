"""The gate with non-import evidence, on small projects: one test per class of false finding."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]


def _project(root: Path, deps: list[str], files: dict[str, str], dev: list[str] = ()) -> Path:
    lines = ",\n".join(f'    "{d}"' for d in deps)
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [\n{lines}\n]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n"
    )
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return root


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


def _used(result: GateResult, dist: str) -> str:
    return result.used_by[dist][0].text


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "deps", str(root), "--no-cache", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


# -- item 1: tool evidence means an invocation ------------------------------------------

NOT_USES = {
    ".github/workflows/ci.yml": (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: pip install torch torchvision && uv add torchvision\n"
        "      - run: poetry add torchvision; echo torchvision\n"
        '      - run: pytest -k "not torchvision"\n'
    ),
    ".pre-commit-config.yaml": (
        "repos:\n  - repo: local\n    hooks:\n      - id: x\n        entry: ruff\n"
        "        language: system\n        types_or: [torchvision, markdown]\n"
    ),
    "Makefile": "install:\n\tpip install torchvision\n",
    "Dockerfile": "FROM python\nRUN pip install torchvision\n",
    "app/__init__.py": "import torch\n\ntorch.zeros(1)\n",
}


def test_installing_or_naming_a_dependency_is_not_using_it(tmp_path: Path) -> None:
    root = _project(tmp_path, ["torch", "torchvision"], NOT_USES)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["torchvision"]
    assert result.failing[0].message() == (
        "torchvision: unused (LLMD002) - never imported (looked for module torchvision, "
        + result.failing[0].evidence[0].text.split("torchvision, ", 1)[1]
    )


def test_headline_seed_still_fails_with_a_ci_install_line(tmp_path: Path) -> None:
    root = tmp_path / "seed"
    shutil.copytree(REPO / "fixtures" / "llm-runtime-core", root)
    wf = root / ".github" / "workflows" / "ci.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text("on: push\njobs:\n  t:\n    steps:\n      - run: pip install torch torchvision\n")
    proc = _cli(root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "torchvision: unused (LLMD002)" in proc.stdout


@pytest.mark.parametrize(
    ("rel", "body", "expected"),
    [
        (
            "docs/Makefile",
            "PY = python\nlive:\n\t$(PY) -m cogapp -r x\n",
            "run as `python -m cogapp` in docs/Makefile:3",
        ),
        (
            "tools/release.mk",
            "r:\n\t@uv run cog -r README.md\n",
            "run as `cog` in tools/release.mk:2",
        ),
        (
            "tox.ini",
            "[testenv]\ncommands =\n    cog --check README.md\n",
            "run as `cog` in tox.ini:3",
        ),
        (
            "noxfile.py",
            "def s(session):\n    session.run('cog', '-r')\n",
            "run as `cog` in noxfile.py:2",
        ),
        ("Procfile", "release: cog -r README.md\n", "run as `cog` in Procfile:1"),
        (
            "deploy/Dockerfile.ci",
            'FROM x\nCMD ["cog", "-r"]\n',
            "run as `cog` in deploy/Dockerfile.ci:2",
        ),
        (
            "docker-compose.yml",
            "services:\n  a:\n    command: cog -r README.md\n",
            "run as `cog` in docker-compose.yml:3",
        ),
        ("Justfile", "docs:\n    cog -r README.md\n", "run as `cog` in Justfile:2"),
        (
            ".github/workflows/cog.yml",
            "jobs:\n  a:\n    steps:\n      - run: |\n          cog -r x\n",
            "run as `cog` in .github/workflows/cog.yml:5",
        ),
        (
            "scripts/gen.py",
            "import subprocess\nsubprocess.run(\n    ['cog', '-r', 'x'])\n",
            "used implicitly: `'cog'` at scripts/gen.py:3 (a program the code runs)",
        ),
    ],
)
def test_each_place_commands_run(tmp_path: Path, rel: str, body: str, expected: str) -> None:
    root = _project(tmp_path, [], {rel: body, "app.py": "print(1)\n"}, dev=["cogapp"])
    result = run_gate(root, use_cache=False)
    assert _failing(result) == []
    assert _used(result, "cogapp") == expected


def test_task_runners_in_pyproject(tmp_path: Path) -> None:
    root = _project(tmp_path, [], {"app.py": "print(1)\n"}, dev=["cogapp", "sphinx-autobuild"])
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('[tool.poe.tasks]\ndocs = "sphinx-autobuild docs out"\n')
        fh.write('[tool.taskipy.tasks]\ncog = { cmd = "cog -r README.md" }\n')
    result = run_gate(root, use_cache=False)
    assert _failing(result) == []
    assert _used(result, "sphinx-autobuild") == "run as `sphinx-autobuild` in pyproject.toml:10"


def test_remote_pre_commit_hook_is_the_declared_dev_tool(tmp_path: Path) -> None:
    """A remote hook runs pre-commit's own copy of the tool; the declared one is the
    developers' copy of the same tool (see docs/deps.md): it counts, and says how. A hook
    of another tool (ruff-format) does not make black used."""
    cfg = (
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
        "    hooks:\n      - id: ruff-format\n"
        "  - repo: https://github.com/pre-commit/mirrors-mypy\n    rev: v1.11.0\n"
        "    hooks:\n      - id: mypy-strict\n        additional_dependencies: [types-pyyaml]\n"
    )
    files = {".pre-commit-config.yaml": cfg, "a.py": "x = 1\n"}
    root = _project(tmp_path, [], files, ["black", "ruff", "mypy", "types-pyyaml"])
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["black", "types-pyyaml"]
    assert _used(result, "ruff") == (
        "the tool of pre-commit hook `ruff-format` (pre-commit installs it from the "
        "repository https://github.com/astral-sh/ruff-pre-commit) in .pre-commit-config.yaml:5"
    )
    assert _used(result, "mypy").startswith("the tool of pre-commit hook `mypy-strict`")


# -- item 2: docs toolchains -------------------------------------------------------------

MKDOCS = """site_name: demo
theme:
  name: material
plugins:
  - search
  - social
  - mkdocstrings:
      handlers:
        python: {}
  - section-index
markdown_extensions:
  - admonition
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


def test_mkdocs_theme_plugins_and_extensions(tmp_path: Path) -> None:
    docs = [
        "mkdocs",
        "mkdocs-material",
        "mkdocstrings[python]",
        "mkdocs-section-index",
        "pymdown-extensions",
        "cairosvg",
        "mkdocs-jupyter",
        "material",
    ]
    root = _project(tmp_path, [], {"mkdocs.yml": MKDOCS, "a.py": "x = 1\n"}, docs)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["material", "mkdocs-jupyter"]  # PyPI "material" is another project
    assert _used(result, "mkdocs-material") == (
        "loaded by the docs build: mkdocs.yml theme 'material' (mkdocs.yml:3)"
    )
    assert _used(result, "pymdown-extensions") == (
        "loaded by the docs build: mkdocs.yml markdown extension 'pymdownx.superfences' "
        "(mkdocs.yml:13)"
    )
    assert _used(result, "cairosvg").startswith(
        "loaded by the docs build: mkdocs.yml plugin 'social'"
    )


def test_sphinx_conf_extensions_and_theme_never_executed(tmp_path: Path) -> None:
    conf = (
        "import sys\nsys.exit(3)\n\n"
        "extensions = ['myst_parser', 'sphinx_copybutton']\nhtml_theme = 'sphinx_rtd_theme'\n"
    )
    dev = ["sphinx", "myst-parser", "sphinx-copybutton", "sphinx-rtd-theme", "furo"]
    root = _project(tmp_path, [], {"docs/source/conf.py": conf}, dev)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["furo"]
    assert _used(result, "sphinx-rtd-theme") == (
        "loaded by the docs build: Sphinx html_theme 'sphinx_rtd_theme' in docs/source/conf.py "
        "(docs/source/conf.py:5)"
    )
    assert _used(result, "sphinx") == "loaded by the docs build: configured by docs/source/conf.py"


# -- item 4: implicit uses and companions ------------------------------------------------

IMPLICIT = {
    "app/io.py": (
        "import pandas as pd\n\n\ndef load(p):\n"
        '    return pd.read_csv(p, engine="pyarrow")\n'
        'DB = "postgresql+psycopg2://u@h/db"\n'
    ),
    "app/models.py": (
        "from pydantic import BaseModel, EmailStr\n\nclass U(BaseModel):\n    e: EmailStr\n"
    ),
    "app/llm.py": (
        "from transformers import AutoModelForCausalLM\n\n"
        'm = AutoModelForCausalLM.from_pretrained("x", device_map="auto")\n'
    ),
    "gunicorn.conf.py": 'worker_class = "uvicorn.workers.UvicornWorker"\n',
    "app/notes.py": (
        '"""Talks to redis."""\nimport logging\nlogging.getLogger("httpx").info("redis")\n'
    ),
}


def test_implicit_triggers_and_companions(tmp_path: Path) -> None:
    deps = [
        "pandas",
        "pyarrow",
        "psycopg2-binary",
        "pydantic",
        "email-validator",
        "transformers",
        "accelerate",
        "sentencepiece",
        "bitsandbytes",
        "uvicorn",
        "redis",
        "httpx",
        "gunicorn",
    ]
    root = _project(tmp_path, deps, IMPLICIT)
    result = run_gate(root, use_cache=False)
    assert _used(result, "pyarrow") == (
        'used implicitly: `engine="pyarrow"` at app/io.py:5 (engine="pyarrow")'
    )
    assert _used(result, "psycopg2-binary") == (
        'used implicitly: `DB = "postgresql+psycopg2://u@h/db"` at app/io.py:6 (psycopg2 URL)'
    )
    assert _used(result, "email-validator").startswith("used implicitly: `")
    assert "app/models.py:1 (pydantic EmailStr)" in _used(result, "email-validator")
    assert "app/llm.py:3 (device_map= / Trainer)" in _used(result, "accelerate")
    assert _used(result, "uvicorn") == (
        'used implicitly: `"uvicorn.workers.UvicornWorker"` at gunicorn.conf.py:1 '
        "(a module named in a string)"
    )
    # a docstring, a logger name and a plain word are not uses
    assert _failing(result) == ["bitsandbytes", "gunicorn", "httpx", "redis"]
    companion = {f.dependency: f for f in result.findings if f.kind.value == "unused-companion"}
    assert list(companion) == ["sentencepiece"]
    assert companion["sentencepiece"].code == "LLMD006"
    assert companion["sentencepiece"].evidence[-1].text == (
        "not used directly, and no use that needs it was found; sentencepiece is loaded by "
        "transformers (used) when installed"
    )


def test_companion_trigger_makes_it_used(tmp_path: Path) -> None:
    code = (
        "from transformers import AutoTokenizer\n"
        "t = AutoTokenizer.from_pretrained('x', use_fast=False)\n"
    )
    root = _project(tmp_path, ["transformers", "sentencepiece"], {"a.py": code})
    result = run_gate(root, use_cache=False)
    assert result.findings == []
    assert _used(result, "sentencepiece") == (
        "used implicitly: `use_fast=False` at a.py:2 (slow tokenizers)"
    )


def test_markdown_code_blocks_run_by_pytest_examples(tmp_path: Path) -> None:
    md = "# Ex\n\n```python\nimport trafilatura\nprint(df.to_markdown())\n```\n"
    files = {"docs/ex.md": md, "tests/test_docs.py": "def test_x():\n    pass\n", "a.py": ""}
    root = _project(tmp_path, ["trafilatura", "tabulate"], files, ["pytest", "pytest-examples"])
    result = run_gate(root, use_cache=False)
    assert "trafilatura" not in _failing(result)
    assert _used(result, "trafilatura") == (
        "imported at docs/ex.md:4 (a code block that pytest-examples runs)"
    )
    assert (
        _used(result, "tabulate")
        == "used implicitly: `.to_markdown(` at docs/ex.md:5 (to_markdown)"
    )


def test_triggers_hook_from_conftest(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "p"\nversion = "1"\n'
        'dependencies = ["acme-sdk", "acme-fast"]\n',
    )
    pytester.makepyfile(svc='import acme_sdk\nacme_sdk.run(backend="acme")\n')
    pytester.makeconftest(
        "def pytest_llmcore_deps_module_map(root):\n"
        "    return {'acme-sdk': ['acme_sdk']}\n"
        "def pytest_llmcore_deps_implicit_triggers(root):\n"
        "    return [{'dist': 'acme-fast', 'pattern': r'(?:backend)=.acme',\n"
        "             'what': 'acme backend',\n"
        "             'parents': ['acme-sdk']}]\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rA", "-k", "deps")
    res.assert_outcomes(passed=1)
    assert (
        'used    acme-fast: used implicitly: `backend="acme` at svc.py:2 (acme backend)'
        in res.stdout.str()
    )


def test_bad_trigger_from_hook_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml", pyproject='[project]\nname = "p"\nversion = "1"\ndependencies = ["acme-fast"]\n'
    )
    pytester.makepyfile(svc="x = 1\n")
    pytester.makeconftest(
        "def pytest_llmcore_deps_implicit_triggers(root):\n"
        "    return [{'dist': 'acme-fast', 'pattern': '(unclosed'}]\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-k", "deps")
    assert (
        "pytest_llmcore_deps_implicit_triggers: pattern '(unclosed' for acme-fast is not a "
        "regular expression (missing ), unterminated subpattern at position 0) "
        "(escape it with re.escape() for a literal)"
    ) in res.stdout.str()
    assert "Traceback" not in res.stdout.str()


# -- item 7: pytest plugins by use -------------------------------------------------------

PLUGIN_TESTS = {
    "tests/test_a.py": (
        "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a(mocker):\n    pass\n"
    ),
    "tests/conftest.py": "pytest_plugins = ['pytest_timeout']\n",
    "app.py": "x = 1\n",
}
PLUGINS = [
    "pytest",
    "pytest-mock",
    "pytest-asyncio",
    "pytest-timeout",
    "pytest-cov",
    "pytest-xdist",
    "pytest-httpx",
    "pytest-sugar",
    "pytest-benchmark",
    "pytest-acme-unknown",
]


def _plugin_source(module: str) -> str:
    """Installed: read from its entry point; not installed: the built-in table."""
    if importlib.util.find_spec(module) is not None:
        return "its pytest11 entry point"
    return "the built-in plugin table"


def test_pytest_plugins_by_what_they_provide(tmp_path: Path) -> None:
    root = _project(tmp_path, [], PLUGIN_TESTS, PLUGINS)
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('[tool.pytest.ini_options]\naddopts = "--cov=app"\n')
    Path(root, "Makefile").write_text("test:\n\tpytest -n auto tests\n")
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["pytest-benchmark", "pytest-httpx"]
    mock_source = _plugin_source("pytest_mock")
    assert _used(result, "pytest-mock") == (
        f"pytest plugin: fixture 'mocker' used at tests/test_a.py:5 ({mock_source})"
    )
    assert _used(result, "pytest-asyncio").startswith(
        "pytest plugin: marker 'asyncio' used at tests/test_a.py:4"
    )
    assert _used(result, "pytest-timeout").startswith(
        "pytest plugin: loaded as 'pytest_timeout' in tests/conftest.py:1"
    )
    cov_source = _plugin_source("pytest_cov")
    assert _used(result, "pytest-cov") == (
        f"pytest plugin: option --cov in pyproject.toml [tool.pytest] addopts ({cov_source})"
    )
    xdist_source = _plugin_source("xdist")
    assert (
        _used(result, "pytest-xdist") == f"pytest plugin: option -n in Makefile:2 ({xdist_source})"
    )
    assert _used(result, "pytest-sugar") == (
        "pytest plugin: changes pytest's output when installed"
    )
    assert _used(result, "pytest-acme-unknown").startswith("pytest plugin: a pytest-* name")


def test_cli_json_reports_unused_plugin(tmp_path: Path) -> None:
    root = _project(
        tmp_path, [], {"tests/test_a.py": "def test_a():\n    pass\n"}, ["pytest", "pytest-mock"]
    )
    proc = _cli(root, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["dependency"], f["code"]) for f in data["findings"]] == [("pytest-mock", "LLMD002")]


def test_unreadable_yaml_is_a_note(tmp_path: Path) -> None:
    files = {".github/workflows/ci.yml": "jobs: [\n  - run: cog\n", "a.py": ""}
    root = _project(tmp_path, [], files, ["cogapp"])
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["cogapp"]
    assert ".github/workflows/ci.yml:2: not valid YAML; its commands are not counted as uses" in (
        result.notes
    )


def test_build_requirement_pins_are_uses(tmp_path: Path) -> None:
    root = _project(tmp_path, [], {"a.py": "x = 1\n"}, [])
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('build = ["hatchling==1.27", "pathspec==1.1"]\n')
        fh.write('[tool.uv]\nbuild-constraint-dependencies = ["trove-classifiers==1"]\n')
        fh.write('[build-system]\nrequires = ["hatchling==1.27"]\n')
    text = (
        (root / "pyproject.toml")
        .read_text()
        .replace(
            'dev = []\nbuild = ["hatchling==1.27", "pathspec==1.1"]\n',
            'dev = ["trove-classifiers"]\nbuild = ["hatchling==1.27", "pathspec==1.1"]\n',
        )
    )
    (root / "pyproject.toml").write_text(text)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == []
    assert _used(result, "pathspec") == (
        "build requirement: dependency group 'build' holds the build backend hatchling "
        "([build-system] requires)"
    )
    assert _used(result, "trove-classifiers") == (
        "constrains the build environment ([tool.uv] build-constraint-dependencies)"
    )


def test_host_and_file_names_are_not_module_strings(tmp_path: Path) -> None:
    code = 'URL = "httpbin.org"\nW = "torch.pt"\nX = "redis.conf.json"\n'
    root = _project(tmp_path, ["httpbin", "torch", "redis"], {"a.py": code})
    assert _failing(run_gate(root, use_cache=False)) == ["httpbin", "redis", "torch"]


def test_inline_python_in_ci_imports(tmp_path: Path) -> None:
    wf = (
        "jobs:\n  a:\n    steps:\n"
        "      - shell: python\n        run: |\n          import yaml\n"
        '      - run: python -c "import tomlkit"\n'
    )
    files = {".github/workflows/a.yml": wf, "a.py": "x = 1\n"}
    root = _project(tmp_path, [], files, ["pyyaml", "tomlkit", "rich"])
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["rich"]
    assert _used(result, "pyyaml") == "imported by Python code run in .github/workflows/a.yml:6"
    assert _used(result, "tomlkit") == "imported by Python code run in .github/workflows/a.yml:7"


def test_type_stubs_count_only_where_mypy_checks(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "import yaml\n\nyaml.safe_load('')\n",
        "tests/test_a.py": "import requests\n\nrequests.get\n",
        "Makefile": "lint:\n\tmypy pkg\n",
    }
    dev = ["types-requests", "types-PyYAML", "pyyaml", "requests"]
    root = _project(tmp_path, [], files, dev)
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('[tool.mypy]\nexclude = ["tests"]\n')
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["types-requests"]
    assert result.failing[0].evidence[-1].text == (
        "type stubs for requests, which is imported only where mypy does not check "
        "(tests/test_a.py; scope from the mypy command lines)"
    )
    assert _used(result, "types-PyYAML") == (
        "type stubs for pyyaml, imported as yaml in pkg/__init__.py, which mypy checks "
        "(the mypy command lines)"
    )
    # without a known scope every importer counts
    (root / "Makefile").write_text("lint:\n\tmypy $(SRC)\n")
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('exclude = ["tests"]', "strict = true")
    )
    assert _failing(run_gate(root, use_cache=False)) == []


def test_runtime_version_checks_are_uses(tmp_path: Path) -> None:
    code = (
        "from importlib.metadata import version\n"
        'def ok():\n    return is_package_available("fastcore") and version(\n        "fastai")\n'
    )
    root = _project(tmp_path, ["fastcore", "fastai", "tabulate"], {"a.py": code})
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["tabulate"]
    assert _used(result, "fastcore") == (
        'used implicitly: `"fastcore"` at a.py:3 (a module named in a string)'
    )
    assert _used(result, "fastai").endswith("at a.py:4 (a module named in a string)")


def test_version_pin_of_a_requirement_is_a_companion(tmp_path: Path) -> None:
    code = "import requests\n\nrequests.get\n"
    root = _project(tmp_path, ["requests", "urllib3<2.0", "certifi"], {"a.py": code})
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["certifi"]  # no constraint, no declared parent: plainly unused
    pin = next(f for f in result.findings if f.dependency == "urllib3")
    assert (pin.code, pin.evidence[-1].text) == (
        "LLMD006",
        "not used directly; requests (declared) requires it, so this entry pins its version",
    )


def test_triggers_in_notebook_code_cells(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ['engine="fastparquet"']},
            {"cell_type": "code", "source": ['df = pd.read_csv(p, engine="pyarrow")\n']},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    files = {"explore.ipynb": json.dumps(nb), "a.py": "x = 1\n"}
    root = _project(tmp_path, ["pyarrow", "fastparquet"], files)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["fastparquet"]  # markdown cells are prose
    assert _used(result, "pyarrow") == (
        'used implicitly: `engine="pyarrow"` at explore.ipynb (cell 1, line 1) (engine="pyarrow")'
    )


def test_mypy_file_globs_cover_their_package(tmp_path: Path) -> None:
    files = {"pkg/sub/io.py": "import yaml\n\nyaml.safe_load('')\n", "pkg/__init__.py": ""}
    root = _project(tmp_path, ["pyyaml"], files, ["types-PyYAML"])
    with (root / "pyproject.toml").open("a") as fh:
        fh.write("[tool.mypy]\nfiles = ['pkg/*.py', 'tests/*.py']\n")
    result = run_gate(root, use_cache=False)
    assert _failing(result) == []
    assert _used(result, "types-PyYAML") == (
        "type stubs for pyyaml, imported as yaml in pkg/sub/io.py, which mypy checks ([tool.mypy])"
    )


@pytest.mark.parametrize(
    ("rel", "body", "expected"),
    [
        ("Makefile", "reqs:\n\tpoetry export -o r.txt\n", "run as `poetry export` in Makefile:2"),
        (
            "noxfile.py",
            "def s(session):\n    argv = [\n        'poetry',\n        'export',\n    ]\n"
            "    session.run_always(*argv)\n",
            "run as `poetry export` in noxfile.py:6",  # the list reaches session.run_always
        ),
    ],
)
def test_plugin_subcommands(tmp_path: Path, rel: str, body: str, expected: str) -> None:
    files = {rel: body, "a.py": "x = 1\n"}
    root = _project(tmp_path, [], files, ["poetry-plugin-export", "poetry-plugin-up"])
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["poetry-plugin-up"]
    assert _used(result, "poetry-plugin-export") == expected


def test_django_backends_parsers_and_env_addopts(tmp_path: Path) -> None:
    files = {
        "site/settings.py": (
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
            "INSTALLED_APPS = [\n    'django.contrib.admin',\n    'corsheaders',\n]\n"
        ),
        "scrape.py": "from bs4 import BeautifulSoup\n\nBeautifulSoup(html, 'lxml')\n",
        ".github/workflows/t.yml": (
            "jobs:\n  t:\n    env:\n      PYTEST_ADDOPTS: --cov=site -n 2\n"
            "    steps:\n      - run: pytest\n"
        ),
        "tests/test_a.py": "def test_a():\n    pass\n",
    }
    deps = ["django", "psycopg", "django-cors-headers", "beautifulsoup4", "lxml", "html5lib"]
    dev = ["pytest", "pytest-cov", "pytest-xdist"]
    root = _project(tmp_path, deps, files, dev)
    result = run_gate(root, use_cache=False, extra_map={"django-cors-headers": ("corsheaders",)})
    assert _failing(result) == ["html5lib"]
    assert _used(result, "django") == (
        "used implicitly: `'django.db.backends.postgresql'` at site/settings.py:1 "
        "(a module named in a string)"
    )
    assert "site/settings.py:1 (Django's PostgreSQL backend)" in _used(result, "psycopg")
    assert _used(result, "django-cors-headers") == (
        "used implicitly: `'corsheaders'` at site/settings.py:4 (a module named in a string)"
    )
    assert _used(result, "lxml").endswith("at scrape.py:3 (BeautifulSoup lxml)")
    assert _used(result, "pytest-cov").startswith(
        "pytest plugin: option --cov in .github/workflows/t.yml:4 PYTEST_ADDOPTS"
    )


def test_jupyter_book_config(tmp_path: Path) -> None:
    cfg = (
        "title: Book\nexecute:\n  execute_notebooks: force\nsphinx:\n"
        "  extra_extensions:\n    - sphinx_inline_tabs\n  config:\n    html_theme: furo\n"
    )
    jekyll = "title: Blog\ntheme: minima\n"
    files = {"book/_config.yml": cfg, "site/_config.yml": jekyll, "a.py": ""}
    dev = ["jupyter-book", "sphinx-inline-tabs", "furo", "sphinx-book-theme"]
    root = _project(tmp_path, [], files, dev)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == ["sphinx-book-theme"]
    assert (
        _used(result, "jupyter-book") == "loaded by the docs build: configured by book/_config.yml"
    )
    assert _used(result, "sphinx-inline-tabs") == (
        "loaded by the docs build: Sphinx extension 'sphinx_inline_tabs' in book/_config.yml "
        "(book/_config.yml:6)"
    )


def test_implicit_scan_cache_reuses_and_notices_changes(tmp_path: Path) -> None:
    files = {"io.py": 'import pandas as pd\npd.read_csv("x", engine="pyarrow")\n'}
    root = _project(tmp_path, ["pandas", "pyarrow", "openpyxl"], files)
    cache_dir = tmp_path / "cache"
    cold = run_gate(root, cache_dir=cache_dir)
    assert (cache_dir / "implicit.json").is_file()
    warm = run_gate(root, cache_dir=cache_dir)
    assert _failing(cold) == _failing(warm) == ["openpyxl"]
    assert _used(warm, "pyarrow") == _used(cold, "pyarrow")
    (root / "io.py").write_text('import pandas as pd\n\n\npd.read_excel("x.xlsx")\n')
    changed = run_gate(root, cache_dir=cache_dir)
    assert _failing(changed) == []
    assert [(f.dependency, f.kind.value) for f in changed.findings] == [
        ("pyarrow", "unused-companion")  # pandas uses it by itself when installed
    ]
    assert _used(changed, "openpyxl") == (
        'used implicitly: `pd.read_excel("x.xlsx")` at io.py:4 (read_excel)'
    )
