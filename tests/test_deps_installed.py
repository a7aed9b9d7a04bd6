"""The gate's own reader of installed metadata agrees with importlib.metadata."""

from __future__ import annotations

import importlib.metadata as md
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pytest_llmcore.deps import installed as inst
from pytest_llmcore.deps.records import canonical_name


def _fresh(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    monkeypatch.setattr(sys, "path", [str(p) for p in paths])
    inst._index_of.cache_clear()


@pytest.fixture(autouse=True)
def _clear_index() -> object:
    inst._index_of.cache_clear()
    yield
    inst._index_of.cache_clear()


def test_agrees_with_importlib_on_this_environment() -> None:
    """Every distribution importlib finds first under its name: same files, requirements
    and entry points."""
    seen: set[str] = set()
    checked = 0
    for dist in md.distributions():
        key = canonical_name(dist.metadata["Name"] or "")
        if key in seen:
            continue  # a second copy further down sys.path: the first one wins in both
        seen.add(key)
        mine = inst.installed(key)
        assert mine is not None, key
        assert mine.name() == dist.metadata["Name"], key
        assert mine.read_text("RECORD") == dist.read_text("RECORD"), key
        assert sorted(mine.requires()) == sorted(dist.requires or []), key
        theirs = {(e.group, e.name, e.value) for e in dist.entry_points}
        assert set(mine.entry_points()) == theirs, key
        checked += 1
    assert {"pytest", "pluggy", "hypothesis"} <= seen  # every CI environment has these
    assert checked == len(seen)
    assert inst.installed("surely-not-installed-xyz") is None


def _dist_info(site: Path, folder: str, name: str, files: dict[str, str]) -> None:
    d = site / folder
    d.mkdir(parents=True)
    (d / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
        "Requires-Dist: attrs>=20\nRequires-Dist: rich; extra == 'cli'\n\nLong text.\n"
        "Requires-Dist: not-a-header\n"
    )
    for rel, text in files.items():
        (d / rel).write_text(text)


def test_reads_dist_info_and_egg_info_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _dist_info(
        first,
        "Foo_Bar-1.0.dist-info",
        "Foo_Bar",
        {
            "RECORD": "foo/__init__.py,,\n",
            "entry_points.txt": "[console_scripts]\nfoo = foo:main\n\n[pytest11]\n"
            "foo = foo.plugin\n",
        },
    )
    _dist_info(second, "foo_bar-2.0.dist-info", "foo_bar", {"RECORD": "other\n"})
    egg = second / "pdfminer.six-2020.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: pdfminer.six\n")
    (egg / "requires.txt").write_text("chardet\n\n[dev]\nnose\n")
    _fresh(monkeypatch, tmp_path / "missing", first, second)
    foo = inst.installed("foo-bar")
    assert foo is not None
    assert foo.read_text("RECORD") == "foo/__init__.py,,\n"  # the first on sys.path wins
    assert foo.requires() == ["attrs>=20", "rich; extra == 'cli'"]
    assert foo.entry_points() == (
        ("console_scripts", "foo", "foo:main"),
        ("pytest11", "foo", "foo.plugin"),
    )
    assert foo.locate_file("foo/__init__.py") == first / "foo/__init__.py"
    pdf = inst.installed("PDFMiner.Six")
    assert pdf is not None and pdf.name() == "pdfminer.six"
    assert pdf.requires() == ["chardet", 'nose; extra == "dev"']  # importlib's translation
    assert inst.installed_names() == {"foo-bar", "pdfminer-six"}
    assert inst.installed("attrs") is None


def test_a_zip_on_sys_path_asks_importlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "deps.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped-3.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\n")
        z.writestr("zipped-3.0.dist-info/RECORD", "zipped.py,,\n")
    _fresh(monkeypatch, archive)
    zipped = inst.installed("zipped")
    assert zipped is not None
    assert zipped.read_text("RECORD") == "zipped.py,,\n"
    assert [d.name() for d in inst.all_installed()] == ["zipped"]


def test_a_cold_gate_run_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    """The reason this reader exists: ``importlib.metadata`` costs ~11 ms of start-up."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["pytest", "numpy-never"]\n'
    )
    (tmp_path / "p.py").write_text("import pytest\nimport os\n\ndef f():\n    return pytest\n")
    code = (
        "import sys\nfrom pytest_llmcore import cli\n"
        "rc = cli.main(['deps', '--no-cache', sys.argv[1]])\n"
        "print('importlib.metadata' in sys.modules, rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert out.stdout.splitlines()[-1] == "False 1", out.stdout + out.stderr
