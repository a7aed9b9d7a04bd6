"""Start-up shortcuts of the dependency gate (issue 10) give the answers of the slow paths:
TOML read by tomllib as by tomlkit, installed metadata remembered across runs, and a run
where nothing changed loads neither the scanner nor importlib.metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.core.config import parse_toml_data, parse_toml_document, plain
from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.declarations import read_declarations

_DOCS = [
    '[project]\nname = "x"\ndependencies = ["a>=1", \'b\']\n',
    "[tool.x]\nwhen = 1979-05-27T07:32:00Z\nday = 1979-05-27\nt = 07:32:00\nf = 1e3\n",
    '[[tool.a]]\nk = { x = [1, 2], "y.z" = true }\n[[tool.a]]\nk = {}\n',
    'a.b.c = "dotted"\n"quoted key" = \'lit\'\nml = """\nline\n"""\n',
]


@pytest.mark.parametrize("text", _DOCS)
def test_toml_data_is_what_tomlkit_reads(text: str) -> None:
    assert parse_toml_data(text, Path("p.toml")) == plain(tomlkit.parse(text))


@pytest.mark.parametrize("text", ["[project\n", 'a = "x\n', "a = 1\na = 2\n", "x = [1,\n"])
def test_malformed_toml_is_worded_by_tomlkit_on_every_python(text: str) -> None:
    with pytest.raises(InputError) as fast:
        parse_toml_data(text, Path("p.toml"))
    with pytest.raises(InputError) as kit:
        parse_toml_document(text, Path("p.toml"))
    assert str(fast.value) == str(kit.value)
    assert "malformed TOML" in str(fast.value)


def test_poetry_spec_text_is_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.poetry]
            name = "x"
            [tool.poetry.dependencies]
            python = "^3.10"
            requests = { version = '^2.31',  optional = true }
            rich = '^13'
            [tool.poetry.group.dev.dependencies]
            pytest = "*"
            """
        )
    )
    got = {d.name: d.requirement for d in read_declarations(tmp_path, None, ()).declared}
    assert got == {
        "requests": "requests = { version = '^2.31',  optional = true }",
        "rich": "rich = '^13'",
        "pytest": 'pytest = "*"',
    }


def _run(root: Path, code: str) -> str:
    env = {**os.environ, "LLMCORE_DEPS_JOBS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr  # main()'s status is in the JSON, not here
    return proc.stdout


_MAIN = """
import contextlib, io, json, sys
from pytest_llmcore.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    main(["deps", sys.argv[1], "--format", "json"])
loaded = [m for m in ("importlib.metadata", "tomlkit", "pytest_llmcore.deps.lexical",
                      "pytest_llmcore.deps.astscan", "pytest_llmcore.deps.filescan")
          if m in sys.modules]
print(json.dumps({"result": json.loads(out.getvalue()), "loaded": loaded}))
"""


def test_a_run_where_nothing_changed_reads_no_metadata_and_loads_no_scanner(
    tmp_path: Path,
) -> None:
    # installed distributions with modules, console scripts and a pytest11 plugin: every
    # metadata answer the gate asks for, remembered by the first run
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n'
        'dependencies = ["pytest", "pluggy", "hypothesis", "tomlkit", "packaging"]\n'
    )
    (tmp_path / "app.py").write_text("import pluggy\nimport yaml\n\npluggy.HookspecMarker\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a():\n    assert 1\n")
    first = json.loads(_run(tmp_path, _MAIN))
    second = json.loads(_run(tmp_path, _MAIN))
    assert second["result"] == first["result"]
    # metadata is read from the dist-info folders (importlib.metadata's imports cost ~11 ms)
    assert "pytest_llmcore.deps.lexical" in first["loaded"]
    assert "importlib.metadata" not in first["loaded"]
    # Python 3.10 has no tomllib: TOML is read by tomlkit there
    assert second["loaded"] == ([] if sys.version_info >= (3, 11) else ["tomlkit"])
    # and the remembered answers are the ones a run without the cache gets
    fresh = _run(tmp_path, _MAIN.replace('"json"])', '"json", "--no-cache"])'))
    assert json.loads(fresh)["result"] == first["result"]


@pytest.mark.parametrize(
    ("dist", "plugin"),
    [("pytest-xdist", True), ("hypothesis", True), ("tomlkit", False), ("no-such-dist", False)],
)
def test_a_remembered_plugin_surface_survives_json(dist: str, plugin: bool) -> None:
    from pytest_llmcore.deps.pytest_plugins import (
        installed_surface,
        surface_from_json,
        surface_to_json,
    )

    if dist == "pytest-xdist":
        pytest.importorskip("xdist")
    found = installed_surface(dist)
    back = surface_from_json(json.loads(json.dumps(surface_to_json(found))))
    assert back == found
    assert (found is not None) is plugin


def test_readers_and_their_kinds_are_listed_once() -> None:
    """The cheap list of invocation kinds (which decides whether the readers load) is the
    readers' own list."""
    from pytest_llmcore.deps import invocations
    from pytest_llmcore.deps.toolfiles import INVOCATION_KINDS

    assert sorted(invocations._READERS) == sorted(INVOCATION_KINDS)


_TASKS = {
    "tasks": {"lint": "ruff check ."},
    "scripts": {"lint": "ruff check ."},
    "envs": {"default": {"scripts": {"lint": "ruff check ."}}},
    "legacy_tox_ini": "[testenv]\ncommands = ruff check .\n",
}


