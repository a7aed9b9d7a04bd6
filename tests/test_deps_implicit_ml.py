"""Implicit uses, companions, pins and conda names for training/data projects (corpus4 classes).

Shapes other than the corpus4 reproductions (tests/test_deps_corpus4.py): the same class
of use written another way (a YAML training config, a CLI flag, a Pixi table), and the
neighbouring text that is NOT a use (a docs list of optimizer names, a ``.tar.zst`` cache
archive, llama-index's BM25Retriever), which must still fail as unused.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.declarations_conda_names import CONDA_NON_PYTHON
from pytest_llmcore.deps.gate import run_gate


def _project(root: Path, files: dict[str, str], deps: tuple[str, ...] = ()) -> Path:
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
    )
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _failing(root: Path) -> list[str]:
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


def _kinds(root: Path) -> dict[str, str]:
    return {f.dependency: f.kind for f in run_gate(root, use_cache=False).findings}


TRAIN = "import transformers\n"

# -- triggers: a value that selects an optional package ------------------------------------


@pytest.mark.parametrize(
    ("dep", "files"),
    [
        pytest.param(
            "galore-torch",
            {"configs/lora.yaml": "base_model: x\noptimizer: galore_adamw_8bit\n"},
            id="yaml-config-galore",
        ),
        pytest.param(
            "apollo-torch",
            {"train.sh": "#!/bin/sh\npython -m demo.train --optim apollo_adamw_layerwise\n"},
            id="cli-flag-apollo",
        ),
        pytest.param(
            "lomo-optim",
            {
                "demo/cfg.py": "from transformers import TrainingArguments\n"
                "args = TrainingArguments('out', optim='adalomo')\n"
            },
            id="training-arguments-adalomo",
        ),
        pytest.param(
            "zstandard",
            {"examples/pretrain.yml": "datasets:\n  - path: data/c4-train.json.zst\n"},
            id="yaml-config-zst",
        ),
        pytest.param(
            "causal-conv1d",
            {
                "demo/k.py": "from transformers.integrations.hub_kernels import lazy_load_kernel\n"
                "k = lazy_load_kernel('causal_conv1d')\n"
            },
            id="kernel-module-style-name",
        ),
        pytest.param(
            "rank-bm25",
            {
                "demo/r.py": "from langchain_community.retrievers import BM25Retriever\n\n"
                "r = BM25Retriever.from_texts(['a'])\n"
            },
            id="bm25-from-texts",
        ),
        pytest.param(
            "fbgemm-gpu-genai",
            {
                "demo/q.py": "from torchao.quantization import (\n"
                "    Float8DynamicActivationInt4WeightConfig,\n)"
                "\n\ncfg = Float8DynamicActivationInt4WeightConfig()\n"
            },
            id="torchao-float8-int4",
        ),
        pytest.param(
            "tzdata",
            {"demo/tz.py": "import zoneinfo\n\nUTC = zoneinfo.ZoneInfo('UTC')\n"},
            id="zoneinfo-module",
        ),
    ],
)
def test_a_value_that_selects_an_optional_package_is_a_use(
    tmp_path: Path, dep: str, files: dict[str, str]
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": TRAIN, **files}, ("transformers", dep))
    assert _failing(root) == []


@pytest.mark.parametrize(
    ("dep", "files"),
    [
        pytest.param(
            "lomo-optim",
            {"docs/optimizers.md": "Optimizers you can name:\n\n- `lomo`\n- `adalomo`\n"},
            id="docs-list-of-names",
        ),
        pytest.param(
            "galore-torch",
            {"demo/names.py": 'class Names:\n    GALORE_ADAMW = "galore_adamw"\n'},
            id="enum-of-names",
        ),
        pytest.param(
            "zstandard",
            {
                ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                "      - run: curl -L https://x/cache.tar.zst | tar -xf - --use-compress-program "
                "unzstd\n"
            },
            id="tar-zst-archive",
        ),
        pytest.param(
            "rank-bm25",
            {
                "demo/r.py": "from llama_index.retrievers.bm25 import BM25Retriever\n\n"
                "r = BM25Retriever.from_defaults(nodes=[])\n"
            },
            id="llama-index-bm25",
        ),
        pytest.param(
            "tzdata",
            {"demo/tz.py": "# zoneinfo would need tzdata on Windows\nimport datetime\n"},
            id="zoneinfo-in-a-comment",
        ),
    ],
)
def test_a_word_that_selects_nothing_is_no_use(
    tmp_path: Path, dep: str, files: dict[str, str]
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": TRAIN, **files}, ("transformers", dep))
    assert _failing(root) == [dep]


def test_other_rows_do_not_run_on_config_files(tmp_path: Path) -> None:
    """Only the config-value rows read a plain YAML file: another row's text there
    (``read_excel(`` in a config's comment) proves nothing."""
    files = {"demo/__init__.py": "import requests\n", "configs/a.yaml": "# read_excel(x)\nx: 1\n"}
    root = _project(tmp_path, files, ("requests", "openpyxl"))
    assert _failing(root) == ["openpyxl"]


def test_the_same_row_in_code_is_a_use(tmp_path: Path) -> None:
    """Control for the test above: in a source file the row proves openpyxl used."""
    files = {"demo/__init__.py": "import pandas\n\ndf = pandas.read_excel('x.xlsx')\n"}
    root = _project(tmp_path, files, ("pandas", "openpyxl"))
    assert _failing(root) == []


# -- companions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "code", "dep"),
    [
        ("lm-eval", "import lm_eval\nlm_eval.simple_evaluate\n", "immutabledict"),
        ("lm-eval", "from lm_eval import evaluator\n", "antlr4-python3-runtime"),
        ("transformers", "import transformers\n", "mistral-common"),
        ("mlx-vlm", "import mlx_vlm\n", "mlx"),
    ],
)
def test_companion_is_not_failing(tmp_path: Path, parent: str, code: str, dep: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, (parent, dep))
    assert _kinds(root) == {dep: "unused-companion"}


def test_companion_without_its_parent_fails(tmp_path: Path) -> None:
    root = _project(tmp_path, {"demo/__init__.py": "import requests\n"}, ("requests", "langdetect"))
    assert _failing(root) == ["langdetect"]


# -- name mapping ------------------------------------------------------------------------


def test_dskernels_loaded_by_name(tmp_path: Path) -> None:
    code = "import importlib\n\nmod = importlib.import_module('dskernels')\n"
    root = _project(tmp_path, {"demo/__init__.py": code}, ("deepspeed-kernels",))
    assert _failing(root) == []


# -- conda names that are no Python package ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "non_python"),
    [
        ("sysroot-linux-64", True),
        ("gcc-linux-aarch64", True),
        ("clang-osx-arm64", True),
        ("vs2019-win-64", True),
        ("libaio", True),
        ("libxml2", True),
        ("librosa", False),
        ("libcst", False),
        ("libclang", False),
        ("libarchive-c", False),  # a PyPI distribution the module map lists
        ("numpy", False),
        ("lib", False),
    ],
)
def test_conda_non_python_rules(name: str, non_python: bool) -> None:
    assert (name in CONDA_NON_PYTHON) is non_python


