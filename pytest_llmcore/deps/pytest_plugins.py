"""pytest plugins by use: a plugin is used when the project uses what it provides.

What a plugin provides comes from its ``pytest11`` entry point's module, read with
``ast`` and never imported (fixture functions, ``addoption``/``addini`` names, markers
registered with ``addinivalue_line("markers", ...)``), plus the built-in table in
:mod:`.pytest_plugin_table`. What the project uses comes from its test files (fixture
parameters, ``usefixtures``, ``getfixturevalue``, ``pytest.mark.X``, ``pytest_plugins``),
its pytest configuration (ini keys, ``addopts``) and the pytest command lines it runs.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .invocations import Invocation
from .model import Evidence, canonical_name
from .pytest_plugin_table import PLUGINS, PluginSurface
from .safeio import read_text

if TYPE_CHECKING:
    from .toolfiles import ToolFileSet

__all__ = [
    "PytestUsage",
    "plugin_evidence",
    "plugin_surface",
    "project_usage",
    "surface_from_json",
    "surface_to_json",
]

_FIXTURE_DECORATORS = frozenset({"fixture", "yield_fixture"})
_MAX_PLUGIN_FILES = 25


def _module_file(module: str) -> Path | None:
    """The file of ``module`` found without importing anything (top-level spec + path)."""
    top, _, rest = module.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or (not spec.submodule_search_locations and not spec.origin):
        return None
    if not rest:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    for base in spec.submodule_search_locations or ():
        p = Path(base, *rest.split("."))
        for cand in (p.with_suffix(".py"), p / "__init__.py"):
            if cand.is_file():
                return cand
    return None


def _surface_of_tree(tree: ast.AST, surf: dict[str, set[str]]) -> list[str]:
    """Add what one plugin module provides to ``surf``; return the modules it imports."""
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                func = call.func if call else dec
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _FIXTURE_DECORATORS:
                    alias = next(
                        (k.value for k in (call.keywords if call else ()) if k.arg == "name"), None
                    )
                    fixture = alias.value if isinstance(alias, ast.Constant) else node.name
                    surf["fixtures"].add(str(fixture))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            strs = [a for a in args if isinstance(a, str)]
            if node.func.attr in ("addoption", "_addoption"):
                surf["options"].update(s for s in strs if s.startswith("-"))
            elif node.func.attr == "addini" and strs:
                surf["ini"].add(strs[0])
            elif node.func.attr == "addinivalue_line" and len(strs) >= 2 and strs[0] == "markers":
                surf["markers"].add(re.split(r"[(:\s]", strs[1], maxsplit=1)[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(("." * node.level) + node.module)
    return imported


@cache
def installed_surface(dist: str) -> PluginSurface | None:
    """What an installed plugin provides, from its pytest11 modules; None if not a plugin."""
    from .configured import entry_points

    eps = [(name, value) for group, name, value in entry_points(dist) if group == "pytest11"]
    if not eps:
        return None
    surf: dict[str, set[str]] = {
        "fixtures": set(),
        "options": set(),
        "ini": set(),
        "markers": set(),
    }
    names: set[str] = set()
    todo = [value.split(":", 1)[0].strip() for _, value in eps]
    names.update(name for name, _ in eps)
    names.update(todo)
    seen: set[str] = set()
    while todo and len(seen) < _MAX_PLUGIN_FILES:
        module = todo.pop(0)
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module)
        if path is None:
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        top = module.split(".", 1)[0]
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for imp in _surface_of_tree(tree, surf):
            level = len(imp) - len(imp.lstrip("."))
            if level:
                parts = package.split(".")
                imp = ".".join([*parts[: len(parts) - level + 1], imp[level:]])
            if imp.split(".", 1)[0] == top:
                todo.append(imp)
    return PluginSurface(
        frozenset(surf["fixtures"]),
        frozenset(surf["markers"]),
        frozenset(surf["options"]),
        frozenset(surf["ini"]),
        frozenset(names),
    )


def surface_to_json(surface: PluginSurface | None) -> dict[str, Any] | None:
    """An installed plugin's surface as JSON values (for the cache's environment memo)."""
    if surface is None:
        return None
    return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in surface._asdict().items()}


def surface_from_json(data: Any) -> PluginSurface | None:
    if not isinstance(data, dict):
        return None

    def names(key: str) -> frozenset[str]:
        return frozenset(str(x) for x in data.get(key) or ())

    always = data.get("always")
    return PluginSurface(
        names("fixtures"),
        names("markers"),
        names("options"),
        names("ini"),
        names("names"),
        always if isinstance(always, str) else None,
    )


def plugin_surface(
    dist: str, installed: Callable[[str], PluginSurface | None] = installed_surface
) -> tuple[PluginSurface | None, str]:
    """(what the plugin provides, where that came from), or (None, "") for a non-plugin.

    ``installed`` reads an installed plugin's surface (a caller may remember it)."""
    key = canonical_name(dist)
    table = PLUGINS.get(key)
    found = installed(dist)
    if found is not None:
        merged = found.merged(table) if table else found
        if merged.empty and not merged.always:
            merged = PluginSurface(
                names=merged.names, always="registers only hooks, so it acts by being installed"
            )
        return merged, "its pytest11 entry point"
    if table is not None:
        return table, "the built-in plugin table"
    if key.startswith("pytest-"):
        unknown = "a pytest-* name, neither installed nor in the built-in table (assumed used)"
        return PluginSurface(always=unknown), ""
    return None, ""


