"""False `unused` findings of corpus11 (/work/corpus11/REPORT.md) in classes B and D: version
pins of an uninstalled engine's own requirements, and commands run through task runners
(pixi tasks) or a script's own wrapper function.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Kind
from tests.helpers.gate_projects import WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _kinds(root: Path) -> dict[str, str]:
    """Dependency -> kind of each unused-like finding."""
    result = run_gate(root, use_cache=False)
    like = {Kind.UNUSED, Kind.COMPANION, Kind.UNMAPPED}
    return {f.dependency: f.kind.value for f in result.findings if f.kind in like}


def _finding_text(root: Path, dist: str) -> str:
    result = run_gate(root, use_cache=False)
    found = next(f for f in result.findings if f.dependency == dist)
    return found.evidence[-1].text


# -- class B: pins of an uninstalled engine's own requirements ------------------------------

# xtuner requirements/sglang.txt (abridged): sglang, then sglang's own requirement list
_SGLANG_REQS = (
    "sglang>=0.5.3\norjson\ngrpcio-tools==1.75.1\nllguidance==0.7.11\n"
    "torchaudio==2.8.0\nxgrammar==0.1.32\nanthropic>=0.20.0\nblobfile==3.0.0\n"
)
# xtuner/v1/rl/weight_update/transport.py:368
_SGLANG_USE = "from sglang.srt.utils.patch_torch import monkey_patch_torch_reductions\n"


def test_pins_of_used_sglang_requirements_are_companions(tmp_path: Path) -> None:
    files = {"demo/__init__.py": _SGLANG_USE, "requirements.txt": _SGLANG_REQS}
    root = _project(tmp_path, files)
    assert _kinds(root) == {
        "orjson": "unused",  # an unpinned copy pins nothing
        "anthropic": "unused",  # sglang's own floor restated
        "grpcio-tools": "unused-companion",
        "llguidance": "unused-companion",
        "torchaudio": "unused-companion",
        "xgrammar": "unused-companion",
        "blobfile": "unused-companion",
    }
    assert _finding_text(root, "grpcio-tools") == (
        "not used directly; sglang (used) requires it, so this entry pins its version"
    )


@pytest.mark.parametrize(
    ("engine", "use", "pin"),
    [
        ("vllm", "from vllm import LLM\n", "lm-format-enforcer==0.11.3"),
        ("vllm", "import vllm\n", "xgrammar==0.1.25"),
        ("lmdeploy", "from lmdeploy import pipeline\n", "shortuuid==1.0.13"),
        ("tensorrt-llm", "import tensorrt_llm\n", "h5py==3.12.1"),
        ("deepspeed", "import deepspeed\n", "hjson==3.1.0"),
        ("mmengine", "from mmengine.config import Config\n", "yapf==0.40.1"),
    ],
)
def test_pins_of_other_engines_requirements_are_companions(
    tmp_path: Path, engine: str, use: str, pin: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": use}, deps=(engine, pin))
    assert _gate(root) == []
    name = pin.split("=", 1)[0]
    assert _kinds(root) == {name: "unused-companion"}


def test_pins_beside_an_unused_engine_stay_unused(tmp_path: Path) -> None:
    """Negative: the chain must start at a USED dependency; and a pin sglang does not
    require (tabulate) fails beside a used sglang."""
    files = {"demo/__init__.py": "import json\n", "requirements.txt": _SGLANG_REQS}
    root = _project(tmp_path, files)
    assert "grpcio-tools" in _gate(root)
    assert "sglang" in _gate(root)
    files = {"demo/__init__.py": _SGLANG_USE, "requirements.txt": "sglang\ntabulate==0.9.0\n"}
    (tmp_path / "b").mkdir()
    assert _gate(_project(tmp_path / "b", files)) == ["tabulate"]
