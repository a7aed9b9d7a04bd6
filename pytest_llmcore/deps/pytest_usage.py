"""What a project uses of pytest: fixtures, markers, options, ini keys, plugin names.

Read from its test files (fixture parameters, ``usefixtures``, ``getfixturevalue``,
``pytest.mark.X``, ``self.subTest(...)``, ``pytest_plugins``), from helpers elsewhere in
the project that import pytest (a ``pytest.mark.order(1)`` applied by a decorator in
``src/pkg/testing.py``, the parameters of a ``@pytest.fixture`` in a plugin module), from
its pytest configuration (ini keys, ``addopts``) and from the pytest command lines it runs,
including options handed to a script that passes its arguments on to pytest.
"""

from __future__ import annotations

import ast
import configparser
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .invocations import Invocation
from .lazyre import whole_word_finder
from .pytest_plugin_table import ENV_SETTINGS
from .pytester_sources import MARKERS as PYTESTER_MARKERS
from .pytester_sources import pytester_sources
from .safeio import read_text
from .shell import Run

if TYPE_CHECKING:
    from .toolfiles import ToolFileSet

__all__ = [
    "PytestUsage",
    "add_env_addopts",
    "add_env_settings",
    "add_invocations",
    "add_project_sources",
    "is_test_file",
    "project_usage",
    "read_pytest_config",
]

_TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_file(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    if not name.endswith(".py"):
        return False
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(p in _TEST_DIRS for p in parts[:-1])
    )


