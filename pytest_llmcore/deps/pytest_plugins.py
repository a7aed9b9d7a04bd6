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
import importlib.util
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from .pytest_plugin_table import PLUGINS, PluginSurface
from .pytest_usage import PytestUsage
from .records import Evidence, canonical_name

__all__ = [
    "plugin_evidence",
    "plugin_surface",
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
        names("calls"),
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
    for name in sorted(surface.calls):
        if name in usage.calls:
            return Evidence(f"pytest plugin: self.{name}() called at {usage.calls[name]}{src}")
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
