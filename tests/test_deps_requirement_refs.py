"""Requirements files installed from the folder a command runs in.

``cd docs`` then ``pip install -r requirements.txt`` in one run step (dspy's docs-push
workflow) installs docs/requirements.txt: the gate must read it as a file CI installs from
(its entries checked and failing), not as a subfolder file installed by nothing. The folder
comes from ``cd``/``pushd``/``popd`` earlier in the same shell, a step's
``working-directory:`` and a job's ``defaults: run: working-directory:``; a ``cd`` in another
step or another Makefile recipe line does not carry over.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.requirement_refs import script_references

HEAD = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"


def _gate(root: Path, files: dict[str, str]) -> list[str]:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["requests"]\n'
    )
    files = {
        "demo/__init__.py": "import requests\n",
        "docs/requirements.txt": "mkdocs\nunusedpkg==1.0\n",
        "docs/mkdocs.yml": "site_name: demo\n",
        **files,
    }
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


@pytest.mark.parametrize(
    ("script", "cwd", "expected"),
    [
        ("cd docs && pip install -r requirements.txt", ".", ["docs/requirements.txt"]),
        ("(cd docs; pip install -r ./requirements.txt)", ".", ["docs/requirements.txt"]),
        ("pushd docs\npopd\npip install -r requirements.txt", ".", ["requirements.txt"]),
        ("cd ..\npip install -r requirements.txt", "docs", ["requirements.txt"]),
        ("pip install -r requirements.txt", "site/docs", ["site/docs/requirements.txt"]),
        ("cd $DOCS && pip install -r requirements.txt", ".", []),
        ("cd .. && pip install -r requirements.txt", ".", []),
        ("echo cd docs && pip install -r requirements.txt", ".", ["requirements.txt"]),
    ],
)
def test_script_references(script: str, cwd: str, expected: list[str]) -> None:
    assert list(script_references(script, cwd)) == expected


def test_step_working_directory_written_after_run(tmp_path: Path) -> None:
    wf = (
        HEAD
        + "    steps:\n      - run: pip install -r requirements.txt && mkdocs build\n"
        + "        working-directory: docs\n"
    )
    assert _gate(tmp_path, {".github/workflows/docs.yml": wf}) == ["unusedpkg"]


def test_job_default_working_directory(tmp_path: Path) -> None:
    wf = (
        HEAD + "    defaults:\n      run:\n        working-directory: ./docs\n"
        "    steps:\n      - run: pip install -r requirements.txt\n      - run: mkdocs build\n"
    )
    assert _gate(tmp_path, {".github/workflows/docs.yml": wf}) == ["unusedpkg"]


def test_cd_in_a_makefile_recipe_line(tmp_path: Path) -> None:
    mk = "docs:\n\tcd docs && pip install -r requirements.txt && mkdocs build\n"
    assert _gate(tmp_path, {"Makefile": mk}) == ["unusedpkg"]


def test_cd_in_an_earlier_step_does_not_carry_over(tmp_path: Path) -> None:
    """Each step starts at the root: docs/requirements.txt stays installed by nothing."""
    wf = HEAD + "    steps:\n      - run: cd docs\n      - run: pip install -r requirements.txt\n"
    assert _gate(tmp_path, {".github/workflows/docs.yml": wf}) == []


def test_cd_on_an_earlier_makefile_line_does_not_carry_over(tmp_path: Path) -> None:
    mk = "docs:\n\tcd docs\n\tpip install -r requirements.txt\n"
    assert _gate(tmp_path, {"Makefile": mk}) == []


def test_pin_of_a_docs_toolchain_requirement_once_the_file_is_read(tmp_path: Path) -> None:
    """dspy's docs/requirements.txt pins nbconvert's ``mistune`` beside mkdocs-jupyter: once
    the file is read (after ``cd docs``), that pin is ``unused-companion``, not failing."""
    wf = HEAD + "    steps:\n      - run: |\n          cd docs\n"
    wf += "          pip install -r requirements.txt\n          mkdocs build\n"
    files = {
        ".github/workflows/docs.yml": wf,
        "docs/requirements.txt": "mkdocs\nmkdocs-jupyter\nmistune==3.2.1\n",
        "docs/mkdocs.yml": "site_name: demo\nplugins:\n  - mkdocs-jupyter\n",
    }
    assert _gate(tmp_path, files) == []