@given(st.lists(st.from_regex(r"[a-z][a-z-]{0,8}", fullmatch=True), max_size=4))
def test_only_the_listed_task_runner_tables_hold_commands(names: list[str]) -> None:
    """A ``[tool.X]`` table outside ``TASK_RUNNER_TOOLS`` gives no command, so a project
    without one (and without tool files) may skip the readers."""
    from pytest_llmcore.deps.taskrunners import read_pyproject
    from pytest_llmcore.deps.toolfiles import TASK_RUNNER_TOOLS

    tool = {n: _TASKS for n in names if n not in TASK_RUNNER_TOOLS}
    assert read_pyproject({"tool": tool}, "", "pyproject.toml") == []
    for name in TASK_RUNNER_TOOLS:  # and each listed one does
        assert read_pyproject({"tool": {name: _TASKS}}, "", "pyproject.toml"), name


def test_a_project_that_runs_nothing_loads_no_command_readers(tmp_path: Path) -> None:
    """No tool file, no task table, no pytest plugin declared: a cold run imports neither
    the command readers nor the pytest-plugin machinery (their imports cost ~10 ms)."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\ndependencies = ["pyyaml", "pluggy"]\n'
    )
    (tmp_path / "app.py").write_text("import pluggy\n\npluggy.HookspecMarker\n")
    code = (
        "import sys\nfrom pytest_llmcore import cli\n"
        "rc = cli.main(['deps', '--no-cache', sys.argv[1]])\n"
        "mods = ('pytest_llmcore.deps.invocations', 'pytest_llmcore.deps.pytest_plugins')\n"
        "print([m for m in mods if m in sys.modules], rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert out.stdout.splitlines()[-1] == "[] 1", out.stdout + out.stderr
    # a Makefile that runs a tool: the readers load, and the tool counts
    (tmp_path / "Makefile").write_text("lint:\n\tyamllint .\n")
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert out.stdout.splitlines()[-1].startswith("['pytest_llmcore.deps.invocations'")


def _reference_kind(rel: str, name: str) -> str | None:
    """The classification as one regex per name and per path (the former implementation)."""
    import fnmatch
    import re

    from pytest_llmcore.deps.toolfiles import KINDS

    by_name, by_path = [], []
    for i, patterns in enumerate(KINDS.values()):
        for j, pat in enumerate(patterns):
            group = f"(?P<k{i}_{j}>{fnmatch.translate(pat)[4:-3]})"
            (by_path if "/" in pat else by_name).append(group)
    name_re = re.compile("(?:" + "|".join(by_name) + r")\Z", re.S)
    path_re = re.compile("(?:" + "|".join(by_path) + r")\Z", re.S)
    m = name_re.match(name) or path_re.match(rel)
    if m is None or m.lastgroup is None:
        return None
    return list(KINDS)[int(m.lastgroup[1:].split("_", 1)[0])]


def _known_names() -> list[str]:
    from pytest_llmcore.deps.toolfiles import KINDS

    return sorted({p.rsplit("/", 1)[-1] for pats in KINDS.values() for p in pats})


_PIECES = st.sampled_from(
    ["Makefile", "Dockerfile", "Procfile", "docker-compose", "mkdocs", "compose", "conf",
     "action", "config", "Taskfile", ".gitlab-ci", "tox", "x", ".", "-", "_", "*", "[",
     ".yml", ".yaml", ".md", ".mk", ".sh", ".py", ".ini", ".just", ".cmake", ".txt"]
)  # fmt: skip
_DIRS = st.sampled_from(
    ["", ".github/workflows/", ".github/actions/a/", ".circleci/", ".buildkite/", "docs/", "a/b/"]
)


@given(
    _DIRS, st.lists(_PIECES, min_size=1, max_size=4).map("".join) | st.sampled_from(_known_names())
)
def test_tool_file_kinds_are_the_regex_classification(folder: str, name: str) -> None:
    from pytest_llmcore.deps.toolfiles import _kind_of

    rel = folder + name
    assert _kind_of(rel, name) == _reference_kind(rel, name)


_TOML_LINE = st.lists(
    st.sampled_from(
        [" ", "\t", '"', "'", "[", "[[", "]", "]]", ".", " . ", "=", "#", "tool", "poetry",
         "dependencies", "dev-dependencies", "x", "group", "-", "1"]
    ),
    max_size=8,
).map("".join)  # fmt: skip
_TOML_KEYS = st.sampled_from(["tool", "poetry", "dependencies", "x", "group", "dev-dependencies"])


@given(_TOML_LINE, _TOML_KEYS)
def test_key_lines_are_found_as_the_regex_finds_them(line: str, key: str) -> None:
    import re

    from pytest_llmcore.deps.declarations_toml import _starts_key

    pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]")
    assert _starts_key(line, key) == (pat.match(line) is not None)


@given(st.lists(_TOML_LINE, max_size=6), st.lists(_TOML_KEYS, min_size=1, max_size=3))
def test_table_headers_are_found_as_the_regex_finds_them(lines: list[str], path: list[str]) -> None:
    import re

    from pytest_llmcore.deps.declarations_toml import _Locator

    parts = [re.escape(p) for p in path]
    pat = re.compile(
        r"^\s*\[\[?\s*" + r"\s*\.\s*".join(f'"?{p}"?' for p in parts) + r"\s*\]\]?\s*(#.*)?$"
    )
    expected = next((i for i, ln in enumerate(lines) if pat.match(ln)), None)
    assert _Locator("\n".join(lines))._header(".".join(path)) == expected
