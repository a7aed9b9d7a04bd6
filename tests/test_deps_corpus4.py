"""False `unused` findings found on real projects the gate was never tuned on (corpus4).

Each test is a minimal reproduction of one class of false finding judged in
benchmarks/real_projects.toml (ten Python/LLM projects fetched into /work/corpus4, commits
recorded there: datasets, optimum, crewAI, langgraph, mem0, pydantic, starlette, smolagents,
axolotl, DeepSpeed). They assert the correct behaviour and are strict xfails until the class
is fixed at its root: when one starts passing, remove its marker. The reason names the class,
the project and the evidence (file:line). Controls (no marker) pin the neighbouring behaviour
that already works, so a test fails for the reason it names and no other.
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
from tests.helpers.gate_projects import (
    write_files as _write,
)

# -- first-party shadowing: a dependency that extends the project's own namespace ----------


def test_dependency_providing_a_subpackage_of_the_first_party_namespace(tmp_path: Path) -> None:
    files = {
        "optimum/__init__.py": "",
        # optimum/pipelines/__init__.py:233: imported in a function that calls it
        "optimum/pipelines.py": "def run():\n    from optimum.onnxruntime import pipeline\n"
        "    return pipeline()\n",
    }
    root = _project(tmp_path, files, deps=("optimum-onnx",), name="optimum")
    assert _gate(root) == []


def test_guessed_dependency_providing_a_missing_first_party_subpackage(tmp_path: Path) -> None:
    files = {
        "src/axolotl/__init__.py": "",
        # src/axolotl/train.py:29, the name called at :523
        "src/axolotl/train.py": "from axolotl.contribs.lgpl import fix_untrained_tokens\n"
        "fix_untrained_tokens()\n",
    }
    root = _project(tmp_path, files, deps=("axolotl-contribs-lgpl==0.0.7",), name="axolotl")
    assert _gate(root) == []


def test_namespace_subpackage_imported_by_another_project_control(tmp_path: Path) -> None:
    """Control: outside the optimum namespace, the table maps optimum-onnx to its module."""
    files = {"demo/__init__.py": "from optimum.onnxruntime import pipeline\n"}
    root = _project(tmp_path, files, deps=("optimum-onnx",))
    assert _gate(root) == []


# -- declarations: an extra that only installs the project's own plugin distribution ----


def test_single_distribution_extra_for_the_projects_own_plugin(tmp_path: Path) -> None:
    extra = '[project.optional-dependencies]\namd = ["demo-amd"]\n'
    root = _project(tmp_path, PKG, deps=("requests",), extra_toml=extra)
    assert _gate(root) == []


# -- type stubs for imports of workspace members ------------------------------------------

_WORKSPACE = '[tool.uv.workspace]\nmembers = ["lib/*"]\n'
_MEMBER = {
    "lib/core/pyproject.toml": '[project]\nname = "core"\nversion = "0.1"\n'
    'dependencies = ["requests"]\n',
    "lib/core/src/core/__init__.py": "import requests\n",
}


def test_root_stubs_for_a_workspace_members_import(tmp_path: Path) -> None:
    root = _project(tmp_path, _MEMBER, dev=("types-requests",), extra_toml=_WORKSPACE)
    assert _gate(root) == []


def test_root_dependency_imported_by_a_workspace_member_control(tmp_path: Path) -> None:
    """Control: the member's import is a use of the same distribution declared at the root."""
    root = _project(tmp_path, _MEMBER, dev=("requests",), extra_toml=_WORKSPACE)
    assert _gate(root) == []


# -- tool invocations nested in a shell string ---------------------------------------------


def test_command_inside_a_bash_c_string(tmp_path: Path) -> None:
    files = {
        **PKG,
        "Makefile": "tc:\n\tuv run bash -c 'cd tests/tc && tach --version && tach check'\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("tach",))
    assert _gate(root) == []


def test_command_inside_a_command_substitution(tmp_path: Path) -> None:
    run = '      - run: echo "v=$(uv run tach --version)" >> "$GITHUB_OUTPUT"\n'
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("tach",))
    assert _gate(root) == []


