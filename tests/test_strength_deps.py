"""Dependency-to-module mapping at its edges (issue 17): a module belongs to a distribution
only on a dot boundary; name guesses; RECORD parsing; and, end to end through ``llmcore
deps``, that a TYPE_CHECKING import of a dev-only dependency is not a runtime use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmcore.cli import main
from pytest_llmcore.deps.mapping import (
    ModuleMap,
    module_matches,
    modules_from_files,
    stdlib_backfills,
)
from pytest_llmcore.deps.reconcile import ImportSite, plausible_owner, reconcile_guessed
from pytest_llmcore.deps.records import Declared, Evidence, Finding, GateResult, Kind
from pytest_llmcore.deps.requires import requirement_closure
from pytest_llmcore.deps.settings import DepsSettings
from pytest_llmcore.deps.triage import triage

from .conftest import require


@pytest.mark.parametrize(
    ("imported", "provided", "expected"),
    [
        ("google.cloud.storage", "google.cloud.storage", True),
        ("google.cloud.storage.blob", "google.cloud.storage", True),
        ("google.cloud.storage_transfer", "google.cloud.storage", False),  # no dot: not its
        ("google.cloud", "google.cloud.storage", False),  # the namespace is no one's
        ("numpyx", "numpy", False),
        ("numpy", "numpy.linalg", False),
    ],
)
def test_module_matches_needs_the_dot(imported: str, provided: str, expected: bool) -> None:
    assert module_matches(imported, provided) is expected


@pytest.mark.parametrize(
    ("dist", "modules"),
    [
        ("python-dateutilx", ("python_dateutilx", "dateutilx")),
        ("py-cpuinfox", ("py_cpuinfox", "cpuinfox")),
        ("py-ab", ("py_ab", "ab")),
        ("py-a", ("py_a",)),  # a one-letter remainder is no guess
        ("python-a", ("python_a",)),
        ("foo-python", ("foo_python", "foo")),
        ("google-cloud-foo-bar", ("google.cloud.foo_bar", "google.cloud.foobar")),
        ("google-cloud-", ("google_cloud_",)),  # no tail: not a namespace member
        ("backports-foo-bar", ("backports.foo_bar", "backports.foo.bar")),
        ("plainname", ("plainname",)),
    ],
)
def test_name_guesses(dist: str, modules: tuple[str, ...]) -> None:
    got = ModuleMap(use_metadata=False).provides(dist)
    assert (got.source, got.modules) == ("guess", modules)


def test_config_then_builtin_then_guess() -> None:
    mm = ModuleMap({"My_Pkg": ["mine", "mine2"]}, use_metadata=False)
    p = mm.provides("my.pkg")  # names compare in canonical form
    assert (p.dist, p.modules, p.source) == ("my.pkg", ("mine", "mine2"), "config")
    assert mm.provides("PyYAML").source == "builtin" and "yaml" in mm.provides("pyyaml").modules
    assert stdlib_backfills(["PyReadline3", "numpy", "gnureadline"]) == {"readline"}
    assert stdlib_backfills(["numpy"]) == set()


def test_record_parsing_edges() -> None:
    files = [
        "__init__.py",  # a stray top-level __init__ is no module
        "six.py",
        "typing_extensions.pyi",
        "fast.cpython-311-x86_64-linux-gnu.so",
        "README.txt",
        "../../bin/tool",
        "bin/tool",
        "pkg-1.0.dist-info/RECORD",
        "pkg-1.0.data/scripts/x.py",
        "__pycache__/six.cpython-311.pyc",
        "outer/__init__.py",
        "outer/inner/__init__.py",  # part of outer
        "ns/sub/__init__.py",  # ns has no __init__: a namespace
        "ns/loose.py",
        "ns/deeper/mod.py",
        "bad-dir/x.py",
        "win\\style\\__init__.py",
    ]
    assert modules_from_files(files) == (
        "fast",
        "ns.deeper.mod",
        "ns.loose",
        "ns.sub",
        "outer",
        "six",
        "typing_extensions",
        "win.style",
    )


# -- end to end through the gate -------------------------------------------------------------


def deps(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, set[tuple[str, str]]]:
    code = main(["deps", str(root), "--no-cache", "--fail-on", "all", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, {(f["kind"], f["dependency"]) for f in report["findings"]}


def project(tmp_path: Path, dev: str, code: str) -> Path:
    (tmp_path / "app").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\ndependencies = ["google-cloud-storage"]\n\n'
        f'[dependency-groups]\ndev = ["{dev}"]\n'
    )
    (tmp_path / "app" / "__init__.py").write_text(code)
    return tmp_path


def test_type_checking_import_of_a_dev_dependency_is_not_runtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = (
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
        "import google.cloud.storage\n\n"
        "if TYPE_CHECKING:\n    import rich.console\n\n\n"
        "def show(c: rich.console.Console) -> object:\n    return google.cloud.storage\n"
    )
    assert deps(project(tmp_path / "a", "rich", code), capsys) == (0, set())
    runtime = code.replace("if TYPE_CHECKING:\n    import rich", "import rich")
    assert deps(project(tmp_path / "b", "rich", runtime), capsys) == (
        1,
        {("misplaced-dev", "rich")},
    )


def test_a_module_sharing_a_prefix_is_not_the_dependency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = "import google.cloud.storage_transfer\n\nprint(google.cloud.storage_transfer)\n"
    assert deps(project(tmp_path, "rich", code), capsys) == (
        1,
        {
            ("unused", "google-cloud-storage"),
            ("missing", "google.cloud.storage_transfer"),
            ("unused", "rich"),
        },
    )


# -- transitive closure over installed metadata --------------------------------------------


def test_requirement_closure_follows_installed_requirements() -> None:
    closure = requirement_closure(["No_Such-Dist", "pytest"])
    # each reachable distribution maps to the root it was reached from
    assert closure["pytest"] == "pytest" and closure["pluggy"] == "pytest"
    assert closure["packaging"] == "pytest" and closure["iniconfig"] == "pytest"
    assert closure["no-such-dist"] == "no-such-dist"  # not installed: itself, nothing below
    assert "hypothesis" not in closure  # pytest's [dev] extra is not a requirement
    assert "colorama" not in closure  # Windows only
    # a dependency declared twice (pyproject and requirements.txt) stops nothing
    assert requirement_closure(["no-such-dist", "pluggy", "Pluggy"]) == {
        "no-such-dist": "no-such-dist",
        "pluggy": "pluggy",
    }


def test_requirement_closure_skips_unreadable_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "odd_dist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: odd-dist\nVersion: 1.0\n"
        "Requires-Dist: !!! not a requirement\n"
        'Requires-Dist: packaging; python_version ~= "abc"\n'  # can't be evaluated
        "Requires-Dist: iniconfig\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert requirement_closure(["odd-dist"]) == {"odd-dist": "odd-dist", "iniconfig": "odd-dist"}


def test_module_table_skips_comments_and_blank_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_llmcore.deps import mapping

    table = tmp_path / "module_map.tsv"
    table.write_text("# distribution\tmodules\n\nfoo-bar\tfoobar,fb\nno-modules\t\n")
    monkeypatch.setattr(mapping, "MAP_FILE", table)
    mapping.builtin_table.cache_clear()
    try:
        got = mapping.builtin_table()
        assert got["foo-bar"] == ("foobar", "fb")
        assert not any(k.startswith("#") for k in got) and "no-modules" not in got
        assert "" not in got and got["pyyaml"] == mapping.BUILTIN_MODULES["pyyaml"]
    finally:
        mapping.builtin_table.cache_clear()


# -- a guessed module name reconciled with the imports nothing claimed -------------------------


@pytest.mark.parametrize(
    ("dist", "module", "expected"),
    [
        ("zope", "zope", True),  # a namespace root alone is its own distribution's
        ("zope", "zope.interface", False),  # but its sub-packages are other distributions'
        ("backports", "backports.zoneinfo", False),
        ("hpy", "h", False),  # a one-letter stem left by a "py" affix is no name
        ("hpy", "hpy", True),
        ("pyqt5", "PyQt5.QtCore", True),
        ("py-spy", "py", False),  # a two-letter leading part is too short to claim a module
        ("tts-engine", "tts", True),  # three letters will do
        ("pyx", "x", False),  # nor a one-letter stem left by a "py" prefix
        ("nameitpython", "nameit", True),  # a "python" suffix, however long the stem
    ],
)
def test_plausible_owner_edges(dist: str, module: str, expected: bool) -> None:
    assert plausible_owner(dist, module) is expected


def _unused(dist: str, guessed: str) -> Finding:
    decl = Declared(dist, dist, "pyproject.toml", 7, "project.dependencies", False)
    return Finding(Kind.UNUSED, dist, (decl,), (Evidence("never imported"),), None, guessed)


@pytest.mark.parametrize(
    ("dist", "guessed", "imported", "entry"),
    [
        ("pyqt5", "pyqt5", "PyQt5.QtCore", "PyQt5"),  # the shortest prefix that matches
        ("google-cloud-pubsub", "google_cloud_pubsub", "google.cloud.pubsub_v1.types",
         "google.cloud.pubsub_v1"),
        ("faiss-cpu", "faiss_cpu", "faiss", "faiss"),
        ("zope-interface", "zope_interface", "zope.interface.declarations", "zope.interface"),
    ],
)  # fmt: skip
def test_a_guessed_name_with_a_plausible_import_suggests_the_map_entry(
    dist: str, guessed: str, imported: str, entry: str
) -> None:
    # "other" is imported as named but its module name was not guessed: not reconciled
    findings = [_unused("other", "other"), _unused(dist, guessed)]
    sites = [
        ImportSite("other", "app/a.py:1", "app/a.py", 1),
        ImportSite(imported, "app/b.py:3", "app/b.py", 3),
    ]
    assert reconcile_guessed(findings, [dist], sites) == {1}
    assert findings[1].kind is Kind.UNMAPPED and findings[1].module == entry
    assert findings[1].evidence == (
        Evidence(
            f"its module was guessed as {guessed}, but {imported} imported at app/b.py:3 "
            f"plausibly belongs to it; if so, add [tool.llmcore.deps] map = "
            f'{{ {dist} = ["{entry}"] }}',
            "app/b.py",
            3,
        ),
    )
    assert findings[0] == _unused("other", "other")


# -- triage: unreachable declarations and ignores ----------------------------------------------

_OLD = 'python_version < "3.7"'


def _decl(name: str, dev: bool = False, unreachable: str | None = None) -> Declared:
    section = "dependency-groups.dev" if dev else "project.dependencies"
    return Declared(name, name, "pyproject.toml", 9, section, dev, (), unreachable)


def _triaged(findings: list[Finding], settings: DepsSettings) -> GateResult:
    result = GateResult(".", findings=findings)
    triage(result, settings)
    return result


def test_only_an_unused_dependency_becomes_unreachable() -> None:
    ev = (Evidence("x"),)
    old = _decl("dataclasses", unreachable=_OLD)
    dev_old = _decl("dataclasses", dev=True, unreachable=_OLD)
    result = _triaged(
        [
            Finding(Kind.UNUSED, "dataclasses", (old,), ev),
            Finding(Kind.MISPLACED_DEV, "dataclasses", (dev_old,), ev),
            Finding(Kind.COMPANION, "dataclasses", (old,), ev),
            Finding(Kind.UNUSED, "attrs", (_decl("attrs", unreachable=_OLD), _decl("attrs")), ev),
        ],
        DepsSettings(),
    )
    assert [f.kind for f in result.findings] == [
        Kind.UNREACHABLE,
        Kind.MISPLACED_DEV,
        Kind.COMPANION,
        Kind.UNUSED,  # one of its declarations can be installed
    ]
    assert result.findings[0].evidence == (
        Evidence(f"{_OLD} (pyproject.toml:9)", "pyproject.toml", 9),
    )


def test_a_missing_module_is_ignored_by_its_top_level_name() -> None:
    missing = Finding(Kind.MISSING, "zz_mod.sub", (), (Evidence("x"),), None, "zz_mod.sub")
    result = _triaged([missing], DepsSettings(ignore={"zz-mod": "vendored"}))
    assert result.findings[0].ignored_reason == "vendored" and result.notes == []


def test_every_per_rule_entry_that_matches_is_used() -> None:
    # the distribution and its module both listed: neither is reported as stale
    missing = Finding(Kind.MISSING, "yaml", (), (Evidence("x"),), None, "yaml")
    settings = DepsSettings(per_rule_ignores={"LLMD001": frozenset({"yaml", "zz-gone"})})
    result = _triaged([missing], settings)
    assert result.findings[0].ignored_reason == "[tool.llmcore.deps] per-rule-ignores LLMD001"
    assert result.notes == [
        "warning: [tool.llmcore.deps] per-rule-ignores.LLMD001 entry 'zz-gone' matches no "
        "finding; remove it"
    ]
    both = Finding(Kind.MISSING, "pyyaml", (), (Evidence("x"),), None, "yaml")
    settings = DepsSettings(per_rule_ignores={"LLMD001": frozenset({"yaml", "pyyaml"})})
    assert _triaged([both], settings).notes == []


# -- evidence: what counts as running a dependency ---------------------------------------------


def _gate(tmp_path: Path, files: dict[str, str], dev: list[str]) -> GateResult:
    from pytest_llmcore.deps.gate import run_gate

    listed = ", ".join(f'"{d}"' for d in dev)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = []\n'
        f"[dependency-groups]\ndev = [{listed}]\n"
    )
    for rel, body in {**files, "a.py": "x = 1\n"}.items():
        (tmp_path / rel).write_text(body)
    return run_gate(tmp_path, use_cache=False)


def test_a_subcommand_followed_by_an_option_is_run(tmp_path: Path) -> None:
    result = _gate(
        tmp_path,
        {"Makefile": "reqs:\n\tpoetry export --without-hashes\n"},
        ["poetry-plugin-export"],
    )
    assert [e.text for e in result.used_by["poetry-plugin-export"]] == [
        "run as `poetry export` in Makefile:2"
    ]


def test_a_name_in_a_config_file_string_is_not_a_use(tmp_path: Path) -> None:
    files = {
        "Makefile": 'up:\n\tdocker run -e BACKEND="requests" img\n',
        "Dockerfile": 'FROM python\nENV APP_MODULE="yaml"\n',
    }
    result = _gate(tmp_path, files, ["requests", "pyyaml"])
    assert sorted((f.dependency, f.kind) for f in result.findings) == [
        ("pyyaml", Kind.UNUSED),
        ("requests", Kind.UNUSED),
    ]


def test_an_installed_console_script_is_its_distributions(tmp_path: Path) -> None:
    require("gguf")  # installs gguf-dump, a script no built-in table names
    result = _gate(tmp_path, {"Makefile": "show:\n\tgguf-dump model.gguf\n"}, ["gguf"])
    assert [e.text for e in result.used_by["gguf"]] == ["run as `gguf-dump` in Makefile:2"]
