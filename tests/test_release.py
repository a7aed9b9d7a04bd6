"""Release: what `python -m build` makes, `twine check --strict`, and the metadata and docs
that must agree with it (classifiers, floors, links, documented tags)."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from .conftest import REPO, require, require_tool

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None

PROJECT_URL = "https://github.com/pytest-llmcore/pytest-llmcore"


def _pyproject() -> dict[str, Any]:
    if tomllib is None:
        import tomlkit

        return tomlkit.parse((REPO / "pyproject.toml").read_text()).unwrap()
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist, then the wheel built from the unpacked sdist (what `python -m build` does)."""
    require("build")
    src = tmp_path_factory.mktemp("src") / "pytest-llmcore"
    ignore = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(REPO, src, ignore=ignore, symlinks=True)
    out = tmp_path_factory.mktemp("dist")
    res = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return out


def _version() -> str:
    version: str = _pyproject()["project"]["version"]
    return version


def test_twine_check_strict(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert [Path(f).name for f in files] == [
        f"pytest_llmcore-{_version()}-py3-none-any.whl",
        f"pytest_llmcore-{_version()}.tar.gz",
    ]
    res = subprocess.run(
        [require_tool("twine"), "check", "--strict", *files], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("PASSED") == 2


def test_sdist_has_the_package_and_its_papers_and_no_tests(dist: Path) -> None:
    sdist = dist / f"pytest_llmcore-{_version()}.tar.gz"
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "PKG-INFO"):
        assert needed in names
    package = {str(p.relative_to(REPO)) for p in (REPO / "pytest_llmcore").rglob("*.py")}
    package.add("pytest_llmcore/py.typed")
    assert package <= names, sorted(package - names)
    assert not [n for n in names if n.startswith(("tests/", "fixtures/"))]


def _metadata(dist: Path) -> email.message.Message:
    wheel = dist / f"pytest_llmcore-{_version()}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        name = f"pytest_llmcore-{_version()}.dist-info/METADATA"
        return email.message_from_bytes(zf.read(name))


def test_wheel_metadata(dist: Path) -> None:
    meta = _metadata(dist)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(u.startswith(PROJECT_URL) for u in urls.values())
    assert "pluggy>=1.2" in meta.get_all("Requires-Dist")
    assert meta["Requires-Python"] == ">=3.10"
    # the long description is the README, whose links must work on PyPI: absolute
    body = meta.get_payload()
    assert isinstance(body, str) and body.startswith("# pytest-llmcore")
    relative = [t for t in re.findall(r"\]\(([^)]+)\)", body) if not t.startswith("https://")]
    assert relative == [], "README.md links must be absolute (they break on PyPI)"


def test_classifiers_are_valid_and_match_the_tested_pythons() -> None:
    require("trove_classifiers")
    from trove_classifiers import classifiers as known

    project = _pyproject()["project"]
    declared = project["classifiers"]
    assert set(declared) <= known, sorted(set(declared) - known)
    assert "Framework :: Pytest" in declared
    pythons = [c.rsplit(" ", 1)[1] for c in declared if re.fullmatch(r".*:: 3\.\d+", c)]
    legs = re.findall(r"core_leg core-(3\.\d+) (3\.\d+)", (REPO / ".ci" / "run").read_text())
    tested = {v for _leg, v in legs} | {"3.11"}  # 3.11: the full leg
    assert sorted(pythons) == sorted(tested) == ["3.10", "3.11", "3.12", "3.13"]
    assert project["requires-python"] == f">={min(tested, key=lambda v: int(v[2:]))}"


def test_lowest_leg_pins_exactly_the_declared_floors() -> None:
    floors = {}
    for dep in _pyproject()["project"]["dependencies"]:
        m = re.fullmatch(r"([\w-]+)>=([\d.]+)", dep)
        assert m, f"{dep}: a plain floor is what the lowest leg can pin"
        floors[m[1]] = m[2]
    lines = (REPO / ".ci" / "lowest.txt").read_text().splitlines()
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert {k: Version(v) for k, v in pins.items()} == {k: Version(v) for k, v in floors.items()}


def test_documented_tags_exist_once_this_version_is_released() -> None:
    """pre-commit's `rev:` names this version's tag, the Action's `@v1` the tag that
    release.yml moves, and CHANGELOG.md has the section release.yml publishes."""
    tag = f"v{_version()}"
    docs = [REPO / "README.md", REPO / ".pre-commit-hooks.yaml", *(REPO / "docs").glob("*.md")]
    revs = {m for p in docs for m in re.findall(r"rev: (\S+)", p.read_text())}
    assert revs == {tag}
    release = (REPO / ".github" / "workflows" / "release.yml").read_text()
    action_tag = re.search(r"ACTION_TAG: (v\d+)", release)
    assert action_tag
    uses = {
        m
        for p in docs
        for m in re.findall(r"uses: pytest-llmcore/pytest-llmcore@([\w.]+)", p.read_text())
    }
    assert uses == {action_tag[1]}
    assert f"\n## [{_version()}]" in (REPO / "CHANGELOG.md").read_text()
    assert "id-token: write" in release and "pypa/gh-action-pypi-publish@" in release
    assert "password" not in release  # trusted publishing: no token


def test_license_file_is_mit() -> None:
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "WITHOUT WARRANTY OF ANY KIND" in text
