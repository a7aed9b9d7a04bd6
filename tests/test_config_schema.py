"""The declared ``[tool.llmcore]`` tables: every key the code reads is declared, every
declared key is accepted, unknown keys are refused with the closest name, and
docs/config.md is generated from the tables."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.budgets import settings as budget_settings
from pytest_llmcore.budgets.schema import PROFILE_TABLE
from pytest_llmcore.config_tables import TABLES, TOOL_TABLE, check_tool_table
from pytest_llmcore.configdoc import render
from pytest_llmcore.core.errors import InputError
from pytest_llmcore.core.schema import Key, Table
from pytest_llmcore.deps.schema import DEPS_TABLE
from pytest_llmcore.deps.settings import DepsSettings
from pytest_llmcore.deps.settings import settings_from_table as deps_from_table
from pytest_llmcore.gpu.schema import GPU_TABLE
from pytest_llmcore.gpu.settings import GpuSettings, gpu_settings

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "pytest_llmcore"
BY_NAME = {t.name: t for t in TABLES}


class _Reads(dict):  # type: ignore[type-arg]
    """A config table that notes every key looked up in it (nested tables too)."""

    def __init__(self, data: dict[str, Any], log: set[tuple[str, str]], where: str) -> None:
        super().__init__(
            {
                k: _Reads(v, log, f"{where}.{k}") if isinstance(v, dict) else v
                for k, v in data.items()
            }
        )
        self.log, self.where = log, where

    def get(self, key: Any, default: Any = None) -> Any:
        self.log.add((self.where, key))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.log.add((self.where, key))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.log.add((self.where, str(key)))
        return super().__contains__(key)


def _reads(validate: Callable[[Any], object], data: dict[str, Any], where: str) -> set[str]:
    log: set[tuple[str, str]] = set()
    validate(_Reads(data, log, where))
    return {f"{table}: {key}" for table, key in log}


def _declared(table: Table) -> set[str]:
    return {f"{table.name}: {k}" for k in table.names}


def _as_table(where: str) -> str:
    return "tool.llmcore.profiles.NAME" if where.startswith("tool.llmcore.profiles.") else where


@pytest.mark.parametrize(
    ("validate", "data", "where"),
    [
        (lambda t: deps_from_table(t, Path("pyproject.toml")), {}, "tool.llmcore.deps"),
        (
            budget_settings.settings_from_table,
            {"profiles": {"rtx": {"match": "RTX"}}},
            "tool.llmcore",
        ),
        (gpu_settings, {"gpu": {}}, "tool.llmcore"),
    ],
    ids=["deps", "budgets", "gpu"],
)
def test_every_key_a_validator_reads_is_declared(
    validate: Callable[[Any], object], data: dict[str, Any], where: str
) -> None:
    read = _reads(validate, data, where)
    read = {f"{_as_table(r.split(': ')[0])}: {r.split(': ')[1]}" for r in read}
    declared = set().union(*(_declared(t) for t in TABLES))
    assert read - declared == set()
    assert read  # the recorder saw the reads


def _reads_from_the_file(tree: ast.AST) -> list[str]:
    """Keys looked up in what ``load_tool_table`` returns, and where its result goes."""
    found: list[str] = []
    names: set[str] = set()

    def is_load(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "load_tool_table"
        ) or (isinstance(node, ast.Name) and node.id in names)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_load(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        func = getattr(node, "func", None)
        is_get = isinstance(func, ast.Attribute) and func.attr == "get" and is_load(func.value)
        if is_get and isinstance(node, ast.Call) and node.args:
            arg = node.args[0]
            found.append(arg.value if isinstance(arg, ast.Constant) else "<computed>")
        if isinstance(node, ast.Subscript) and is_load(node.value):
            sl = node.slice
            found.append(sl.value if isinstance(sl, ast.Constant) else "<computed>")
        if isinstance(node, ast.Call) and any(is_load(a) for a in node.args):
            func = getattr(node.func, "id", getattr(node.func, "attr", "?"))
            found.append(f"<whole table to {func}>")
    return found


def test_keys_read_straight_from_the_file_are_declared() -> None:
    # the whole table may only go to the validators tested above, and the top-level check
    allowed = set(TOOL_TABLE.names) | {
        "<whole table to settings_from_table>",
        "<whole table to gpu_settings>",
        "<whole table to check_tool_table>",
    }
    bad = []
    for f in sorted(PKG.rglob("*.py")):
        for key in _reads_from_the_file(ast.parse(f.read_text(encoding="utf-8"))):
            if key not in allowed:
                bad.append(f"{f.relative_to(PKG)}: {key}")
    assert bad == []


def test_the_source_check_sees_reads() -> None:
    tree = ast.parse(
        "t = load_tool_table(p)\nx = t.get('colour')\ny = load_tool_table(p)['size']\n"
        "z = frobnicate(load_tool_table(p))\n"
    )
    assert _reads_from_the_file(tree) == ["colour", "size", "<whole table to frobnicate>"]


def test_the_four_keys_once_undocumented_are_in_the_reference() -> None:
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    for key in ("requirements", "dev-requirements", "dev-paths", "gitignore"):
        assert f"| `{key}` |" in text


def test_docs_config_md_is_generated_from_the_tables() -> None:
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert text == render(), "docs/config.md is stale: run python scripts/gen_config_doc.py"


def test_the_generator_script_checks_and_writes() -> None:
    ok = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")


def test_every_pytest_option_is_in_the_reference() -> None:
    from pytest_llmcore.configdoc import pytest_options

    options, ini = pytest_options()
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert len(options) == 16 and [o.names[0] for o in ini] == ["llmcore_enable"]
    for o in (*options, *ini):
        assert f"| `{o.names[0]}` |" in text


def test_budgets_top_level_keys_agree_with_the_declared_table() -> None:
    # budgets/settings.py checks [tool.llmcore] against its own sets today
    known = budget_settings._SCALARS | budget_settings._TABLES
    assert known == set(TOOL_TABLE.names)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_tables_are_well_formed(table: Table) -> None:
    assert len(table.names) == len(table.keys)  # no key twice
    for k in table.keys:
        assert k.name == k.name.lower() and " " not in k.name
        assert k.doc and "\n" not in k.doc and k.type


@pytest.mark.parametrize(
    ("key", "default", "actual"),
    [
        ("fail-on", '["unused"]', [k.value for k in DepsSettings().fail_on]),
        ("gitignore", "true", DepsSettings().gitignore),
        ("cache", "true", DepsSettings().cache),
        ("max-file-size", "5000000", DepsSettings().max_file_size),
        ("dev-requirements", "[]", list(DepsSettings().dev_requirements)),
        ("exclude", "[]", list(DepsSettings().exclude)),
    ],
)
def test_documented_deps_defaults_are_the_real_ones(key: str, default: str, actual: Any) -> None:
    import json

    assert DEPS_TABLE.key(key).default == default
    assert json.loads(default) == actual


def test_documented_gpu_defaults_are_the_real_ones() -> None:
    import json

    s = GpuSettings()
    assert json.loads(GPU_TABLE.key("share").default) is s.share
    assert json.loads(GPU_TABLE.key("throttle").default) == s.throttle
    assert json.loads(GPU_TABLE.key("sample-hz").default) == s.sample_hz
    assert json.loads(GPU_TABLE.key("cuda-alloc-conf").default) == s.cuda_alloc_conf
    assert json.loads(GPU_TABLE.key("vram-wait").default) == f"{s.vram_wait_s:g}s"


def test_profile_table_keys_are_what_the_budgets_read() -> None:
    read = _reads(
        budget_settings.settings_from_table,
        {"profiles": {"x": {"match": "A", "description": "d"}}},
        "tool.llmcore",
    )
    assert {r for r in read if r.startswith("tool.llmcore.profiles.x")} == {
        f"tool.llmcore.profiles.x: {k}" for k in PROFILE_TABLE.names
    }


# -- unknown keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"fail_on": 1},
            "pyproject.toml: unknown key in [tool.llmcore.deps]: 'fail_on' "
            "(did you mean 'fail-on'?)",
        ),
        (
            {"Max-File-Size": 1},
            "pyproject.toml: unknown key in [tool.llmcore.deps]: 'Max-File-Size' "
            "(did you mean 'max-file-size'?)",
        ),
        (
            {"exlude": 1, "zzz": 2},
            "pyproject.toml: unknown keys in [tool.llmcore.deps]: 'exlude' "
            "(did you mean 'exclude'?), 'zzz' (known keys: cache, dev-paths, "
            "dev-requirements, exclude, fail-on, first-party, gitignore, ignore, map, "
            "max-file-size, per-rule-ignores, requirements)",
        ),
    ],
)
def test_unknown_key_is_one_line_with_the_closest_name(table: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        DEPS_TABLE.check_known(table, "pyproject.toml")
    assert str(exc.value) == message


def test_unknown_gpu_key_names_the_closest() -> None:
    with pytest.raises(InputError) as exc:
        gpu_settings({"gpu": {"sample_hz": 10}})
    assert str(exc.value) == (
        "unknown key in [tool.llmcore.gpu]: 'sample_hz' (did you mean 'sample-hz'?)"
    )


def test_unknown_top_level_key_names_the_closest() -> None:
    with pytest.raises(InputError) as exc:
        check_tool_table({"repeat": 3}, "pyproject.toml")
    assert str(exc.value) == (
        "pyproject.toml: unknown key in [tool.llmcore]: 'repeat' (did you mean 'repeats'?)"
    )


@given(st.dictionaries(st.text(max_size=20), st.integers(), min_size=1, max_size=4))
def test_check_known_refuses_exactly_the_undeclared_keys(table: dict[str, int]) -> None:
    unknown = set(table) - DEPS_TABLE.names
    try:
        DEPS_TABLE.check_known(table, "p.toml")
    except InputError as exc:
        text = str(exc)
        assert unknown and "\n" not in text
        for key in unknown:
            assert repr(key) in text
    else:
        assert not unknown


def test_a_key_dataclass_is_what_the_reference_shows() -> None:
    t = Table("tool.x", "doc", (Key("a-b", "true/false", "true", "a switch"),), owner="x")
    assert t.key("a-b").doc == "a switch" and t.names == frozenset({"a-b"})
    with pytest.raises(KeyError):
        t.key("nope")


def test_pytest_refuses_an_unknown_top_level_key(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.llmcore]\nrepeat = 3\n")
    pytester.makepyfile("def test_x(): pass\n")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    path = pytester.path / "pyproject.toml"
    assert res.stderr.lines[0] == (
        f"ERROR: llmcore: {path}: unknown key in [tool.llmcore]: 'repeat' (did you mean 'repeats'?)"
    )
