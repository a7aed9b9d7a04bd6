"""The built-in pytest plugin table against the plugins' current releases.

A plugin that is not installed is judged by the table: a fixture, marker or option a newer
release added and the table lacks makes a used plugin `unused` (trl's ``lazy_shared_datadir``
of pytest-datadir 1.7). These pin rows checked against the plugins' sources, each used in a
shape other than a plain fixture parameter where one exists.
"""

from __future__ import annotations

import keyword
import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.pytest_plugin_table import PLUGINS


def _gate(root: Path, dev: tuple[str, ...], files: dict[str, str], toml: str = "") -> list[str]:
    quoted = ", ".join(f'"{d}"' for d in ("pytest", *dev))
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["requests"]\n'
        f"[dependency-groups]\ndev = [{quoted}]\n{toml}"
    )
    files = {"demo/__init__.py": "import requests\n", **files}
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(body))
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


def test_lazy_datadir_asked_for_by_name(tmp_path: Path) -> None:
    test = """\
        def test_a(request):
            path = request.getfixturevalue("lazy_datadir")
            assert path
        """
    assert _gate(tmp_path, ("pytest-datadir>=1.7",), {"tests/test_a.py": test}) == []


def test_lazy_datadir_named_only_in_prose_is_not_a_use(tmp_path: Path) -> None:
    test = '''\
        def test_a(tmp_path):
            """Unlike lazy_datadir, this copies nothing."""
        '''
    found = _gate(tmp_path, ("pytest-datadir>=1.7",), {"tests/test_a.py": test})
    assert found == ["pytest-datadir"]


@pytest.mark.parametrize(
    ("dist", "test"),
    [
        (
            "time-machine",
            "import pytest\n\n@pytest.mark.time_machine(0)\ndef test_a():\n    pass\n",
        ),
        ("respx", "def test_a(respx_mock):\n    respx_mock.get('https://x')\n"),
        (
            "pytest-django",
            "def test_a(django_assert_max_num_queries):\n    pass\n",
        ),
        ("pytest-forked", "import pytest\n\n@pytest.mark.forked\ndef test_a():\n    pass\n"),
        (
            "pytest-dependency",
            "import pytest\n\n@pytest.mark.dependency()\ndef test_a():\n    pass\n",
        ),
    ],
)
def test_fixture_or_marker_of_a_current_release(tmp_path: Path, dist: str, test: str) -> None:
    assert _gate(tmp_path, (dist,), {"tests/test_a.py": test}) == []


def test_option_of_a_current_release_in_addopts(tmp_path: Path) -> None:
    toml = '[tool.pytest.ini_options]\naddopts = "--force-reruns 2"\n'
    files = {"tests/test_a.py": "def test_a():\n    pass\n"}
    assert _gate(tmp_path, ("pytest-rerunfailures",), files, toml) == []


def test_tabled_plugin_with_nothing_used_is_unused(tmp_path: Path) -> None:
    """Once in the table, a plugin is no longer assumed used: pytest-forked unused."""
    files = {"tests/test_a.py": "def test_a():\n    pass\n"}
    assert _gate(tmp_path, ("pytest-forked",), files) == ["pytest-forked"]


def test_table_rows_are_well_formed() -> None:
    for dist, surface in PLUGINS.items():
        assert dist == dist.lower() and "_" not in dist, dist
        for name in surface.fixtures | surface.markers:
            assert name.isidentifier() and not keyword.iskeyword(name), (dist, name)
        for opt in surface.options:
            assert opt.startswith("-") and " " not in opt, (dist, opt)


def test_allure_pytest_used_by_its_option_in_ci(tmp_path: Path) -> None:
    # lmdeploy .github/workflows/daily_ete_test.yml:214 `pytest ... --alluredir=...`
    wf = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
    wf += "      - run: pytest tests --alluredir=out\n"
    files = {"tests/test_a.py": "def test_a():\n    pass\n", ".github/workflows/t.yml": wf}
    assert _gate(tmp_path, ("allure-pytest",), files) == []


def test_allure_pytest_never_run_stays_unused(tmp_path: Path) -> None:
    files = {"tests/test_a.py": "def test_a():\n    pass\n"}
    assert _gate(tmp_path, ("allure-pytest",), files) == ["allure-pytest"]