def test_conda_c_library_and_python_lib_package(tmp_path: Path) -> None:
    """libxml2 and an aarch64 compiler are not findings; librosa is Python, so unused."""
    env = "name: x\ndependencies:\n  - requests\n  - libxml2\n  - gcc_linux-aarch64\n  - librosa\n"
    files = {"demo/__init__.py": "import requests\n", "environment.yml": env}
    for rel, body in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    assert _failing(tmp_path) == ["librosa"]


def test_pixi_sysroot_is_not_a_python_dependency(tmp_path: Path) -> None:
    root = _project(tmp_path, {"demo/__init__.py": "import requests\n"}, ("requests",))
    with (root / "pyproject.toml").open("a") as f:
        f.write('[tool.pixi.dependencies]\nsysroot_linux-64 = ">=2.17"\nlibaio = "*"\n')
    assert _failing(root) == []


# -- docs-toolchain pins outside docs requirements ---------------------------------------


def _docs(root: Path, dev: str) -> Path:
    files = {
        "demo/__init__.py": "import requests\n",
        "docs/conf.py": 'extensions = []\nhtml_theme = "alabaster"\n',
        "requirements.txt": "requests\n",
        "requirements/dev.txt": dev,
    }
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return root


def test_jinja2_pin_beside_sphinx_in_dev_requirements(tmp_path: Path) -> None:
    root = _docs(tmp_path, "sphinx\njinja2<3.1\npytest\n")
    assert _kinds(root).get("jinja2") == "unused-companion"


def test_unpinned_docutils_beside_sphinx_is_unused(tmp_path: Path) -> None:
    """No version constraint: the entry pins nothing, so it is plainly unused."""
    root = _docs(tmp_path, "sphinx\ndocutils\npytest\n")
    assert "docutils" in _failing(root)
