"""A tool's command named like its distribution without a packaging affix.

``dprint-py`` runs as ``dprint``, ``haystack-pydoc-tools`` as ``haystack-pydoc``: when the
distribution is not installed (no entry points to read), its name stripped of ``-py``,
``-tools``, ``-cli``, ``-bin``, ``-python`` or ``python-``/``py-`` is one of its commands, but
only as the command word of an invocation, never a word in text, a base program
(``pip-tools`` is not ``pip``) or another declared distribution's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.runindex import affix_stripped, command_names

HEAD = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"


def _gate(root: Path, deps: tuple[str, ...], files: dict[str, str]) -> list[str]:
    quoted = ", ".join(f'"{d}"' for d in deps)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["requests"]\n'
        f"[dependency-groups]\ndev = [{quoted}]\n"
    )
    files = {"demo/__init__.py": "import requests\n", **files}
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("dprint-py", {"dprint"}),
        ("haystack-pydoc-tools", {"haystack-pydoc"}),
        ("databricks-cli", {"databricks"}),
        ("nodejs-bin", {"nodejs"}),
        ("python-acme", {"acme"}),
        ("pip-tools", set()),
        ("python-build", set()),
        ("node-bin", set()),
        ("ruff", set()),
    ],
)
def test_affix_stripped_names(key: str, expected: set[str]) -> None:
    assert affix_stripped(key) == expected


def test_installed_scripts_replace_the_stripped_guess() -> None:
    assert "acme" not in command_names("acme-cli", ["acmectl"])
    assert "acme" in command_names("acme-cli", [])
    assert "acme" not in command_names("acme-cli", [], taken={"acme"})


def test_cli_suffixed_tool_run_in_a_workflow_step(tmp_path: Path) -> None:
    wf = HEAD + "      - run: acme-lint check --strict .\n"
    assert _gate(tmp_path, ("acme-lint-cli",), {".github/workflows/ci.yml": wf}) == []


def test_stripped_name_only_as_a_word_in_text_is_not_a_run(tmp_path: Path) -> None:
    files = {"README.md": "Format the docs with acme-lint (see acme-lint check).\n"}
    assert _gate(tmp_path, ("acme-lint-cli",), files) == ["acme-lint-cli"]


def test_stripped_name_as_an_argument_is_not_a_run(tmp_path: Path) -> None:
    wf = HEAD + "      - run: echo acme-lint\n"
    assert _gate(tmp_path, ("acme-lint-cli",), {".github/workflows/ci.yml": wf}) == [
        "acme-lint-cli"
    ]


def test_base_program_is_not_the_tool_with_an_affix(tmp_path: Path) -> None:
    wf = HEAD + "      - run: pip install -e .\n"
    assert _gate(tmp_path, ("pip-tools",), {".github/workflows/ci.yml": wf}) == ["pip-tools"]


def test_stripped_name_of_another_declared_distribution(tmp_path: Path) -> None:
    """``acme-lint`` itself is declared: running it credits it, not ``acme-lint-cli``."""
    wf = HEAD + "      - run: acme-lint check .\n"
    found = _gate(tmp_path, ("acme-lint", "acme-lint-cli"), {".github/workflows/ci.yml": wf})
    assert found == ["acme-lint-cli"]
