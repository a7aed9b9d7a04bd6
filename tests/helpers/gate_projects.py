"""Small pyproject projects for the dependency gate's real-world reproductions
(tests/test_deps_corpus*.py): one writer, one way to run the gate."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult, Kind

PKG = {"demo/__init__.py": "import requests\n"}
WORKFLOW_HEAD = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write each file (bodies dedented), making its folders."""
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))


def project(
    root: Path,
    files: dict[str, str],
    deps: tuple[str, ...] = (),
    dev: tuple[str, ...] = (),
    extra_toml: str = "",
    name: str = "demo",
) -> Path:
    """A pyproject project declaring ``deps`` and a ``dev`` group, plus ``files``."""
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n{extra_toml}"
    )
    write_files(root, files)
    return root


def failing(result: GateResult) -> list[str]:
    """The dependencies the result fails on, sorted."""
    return sorted(f.dependency for f in result.failing)


def gate(root: Path) -> list[str]:
    """Run the gate without its cache; the dependencies it fails on."""
    return failing(run_gate(root, use_cache=False))


def why(root: Path, dist: str) -> str:
    """The first evidence the gate gives that ``dist`` is used."""
    return run_gate(root, use_cache=False).used_by[dist][0].text


def unused_kinds(root: Path) -> dict[str, str]:
    """Dependency -> kind of each unused-like finding (unused, companion, unmapped)."""
    result = run_gate(root, use_cache=False)
    like = {Kind.UNUSED, Kind.COMPANION, Kind.UNMAPPED}
    return {f.dependency: f.kind.value for f in result.findings if f.kind in like}


def xfail(reason: str) -> pytest.MarkDecorator:
    """A reproduction of a class of false finding not fixed yet (strict: a pass turns red)."""
    return pytest.mark.xfail(strict=True, reason=reason)
