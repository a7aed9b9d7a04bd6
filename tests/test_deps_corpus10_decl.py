"""corpus10 defects in what the gate reads as declared and as runtime code
(/work/corpus10/REPORT.md, "Non-failing findings that look wrong"): setup.py requirements
written as conditional expressions, and misplaced-dev findings on files that are not
packaged or on imports that only run when an optional import succeeded.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pytest_llmcore.deps.declarations_req import DeclaredSink
from pytest_llmcore.deps.declarations_setup import read_setup_py
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult, Kind
from tests.helpers.gate_projects import write_files


def _setup_project(root: Path, setup_py: str, files: dict[str, str]) -> Path:
    write_files(root, {"setup.py": setup_py, **files})
    return root


def _kinds(result: GateResult) -> list[tuple[str, str]]:
    # setup.py's own ``import setuptools`` is the build's, not a finding of these classes
    return sorted(
        (f.kind.value, f.dependency) for f in result.findings if f.dependency != "setuptools"
    )


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


# -- class 1: setup.py requirements written as conditional expressions --------------------------

_LLMC_SETUP = """\
import os
from setuptools import setup
BUILD_TYPE = os.environ.get("BUILD_TYPE", "dev")
setup(
    name="demo",
    packages=["demo"],
    install_requires=[
        ("loguru>=0.7.2,<=0.7.3" if BUILD_TYPE == "release" else "loguru>=0.7.2"),
        (
            "requests>=2.32.2,<2.35.0"
            if BUILD_TYPE == "release"
            else "requests>=2.32.2"
        ),
    ],
)
"""


def test_llm_compressor_conditional_pins_are_declared(tmp_path: Path) -> None:
    """llm-compressor setup.py:113-140: each runtime requirement is a release/nightly
    IfExp naming one distribution; it was not read (13 notes, 17 `missing` findings)."""
    files = {"demo/__init__.py": "import loguru\nimport requests\nloguru.logger\nrequests.get\n"}
    root = _setup_project(tmp_path, _LLMC_SETUP, files)
    result = run_gate(root, use_cache=False)
    assert [(d.name, d.line, d.requirement) for d in result.declared] == [
        ("loguru", 8, "loguru>=0.7.2,<=0.7.3"),
        ("requests", 10, "requests>=2.32.2,<2.35.0"),
    ]
    assert _kinds(result) == []
    assert not [n for n in result.notes if "computed" in n]


def test_conditional_pin_shapes_read_statically(tmp_path: Path) -> None:
    """Other shapes: a conditional suffix concatenated or formatted into the name, a
    conditional whole list of the same distributions, a conditional extra."""
    setup_py = """\
    import sys
    from setuptools import setup
    REL = sys.argv[-1] == "release"
    PIN = "==2.1" if REL else ">=2"
    BASE = ["numpy>=1", "tqdm"] if REL else ["numpy", "tqdm>=4"]
    setup(
        name="demo",
        install_requires=BASE + [
            "torch" + ("==2.1.0" if REL else ""),
            f"loguru{PIN}",
            f"rich{'<14' if REL else ''}",
        ],
        extras_require={"http": ["httpx==0.27" if REL else "httpx"]},
    )
    """
    (tmp_path / "setup.py").write_text(textwrap.dedent(setup_py))
    sink = DeclaredSink(tmp_path)
    read_setup_py(tmp_path / "setup.py", sink)
    assert [(d.name, d.requirement, d.section, d.alternatives) for d in sink.declared] == [
        ("numpy", "numpy>=1", "setup.install_requires", ()),
        ("tqdm", "tqdm", "setup.install_requires", ()),
        ("torch", "torch==2.1.0", "setup.install_requires", ()),
        ("loguru", "loguru==2.1", "setup.install_requires", ()),
        ("rich", "rich<14", "setup.install_requires", ()),
        ("httpx", "httpx==0.27", "setup.extras_require.http", ()),
    ]
    assert sink.notes == []


_ALT_SETUP = """\
import os
from setuptools import setup
RELEASE = os.environ.get("BUILD_TYPE") == "release"
setup(
    name="demo",
    packages=["demo"],
    install_requires=[
        "requests",
        "compressed-tensors==0.9" if RELEASE else "compressed-tensors-nightly",
        "uvloop" if os.name != "nt" else "winloop",
    ],
)
"""


def test_alternative_distributions_count_as_one_requirement(tmp_path: Path) -> None:
    """Branches naming different distributions are alternatives of one requirement: the
    one whose module is imported makes the other used too, with that evidence."""
    files = {
        "demo/__init__.py": "import requests, compressed_tensors, uvloop\n"
        "requests.get, compressed_tensors.x, uvloop.run\n"
    }
    root = _setup_project(tmp_path, _ALT_SETUP, files)
    result = run_gate(root, use_cache=False)
    assert [(d.name, d.line, d.alternatives) for d in result.declared] == [
        ("requests", 8, ()),
        ("compressed-tensors", 9, ("compressed-tensors-nightly",)),
        ("compressed-tensors-nightly", 9, ("compressed-tensors",)),
        ("uvloop", 10, ("winloop",)),
        ("winloop", 10, ("uvloop",)),
    ]
    assert _kinds(result) == []
    assert [e.text for e in result.used_by["winloop"]] == [
        "the other branch of its conditional requirement at setup.py:10 names uvloop, "
        "which is used (imported at demo/__init__.py:1)"
    ]


def test_alternatives_neither_imported_both_fail(tmp_path: Path) -> None:
    """Negative control: no branch's module is imported, so each branch fails as unused;
    a conditional pin of one unused distribution fails once."""
    setup_py = _ALT_SETUP.replace(
        '"requests",', '"requests",\n        "six" if RELEASE else "six>=1",'
    )
    files = {"demo/__init__.py": "import requests\nrequests.get\n"}
    root = _setup_project(tmp_path, setup_py, files)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == [
        "compressed-tensors",
        "compressed-tensors-nightly",
        "six",
        "uvloop",
        "winloop",
    ]
    assert [d.requirement for d in result.declared if d.name == "six"] == ["six"]


def test_alternative_declared_plainly_elsewhere_is_judged_alone() -> None:
    """Negative control: a distribution that is also a plain requirement is not a mere
    branch, so its alternative's use does not hide it; a used branch credits nothing."""
    from pytest_llmcore.deps.alternatives import credit_alternatives
    from pytest_llmcore.deps.records import Declared, Evidence, Finding

    branch = Declared("winloop", "winloop", "setup.py", 10, "setup.install_requires", False)
    plain = Declared("winloop", "winloop", "requirements.txt", 1, "requirements.txt", False)
    alt = Declared("winloop", "winloop", "setup.py", 10, "s", False, alternatives=("uvloop",))
    never = Evidence("never imported")
    result = GateResult(root=".", used_by={"uvloop": [Evidence("imported at a.py:1")]})
    result.findings = [
        Finding(Kind.UNUSED, "winloop", (alt, plain), (never,)),
        Finding(Kind.UNUSED, "winloop", (branch,), (never,)),
        Finding(Kind.MISSING, "winloop", (alt,), (never,)),
    ]
    before = list(result.findings)
    credit_alternatives(result)
    assert result.findings == before
    assert sorted(result.used_by) == ["uvloop"]
