"""corpus9 class A (/work/corpus9/REPORT.md): pins of distributions that a used declared
distribution requires, reached through a chain of requirement edges or named as the
requirer by the entry's own comment.

Judged examples: lightllm's all-``==`` environment snapshot (requirements.txt: cffi <-
soundfile <- librosa, mpmath <- sympy <- torch, tiktoken <- vllm, plumbum <- rpyc), LLaVA's
``httpx==0.24.0`` beside gradio, aiohttp's requirements/test-mobile.in (``# transitive
dependency of "pytest-asyncio"``, ``... of "pycares"``). Negative controls: a chain that
starts at an unused dependency (lightllm's python-dateutil beside unused matplotlib).

The packages are chosen so that the answer is the same with or without them installed
(the development venv holds torch, sympy, cffi; the benchmark's clean venv does not).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.implicit_pins import PINNED_REQUIREMENTS, REQUIRES
from pytest_llmcore.deps.pin_chains import PinChain, find_chain
from pytest_llmcore.deps.records import Kind, canonical_name


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def _findings(root: Path) -> dict[str, tuple[Kind, str]]:
    """dependency -> (kind, the last evidence text)."""
    result = run_gate(root, use_cache=False)
    return {
        f.dependency: (f.kind, f.evidence[-1].text if f.evidence else "") for f in result.findings
    }


def _pin(chain: str) -> tuple[Kind, str]:
    return Kind.COMPANION, f"not used directly; {chain}, so this entry pins its version"


# -- class A.1: a chain of requirement edges from a used dependency ----------------------------


def test_lightllm_snapshot_pins_reached_through_a_chain(tmp_path: Path) -> None:
    # lightllm requirements.txt (docker/Dockerfile:39 installs it): librosa is imported,
    # soundfile is not declared; the pins of its requirements' requirements are companions
    _write(
        tmp_path,
        {
            "requirements.txt": "librosa==0.11.0\ncffi==1.15.1\nrpyc==5.3.1\nplumbum==1.8.2\n"
            "vllm==0.8.5\ntiktoken==0.7.0\nmatplotlib==3.8.2\npython-dateutil==2.8.2\n",
            "app.py": "import librosa\nimport rpyc\nimport vllm\n\nprint(librosa, rpyc, vllm)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["cffi"] == _pin("librosa (used) requires soundfile, which requires it")
    assert found["plumbum"] == _pin("rpyc (used) requires it")
    assert found["tiktoken"] == _pin("vllm (used) requires it")
    # negative control: matplotlib is unused, so nothing used reaches python-dateutil
    assert found["matplotlib"][0] is Kind.UNUSED
    assert found["python-dateutil"][0] is Kind.UNUSED


def test_three_step_chain_names_every_step(tmp_path: Path) -> None:
    # aiodns -> pycares -> cffi -> pycparser: neither pycares nor cffi is declared
    _write(
        tmp_path,
        {
            "requirements.txt": "aiodns==3.2.0\npycparser==2.21\n",
            "app.py": "import aiodns\n\nprint(aiodns)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["pycparser"] == _pin(
        "aiodns (used) requires pycares, which requires cffi, which requires it"
    )


def test_lock_file_chain_names_the_packages_between(tmp_path: Path) -> None:
    lock = "".join(
        f'[[package]]\nname = "{name}"\nversion = "1.0"\n'
        + (f'dependencies = [\n    {{ name = "{dep}" }},\n]\n' if dep else "")
        + "\n"
        for name, dep in (("alphalib", "betalib"), ("betalib", "gammalib"), ("gammalib", ""))
    )
    _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n'
            'dependencies = ["alphalib", "gammalib==1.0", "deltalib==2.0"]\n',
            "uv.lock": "version = 1\n\n" + lock,
            "demo/__init__.py": "import alphalib\n\nprint(alphalib)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["gammalib"] == _pin("alphalib (used) requires betalib, which requires it")
    assert found["deltalib"][0] is Kind.UNUSED  # control: nothing in the lock requires it


def test_chain_from_an_unused_dependency_stays_unused(tmp_path: Path) -> None:
    # negative control: librosa is declared but never imported; its chain proves nothing
    _write(
        tmp_path,
        {
            "requirements.txt": "librosa==0.11.0\ncffi==1.15.1\nrequests==2.31.0\n",
            "app.py": "import requests\n\nprint(requests)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["cffi"][0] is Kind.UNUSED
    assert found["librosa"][0] is Kind.UNUSED


def test_unpinned_entry_reached_through_a_chain_stays_unused(tmp_path: Path) -> None:
    # a pin narrows what the requirer brings; a bare name claims a use nobody makes
    _write(
        tmp_path,
        {
            "requirements.txt": "librosa==0.11.0\ncffi\n",
            "app.py": "import librosa\n\nprint(librosa)\n",
        },
    )
    assert _findings(tmp_path)["cffi"][0] is Kind.UNUSED


def test_floor_beside_a_chain_requirer_is_no_pin(tmp_path: Path) -> None:
    # negative control, corpus7 AutoAWQ setup.py:38 `tokenizers>=0.12.1` beside
    # transformers>=4.45.0, which requires a newer tokenizers anyway; an upper bound or an
    # exact version narrows what transformers brings (lightllm's `tokenizers==0.21.1`)
    _write(
        tmp_path,
        {
            "requirements.txt": "transformers>=4.45.0\ntokenizers>=0.12.1\n"
            "regex>=2023,<2024\nhuggingface-hub==0.30.0\n",
            "app.py": "import transformers\n\nprint(transformers)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["tokenizers"][0] is Kind.UNUSED
    assert found["regex"] == _pin("transformers (used) requires it")
    assert found["huggingface-hub"] == _pin("transformers (used) requires it")


def test_gradio_pins_its_httpx(tmp_path: Path) -> None:
    # LLaVA pyproject.toml:21 `"httpx==0.24.0"` beside `"gradio==4.16.0"`
    _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n'
            'dependencies = ["gradio==4.16.0", "httpx==0.24.0", "shortuuid==1.0"]\n',
            "demo/__init__.py": "import gradio\n\ngradio.Blocks()\n",
        },
    )
    found = _findings(tmp_path)
    assert found["httpx"] == _pin("gradio (used) requires it")
    assert found["shortuuid"][0] is Kind.UNUSED  # control


# -- class A.2: a comment that names the requirer ----------------------------------------------

_MOBILE = (
    "pytest-aiohttp==1.1.1\naiodns==3.2.0\n"
    "# pip-compile does not support environment markers for transitive dependencies\n"
    'backports-asyncio-runner; python_version < "3.11"  # transitive dependency of '
    '"pytest-asyncio"\n'
    "cffi; sys_platform != 'android'  # transitive dependency of \"pycares\"\n"
    "pycares; sys_platform != 'android'  # transitive dependency of \"aiodns\"\n"
)


def test_aiohttp_comment_names_a_requirer_a_used_dependency_brings(tmp_path: Path) -> None:
    # aiohttp requirements/test-mobile.in:6-8
    _write(
        tmp_path,
        {
            "requirements.txt": _MOBILE,
            "app.py": "import aiodns\n\nprint(aiodns)\n",
            "conftest.py": "import pytest_aiohttp\n\nprint(pytest_aiohttp)\n",
        },
    )
    found = _findings(tmp_path)
    said = "not used directly; the comment on its line (requirements.txt:{}) names {} as its "
    assert found["backports-asyncio-runner"] == (
        Kind.COMPANION,
        said.format(4, "pytest-asyncio") + "requirer, and pytest-aiohttp (used) requires "
        "pytest-asyncio",
    )
    assert found["cffi"] == (
        Kind.COMPANION,
        said.format(5, "pycares") + "requirer, and aiodns (used) requires pycares",
    )


def test_comment_requirer_that_is_itself_a_commented_companion(tmp_path: Path) -> None:
    # no requirement edge is known: the requirer's own comment ties it to a used one
    _write(
        tmp_path,
        {
            "requirements.txt": "fooclient==1.0\n"
            "libfoo  # required by foo-core\n"
            "foo-core  # transitive dependency of fooclient\n",
            "app.py": "import fooclient\n\nprint(fooclient)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["libfoo"] == (
        Kind.COMPANION,
        "not used directly; the comment on its line (requirements.txt:2) names foo-core as "
        "its requirer, and foo-core's own comment (requirements.txt:3) ties it to "
        "fooclient (used)",
    )


def test_comment_requirer_through_a_compiled_lock(tmp_path: Path) -> None:
    # the requirer comes in through a used dependency, per pip-compile's `# via` lines
    _write(
        tmp_path,
        {
            "requirements.in": "toolkit\nzlibng  # needed by isal-wrap on musl\n",
            "requirements.txt": "# pip-compile --output-file=requirements.txt\n"
            "isal-wrap==1.0\n    # via toolkit\ntoolkit==2.0\n    # via -r requirements.in\n"
            "zlibng==1.0\n    # via -r requirements.in\n",
            "app.py": "import toolkit\n\nprint(toolkit)\n",
        },
    )
    found = _findings(tmp_path)
    assert found["zlibng"] == (
        Kind.COMPANION,
        "not used directly; the comment on its line (requirements.in:2) names isal-wrap as "
        "its requirer, and toolkit (used) requires isal-wrap",
    )


def test_comment_naming_a_requirer_nothing_used_brings_stays_unused(tmp_path: Path) -> None:
    # negative control: the named requirer (pycares) arrives through nothing used here
    _write(
        tmp_path,
        {
            "requirements.txt": 'requests==2.31.0\ncffi  # transitive dependency of "pycares"\n',
            "app.py": "import requests\n\nprint(requests)\n",
        },
    )
    assert _findings(tmp_path)["cffi"][0] is Kind.UNUSED


# -- the edge table and the chain search --------------------------------------------------------


def test_edge_table_names_are_canonical_and_acyclic_at_one_step() -> None:
    for requirer, requirements in REQUIRES.items():
        assert requirer == canonical_name(requirer)
        assert requirer not in requirements
        assert all(r == canonical_name(r) for r in requirements), requirer
    assert all(k == canonical_name(k) for k in PINNED_REQUIREMENTS)


_NODES = st.sampled_from(["a", "b", "c", "d", "e", "f"])


@given(st.dictionaries(_NODES, st.lists(_NODES, max_size=4), max_size=6), st.sets(_NODES))
def test_find_chain_is_a_shortest_path_of_real_edges(
    graph: dict[str, list[str]], roots: set[str]
) -> None:
    chain = find_chain("f", roots, lambda n: sorted(set(graph.get(n, ()))), max_hops=4)
    # breadth first, independently: the distance from the roots to f
    dist = {r: 0 for r in roots if r != "f"}
    frontier = list(dist)
    while frontier:
        nxt = []
        for p in frontier:
            for q in graph.get(p, ()):
                if q not in dist:
                    dist[q] = dist[p] + 1
                    nxt.append(q)
        frontier = nxt
    if "f" not in dist or dist["f"] > 4:
        assert chain is None
        return
    assert isinstance(chain, PinChain)
    path = [chain.root, *chain.via, "f"]
    assert chain.root in roots
    assert len(path) - 1 == dist["f"]
    assert all(b in graph.get(a, ()) for a, b in itertools.pairwise(path))
