"""False `unused` findings found on real projects the gate was never tuned on (corpus5).

Each test is a minimal reproduction of one class of false finding judged in
benchmarks/real_projects.toml (ten Python projects fetched into /work/corpus5, commits
recorded there: logfire, uvicorn, typer, sqlmodel, click, lighteval, gpt-neox, datasette,
openai-agents-python, markitdown). They assert the correct behaviour and are strict xfails
until the class is fixed at its root: when one starts passing, remove its marker. The reason
names the class, the project and the evidence (file:line). Controls (no marker) pin the
neighbouring behaviour that already works, so a test fails for the reason it names and no other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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

# -- pytest plugin selected by tox's native TOML config -----------------------------------

_TOX_TOML = """\
[tool.tox.env.random]
dependency_groups = ["dev"]
commands = [["pytest", "-v", "--numprocesses=auto"]]
"""


def test_pytest_option_in_a_tox_toml_command(tmp_path: Path) -> None:
    root = _project(
        tmp_path, PKG, deps=("requests",), dev=("pytest", "pytest-xdist"), extra_toml=_TOX_TOML
    )
    assert _gate(root) == []


def test_pytest_option_in_a_tox_ini_command_control(tmp_path: Path) -> None:
    """Control: the same command in tox.ini credits pytest-xdist."""
    files = {**PKG, "tox.ini": "[testenv]\ncommands = pytest -v --numprocesses=auto\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-xdist"))
    assert _gate(root) == []


# -- coverage.py plugins and subprocess measurement -------------------------------------

_COVERAGE_PLUGIN = '[tool.coverage.run]\nplugins = ["coverage_conditional_plugin"]\n'


def test_coverage_plugin_configured_in_pyproject(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        PKG,
        deps=("requests",),
        dev=("coverage", "coverage-conditional-plugin"),
        extra_toml=_COVERAGE_PLUGIN,
    )
    assert _gate(root) == []


def test_coverage_subprocess_hook_enabled_by_env(tmp_path: Path) -> None:
    files = {
        **PKG,
        "scripts/test": "#!/bin/sh\nexport COVERAGE_PROCESS_START=$(pwd)/pyproject.toml\n"
        "coverage run -m pytest\n",
    }
    root = _project(
        tmp_path,
        files,
        deps=("requests",),
        dev=("coverage", "pytest", "coverage-enable-subprocess"),
    )
    assert _gate(root) == []


# -- docs toolchain: plugin/extension names the gate does not map -----------------------


_MKDOCS_PLUGINS = "plugins:\n  - search\n  - llmstxt:\n      full_output: llms-full.txt\n"


def test_mkdocs_plugins_key_given_twice(tmp_path: Path) -> None:
    first = "plugins:\n  - mkdocstrings:\n      handlers:\n        python: {}\n\n"
    files = {**PKG, "mkdocs.yml": "site_name: d\n" + first + _MKDOCS_PLUGINS}
    root = _project(tmp_path, files, deps=("requests",), dev=("mkdocs", "mkdocs-llmstxt"))
    assert _gate(root) == []


def test_mkdocs_llmstxt_plugin_control(tmp_path: Path) -> None:
    """Control: with one `plugins:` key, the `llmstxt` plugin credits mkdocs-llmstxt."""
    files = {**PKG, "mkdocs.yml": "site_name: d\n" + _MKDOCS_PLUGINS}
    root = _project(tmp_path, files, deps=("requests",), dev=("mkdocs", "mkdocs-llmstxt"))
    assert _gate(root) == []


def test_sphinx_extension_appended_conditionally(tmp_path: Path) -> None:
    conf = (
        'import os\n\nextensions = ["sphinx.ext.autodoc"]\n'
        'if not os.environ.get("DISABLE_TABS"):\n'
        '    extensions += ["sphinx_inline_tabs"]\n'
    )
    files = {**PKG, "docs/conf.py": conf}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx", "sphinx-inline-tabs"))
    assert _gate(root) == []


def test_sphinx_extension_in_the_list_control(tmp_path: Path) -> None:
    """Control: the same extension inside the `extensions = [...]` literal is credited."""
    conf = 'extensions = ["sphinx.ext.autodoc", "sphinx_inline_tabs"]\n'
    files = {**PKG, "docs/conf.py": conf}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx", "sphinx-inline-tabs"))
    assert _gate(root) == []


# -- tools run by a reusable workflow or only in a README command ----------------------


def test_reusable_workflow_of_the_tools_own_repository(tmp_path: Path) -> None:
    wf = (
        "on: push\njobs:\n  build:\n    uses: huggingface/doc-builder/.github/workflows/"
        "build_main_documentation.yml@main\n    with:\n      package: demo\n"
    )
    files = {**PKG, ".github/workflows/doc.yml": wf}
    root = _project(tmp_path, files, deps=("requests",), dev=("hf-doc-builder",))
    assert _gate(root) == []


def test_watchdog_companion_of_doc_builder(tmp_path: Path) -> None:
    extra = '[project.optional-dependencies]\ndocs = ["hf-doc-builder", "watchdog"]\n'
    files = {**PKG, "Makefile": "docs:\n\tdoc-builder preview demo docs/source\n"}
    root = _project(tmp_path, files, deps=("requests",), extra_toml=extra)
    assert _gate(root) == []


def test_pytest_option_in_a_readme_command(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_a.py": "def test_a():\n    pass\n",
        "tests/README.md": "Run:\n\n```bash\npytest --cov-report term --cov=demo tests\n```\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD + "      - run: pytest tests\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    assert _gate(root) == []


def test_pytest_option_in_a_workflow_control(tmp_path: Path) -> None:
    """Control: the same option in a workflow step credits pytest-cov."""
    run = "      - run: pytest --cov-report term --cov=demo tests\n"
    files = {
        **PKG,
        "tests/test_a.py": "def test_a():\n    pass\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD + run,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    assert _gate(root) == []


# -- imports the gate cannot see -------------------------------------------------------


def test_import_inside_a_pytester_source_string(tmp_path: Path) -> None:
    test = '''\
    import pytest

    def test_x(pytester: pytest.Pytester):
        pytester.makepyfile("""
            import pytest_asyncio

            @pytest_asyncio.fixture
            async def res():
                yield 1
        """)
        pytester.runpytest().assert_outcomes(passed=0)
    '''
    files = {**PKG, "tests/test_plugin.py": test}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-asyncio"))
    assert _gate(root) == []


def test_dynamic_import_of_a_name_bound_to_a_literal(tmp_path: Path) -> None:
    code = """\
    from e2b import exceptions

    def load(kind):
        if kind == "ci":
            module_name = "e2b_code_interpreter"
        else:
            module_name = "e2b"
        return __import__(module_name, fromlist=["AsyncSandbox"])
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("e2b", "e2b-code-interpreter"))
    assert _gate(root) == []


