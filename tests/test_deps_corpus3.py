"""False `unused` findings found on real projects the gate was never tuned on (corpus3).

Each test is a minimal reproduction of one class of false finding judged in
benchmarks/real_projects.toml (ten LLM projects fetched into /work/corpus3, commits recorded
there: sentence-transformers, trl, diffusers, dspy, aider, docling, haystack, mlx-lm,
open-interpreter, unsloth). They assert the correct behaviour and are strict xfails until the
class is fixed at its root: when one starts passing, remove its marker. The reason names the
class, the project and the evidence (file:line). Controls (no marker) pin the neighbouring
behaviour that already works, so a test fails for the reason it names and no other.
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

# -- tool invocations: console script named differently from its distribution -------------


def test_console_script_of_a_py_suffixed_distribution(tmp_path: Path) -> None:
    files = {
        **PKG,
        "Makefile": "dprint-check:\n\tuv run --no-sync dprint check --config .github/dprint.json\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("dprint-py==0.53.1.0",))
    assert _gate(root) == []


def test_console_script_named_like_its_distribution_control(tmp_path: Path) -> None:
    """Control: the same Makefile line credits a tool whose command is its name."""
    files = {**PKG, "Makefile": "check:\n\tuv run --no-sync tach check\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("tach>=0.34.0",))
    assert _gate(root) == []


def test_console_script_of_a_tools_suffixed_distribution_in_a_hatch_script(
    tmp_path: Path,
) -> None:
    files = {
        **PKG,
        ".github/workflows/docs.yml": WORKFLOW_HEAD + "      - run: hatch run docs\n",
    }
    extra = (
        "[tool.hatch.envs.default]\n"
        'dependencies = ["haystack-pydoc-tools"]\n'
        "[tool.hatch.envs.default.scripts]\n"
        'docs = "haystack-pydoc pydoc tmp_api_reference"\n'
    )
    root = _project(tmp_path, files, deps=("requests",), extra_toml=extra)
    assert _gate(root) == []


def test_hatch_script_run_by_a_workflow_control(tmp_path: Path) -> None:
    """Control: the same hatch script and workflow credit a tool whose command is its name."""
    files = {
        **PKG,
        ".github/workflows/docs.yml": WORKFLOW_HEAD + "      - run: hatch run docs\n",
    }
    extra = (
        "[tool.hatch.envs.default]\n"
        'dependencies = ["mkdocs"]\n'
        "[tool.hatch.envs.default.scripts]\n"
        'docs = "mkdocs build"\n'
    )
    root = _project(tmp_path, files, deps=("requests",), extra_toml=extra)
    assert _gate(root) == []


# -- implicit uses: library triggers missing from the table --------------------------------

_TRIGGERS = [
    pytest.param(
        "transformers",
        "jinja2",
        """\
        from transformers import AutoTokenizer

        def render(messages):
            tok = AutoTokenizer.from_pretrained("mlx-community/model")
            return tok.apply_chat_template(messages, add_generation_prompt=True)
        """,
        id="apply_chat_template-jinja2",
    ),
    pytest.param(
        "transformers",
        "torchvision",
        """\
        from transformers import AutoProcessor

        def load(name):
            return AutoProcessor.from_pretrained(name, use_fast=True, padding_side="left")
        """,
        # trl tests/test_grpo_trainer.py:4237: torchvision is a companion of transformers
        # (its fast image and video processors), so it does not fail
        id="fast-image-processor-torchvision",
    ),
    pytest.param(
        "transformers",
        "num2words",
        """\
        from transformers import AutoProcessor

        processor = AutoProcessor.from_pretrained("HuggingFaceTB/SmolVLM-Instruct")
        """,
        id="smolvlm-processor-num2words",
    ),
    pytest.param(
        "networkx",
        "scipy",
        """\
        import networkx as nx

        def rank(edges):
            G = nx.MultiDiGraph()
            G.add_edges_from(edges)
            return nx.pagerank(G, weight="weight")
        """,
        id="networkx-pagerank-scipy",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code"), _TRIGGERS)
def test_library_call_that_needs_an_optional_dependency(
    tmp_path: Path, parent: str, dep: str, code: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dep))
    assert _gate(root) == []


def test_library_trigger_in_the_table_control(tmp_path: Path) -> None:
    """Control: a trigger the table has (``use_fast=False`` -> sentencepiece) is credited."""
    code = (
        "from transformers import AutoTokenizer\n\n"
        'tok = AutoTokenizer.from_pretrained("m", use_fast=False)\n'
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("transformers", "sentencepiece"))
    assert _gate(root) == []


# -- implicit uses: a Hub model's own code (trust_remote_code=True) -------------------------

_REMOTE_CODE = [
    pytest.param(
        "einops",
        """\
        import transformers

        def load():
            return transformers.AutoModelForCausalLM.from_pretrained(
                "vikhyatk/moondream2", trust_remote_code=True, revision="2024-04-02"
            )
        """,
        id="moondream-einops",
    ),
    pytest.param(
        "peft",
        """\
        from transformers import AutoModelForImageTextToText

        def load(path):
            model = AutoModelForImageTextToText.from_pretrained(path, trust_remote_code=True)
            if hasattr(model, "merge_lora_adapters"):
                model.merge_lora_adapters()
            return model
        """,
        id="granite-vision-peft",
    ),
]


@pytest.mark.parametrize(("dep", "code"), _REMOTE_CODE)
def test_dependency_of_hub_remote_code(tmp_path: Path, dep: str, code: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("transformers", dep))
    assert _gate(root) == []


# -- implicit uses: the project's own lazy-import helper ------------------------------------

LAZY_IMPORT = """\
    import importlib.util
    import sys


    def lazy_import(name, optional=True):
        \"\"\"Lazily import a module, specified by the name.\"\"\"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.find_spec(name)
        if spec is None:
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader = importlib.util.LazyLoader(spec.loader)
        loader.exec_module(module)
        return module
    """


def test_module_loaded_by_a_project_lazy_import_helper(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/utils/__init__.py": "",
        "demo/utils/lazy_import.py": LAZY_IMPORT,
        "demo/display.py": """\
            from .utils.lazy_import import lazy_import

            screeninfo = lazy_import("screeninfo")


            def monitors():
                return screeninfo.get_monitors()
            """,
    }
    root = _project(tmp_path, files, deps=("screeninfo",))
    assert _gate(root) == []


def test_module_loaded_by_import_module_control(tmp_path: Path) -> None:
    """Control: the same string given to importlib.import_module is credited."""
    code = 'import importlib\n\nscreeninfo = importlib.import_module("screeninfo")\n'
    files = {"demo/__init__.py": code}
    root = _project(tmp_path, files, deps=("screeninfo",))
    assert _gate(root) == []


# -- companions -----------------------------------------------------------------------------


def test_comment_block_above_a_group_of_requirements(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import litellm\n",
        "requirements.in": """\
            litellm

            # The proper dependency is litellm[proxy], but it installs
            # mcp which is a pywin32 dependency that fails on linux CI.
            fastapi
            orjson
            """,
    }
    _write(tmp_path, files)
    assert _gate(tmp_path) == []


def test_comment_on_the_line_above_names_the_parent_control(tmp_path: Path) -> None:
    """Control: a one-line note right above the entry already makes it a companion."""
    files = {
        "demo/__init__.py": "import litellm\n",
        "requirements.in": "litellm\n# part of litellm[proxy]\nfastapi\n",
    }
    _write(tmp_path, files)
    assert _gate(tmp_path) == []


def test_companion_of_an_imported_transitive_parent(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import httpx\nimport litellm\n"}
    root = _project(tmp_path, files, deps=("litellm", "socksio"))
    assert _gate(root) == []


def test_companion_of_a_declared_parent_control(tmp_path: Path) -> None:
    """Control: with httpx declared, socksio is its companion and does not fail."""
    files = {"demo/__init__.py": "import httpx\nimport litellm\n"}
    root = _project(tmp_path, files, deps=("litellm", "httpx", "socksio"))
    assert _gate(root) == []


# -- declarations: pip-compile's `# via` annotations are a requirer graph ----------------

_COMPILED = """\
    #
    # This file is autogenerated by pip-compile with Python 3.12
    # by the following command:
    #
    #    pip-compile --output-file=requirements.txt requirements.in
    #
    importlib-metadata==7.2.1
        # via
        #   -r requirements.in
        #   litellm
    litellm==1.82.6
        # via -r requirements.in
    """


def test_version_pin_of_a_transitive_in_a_pip_compile_lock(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import litellm\n",
        "requirements.in": "litellm\nimportlib-metadata<8.0.0\n",
        "requirements.txt": _COMPILED,
    }
    _write(tmp_path, files)
    assert _gate(tmp_path) == []


# -- name mapping: alternative builds of the same module ----------------------------------


@pytest.mark.parametrize("build", ["triton-xpu", "pytorch-triton-xpu"])
def test_platform_build_providing_an_already_claimed_module(tmp_path: Path, build: str) -> None:
    files = {"demo/__init__.py": "import triton\n\ntriton.jit\n"}
    root = _project(
        tmp_path,
        files,
        deps=("triton>=3.0.0; sys_platform == 'linux'", f"{build}; sys_platform == 'linux'"),
    )
    assert _gate(root) == []


def test_platform_build_in_the_table_control(tmp_path: Path) -> None:
    """Control: triton-windows (in the built-in table) beside triton is credited."""
    files = {"demo/__init__.py": "import triton\n\ntriton.jit\n"}
    root = _project(
        tmp_path,
        files,
        deps=("triton>=3.0.0; sys_platform == 'linux'", "triton-windows; sys_platform == 'win32'"),
    )
    assert _gate(root) == []


# -- pytest plugins: a fixture missing from the built-in table ---------------------------


def test_pytest_datadir_lazy_fixture(tmp_path: Path) -> None:
    files = {
        **PKG,
        "tests/test_a.py": """\
            def test_template(lazy_shared_datadir):
                assert (lazy_shared_datadir / "template.jinja").exists()
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-datadir>=1.7.0"))
    assert _gate(root) == []