# -- what the project uses ---------------------------------------------------------------

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

    def add_test_source(self, source: str, rel: str, names: frozenset[str]) -> None:
        """Fixture parameters, marks and ``pytest_plugins`` of one test file."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
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
                if node.func.attr in ("usefixtures", "getfixturevalue"):
                    for value in node.args:
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            self.fixtures.setdefault(value.value, f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets
            ):
                for c in ast.walk(node.value):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        self.plugins.setdefault(c.value, f"{rel}:{node.lineno}")


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


def add_invocations(usage: PytestUsage, invocations: Iterable[Invocation]) -> None:
    for inv in invocations:
        run = inv.run
        if run.command in ("pytest", "py.test") or (run.module or "").split(".")[0] == "pytest":
            usage.add_args(run.args, f"{inv.file}:{inv.line}" if inv.line else inv.file)


def project_usage(
    root: Path,
    pyproject: Mapping[str, Any] | None,
    invocations: Iterable[Invocation],
    files: ToolFileSet,
    sources: Iterable[tuple[str, Path]],
    wanted: frozenset[str],
) -> PytestUsage:
    """What the project uses of pytest plugins: its pytest configuration, the pytest command
    lines it runs, ``PYTEST_ADDOPTS`` it sets, and the test files among ``sources`` that
    mention a name in ``wanted`` (fixtures and markers asked about) or ``pytest_plugins``."""
    usage = PytestUsage()
    read_pytest_config(root, pyproject, usage)
    add_invocations(usage, invocations)
    kinds = ("workflow", "ci-script", "make", "tox", "docker", "compose", "shell")
    env_files = [rel for kind in kinds for rel in files.of(kind)]
    add_env_addopts(usage, ((rel, files.read(rel) or "") for rel in env_files))
    alt = "|".join(map(re.escape, sorted(wanted | {"pytest_plugins"})))
    hit = re.compile(rf"\b(?:{alt})\b")
    for rel, path in sources:
        if is_test_file(rel):
            try:
                text = read_text(path)
            except OSError:
                continue
            if hit.search(text):  # parse only files that may use a plugin
                usage.add_test_source(text, rel, wanted)
    return usage


def _option_used(opt: str, used: Mapping[str, str]) -> str | None:
    if opt in used:
        return opt
    for word in used:
        if opt.endswith("-") and word.startswith(opt):
            return word
        if len(opt) == 2 and word.startswith(opt) and re.fullmatch(r"\d+|auto|logical", word[2:]):
            return word
    return None


def plugin_evidence(surface: PluginSurface, usage: PytestUsage, source: str) -> Evidence | None:
    """The first use of what the plugin provides, as evidence."""
    src = f" ({source})" if source else ""
    for name in sorted(surface.fixtures):
        if name in usage.fixtures:
            return Evidence(f"pytest plugin: fixture {name!r} used at {usage.fixtures[name]}{src}")
    for name in sorted(surface.markers):
        if name in usage.markers:
            return Evidence(f"pytest plugin: marker {name!r} used at {usage.markers[name]}{src}")
    for opt in sorted(surface.options):
        word = _option_used(opt, usage.options)
        if word is not None:
            return Evidence(f"pytest plugin: option {word} in {usage.options[word]}{src}")
    for key in sorted(surface.ini):
        if key in usage.ini:
            return Evidence(f"pytest plugin: ini key {key!r} in {usage.ini[key]}{src}")
    for name in sorted(surface.names):
        if name in usage.plugins:
            return Evidence(f"pytest plugin: loaded as {name!r} in {usage.plugins[name]}{src}")
    if surface.always:
        return Evidence(f"pytest plugin: {surface.always}")
    return None