def test_console_script_of_pyodide_build(tmp_path: Path) -> None:
    run = "      - run: uv run pyodide config get rust_toolchain\n"
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("pyodide-build",))
    assert _gate(root) == []


def test_command_run_directly_control(tmp_path: Path) -> None:
    """Control: the same commands as plain Makefile/workflow lines credit the tool."""
    run = "      - run: uv run tach --version\n"
    files = {
        **PKG,
        "Makefile": "tc:\n\tcd tests/tc && tach check\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD + run,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("tach",))
    assert _gate(root) == []


_ARGV = """\
    import subprocess


    def run_eval(tasks: str) -> None:
        {name} = [
            "lm_eval",
            "--tasks",
            tasks,
        ]
        subprocess.run({name}, check=True)  # nosec
    """


def test_console_script_in_an_argv_list_with_a_longer_name(tmp_path: Path) -> None:
    code = _ARGV.format(name="lm_eval_args")
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("lm-eval",))
    assert _gate(root) == []


def test_console_script_in_an_argv_list_named_args_control(tmp_path: Path) -> None:
    """Control: the same list bound to `args` is credited as a program the code runs."""
    code = _ARGV.format(name="args")
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("lm-eval",))
    assert _gate(root) == []


# -- docs toolchain: mkdocstrings `::: module` directives ----------------------------------

_MKDOCS = "site_name: x\nplugins:\n  - mkdocstrings\n"


def test_module_rendered_by_a_mkdocstrings_directive(tmp_path: Path) -> None:
    files = {
        **PKG,
        "mkdocs.yml": _MKDOCS,
        "docs/api/tz.md": "::: pydantic_extra_types.timezone_name\n",
    }
    dev = ("mkdocs", "mkdocstrings-python", "pydantic-extra-types")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


def test_mkdocstrings_plugin_control(tmp_path: Path) -> None:
    """Control: the plugin itself is credited from mkdocs.yml."""
    files = {**PKG, "mkdocs.yml": _MKDOCS, "docs/api/x.md": "::: demo\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("mkdocs", "mkdocstrings-python"))
    assert _gate(root) == []


# -- implicit uses: triggers missing from the table ----------------------------------------

_TRIGGERS = [
    pytest.param(
        "",
        "tzdata; platform_system == 'Windows'",
        "from zoneinfo import ZoneInfo\n\ntz = ZoneInfo('UTC')\n",
        id="zoneinfo-tzdata",
    ),
    pytest.param(
        "transformers",
        "schedulefree",
        "from transformers import TrainingArguments\n\n"
        'args = TrainingArguments("out", optim="schedule_free_adamw")\n',
        id="optim-name-schedulefree",
    ),
    pytest.param(
        "datasets",
        "zstandard",
        "from datasets import load_dataset\n\n"
        'ds = load_dataset("json", data_files="pretrain/rp_sub.jsonl.zst")\n',
        id="zst-file-zstandard",
    ),
    pytest.param(
        "transformers",
        "causal-conv1d",
        "from transformers.integrations.hub_kernels import lazy_load_kernel\n\n"
        'kernel = lazy_load_kernel("causal-conv1d")\n',
        id="kernel-name-causal-conv1d",
    ),
    pytest.param(
        "transformers",
        "torchvision",
        # smolagents src/smolagents/models.py:956: no failure, as transformers' companion
        # (loaded by its image and video processors when installed)
        'from transformers import AutoProcessor\n\nproc = AutoProcessor.from_pretrained("m")\n',
        id="autoprocessor-torchvision",
    ),
    pytest.param(
        "langchain-community",
        "rank-bm25",
        "from langchain_community.retrievers import BM25Retriever\n\n"
        "r = BM25Retriever.from_documents([])\n",
        id="bm25retriever-rank-bm25",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code"), _TRIGGERS)
def test_library_call_that_needs_an_optional_dependency(
    tmp_path: Path, parent: str, dep: str, code: str
) -> None:
    deps = (parent, dep) if parent else (dep,)
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=deps)
    assert _gate(root) == []


def test_module_name_in_import_module_control(tmp_path: Path) -> None:
    """Control: the module name itself, handed to importlib, is credited."""
    code = 'import importlib\n\nmod = importlib.import_module("causal_conv1d")\n'
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("causal-conv1d",))
    assert _gate(root) == []


# -- companions missing from the table -----------------------------------------------------

_COMPANIONS = [
    pytest.param(
        "lm-eval",
        "import lm_eval\n",
        "langdetect",
        id="lm-eval-langdetect",
    ),
    pytest.param(
        "deepspeed",
        "import deepspeed\n",
        "deepspeed-kernels",
        id="deepspeed-kernels",
    ),
    pytest.param(
        "mlx-lm",
        "import mlx_lm\n",
        "mlx[cpu]",
        id="mlx-lm-mlx-cpu",
    ),
]


@pytest.mark.parametrize(("parent", "code", "dep"), _COMPANIONS)
def test_companion_of_a_used_parent(tmp_path: Path, parent: str, code: str, dep: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dep))
    assert _gate(root) == []