@dataclass
class PytestUsage:
    """Where the project uses fixtures, markers, options, ini keys and plugin names."""

    fixtures: dict[str, str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    ini: dict[str, str] = field(default_factory=dict)
    plugins: dict[str, str] = field(default_factory=dict)
    calls: dict[str, str] = field(default_factory=dict)
    """Test-case methods called on ``self`` (``subTest``)."""

    def merge(self, other: PytestUsage) -> None:
        """``other``'s places for what this usage has no place for yet (read later)."""
        for mine, theirs in (
            (self.fixtures, other.fixtures),
            (self.markers, other.markers),
            (self.options, other.options),
            (self.ini, other.ini),
            (self.plugins, other.plugins),
            (self.calls, other.calls),
        ):
            for name, where in theirs.items():
                mine.setdefault(name, where)

    def add_args(self, words: Sequence[str], where: str) -> None:
        """pytest command-line words: options, and ``-p NAME``."""
        for i, word in enumerate(words):
            if word == "-p" and i + 1 < len(words):
                if not words[i + 1].startswith("no:"):
                    self.plugins.setdefault(words[i + 1], where)
            elif word.startswith("-p") and len(word) > 2 and not word.startswith("-pno:"):
                self.plugins.setdefault(word[2:], where)
            elif word.startswith("-"):
                self.options.setdefault(word.split("=", 1)[0], where)

    def add_test_source(
        self, source: str, rel: str, names: frozenset[str], helper: bool = False
    ) -> None:
        """Fixture parameters, marks, ``self.subTest`` and ``pytest_plugins`` of one test
        file. In a ``helper`` (a module outside the tests that imports pytest) only the
        parameters of fixtures are fixture requests."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        self._add_tree(tree, rel, names, helper)
        if any(m in source for m in PYTESTER_MARKERS):
            # a test file written through pytester runs under the project's pytest too
            for line, snippet, _ in pytester_sources(tree):
                try:
                    inner = ast.parse(textwrap.dedent(snippet))
                except (SyntaxError, ValueError):
                    continue
                self._add_tree(ast.increment_lineno(inner, line - 1), rel, names, False)

    def _add_tree(self, tree: ast.AST, rel: str, names: frozenset[str], helper: bool) -> None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if helper and not _is_fixture(node):
                    continue
                a = node.args
                for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
                    if arg.arg in names:
                        self.fixtures.setdefault(arg.arg, f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr in names:
                base = node.value
                if (isinstance(base, ast.Attribute) and base.attr == "mark") or (
                    isinstance(base, ast.Name) and base.id == "mark"
                ):
                    self.markers.setdefault(node.attr, f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._call(node, node.func, rel, names, helper)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets
            ):
                for c in ast.walk(node.value):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        self.plugins.setdefault(c.value, f"{rel}:{node.lineno}")

    def _call(
        self, node: ast.Call, func: ast.Attribute, rel: str, names: frozenset[str], helper: bool
    ) -> None:
        if func.attr in ("usefixtures", "getfixturevalue"):
            for value in node.args:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    self.fixtures.setdefault(value.value, f"{rel}:{node.lineno}")
        elif (
            not helper
            and func.attr in names
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
        ):
            self.calls.setdefault(func.attr, f"{rel}:{node.lineno}")


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for dec in node.decorator_list:
        func = dec.func if isinstance(dec, ast.Call) else dec
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("fixture", "yield_fixture"):
            return True
    return False


_IMPORTS_PYTEST = re.compile(r"^\s*(?:import|from)\s+_?pytest\b", re.M)


def add_project_sources(
    usage: PytestUsage, sources: Iterable[tuple[str, Path]], names: frozenset[str]
) -> None:
    """What the project's test files, and its helpers that import pytest, use of
    ``names`` (fixtures, markers and test-case methods plugins provide)."""
    hit = whole_word_finder(names | {"pytest_plugins"})
    for rel, path in sources:
        if not rel.endswith(".py"):
            continue
        try:
            text = read_text(path)
        except OSError:
            continue
        test = is_test_file(rel)
        if not test and "pytest" not in text:  # a helper counts only when it imports pytest
            continue
        if not hit(text):  # parse only files that may use a plugin
            continue
        if test:
            usage.add_test_source(text, rel, names)
        elif _IMPORTS_PYTEST.search(text):
            usage.add_test_source(text, rel, names, helper=True)


def read_pytest_config(root: Path, pyproject: Mapping[str, Any] | None, usage: PytestUsage) -> None:
    """ini keys and ``addopts`` from pyproject.toml, pytest.ini, tox.ini and setup.cfg."""
    tool = (pyproject or {}).get("tool")
    pt = tool.get("pytest") if isinstance(tool, Mapping) else None
    if isinstance(pt, Mapping):
        for table in (pt.get("ini_options"), pt):
            if isinstance(table, Mapping):
                for key, value in table.items():
                    _ini_item(usage, str(key), value, "pyproject.toml [tool.pytest]")
    for name, section in (
        ("pytest.ini", "pytest"),
        (".pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
        except (configparser.Error, OSError):
            continue
        if parser.has_section(section):
            for key, value in parser.items(section):
                _ini_item(usage, key, value, f"{name} [{section}]")


def _ini_item(usage: PytestUsage, key: str, value: Any, where: str) -> None:
    if key == "ini_options":
        return
    usage.ini.setdefault(key, where)
    if key == "addopts":
        words = value if isinstance(value, list) else str(value).split()
        usage.add_args([str(w) for w in words], f"{where} addopts")


_ADDOPTS_ENV = re.compile(r"PYTEST_ADDOPTS\s*[:=]\s*([\"']?)([^\"'\n]+)\1")


def add_env_addopts(usage: PytestUsage, texts: Iterable[tuple[str, str]]) -> None:
    """``PYTEST_ADDOPTS`` set in a workflow ``env:``, a Makefile, tox ``setenv``..."""
    for rel, text in texts:
        for m in _ADDOPTS_ENV.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            usage.add_args(m.group(2).split(), f"{rel}:{line} PYTEST_ADDOPTS")


_ENV_SETTING = re.compile(
    r"(?<![\w$.])(?:export\s+)?(" + "|".join(ENV_SETTINGS) + r")\s*[:=]\s*[\"']?[\w.$]"
)


def add_env_settings(usage: PytestUsage, texts: Iterable[tuple[str, str]]) -> None:
    """A plugin's environment setting (``PYTEST_TIMEOUT: 600`` in a workflow ``env:``)
    counts as its ini key or option: the plugin reads it as that setting's default."""
    for rel, text in texts:
        if not any(name in text for name in ENV_SETTINGS):
            continue
        for m in _ENV_SETTING.finditer(text):
            dist, key = ENV_SETTINGS[m.group(1)]
            line = text.count("\n", 0, m.start(1)) + 1
            where = f"{rel}:{line} {m.group(1)} ({dist}'s environment setting)"
            (usage.options if key.startswith("-") else usage.ini).setdefault(key, where)


def _is_pytest(run: Run) -> bool:
    return run.command in ("pytest", "py.test") or (run.module or "").split(".")[0] == "pytest"


_FORWARD = frozenset({"$@", "${@}", "$*", "${*}"})
_SOURCING = frozenset({"bash", "sh", "zsh", "dash", "source", "."})
#: shell builtins: ``test -f x`` never runs a project script called ``test``.
_BUILTINS = frozenset(
    {"test", "[", "echo", "printf", "cd", "exit", "set", "export", "true", "false", "read"}
    | {"eval", "exec", "shift", "local", "return", "trap", "wait", "kill", "type", "unset"}
    | {"pwd", "let", "declare", "readonly", "getopts", "alias", "command", "builtin", "help"}
)
_NOT_SCRIPTS = re.compile(
    r"(?:^|/)(?:[Mm]akefile|GNUmakefile|[Jj]ustfile|Procfile[^/]*|Dockerfile[^/]*|Containerfile)$"
    r"|\.(?:mk|ya?ml|ini|toml|cfg|py|just)$"
)


def _script_called(run: Run, scripts: Mapping[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """(script, its arguments) when ``run`` runs one of the project's scripts: ``bash
    scripts/test.sh --cov`` by path, ``./scripts/test.sh`` by its (unique) name."""
    if run.command in _SOURCING and run.args:
        path = run.args[0].removeprefix("./")
        base = path.rsplit("/", 1)[-1]
        target = path if path in scripts.values() else scripts.get(base)
        return (target, run.args[1:]) if target else None
    target = scripts.get(run.command) if run.command not in _BUILTINS else None
    return (target, run.args) if target else None


def _forwarding_scripts(invocations: Sequence[Invocation]) -> tuple[set[str], dict[str, str]]:
    """Scripts that hand their arguments to pytest (``pytest tests "$@"``), directly or
    through another such script; and the project's scripts by unique base name."""
    files = {inv.file for inv in invocations if not _NOT_SCRIPTS.search(inv.file)}
    names: dict[str, str] = {}
    for rel in sorted(files):
        base = rel.rsplit("/", 1)[-1]
        names[base] = "" if base in names else rel  # "" marks an ambiguous name
    scripts = {base: rel for base, rel in names.items() if rel}
    forwarding: set[str] = set()
    changed = True
    while changed:
        changed = False
        for inv in invocations:
            if inv.file not in files or inv.file in forwarding:
                continue
            called = _script_called(inv.run, scripts)
            if _FORWARD & set(inv.run.args) and (
                _is_pytest(inv.run) or (called is not None and called[0] in forwarding)
            ):
                forwarding.add(inv.file)
                changed = True
    return forwarding, scripts


def add_invocations(usage: PytestUsage, invocations: Sequence[Invocation]) -> None:
    """Options on pytest command lines, and on calls of scripts that pass them to pytest
    (``bash scripts/test.sh --cov`` where test.sh runs ``pytest tests ${@}``)."""
    forwarding, scripts = _forwarding_scripts(invocations)
    for inv in invocations:
        run = inv.run
        where = f"{inv.file}:{inv.line}" if inv.line else inv.file
        if inv.via:
            continue  # a pre-commit hook's own copy of a tool
        if inv.source:  # a developer doc's command: weaker, see .doccommands
            from .doccommands import RECORDED_DATA_OPTIONS

            if _is_pytest(run):
                args = [a for a in run.args if not RECORDED_DATA_OPTIONS.match(a)]
                usage.add_args(args, f"a developer doc's command: {where}")
            continue
        if _is_pytest(run):
            usage.add_args(run.args, where)
            continue
        called = _script_called(run, scripts)
        if called is not None and called[0] in forwarding:
            words = [w for w in called[1] if w not in _FORWARD]
            usage.add_args(words, f"{where} (passed to pytest by {called[0]})")


def project_usage(
    root: Path,
    pyproject: Mapping[str, Any] | None,
    invocations: Sequence[Invocation],
    files: ToolFileSet,
    sources: Iterable[tuple[str, Path]],
    wanted: frozenset[str],
    from_sources: PytestUsage | None = None,
) -> PytestUsage:
    """What the project uses of pytest plugins: its pytest configuration, the pytest command
    lines it runs (and the scripts that pass their arguments to pytest), ``PYTEST_ADDOPTS``
    it sets, and the sources that mention a name in ``wanted`` or ``pytest_plugins``
    (``from_sources``: what they use, read already for at least the words in ``wanted``)."""
    usage = PytestUsage()
    read_pytest_config(root, pyproject, usage)
    add_invocations(usage, invocations)
    kinds = ("workflow", "ci-script", "make", "tox", "docker", "compose", "shell")
    env_files = [rel for kind in kinds for rel in files.of(kind)]
    env_texts = [(rel, files.read(rel) or "") for rel in env_files]
    add_env_addopts(usage, env_texts)
    add_env_settings(usage, env_texts)
    if from_sources is None:
        add_project_sources(usage, sources, wanted)
    else:
        usage.merge(from_sources)
    return usage
