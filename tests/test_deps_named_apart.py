"""Uses named apart from the distribution that provides them (corpus6 classes): a
``[tool.X]`` table, a companion package, a conda binary, a ``--no-deps`` list, notebooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pytest_llmcore.deps.gate import run_gate


def _project(
    root: Path,
    files: dict[str, str],
    deps: tuple[str, ...] = (),
    dev: tuple[str, ...] = (),
    extra_toml: str = "",
) -> Path:
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n{extra_toml}"
    )
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _failing(root: Path) -> list[str]:
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


PKG = {"demo/__init__.py": "import requests\n"}


def test_semantic_release_table_counts_for_its_distribution(tmp_path: Path) -> None:
    extra = '[tool.semantic_release]\nversion_toml = ["pyproject.toml:project.version"]\n'
    root = _project(tmp_path, PKG, ("requests",), ("python-semantic-release",), extra)
    assert _failing(root) == []


def test_alias_table_does_not_vouch_for_another_tool(tmp_path: Path) -> None:
    extra = '[tool.poe.tasks]\ncheck = "echo hi"\n'
    root = _project(tmp_path, PKG, ("requests",), ("poethepoet", "black"), extra)
    assert _failing(root) == ["black"]
