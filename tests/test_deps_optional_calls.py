"""Implicit uses of the corpus3 classes, in shapes other than their reproductions.

Library calls that need an optional dependency, Hub remote code, the project's own
import helpers, a comment block heading a group of requirements, and builds without
isolation. Each positive case has a negative neighbour: a mention that is no use stays
unused.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.loaders import helper_call, import_helpers


def _project(root: Path, files: dict[str, str], deps: tuple[str, ...]) -> Path:
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
    )
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _kinds(root: Path) -> list[tuple[str, str]]:
    res = run_gate(root, use_cache=False)
    return sorted((f.dependency, f.kind.value) for f in res.findings)


# -- library calls --------------------------------------------------------------------------

_CALLS = [
    # (parent, dependency, code that needs it, code that merely resembles it)
    (
        "networkx",
        "scipy",
        "import networkx\n\ndef hubs(g):\n    return networkx.hits(g)\n",
        "import networkx as nx\n\ndef deg(g):\n    return nx.degree_centrality(g)\n",
    ),
    (
        "networkx",
        "matplotlib",
        "import networkx as nx\n\ndef show(g):\n    nx.draw_networkx(g)\n",
        "import networkx as nx\n\n# nx.draw would need matplotlib\nG = nx.Graph()\n",
    ),
    (
        "transformers",
        "jinja2",
        "from transformers import AutoProcessor\n\n"
        "p = AutoProcessor.from_pretrained('m')\n"
        "text = p.apply_chat_template(\n"
        "    [{'role': 'user', 'content': 'hi'}], tokenize=False\n)\n",
        # a mock's attribute is no call of the method
        "from unittest import mock\nimport transformers\n\n"
        "tok = mock.Mock(spec=transformers.PreTrainedTokenizer)\n"
        "tok.apply_chat_template.return_value = 'x'\n",
    ),
    (
        "transformers",
        "torchvision",
        "from transformers import AutoImageProcessor\n\n"
        "ip = AutoImageProcessor.from_pretrained(\n    'google/vit-base', use_fast=True\n)\n",
        # a fast tokenizer is Rust, not torchvision
        "from transformers import AutoTokenizer\n\n"
        "tok = AutoTokenizer.from_pretrained('m', use_fast=True)\n",
    ),
    (
        "transformers",
        "num2words",
        "from transformers import SmolVLMProcessor\n\n"
        "p = SmolVLMProcessor.from_pretrained(MODEL)\n",
        "import transformers\n\n# SmolVLM is a small vision model\nM = transformers.AutoModel\n",
    ),
    (
        "transformers",
        "peft",
        "from transformers import AutoModelForCausalLM\n\n"
        "m = AutoModelForCausalLM.from_pretrained('base')\nm.load_adapter('org/lora')\n",
        "import transformers\n\n# adapters: see the peft docs\nM = transformers.AutoModel\n",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code", "_"), _CALLS, ids=[c[1] for c in _CALLS])
def test_call_needing_an_optional_dependency_is_a_use(
    tmp_path: Path, parent: str, dep: str, code: str, _: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, (parent, dep))
    assert _kinds(root) == []


@pytest.mark.parametrize(("parent", "dep", "_", "code"), _CALLS, ids=[c[1] for c in _CALLS])
def test_a_resembling_line_is_no_use(
    tmp_path: Path, parent: str, dep: str, _: str, code: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, (parent, dep))
    # no trigger: plainly unused, or a companion of its used parent (torchvision is one of
    # transformers' companions: loaded by its image processors when installed)
    from pytest_llmcore.deps.implicit_table import COMPANIONS

    companion = parent in COMPANIONS.get(dep, ())
    assert _kinds(root) == [(dep, "unused-companion" if companion else "unused")]


# -- Hub remote code ------------------------------------------------------------------------


def test_remote_code_model_makes_its_libraries_companions(tmp_path: Path) -> None:
    code = (
        "from sentence_transformers import SentenceTransformer\n\n"
        "model = SentenceTransformer(\n"
        "    'nomic-ai/nomic-embed-text-v1', trust_remote_code=True, device='cpu'\n)\n"
    )
    deps = ("sentence-transformers", "einops", "timm", "requests")
    root = _project(tmp_path, {"demo/__init__.py": code}, deps)
    # which libraries the model's code imports is not in the project: not failing, but
    # not used either; a library no remote code is known to import stays unused
    assert _kinds(root) == [
        ("einops", "unused-companion"),
        ("requests", "unused"),
        ("timm", "unused-companion"),
    ]


def test_remote_code_model_named_in_a_variable(tmp_path: Path) -> None:
    code = (
        "import transformers\n\n"
        "def load():\n"
        "    model_id = 'microsoft/Florence-2-base'\n"
        "    return transformers.AutoModelForCausalLM.from_pretrained(\n"
        "        model_id, trust_remote_code=True\n    )\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, ("transformers", "timm"))
    assert _kinds(root) == [("timm", "unused-companion")]


def test_a_model_path_the_user_supplies_names_no_remote_code(tmp_path: Path) -> None:
    code = (
        "from transformers import AutoModelForCausalLM\n\n"
        "def load(model_path, **kwargs):\n"
        "    return AutoModelForCausalLM.from_pretrained(\n"
        "        model_path, trust_remote_code=True, **kwargs\n    )\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, ("transformers", "einops"))
    assert _kinds(root) == [("einops", "unused")]


def test_remote_code_of_a_config_alone_loads_no_model(tmp_path: Path) -> None:
    code = (
        "from transformers import AutoConfig, AutoModelForCausalLM\n\n"
        "cfg = AutoConfig.from_pretrained('org/model', trust_remote_code=True)\n"
        "model = AutoModelForCausalLM.from_config(cfg, trust_remote_code=True)\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, ("transformers", "einops"))
    assert _kinds(root) == [("einops", "unused")]


# -- the project's own import helpers -------------------------------------------------------

HELPER = """\
    import importlib


    class Optional:
        def require(self, module_name, hint=""):
            try:
                return importlib.import_module(module_name)
            except ImportError:
                raise SystemExit(hint)

        def describe(self, topic):
            importlib.import_module("pydoc")
            return topic
    """


def test_method_helper_called_with_a_keyword(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/_optional.py": HELPER,
        "demo/render.py": """\
            from ._optional import Optional

            OPT = Optional()


            def render(html):
                h2i = OPT.require(module_name="html2image", hint="pip install html2image")
                return h2i.Html2Image().screenshot(html)
            """,
    }
    root = _project(tmp_path, files, ("html2image",))
    assert _kinds(root) == []


def test_function_that_imports_a_fixed_module_is_no_helper(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/_optional.py": HELPER,
        "demo/render.py": 'from ._optional import Optional\n\nOptional().describe("html2image")\n',
    }
    root = _project(tmp_path, files, ("html2image",))
    assert _kinds(root) == [("html2image", "unused")]


def test_helpers_found_only_where_an_importer_is_called(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import sys\n\ndef lazy(name):\n    return sys.modules.get(name)\n"
    )
    (tmp_path / "b.py").write_text(
        "def load_plugin(spec):\n    return __import__(spec)\n\n"
        "def get(name):\n    return __import__(name)\n"
    )
    files = [(p.name, p) for p in sorted(tmp_path.iterdir())]
    helpers = import_helpers(files)
    assert helpers == {"load_plugin": "spec"}  # `get` is too common a name to follow
    pattern = helper_call(helpers)
    assert pattern is not None
    assert pattern.search("x = load_plugin(") is not None
    assert pattern.search("x = load_plugin(spec=") is not None
    assert pattern.search("x = reload_plugin(") is None


# -- a comment block heading a group of requirements ----------------------------------------


def test_comment_block_heads_a_group_in_a_toml_array(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text("import celery\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = [\n'
        '  "celery",\n\n'
        "  # what celery[redis] would bring; the extra pulls a broken\n"
        "  # kombu release on our platform\n"
        '  "redis-py-cluster",\n'
        '  "hiredis",\n'
        "]\n"
    )
    assert _kinds(tmp_path) == [
        ("hiredis", "unused-companion"),
        ("redis-py-cluster", "unused-companion"),
    ]


def test_a_note_inside_a_run_is_only_its_next_entry(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text("import celery\n")
    (tmp_path / "requirements.txt").write_text(
        "celery\n# hiredis speeds up celery's redis broker\nhiredis\nsimplejson\n"
    )
    assert _kinds(tmp_path) == [("hiredis", "unused-companion"), ("simplejson", "unused")]


# -- builds without isolation ---------------------------------------------------------------


def test_dockerfile_build_without_isolation_uses_setuptools(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "Dockerfile": "FROM python:3.11\n"
        "RUN pip install setuptools wheel && \\\n"
        "    pip install --no-build-isolation flash-attn\n",
    }
    root = _project(tmp_path, files, ("requests", "setuptools", "wheel"))
    assert _kinds(root) == []


def test_advice_to_build_without_isolation_is_no_use(tmp_path: Path) -> None:
    code = (
        "def check():\n"
        "    raise ImportError(\n"
        '        "flash-attn is missing: run "\n'
        '        "`pip install flash-attn --no-build-isolation`"\n'
        "    )\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, ("wheel",))
    assert _kinds(root) == [("wheel", "unused")]
