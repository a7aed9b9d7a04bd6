"""False `unused` findings found on real projects the gate was never tuned on (corpus2).

Each test is a minimal reproduction of one false finding judged in benchmarks/real_projects.toml
(projects fetched into /work/corpus2, commits recorded there). They assert the correct
behaviour and are strict xfails until the class is fixed at its root: when one starts passing,
remove its marker. The reason names the class, the project and the evidence (file:line).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult
from tests.helpers.gate_projects import (
    PKG,
    WORKFLOW_HEAD,
)
from tests.helpers.gate_projects import (
    gate as _gate,
)
from tests.helpers.gate_projects import (
    project as _project,
)

# -- pytest plugins by use --------------------------------------------------------------


def test_marker_applied_by_a_helper_outside_tests(tmp_path: Path) -> None:
    files = {
        **PKG,
        "demo/testing.py": """\
            import pytest

            def run_first(test_case):
                return pytest.mark.order(1)(test_case)
            """,
        "tests/test_cli.py": """\
            from demo.testing import run_first

            @run_first
            def test_one():
                assert True
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-order"))
    assert _gate(root) == []


def test_unittest_subtests_use_pytest_subtests(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_cfg.py": """\
            import unittest

            class T(unittest.TestCase):
                def test_configs(self):
                    for config in ("a", "b"):
                        with self.subTest(config=config):
                            self.assertTrue(config)
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest>=7.2", "pytest-subtests"))
    assert _gate(root) == []


def test_pytest_option_through_a_wrapper_script(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_a.py": "def test_a():\n    assert True\n",
        "scripts/test.sh": "#!/usr/bin/env bash\nset -e\npytest tests ${@}\n",
        "scripts/test-cov.sh": "#!/usr/bin/env bash\nset -e\nbash scripts/test.sh --cov ${@}\n",
        ".github/workflows/test.yml": WORKFLOW_HEAD + "      - run: bash scripts/test-cov.sh\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    assert _gate(root) == []


def test_pytest_option_through_a_workflow_env_var(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_a.py": "def test_a():\n    assert True\n",
        ".github/workflows/test.yml": (
            "on: push\nenv:\n  COV_PARAM: --cov=demo --cov-branch\njobs:\n  t:\n"
            "    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: pytest tests -n 8 ${{env.COV_PARAM}}\n"
        ),
    }
    root = _project(
        tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov", "pytest-xdist")
    )
    assert _gate(root) == []


# -- tool invocations --------------------------------------------------------------------


def test_pre_commit_entry_through_uv_run(tmp_path: Path) -> None:
    files = {
        **PKG,
        ".pre-commit-config.yaml": """\
            repos:
              - repo: local
                hooks:
                  - id: zizmor
                    name: zizmor
                    language: python
                    entry: uv run zizmor .
                    pass_filenames: false
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("zizmor",))
    assert _gate(root) == []


def test_console_script_doc_builder(tmp_path: Path) -> None:
    files = {
        **PKG,
        "Makefile": "quality:\n\tdoc-builder style demo docs --max_len 119 --check_only\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("hf-doc-builder",))
    assert _gate(root) == []


def test_pre_commit_remote_hook_of_the_dev_tool(tmp_path: Path) -> None:
    files = {
        **PKG,
        ".pre-commit-config.yaml": """\
            repos:
              - repo: https://github.com/pycqa/isort
                rev: '5.13.2'
                hooks:
                  - id: isort
                    args: ['--profile', 'black']
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("isort==5.13.2",))
    assert _gate(root) == []


# -- docs toolchains ---------------------------------------------------------------------


def test_mkdocs_config_with_another_name(tmp_path: Path) -> None:
    files = {
        **PKG,
        "mkdocs-common.yml": """\
            site_name: Demo
            theme:
              name: material
            plugins:
              git-revision-date-localized:
              search:
              mkdocstrings:
                default_handler: python
              exclude:
                glob:
                  - "snippets/*"
            """,
        "mkdocs-online.yml": "INHERIT: mkdocs-common.yml\nplugins:\n  rss:\n",
        "Makefile": "docs:\n\tmkdocs build --config-file mkdocs-online.yml\n",
    }
    dev = (
        "mkdocs",
        "mkdocs-material",
        "mkdocs-git-revision-date-localized-plugin",
        "mkdocstrings",
        "mkdocstrings-python",
        "mkdocs-exclude",
        "mkdocs-rss-plugin",
    )
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


def test_mkdocstrings_separate_signature_uses_black(tmp_path: Path) -> None:
    files = {
        **PKG,
        "docs/en/mkdocs.yml": """\
            site_name: Demo
            theme:
              name: material
            plugins:
              mkdocstrings:
                handlers:
                  python:
                    options:
                      separate_signature: true
            """,
        "Makefile": "docs:\n\tcd docs/en && mkdocs build\n",
    }
    dev = ("mkdocs", "mkdocs-material", "mkdocstrings[python]", "black")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


# -- name mapping ------------------------------------------------------------------------


# fixed (was a strict xfail): name-mapping: httpx trio-typing provides trio-stubs for `import
# trio` at httpx/_transports/asgi.py:12, checked by scripts/check:13 `mypy httpx tests`
def test_stub_package_not_named_types_or_stubs(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import trio\n\n\nasync def nap() -> None:\n    await trio.sleep(0)\n",
        "scripts/check": "#!/bin/sh -e\nmypy demo\n",
    }
    root = _project(
        tmp_path, files, deps=("trio",), dev=("mypy", "trio-typing"), extra_toml="[tool.mypy]\n"
    )
    assert _gate(root) == []


# fixed (was a strict xfail): name-mapping: litgpt lightning-thunder provides `thunder`
# (extensions/thunder/strategies/thunder_fsdp.py:39); the same run reports thunder missing
def test_vendor_prefixed_distribution_name(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import thunder\n\nthunder.jit\n"}
    root = _project(tmp_path, files, deps=("lightning-thunder",))
    assert _gate(root) == []


# fixed (was a strict xfail): name-mapping: lm-evaluation-harness optimum-habana provides
# optimum.habana (lm_eval/models/optimum_habana.py:101); with `optimum` also declared
# (pyproject.toml:71) the import is credited to optimum only
def test_namespace_subpackage_distribution(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": (
            "from optimum.habana.transformers.generation import GaudiGenerationConfig\n\n"
            "GaudiGenerationConfig\n"
        )
    }
    root = _project(tmp_path, files, deps=("optimum[openvino]", "optimum-habana"))
    assert _gate(root) == []


# fixed (was a strict xfail): name-mapping: lmdeploy flash-linear-attention provides `fla`
# (lmdeploy/pytorch/nn/gated_delta.py:21 `from fla.modules import ...`); the built-in table
# knows only fla.layers and fla.models
def test_table_listing_only_some_subpackages(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "from fla.modules import FusedRMSNormGated\n\nFusedRMSNormGated\n"}
    root = _project(tmp_path, files, deps=("flash-linear-attention",))
    assert _gate(root) == []


# -- implicit uses -----------------------------------------------------------------------


def test_import_module_with_an_fstring_prefix(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            from importlib import import_module

            from tree_sitter import Language

            def get_language(name):
                module = import_module(f"tree_sitter_{name}")
                return Language(module.language())
            """,
    }
    deps = ("tree-sitter", "tree-sitter-css", "tree-sitter-go", "tree-sitter-json")
    root = _project(tmp_path, files, deps=deps)
    assert _gate(root) == []


def test_starlette_testclient_needs_httpx2(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import starlette\n",
        "demo/testclient.py": "from starlette.testclient import TestClient as TestClient\n",
    }
    root = _project(tmp_path, files, deps=("starlette",), dev=("httpx2",))
    assert _gate(root) == []


def test_requirement_string_names_the_distribution(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            from lightning_utilities.core.imports import RequirementCache

            LITLOGGER_AVAILABLE = RequirementCache("litlogger>=0.1.7")
            """,
    }
    root = _project(tmp_path, files, deps=("lightning-utilities", "litlogger>=0.1.7"))
    assert _gate(root) == []


def test_guarded_availability_import_is_a_use(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/utils.py": """\
            from importlib.metadata import version

            try:
                import antlr4
                import sympy
                from sympy.parsing.latex import parse_latex

                assert version("antlr4-python3-runtime").startswith("4.11")
            except (ModuleNotFoundError, AssertionError) as exc:
                raise type(exc)("antlr4-python3-runtime==4.11 is required") from exc

            def is_equiv(x1, x2):
                return sympy.simplify(parse_latex(x1) - parse_latex(x2)) == 0
            """,
    }
    root = _project(tmp_path, files, deps=("sympy", "antlr4-python3-runtime==4.11"))
    assert _gate(root) == []


def test_build_requirement_used_by_cmake(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "requirements/build.txt": "cmake_build_extension\npybind11<=2.13.1\n",
        "requirements/runtime.txt": "requests\n",
        "setup.py": """\
            from setuptools import find_packages, setup
            import cmake_build_extension

            setup(
                name="demo",
                packages=find_packages(),
                setup_requires=["cmake_build_extension", "pybind11<=2.13.1"],
                install_requires=["requests"],
                ext_modules=[
                    cmake_build_extension.CMakeExtension(
                        name="_demo", cmake_depends_on=["pybind11"], source_dir="."
                    )
                ],
            )
            """,
        "CMakeLists.txt": (
            "cmake_minimum_required(VERSION 3.18)\nproject(demo)\n"
            "find_package(pybind11 CONFIG)\npybind11_add_module(_demo bind.cpp)\n"
        ),
    }
    for rel, body in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    assert _gate(tmp_path) == []


def test_uvloop_companion_of_litdata(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "from litdata.streaming import StreamingDataset\n\nStreamingDataset\n"
    }
    root = _project(tmp_path, files, deps=("litdata", "uvloop; sys_platform != 'win32'"))
    assert _gate(root) == []


# -- declarations ------------------------------------------------------------------------


# fixed (was a strict xfail): declarations: fastapi pyproject.toml:62 `fastar >= 0.9.0`, a
# version floor on fastapi-cloud-cli's dependency (uv.lock; commit 4b264878d); also textual
# griffe (poetry.lock: mkdocstrings-python requires griffe) and lmdeploy apache-tvm-ffi
def test_version_floor_on_a_transitive_dependency_in_uv_lock(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import fastapi_cloud_cli\n",
        "uv.lock": """\
            version = 1
            requires-python = ">=3.10"

            [[package]]
            name = "demo"
            version = "0.1"
            source = { editable = "." }
            dependencies = [
                { name = "fastapi-cloud-cli" },
                { name = "fastar" },
            ]

            [[package]]
            name = "fastapi-cloud-cli"
            version = "0.3.0"
            source = { registry = "https://pypi.org/simple" }
            dependencies = [
                { name = "fastar" },
            ]

            [[package]]
            name = "fastar"
            version = "0.9.0"
            source = { registry = "https://pypi.org/simple" }
            """,
    }
    root = _project(tmp_path, files, deps=("fastapi-cloud-cli", "fastar>=0.9.0"))
    assert _gate(root) == []


# -- non-failing findings that are wrong, and a wrong credit (corpus2 warnings) ------------


def _findings(result: GateResult) -> list[tuple[str, str]]:
    return sorted((f.dependency, f.kind.value) for f in result.findings)


def test_tree_sitter_import_is_not_a_use_of_tree_sitter_python(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "from tree_sitter import Language\n\nLanguage\n"}
    root = _project(tmp_path, files, deps=("tree-sitter", "tree-sitter-python"))
    assert _gate(root) == ["tree-sitter-python"]


# fixed (was a strict xfail): TYPE_CHECKING imports: flask src/flask/app.py:57 (also httpx,
# textual) `from _typeshed.wsgi import StartResponse` under TYPE_CHECKING is reported missing;
# _typeshed exists only in typeshed
def test_typeshed_import_is_not_missing(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            import typing as t

            import requests

            if t.TYPE_CHECKING:
                from _typeshed.wsgi import StartResponse, WSGIEnvironment
            """,
    }
    root = _project(tmp_path, files, deps=("requests",))
    assert _findings(run_gate(root, use_cache=False)) == []


# fixed (was a strict xfail): stdlib names: fastapi fastapi/dependencies/utils.py:205 `from
# annotationlib import Format` (stdlib since 3.14, under a sys.version_info guard) is reported
# missing
def test_new_stdlib_module_is_not_missing(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            import sys

            import requests

            if sys.version_info >= (3, 14):
                from annotationlib import Format
            """,
    }
    root = _project(tmp_path, files, deps=("requests",))
    assert _findings(run_gate(root, use_cache=False)) == []


# fixed (was a strict xfail): first-party names: fastapi
# tests/test_tutorial/test_additional_responses/test_tutorial001.py:4 `from
# docs_src.additional_responses.tutorial001_py310 import app` (docs_src/ is a namespace folder
# without __init__.py) is reported missing; also fastapi `scripts` (scripts/tests/...:6), litgpt
# `extensions` (extensions/thunder/pretrain.py:138)
def test_local_namespace_folder_is_first_party(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "docs_src/first_steps/__init__.py": "",
        "docs_src/first_steps/tutorial001.py": "import demo\n\napp = demo\n",
        "tests/test_docs.py": """\
            from docs_src.first_steps.tutorial001 import app

            def test_app():
                assert app
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest",))
    assert _findings(run_gate(root, use_cache=False)) == []


# fixed (was a strict xfail): first-party names: lmdeploy lmdeploy/turbomind/builders/_base.py:5
# `import _turbomind as _tm`, the extension setup.py:138 builds
# (CMakeExtension(name='_turbomind')), is reported missing
def test_extension_module_built_by_setup_py_is_first_party(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\nimport _demo_ext as _ext\n\n_ext\n",
        "setup.py": """\
            from setuptools import Extension, find_packages, setup

            setup(
                name="demo",
                packages=find_packages(),
                install_requires=["requests"],
                ext_modules=[Extension(name="_demo_ext", sources=["ext.c"])],
            )
            """,
    }
    for rel, body in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    found = _findings(run_gate(tmp_path, use_cache=False))
    assert [f for f in found if f[0] == "_demo_ext"] == []


def test_pytest_option_inside_a_github_expression(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_a.py": "def test_a():\n    assert True\n",
        ".github/workflows/test.yml": WORKFLOW_HEAD
        + "      - run: python -m pytest -x tests ${{ matrix.parallelized && "
        "'-n auto --dist worksteal' || '' }} -v\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-xdist"))
    assert _gate(root) == []


def test_action_input_is_not_an_invocation(tmp_path: Path) -> None:
    files = {
        **PKG,
        ".github/workflows/wheels.yml": WORKFLOW_HEAD + "      - name: Build Rust bindings\n"
        "        uses: PyO3/maturin-action@v1\n"
        "        with:\n"
        "          command: build\n",
    }
    root = _project(tmp_path, files, deps=("requests", "build>=1.0.3"))
    assert _gate(root) == ["build"]


# fixed (was a strict xfail): dev-only deps: fastapi docs_src/wsgi/tutorial001_py310.py:1-3
# (documentation examples, tested by tests/test_tutorial/) is treated as runtime code, so
# a2wsgi, anyio, flask, pwdlib get misplaced-dev
def test_docs_src_examples_are_not_runtime_code(tmp_path: Path) -> None:
    files = {
        **PKG,
        "docs_src/wsgi/tutorial001.py": "from a2wsgi import WSGIMiddleware\n\nWSGIMiddleware\n",
        "tests/test_tutorial/test_wsgi.py": (
            "from docs_src.wsgi.tutorial001 import WSGIMiddleware\n\n\n"
            "def test_it():\n    assert WSGIMiddleware\n"
        ),
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "a2wsgi"))
    kinds = _findings(run_gate(root, use_cache=False))
    assert [k for k in kinds if k[0] == "a2wsgi"] == []
