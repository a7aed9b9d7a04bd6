"""Companions, version pins and platform builds: shapes beside the corpus3 reproductions.

- a companion's parent imported but not declared (it arrives through another dependency);
- another build of a used declared distribution (triton-xpu beside triton), in the table
  or not;
- a default range (Poetry's ``^``, ``~=``) is no version pin, and a requirer in another
  extra or group than the entry pins nothing.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.companions import is_version_pin, section_scope
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.kinds import Kind
from pytest_llmcore.deps.mapping import ModuleMap
from pytest_llmcore.deps.reconcile import build_base
from pytest_llmcore.deps.records import Declared, GateResult


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _pyproject(deps: tuple[str, ...], extras: dict[str, tuple[str, ...]] | None = None) -> str:
    quoted = ", ".join(f'"{d}"' for d in deps)
    text = f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{quoted}]\n'
    if extras:
        text += "[project.optional-dependencies]\n"
        for name, items in extras.items():
            text += f"{name} = [{', '.join(repr(i).replace(chr(39), chr(34)) for i in items)}]\n"
    return text


def _gate(root: Path) -> GateResult:
    return run_gate(root, use_cache=False)


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


def _finding(result: GateResult, dist: str) -> tuple[Kind, str]:
    f = next(f for f in result.findings if f.dependency == dist)
    return f.kind, f.message()


# -- a companion of an imported, undeclared parent -----------------------------------------


def test_companion_of_an_undeclared_parent_imported_from_a_submodule(tmp_path: Path) -> None:
    """h2 (httpx's HTTP/2) in a requirements file; httpx used through ``from ... import``
    in a module, never declared (it arrives with litellm)."""
    root = _write(
        tmp_path,
        {
            "requirements.txt": "litellm\nh2>=4\n",
            "app/__init__.py": "",
            "app/net.py": "import litellm\nfrom httpx import Client\n\nClient(litellm.api_base)\n",
        },
    )
    result = _gate(root)
    assert _failing(result) == []
    kind, message = _finding(result, "h2")
    assert kind is Kind.COMPANION
    assert message.endswith("h2 is loaded by httpx (imported, not declared) when installed")


def test_companion_of_an_undeclared_parent_whose_import_is_never_used(tmp_path: Path) -> None:
    """An import whose name is never used is not a use: its companion stays unused."""
    files = {
        "pyproject.toml": _pyproject(("litellm", "socksio")),
        "demo/__init__.py": "import litellm\n",
        "demo/net.py": "import httpx\n\nlitellm = None\n",
    }
    assert _failing(_gate(_write(tmp_path, files))) == ["socksio"]


def test_companion_of_a_parent_not_imported_at_all(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": _pyproject(("litellm", "socksio")),
        "demo/__init__.py": "import litellm\n",
    }
    assert _failing(_gate(_write(tmp_path, files))) == ["socksio"]


# -- another build of a used declared distribution -----------------------------------------


@pytest.mark.parametrize(
    ("dist", "module"),
    [
        ("pytorch-triton", "triton"),
        ("pytorch-triton-rocm", "triton"),
        ("pytorch-triton-xpu", "triton"),
        ("triton-xpu", "triton"),
        ("tensorflow-rocm", "tensorflow"),
        ("tf-nightly-cpu", "tensorflow"),
        ("onnxruntime-openvino", "onnxruntime"),
        ("onnxruntime-training", "onnxruntime"),
        ("faiss-gpu-cu11", "faiss"),
        ("mxnet-cu112", "mxnet"),
        ("opencv-python-rolling", "cv2"),
    ],
)
def test_table_knows_platform_builds(dist: str, module: str) -> None:
    provided = ModuleMap(use_metadata=False).provides(dist)
    assert (provided.source, module in provided.modules) == ("builtin", True)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("triton-xpu", "triton"),
        ("pytorch-triton-rocm", "triton"),
        ("pytorch-triton-xpu", "triton"),
        ("faiss-gpu-cu12", "faiss"),
        ("cupy-cuda12x", "cupy"),
        ("opencv-python-headless", "opencv-python"),
        ("tf-nightly-cpu", "tf"),
        ("mylib-extras", "mylib-extras"),  # no build affix
        ("cpu", "cpu"),  # an affix alone is a name
        ("pytorch", "pytorch"),
        ("pytorch-", "pytorch-"),
    ],
)
def test_build_base(name: str, base: str) -> None:
    assert build_base(name) == base


@given(
    st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True),
    st.sampled_from(["-gpu", "-cu121", "-rocm", "-nightly", "-windows"]),
)
def test_build_base_strips_one_affix(name: str, affix: str) -> None:
    assert build_base(name + affix) == build_base(name)


def _builds_project(root: Path, deps: tuple[str, ...], source: str) -> GateResult:
    files = {"pyproject.toml": _pyproject(deps), "demo/__init__.py": "", "demo/k.py": source}
    return _gate(_write(root, files))


@pytest.mark.parametrize("build", ["mylib-cu121", "pytorch-mylib-xpu", "mylib-nightly"])
def test_build_outside_the_table_shares_its_projects_import(tmp_path: Path, build: str) -> None:
    result = _builds_project(tmp_path, ("mylib", build), "import mylib.ops\n\nmylib.ops.run()\n")
    assert _failing(result) == []
    kind, message = _finding(result, build)
    assert kind is Kind.UNMAPPED
    assert (
        "mylib.ops imported at demo/k.py:1 is mylib's (used), of which it is another build"
        in message
    )
    assert message.endswith(f'map = {{ {build} = ["mylib"] }}')


def test_build_beside_an_unused_project_stays_unused(tmp_path: Path) -> None:
    """The project's own import is dead: neither distribution is used."""
    result = _builds_project(tmp_path, ("mylib", "mylib-gpu"), "import mylib\n\nmylib = 1\n")
    assert _failing(result) == ["mylib", "mylib-gpu"]


def test_a_suffix_that_is_no_build_shares_nothing(tmp_path: Path) -> None:
    result = _builds_project(tmp_path, ("mylib", "mylib-extras"), "import mylib\n\nmylib.run()\n")
    assert _failing(result) == ["mylib-extras"]


# -- version pins: default ranges and requirers of other extras ----------------------------


def _entry(requirement: str, section: str = "project.dependencies") -> Declared:
    return Declared("six", requirement, "pyproject.toml", 1, section, False)


@pytest.mark.parametrize(
    ("requirement", "section", "pin"),
    [
        ("six>=1.16.0", "project.dependencies", True),
        ("six==1.16.0", "project.dependencies", True),
        ("six!=1.15.0", "project.dependencies", True),
        ("six<2", "project.dependencies", True),
        ("six >= 1.16 ; python_version < '3.12'", "project.dependencies", True),
        ("six[extra] (>=1.16)", "setup.install_requires", True),
        ("six~=1.16", "project.dependencies", False),
        ("six", "project.dependencies", False),
        ("six; python_version >= '3.9'", "project.dependencies", False),
        ("six @ https://example.org/six.whl?x=1", "project.dependencies", False),
        ("six @ https://example.org/six-1.16.0-py3-none-any.whl", "requirements", True),
        ("six @ file:///wheels/six-1.16.0.tar.gz ; python_version < '4'", "requirements", True),
        ("six @ git+https://github.com/x/six.git@1.16.0", "project.dependencies", False),
        ('six = "^1.16.0"', "tool.poetry.dependencies", False),
        ('six = "~1.16"', "tool.poetry.dependencies", False),
        ('six = "*"', "tool.poetry.dependencies", False),
        ('six = "1.16.0"', "tool.poetry.dependencies", True),
        ('six = "1.*"', "tool.poetry.dependencies", False),
        ('six = ">=1.16,<2"', "tool.poetry.group.dev.dependencies", True),
        ('six = {version = "^1.16", optional = true}', "tool.poetry.dependencies", False),
        ('six = {version = "<2", optional = true}', "tool.poetry.dependencies", True),
        ('six = {git = "https://example.org/six.git?ref=a"}', "tool.poetry.dependencies", False),
        ("six=1.16", "conda.dependencies", True),
    ],
)
def test_is_version_pin(requirement: str, section: str, pin: bool) -> None:
    assert is_version_pin(_entry(requirement, section)) is pin


@pytest.mark.parametrize(
    ("section", "scope"),
    [
        ("project.dependencies", ""),
        ("tool.poetry.dependencies", ""),
        ("setup.install_requires", ""),
        ("project.optional-dependencies.vlm", "vlm"),
        ("setup.extras_require.asr", "asr"),
        ("dependency-groups.dev", "dev"),
        ("tool.poetry.group.docs.dependencies", "docs"),
        ("tool.poetry.dev-dependencies", "dev"),
        ("requirements", None),
    ],
)
def test_section_scope(section: str, scope: str | None) -> None:
    assert section_scope(section) == scope


_LOCK = """\
    [[package]]
    name = "inquirer"
    version = "3.4.0"
    optional = false
    python-versions = ">=3.8.1"

    [package.dependencies]
    six = ">=1.9.0"

    [[package]]
    name = "six"
    version = "1.16.0"
    optional = false
    python-versions = ">=2.7"
    """


def _pin_project(
    root: Path, deps: tuple[str, ...], extras: dict[str, tuple[str, ...]] | None = None
) -> list[str]:
    files = {
        "pyproject.toml": _pyproject(deps, extras),
        "poetry.lock": _LOCK,
        "demo/__init__.py": "import inquirer\n",
    }
    return _failing(_gate(_write(root, files)))


def test_pin_in_another_extra_than_its_requirer_pins_nothing(tmp_path: Path) -> None:
    extras = {"tui": ("inquirer",), "other": ("six>=1.16.0",)}
    assert _pin_project(tmp_path, (), extras) == ["six"]


def test_pin_in_the_requirers_extra_control(tmp_path: Path) -> None:
    assert _pin_project(tmp_path, (), {"tui": ("inquirer", "six>=1.16.0")}) == []


def test_pin_in_an_extra_beside_a_main_requirer_control(tmp_path: Path) -> None:
    """The main dependencies are installed with every extra."""
    assert _pin_project(tmp_path, ("inquirer",), {"other": ("six>=1.16.0",)}) == []


def test_pin_in_main_beside_a_requirer_of_an_extra(tmp_path: Path) -> None:
    assert _pin_project(tmp_path, ("six>=1.16.0",), {"tui": ("inquirer",)}) == ["six"]


def test_compatible_release_is_no_pin(tmp_path: Path) -> None:
    assert _pin_project(tmp_path, ("inquirer", "six~=1.16")) == ["six"]


def test_poetry_exact_version_in_a_group_is_a_pin(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "demo"\nversion = "0.1"\n'
        '[tool.poetry.dependencies]\npython = ">=3.9,<4"\ninquirer = "^3.1.3"\n'
        '[tool.poetry.group.dev.dependencies]\nsix = "1.16.0"\n'
    )
    _write(tmp_path, {"poetry.lock": _LOCK, "demo/__init__.py": "import inquirer\n"})
    assert _failing(_gate(tmp_path)) == []