def test_pytest_datadir_fixture_in_the_table_control(tmp_path: Path) -> None:
    """Control: the older ``shared_datadir`` fixture is credited."""
    files = {
        **PKG,
        "tests/test_a.py": """\
            def test_template(shared_datadir):
                assert (shared_datadir / "template.jinja").exists()
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-datadir"))
    assert _gate(root) == []


# -- implicit uses: builds without isolation need the build tools installed --------------


def test_build_without_isolation_needs_wheel(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            import subprocess
            import sys


            def build_from_source(spec):
                cmd = [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--no-build-isolation",
                    "--no-deps",
                    spec,
                ]
                subprocess.run(cmd, check=True)
            """,
    }
    root = _project(tmp_path, files, deps=("wheel>=0.42.0",))
    assert _gate(root) == []


# -- recall: a default range is no deliberate pin ------------------------------------------

_POETRY_LOCK = """\
    [[package]]
    name = "inquirer"
    version = "3.4.0"
    description = "Collection of common interactive command line user interfaces"
    optional = false
    python-versions = ">=3.8.1"

    [package.dependencies]
    blessed = ">=1.19.0"

    [[package]]
    name = "blessed"
    version = "1.20.0"
    description = "Easy, practical library for making terminal apps"
    optional = false
    python-versions = ">=2.7"

    [package.dependencies]
    six = ">=1.9.0"

    [[package]]
    name = "six"
    version = "1.16.0"
    description = "Python 2 and 3 compatibility utilities"
    optional = false
    python-versions = ">=2.7"
    """