def test_companion_in_the_table_control(tmp_path: Path) -> None:
    """Control: sentencepiece beside an imported transformers does not fail."""
    files = {"demo/__init__.py": "import transformers\n"}
    root = _project(tmp_path, files, deps=("transformers", "sentencepiece"))
    assert _gate(root) == []


# -- name mapping: an import name unrelated to the distribution name -----------------------


def test_distribution_whose_module_name_is_unrelated(tmp_path: Path) -> None:
    root = _project(
        tmp_path, {"demo/__init__.py": "import dskernels\n"}, deps=("deepspeed-kernels",)
    )
    assert _gate(root) == []


# -- declarations: conda packages that are not Python packages -----------------------------

_ENV = "name: x\ndependencies:\n  - python=3.10\n  - compilers\n  - ninja\n  - requests\n"


def test_conda_system_packages_are_not_python_dependencies(tmp_path: Path) -> None:
    env = _ENV + "  - sysroot_linux-64==2.17\n  - libaio\n"
    _write(tmp_path, {**PKG, "environment.yml": env})
    assert _gate(tmp_path) == []


def test_conda_toolchain_packages_control(tmp_path: Path) -> None:
    """Control: `compilers` and `ninja` in the same file are not findings."""
    _write(tmp_path, {**PKG, "environment.yml": _ENV})
    assert _gate(tmp_path) == []


# -- declarations: a docs-toolchain pin outside docs/requirements --------------------------


_DOCS_REQS = "sphinx\nrecommonmark\nsphinx-rtd-theme\ndocutils<0.18\n"
_SPHINX = {
    "docs/conf.py": 'extensions = ["recommonmark"]\nhtml_theme = "sphinx_rtd_theme"\n',
    "docs/Makefile": "html:\n\tsphinx-build -b html . _build\n",
}


def test_docs_toolchain_pin_in_a_dev_requirements_file(tmp_path: Path) -> None:
    files = {**PKG, **_SPHINX, "requirements.txt": "requests\n", "requirements-dev.txt": _DOCS_REQS}
    _write(tmp_path, files)
    assert _gate(tmp_path) == []


def test_docs_toolchain_pin_in_docs_requirements_control(tmp_path: Path) -> None:
    """Control: the same lines in docs/requirements.txt make docutils a pin, not a finding."""
    files = {
        **PKG,
        **_SPHINX,
        "requirements.txt": "requests\n",
        "docs/requirements.txt": _DOCS_REQS,
    }
    _write(tmp_path, files)
    assert _gate(tmp_path) == []