def test_dynamic_import_of_a_literal_control(tmp_path: Path) -> None:
    """Control: ``importlib.import_module("literal")`` is credited."""
    code = 'import importlib\n\nm = importlib.import_module("e2b_code_interpreter")\n'
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("e2b-code-interpreter",))
    assert _gate(root) == []


def test_find_spec_over_a_list_of_names(tmp_path: Path) -> None:
    code = """\
    import importlib.util

    import requests

    def available(language):
        packages = ["requests"]
        if language == "vi":
            packages.append("pyvi")
        return all(importlib.util.find_spec(p) is not None for p in packages)
    """
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("requests", "pyvi"))
    assert _gate(root) == []


# -- build helpers run through make ------------------------------------------------------


def test_module_run_by_a_make_shell_function(tmp_path: Path) -> None:
    files = {
        **PKG,
        "demo/data/Makefile": "CPPFLAGS += $(shell python3 -m pybind11 --includes)\n"
        "default: helpers.so\n",
    }
    root = _project(tmp_path, files, deps=("requests", "pybind11"))
    assert _gate(root) == []


def test_module_run_in_a_root_makefile_recipe_control(tmp_path: Path) -> None:
    """Control: ``python3 -m pybind11`` in a root Makefile recipe is credited."""
    files = {**PKG, "Makefile": "inc:\n\tpython3 -m pybind11 --includes\n"}
    root = _project(tmp_path, files, deps=("requests", "pybind11"))
    assert _gate(root) == []


# -- library features that need an optional dependency (table entries) ------------------

_TRIGGERS = [
    pytest.param(
        "anthropic",
        "boto3",
        "from anthropic.lib.bedrock import AnthropicBedrock\n\nc = AnthropicBedrock()\n",
        id="anthropic-bedrock-boto3",
    ),
    pytest.param(
        "anthropic",
        "botocore",
        "from anthropic.lib.bedrock import AnthropicBedrock\n\nc = AnthropicBedrock()\n",
        id="anthropic-bedrock-botocore",
    ),
    pytest.param(
        "deepspeed",
        "cupy-cuda111",
        "from deepspeed.runtime.fp16.onebit.adam import OnebitAdam\n",
        id="deepspeed-onebitadam-cupy",
    ),
    pytest.param(
        "spacy",
        "pyvi",
        'import spacy\n\nnlp = spacy.blank("vi")\n',
        id="spacy-blank-vi-pyvi",
    ),
    pytest.param(
        "spacy",
        "jieba",
        'import spacy\n\nnlp = spacy.blank("zh", config={"nlp": {"tokenizer": '
        '{"segmenter": "jieba"}}})\n',
        id="spacy-zh-jieba",
    ),
    pytest.param(
        "deepspeed",
        "mpi4py",
        "import deepspeed\n\ndeepspeed.init_distributed(auto_mpi_discovery=True)\n",
        id="deepspeed-mpi-discovery-mpi4py",
    ),
    pytest.param(
        "megablocks",
        "grouped-gemm",
        "from megablocks import grouped_gemm_util as gg\n",
        id="megablocks-grouped-gemm",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code"), _TRIGGERS)
def test_library_feature_that_needs_an_optional_dependency(
    tmp_path: Path, parent: str, dep: str, code: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dep))
    assert _gate(root) == []
