"""False `unused` findings of corpus9 where a tool file's commands were not read
(benchmarks/real_projects.toml, /work/corpus9/REPORT.md): tox 4's standalone tox.toml (F),
Make variables set per target (G), and the regeneration command of a lock file's header (H).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.taskrunners import read_tox_toml
from pytest_llmcore.deps.textcommands import read_make
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _evidence(root: Path, dist: str) -> list[tuple[str | None, int | None]]:
    """Where the gate found ``dist`` used: (file, line) of each evidence."""
    return [(e.file, e.line) for e in run_gate(root, use_cache=False).used_by[dist]]


# -- class F: tox 4's standalone tox.toml ------------------------------------------------------

# tox tox.toml:107-131 (its `pkg_meta` env)
TOX_TOML = """\
requires = ["tox>=4.27"]
env_list = ["3.12", "pkg_meta"]

[env_run_base]
dependency_groups = ["test"]
commands = [["pytest", { replace = "posargs", default = [
  "-n", { replace = "env", name = "N", default = "auto" }, "tests"], extend = true }]]

[env.pkg_meta]
skip_install = true
commands = [
  [
    "twine",
    "check",
    "{env_tmp_dir}{/}*",
  ],
  [
    "check-wheel-contents",
    "--no-config",
    "{env_tmp_dir}",
  ],
]
"""


def test_tox_toml_commands_use_their_tools(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {**PKG, "tox.toml": TOX_TOML},
        deps=("requests",),
        dev=("twine", "check-wheel-contents"),
    )
    assert _gate(root) == []
    assert _evidence(root, "twine") == [("tox.toml", 13)]
    assert _evidence(root, "check-wheel-contents") == [("tox.toml", 18)]


def test_tox_toml_posargs_default_options_use_pytest_plugins(tmp_path: Path) -> None:
    # `-n` nested in posargs' default, its value a `{replace = "env"}` table
    root = _project(
        tmp_path, {**PKG, "tox.toml": TOX_TOML}, deps=("requests",), dev=("pytest-xdist",)
    )
    assert _gate(root) == []


def test_tox_toml_commands_pre_and_post(tmp_path: Path) -> None:
    text = (
        '[env.lint]\ncommands_pre = [["pre-commit", "install"]]\n'
        'commands_post = [["-", "coverage", "report"]]\ncommands = [["ruff", "check", "."]]\n'
    )
    root = _project(
        tmp_path,
        {**PKG, "tox.toml": text},
        deps=("requests",),
        dev=("pre-commit", "coverage", "ruff"),
    )
    assert _gate(root) == []
    assert _evidence(root, "coverage") == [("tox.toml", 3)]


def test_tox_toml_deps_name_a_requirements_file(tmp_path: Path) -> None:
    """A requirements file tox.toml installs from (``deps = ["-r ..."]``) declares."""
    files = {
        **PKG,
        "tox.toml": '[env_run_base]\ndeps = ["-r ci/requirements-test.txt"]\n',
        "ci/requirements-test.txt": "requests\nsix\n",
    }
    root = _project(tmp_path, files, deps=())
    result = run_gate(root, use_cache=False)
    declared = {(d.name, d.file) for d in result.declared}
    assert ("six", "ci/requirements-test.txt") in declared
    assert sorted(f.dependency for f in result.failing) == ["six"]


def test_tox_toml_without_the_tool_leaves_it_unused(tmp_path: Path) -> None:
    # negative control: tox.toml runs twine only; check-wheel-contents is in a comment
    text = '# check-wheel-contents someday\n[env.meta]\ncommands = [["twine", "check", "dist/*"]]\n'
    root = _project(
        tmp_path,
        {**PKG, "tox.toml": text},
        deps=("requests",),
        dev=("twine", "check-wheel-contents"),
    )
    assert _gate(root) == ["check-wheel-contents"]


def test_invalid_tox_toml_is_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path, {**PKG, "tox.toml": "[env.x\n"}, deps=("requests",), dev=("twine",))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["twine"]
    assert [n for n in result.notes if n.startswith("tox.toml")] == [
        "tox.toml:1: not valid TOML; its commands are not counted as uses"
    ]


def test_tox_toml_reader_lines_follow_the_file() -> None:
    runs = [(i.run.command, i.line, i.run.args) for i in read_tox_toml(TOX_TOML, "tox.toml")]
    assert runs == [
        ("pytest", 6, ("-n", "auto", "tests")),
        ("twine", 13, ("check", "*")),
        ("check-wheel-contents", 18, ("--no-config", "")),
    ]


# -- class G: Make variables set per target ----------------------------------------------------

# httpie Makefile:105-113
HTTPIE_MAKEFILE = """\
test:
\t@echo $(H1)Running tests$(HEADER_EXTRA)$(H1END)
\t$(VENV_BIN)/python -m pytest $(COV)