def test_poetry_caret_range_is_not_a_version_pin(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "demo"\nversion = "0.1"\n'
        "[tool.poetry.dependencies]\n"
        'python = ">=3.9,<4"\ninquirer = "^3.1.3"\nsix = "^1.16.0"\n'
    )
    _write(tmp_path, {"demo/__init__.py": "import inquirer\n", "poetry.lock": _POETRY_LOCK})
    assert _gate(tmp_path) == ["six"]


def test_explicit_floor_beside_a_requirer_is_a_pin_control(tmp_path: Path) -> None:
    """Control: an explicit floor (``six>=1.16``) beside its requirer stays a companion."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["inquirer", "six>=1.16.0"]\n'
    )
    _write(tmp_path, {"demo/__init__.py": "import inquirer\n", "poetry.lock": _POETRY_LOCK})
    assert _gate(tmp_path) == []


# -- recall: requirements installed after a `cd` in the same step --------------------------


def _docs_requirements_project(root: Path, run: str) -> Path:
    files = {
        **PKG,
        "docs/requirements.txt": "mkdocs\nunusedpkg==1.0\n",
        "mkdocs.yml": "site_name: demo\n",
        ".github/workflows/docs.yml": WORKFLOW_HEAD + "      - run: |\n" + run,
    }
    return _project(root, files, deps=("requests",))


def test_requirements_installed_after_cd_in_a_workflow(tmp_path: Path) -> None:
    run = "          cd docs\n          pip install -r requirements.txt\n          mkdocs build\n"
    assert _gate(_docs_requirements_project(tmp_path, run)) == ["unusedpkg"]


def test_requirements_installed_by_path_control(tmp_path: Path) -> None:
    """Control: the same file installed by its path from the root is read and checked."""
    run = "          pip install -r docs/requirements.txt\n          mkdocs build -f mkdocs.yml\n"
    assert _gate(_docs_requirements_project(tmp_path, run)) == ["unusedpkg"]
