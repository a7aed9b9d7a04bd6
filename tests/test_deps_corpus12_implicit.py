"""False `unused` findings of corpus12 (/work/corpus12/REPORT.md) whose knowledge is table data:
a Hub dataset's loading script, a vector store's backend, a pytest plugin's undeclared import,
and a pin kept for a used framework's requirement.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.implicit_pins import REQUIRES
from pytest_llmcore.deps.pin_chains import PinChain, find_chain
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _kinds(root: Path) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """(failing dependencies, dependency -> finding kind, dependency -> evidence text)."""
    result = run_gate(root, use_cache=False)
    failing = sorted(f.dependency for f in result.failing)
    kinds = {f.dependency: f.kind.value for f in result.findings}
    used = {d: ev[0].text for d, ev in result.used_by.items() if ev}
    return failing, kinds, used


# -- class A1: a Hub dataset whose loading script imports a library ------------------------------

_SAMSUM = (
    "import datasets\n\n\ndef get(split):\n"
    '    return datasets.load_dataset("Samsung/samsum", split=split)\n'
)


def test_samsum_by_hub_id_uses_py7zr(tmp_path: Path) -> None:
    # llama-recipes src/llama_cookbook/datasets/samsum_dataset.py:14
    files = {**PKG, "demo/samsum_dataset.py": _SAMSUM}
    root = _project(tmp_path, files, deps=("requests", "datasets", "py7zr"))
    failing, _, used = _kinds(root)
    assert failing == []
    assert used["py7zr"] == (
        "used implicitly: `Samsung/samsum` at demo/samsum_dataset.py:5 (the Hub dataset "
        "Samsung/samsum, whose loading script imports py7zr)"
    )


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # the old canonical id, in a load_dataset call
        ("demo/data.py", 'from datasets import load_dataset\n\nds = load_dataset("samsum")\n'),
        (
            "demo/data.py",
            "from datasets import load_dataset\nds = load_dataset( 'samsum', split='train')\n",
        ),
        # a training config naming the dataset
        ("configs/train.yaml", "dataset_name: Samsung/samsum\nlr: 1e-5\n"),
    ],
)
def test_samsum_other_shapes_use_py7zr(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**PKG, rel: text}, deps=("requests", "py7zr"))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        'dataset = "samsum_dataset"\n',  # a config's name for the project's own loader
        'import datasets\nds = datasets.load_dataset("knkarthick/samsum")\n',  # a CSV copy
        'NAME = "samsum"  # no load_dataset call names it\n',
    ],
)
def test_samsum_named_otherwise_leaves_py7zr_unused(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/cfg.py": text}, deps=("requests", "py7zr"))
    assert _gate(root) == ["py7zr"]


# -- class A2: a vector store's backend, imported by the integration when the store is built -------

_RAFT = (
    "from langchain_community.vectorstores import FAISS\n\n\n"
    "def build(docs, emb):\n    vectorstore = FAISS.from_documents(docs, emb)\n"
    "    return vectorstore\n"
)


def test_langchain_faiss_store_uses_faiss_gpu(tmp_path: Path) -> None:
    # llama-recipes end-to-end-use-cases/RAFT-Chatbot/raft_eval.py:10,65
    files = {**PKG, "demo/raft_eval.py": _RAFT}
    root = _project(tmp_path, files, deps=("requests", "langchain-community", "faiss-gpu"))
    failing, _, used = _kinds(root)
    assert failing == []
    assert used["faiss-gpu"] == (
        "used implicitly: `FAISS.from_documents(` at demo/raft_eval.py:5 (the vector store "
        "FAISS, which imports its backend)"
    )


@pytest.mark.parametrize(
    ("text", "backend"),
    [
        (
            "from langchain_community.vectorstores import FAISS\n"
            'db = FAISS.load_local("idx", emb, allow_dangerous_deserialization=True)\n',
            "faiss-cpu",
        ),
        (
            "from langchain_chroma import Chroma\n"
            'db = Chroma(persist_directory="db", embedding_function=emb)\n',
            "chromadb",
        ),
        (
            "from langchain.vectorstores import Qdrant\n"
            'db = Qdrant.from_texts(texts, emb, location=":memory:")\n',
            "qdrant-client",
        ),
        (
            "from llama_index.vector_stores.faiss import FaissVectorStore\n"
            'store = FaissVectorStore.from_persist_dir("./storage")\n',
            "faiss-cpu",
        ),
    ],
)
def test_vector_store_other_shapes_use_backend(tmp_path: Path, text: str, backend: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/rag.py": text}, deps=("requests", backend))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        # imported, never built
        "from langchain_community.vectorstores import FAISS\n\n__all__ = ['FAISS']\n",
        # a class of the project's own called Chroma: no langchain import in the file
        "class Chroma:\n    pass\n\n\ncolor = Chroma()\nFAISS = Chroma()\n",
    ],
)
def test_vector_store_without_build_leaves_backend_unused(tmp_path: Path, text: str) -> None:
    root = _project(
        tmp_path, {**PKG, "demo/rag.py": text}, deps=("requests", "faiss-cpu", "chromadb")
    )
    assert _gate(root) == ["chromadb", "faiss-cpu"]


# -- class A3: a library a used pytest plugin imports at load without requiring it --------------

_TESTS = {"tests/test_demo.py": "def test_ok():\n    assert True\n"}


def test_pytest_twisted_uses_twisted(tmp_path: Path) -> None:
    # aibrix python/aibrix/pyproject.toml:102-103 (dev group)
    files = {**PKG, **_TESTS}
    root = _project(
        tmp_path, files, deps=("requests",), dev=("pytest", "pytest-twisted", "twisted")
    )
    failing, _, used = _kinds(root)
    assert failing == []
    assert used["twisted"].startswith(
        "imported by the pytest plugin pytest-twisted, which does not require it "
        "(pytest_twisted/__init__.py:13 from twisted.internet); pytest-twisted is used: "
        "pytest plugin: "
    )


@pytest.mark.parametrize("binding", ["PyQt5", "PySide6"])
def test_pytest_qt_uses_the_declared_qt_binding(tmp_path: Path, binding: str) -> None:
    files = {**PKG, "tests/test_ui.py": "def test_click(qtbot):\n    assert qtbot\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-qt", binding))
    assert _gate(root) == []


def test_twisted_without_its_plugin_stays_unused(tmp_path: Path) -> None:
    files = {**PKG, **_TESTS}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "twisted"))
    assert _gate(root) == ["twisted"]


def test_unused_pytest_qt_leaves_its_binding_unused(tmp_path: Path) -> None:
    # no qtbot, no qapp, no qt marker: the plugin is unused, so is the binding
    files = {**PKG, **_TESTS}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-qt", "PyQt5"))
    assert _gate(root) == ["PyQt5", "pytest-qt"]


# -- class B: an exact pin of a used framework's requirement -------------------------------------

_SERVE = {
    "demo/__init__.py": "import requests\n",
    "demo/web.py": "import gradio as gr\n\ndemo = gr.Blocks()\n",
    "demo/controller.py": "import uvicorn\nfrom fastapi import FastAPI\n\nuvicorn.run(FastAPI())\n",
}


@pytest.mark.parametrize(
    ("target", "roots", "chain"),
    [
        ("pydantic", ["gradio"], PinChain("gradio")),
        ("pydantic", ["fastapi"], PinChain("fastapi")),
        ("starlette", ["fastapi"], PinChain("fastapi")),
        ("annotated-types", ["fastapi"], PinChain("fastapi", ("pydantic",))),
        ("anyio", ["starlette"], PinChain("starlette")),
    ],
)
def test_framework_requirement_edges(target: str, roots: list[str], chain: PinChain) -> None:
    # the table alone (no lock, no installed metadata): the clean venv's view
    assert find_chain(target, roots, lambda n: REQUIRES.get(n, ())) == chain


def test_pydantic_pin_beside_gradio_alone_is_companion(tmp_path: Path) -> None:
    # gradio is not installed here: only the table's gradio -> pydantic edge answers
    files = {**PKG, "demo/web.py": "import gradio as gr\n\ndemo = gr.Blocks()\n"}
    deps = ("requests", "gradio==3.35.2", "pydantic==1.10.19")
    failing, kinds, _ = _kinds(_project(tmp_path, files, deps=deps))
    assert failing == []
    assert kinds["pydantic"] == "unused-companion"


def test_pydantic_pin_beside_gradio_and_fastapi_is_companion(tmp_path: Path) -> None:
    # llm-awq pyproject.toml:22-24
    deps = ("requests", "gradio==3.35.2", "fastapi", "uvicorn", "pydantic==1.10.19")
    failing, kinds, _ = _kinds(_project(tmp_path, _SERVE, deps=deps))
    assert failing == []
    assert kinds["pydantic"] == "unused-companion"


@pytest.mark.parametrize(
    ("files", "deps", "pin"),
    [
        # fastapi alone requires pydantic and starlette
        (
            {**PKG, "demo/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"},
            ("requests", "fastapi"),
            "starlette==0.27.0",
        ),
        # two steps: fastapi -> pydantic -> annotated-types
        (
            {**PKG, "demo/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"},
            ("requests", "fastapi"),
            "annotated-types==0.6.0",
        ),
        # gradio's own helpers
        (
            {**PKG, "demo/ui.py": "import gradio\n\ngradio.Blocks()\n"},
            ("requests", "gradio"),
            "ffmpy==0.3.0",
        ),
    ],
)
def test_framework_requirement_pins_are_companions(
    tmp_path: Path, files: dict[str, str], deps: tuple[str, ...], pin: str
) -> None:
    failing, kinds, _ = _kinds(_project(tmp_path, files, deps=(*deps, pin)))
    assert failing == []
    assert kinds[pin.split("=")[0]] == "unused-companion"


@pytest.mark.parametrize(
    ("files", "deps", "expected"),
    [
        # unpinned: nothing to keep (LLaVA's pydantic, corpus9)
        (
            {**PKG, "demo/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"},
            ("fastapi", "pydantic"),
            ["pydantic"],
        ),
        # the requirer is declared but not used: no chain starts at it
        (PKG, ("gradio==3.35.2", "pydantic==1.10.19"), ["gradio", "pydantic"]),
        # a general-purpose requirement of gradio is not in its row
        (
            {**PKG, "demo/ui.py": "import gradio\n\ngradio.Blocks()\n"},
            ("gradio", "pandas==2.2.0"),
            ["pandas"],
        ),
    ],
)
def test_pins_without_a_used_requirer_still_fail(
    tmp_path: Path, files: dict[str, str], deps: tuple[str, ...], expected: list[str]
) -> None:
    root = _project(tmp_path, files, deps=("requests", *deps))
    assert _gate(root) == expected