test-cover: COV=--cov=httpie --cov=tests
test-cover: HEADER_EXTRA=' (with coverage)'
test-cover: test
"""


def test_target_variable_reaches_its_prerequisites_recipe(tmp_path: Path) -> None:
    root = _project(
        tmp_path, {**PKG, "Makefile": HTTPIE_MAKEFILE}, deps=("requests",), dev=("pytest-cov",)
    )
    assert _gate(root) == []
    (evidence,) = run_gate(root, use_cache=False).used_by["pytest-cov"]
    # the source in brackets: its entry point where installed, else the built-in table
    assert evidence.text.startswith("pytest plugin: option --cov in Makefile:3 (")


@pytest.mark.parametrize(
    "makefile",
    [
        # the target's own recipe, with `override` and `:=`
        "cov: override OPTS := -n auto\ncov:\n\tpytest $(OPTS)\n",
        # through a chain of prerequisites, two targets on the rule line
        "ci nightly: OPTS=-n 4\nci: check\ncheck: unit\nunit:\n\tpytest $(OPTS) tests\n",
        # `+=` onto a global value
        "OPTS = -q\nfast: OPTS += -n auto\nfast: run\nrun:\n\tpython -m pytest $(OPTS)\n",
        # a global `+=` after the first assignment
        "OPTS = -q\nOPTS += --numprocesses=auto\nrun:\n\tpytest $(OPTS)\n",
    ],
)
def test_make_variable_shapes(tmp_path: Path, makefile: str) -> None:
    root = _project(
        tmp_path, {**PKG, "Makefile": makefile}, deps=("requests",), dev=("pytest-xdist",)
    )
    assert _gate(root) == []


def test_target_variable_of_another_target_leaves_the_plugin_unused(tmp_path: Path) -> None:
    # negative control: `docs` sets COV, but `docs` does not need `test`
    makefile = "test:\n\tpytest $(COV)\ndocs: COV=--cov=pkg\ndocs:\n\tsphinx-build docs out\n"
    root = _project(
        tmp_path, {**PKG, "Makefile": makefile}, deps=("requests",), dev=("pytest-cov",)
    )
    assert _gate(root) == ["pytest-cov"]


def test_make_target_variable_runs_both_ways() -> None:
    runs = [i.run.args for i in read_make(HTTPIE_MAKEFILE, "Makefile") if i.run.module]
    assert runs == [(), ("--cov=httpie", "--cov=tests")]


@given(
    target=st.from_regex(r"t-[a-z0-9-]{0,10}", fullmatch=True),
    opts=st.lists(st.from_regex(r"--[a-z]{1,8}", fullmatch=True), min_size=1, max_size=4),
    through_prerequisite=st.booleans(),
)
def test_target_variable_property(target: str, opts: list[str], through_prerequisite: bool) -> None:
    value = " ".join(opts)
    if through_prerequisite:  # the global (empty) value, and the needing target's value
        text = f".PHONY: {target}\n{target}: X={value}\n{target}: run\nrun:\n\tpytest $(X)\n"
        expected = [(), tuple(opts)]
    else:  # the target's own value replaces the global one
        text = f"X = -q\n{target}: X={value}\n{target}:\n\tpytest $(X)\n"
        expected = [tuple(opts)]
    assert [i.run.args for i in read_make(text, "Makefile")] == expected


# -- class H: the regeneration command in a lock file's header ---------------------------------

# aiohttp requirements/dev.txt:1-7
PIP_COMPILE_HEADER = """\
#
# This file is autogenerated by pip-compile with Python 3.10
# by the following command:
#
#    pip-compile --output-file=requirements/dev.txt --strip-extras requirements/dev.in
#
requests==2.32.0
    # via -r requirements/dev.in
"""


def test_pip_compile_header_uses_pip_tools(tmp_path: Path) -> None:
    files = {
        **PKG,
        "requirements/dev.in": "requests\npip-tools\n",
        "requirements/dev.txt": PIP_COMPILE_HEADER,
    }
    root = _project(tmp_path, files)
    assert _gate(root) == []
    assert _evidence(root, "pip-tools") == [("requirements/dev.txt", 5)]


def test_uv_pip_compile_header_uses_uv(tmp_path: Path) -> None:
    header = (
        "# This file was autogenerated by uv via the following command:\n"
        "#    uv pip compile requirements.in -o requirements.txt\nrequests==2.32.0\n"
    )
    files = {**PKG, "requirements.in": "requests\n", "requirements.txt": header}
    root = _project(tmp_path, files, dev=("uv",))
    assert _gate(root) == []
    assert _evidence(root, "uv") == [("requirements.txt", 2)]


def test_uv_header_leaves_pip_tools_unused(tmp_path: Path) -> None:
    # negative control (aider): locks compiled by `uv pip compile`, pip-tools never runs;
    # a `pip-compile` mention after the header is no command either
    header = (
        "# This file was autogenerated by uv via the following command:\n"
        "#    uv pip compile requirements.in -o requirements.txt\nrequests==2.32.0\n"
        "#    pip-compile requirements.in\n"
    )
    files = {**PKG, "requirements.in": "requests\n", "requirements.txt": header}
    root = _project(tmp_path, files, dev=("pip-tools",))
    assert _gate(root) == ["pip-tools"]
