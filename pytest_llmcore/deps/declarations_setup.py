"""Declarations of setuptools projects: setup.cfg, and setup.py read statically (never run)."""

from __future__ import annotations

import ast
import configparser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .declarations_req import DeclaredSink, parse_requirement_name, parse_suppression, rel_path
from .records import Declared, canonical_name
from .setup_shipping import cfg_shipping, py_shipping
from .setup_static import Alts, Static, Str, Unknown, Val, options, plain

__all__ = ["SetupFacts", "read_setup_cfg", "read_setup_py"]


@dataclass
class SetupFacts:
    project_name: str | None = None
    requires_python: str | None = None
    packages: list[str] = field(default_factory=list)
    shipping: dict[str, Any] | None = None
    """What the wheel ships, as a ``[tool.setuptools]`` table (:mod:`.setup_shipping`)."""


def read_setup_cfg(path: Path, out: DeclaredSink) -> SetupFacts:
    facts = SetupFacts()
    rel = rel_path(path, out.root)
    text = path.read_text(encoding="utf-8", errors="replace")
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read_string(text, source=rel)
    except configparser.Error as exc:
        out.notes.append(f"{rel}: malformed ({exc.message.splitlines()[0]}); skipped")
        return facts
    lines = text.splitlines()
    before = len(out.declared)

    def add(section: str, key: str, dev: bool) -> None:
        if not cp.has_option(section, key):
            return
        header = next((i for i, ln in enumerate(lines) if ln.strip() == f"[{section}]"), 0)
        for entry in cp.get(section, key).splitlines():
            entry = entry.split("#", 1)[0].strip()
            dist = parse_requirement_name(entry)
            if not entry or dist is None:
                continue
            line = next((i + 1 for i in range(header, len(lines)) if entry in lines[i]), header + 1)
            sup = parse_suppression(lines[line - 1]) if line <= len(lines) else ()
            out.declared.append(
                Declared(dist, entry, rel, line, f"{section}.{key}", dev, suppress=sup)
            )

    add("options", "install_requires", False)
    add("options", "tests_require", True)
    if cp.has_section("options.extras_require"):
        for extra in cp.options("options.extras_require"):
            add("options.extras_require", extra, False)
    if cp.has_option("metadata", "name"):
        facts.project_name = canonical_name(cp.get("metadata", "name"))
    if cp.has_option("options", "python_requires"):
        facts.requires_python = cp.get("options", "python_requires").strip()
    if cp.has_option("options", "packages"):
        facts.packages = [p.strip() for p in cp.get("options", "packages").split() if p.strip()]
    facts.shipping = cfg_shipping(cp)
    if len(out.declared) > before:
        out.files.append(rel)
    return facts


# -- setup.py ----------------------------------------------------------------------------

_KEYS = {"install_requires": False, "tests_require": True, "extras_require": False}


def _setup_call(tree: ast.Module) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name == "setup":
                return node
    return None


def _add_setup_list(
    value: Val, line: int, section: str, dev: bool, rel: str, lines: list[str], out: DeclaredSink
) -> None:
    """Declare each requirement string of a statically known ``setup()`` value."""
    if isinstance(value, Str):  # setuptools also takes one string, one requirement a line
        value = [Str(t, value.line) for t in value.text.splitlines()]
    elif isinstance(value, Alts):
        value = [value]
    if not isinstance(value, list):
        out.notes.append(
            f"{rel}:{line}: {section} is computed, not a literal; not read "
            "(declare with a requirements file or pyproject.toml to have it checked)"
        )
        return
    for item in value:
        if isinstance(item, Unknown):
            out.notes.append(f"{rel}:{item.line}: an entry of {section} is computed; not read")
            continue
        # a conditional entry declares one distribution per name its branches give
        named: dict[str, tuple[str, str, int]] = {}
        for option in options(item) or ():
            req = option.text.split("#", 1)[0].strip()
            dist = parse_requirement_name(req)
            if req and dist is not None:
                named.setdefault(canonical_name(dist), (dist, req, option.line))
        for key, (dist, req, at) in named.items():
            sup = parse_suppression(lines[at - 1]) if 0 < at <= len(lines) else ()
            others = tuple(k for k in named if k != key)
            out.declared.append(
                Declared(dist, req, rel, at, section, dev, suppress=sup, alternatives=others)
            )


def _parse(path: Path, rel: str, out: DeclaredSink) -> tuple[str, ast.Module] | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        return text, ast.parse(text, filename=rel)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        out.notes.append(f"{rel}: not read ({type(exc).__name__}); its declarations are unknown")
        return None


def read_setup_py(path: Path, out: DeclaredSink) -> SetupFacts:
    """install_requires / extras_require / tests_require of the ``setup()`` call, statically."""
    facts = SetupFacts()
    rel = rel_path(path, out.root)
    parsed = _parse(path, rel, out)
    call = _setup_call(parsed[1]) if parsed is not None else None
    if parsed is None or call is None:
        return facts
    lines = parsed[0].splitlines()
    try:
        static = Static(parsed[1])
    except RecursionError:
        out.notes.append(
            f"{rel}: too deeply nested to read statically; its declarations are unknown"
        )
        return facts
    before = len(out.declared)
    layout: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg in ("packages", "package_dir", "py_modules"):
            layout[kw.arg] = plain(kw.value, static)
        value = static.eval(kw.value)
        line = kw.value.lineno
        if kw.arg in ("install_requires", "tests_require"):
            _add_setup_list(value, line, f"setup.{kw.arg}", _KEYS[kw.arg], rel, lines, out)
        elif kw.arg == "extras_require":
            if not isinstance(value, dict):
                out.notes.append(f"{rel}:{line}: extras_require is computed; not read")
                continue
            for extra, reqs in value.items():
                _add_setup_list(reqs, line, f"setup.extras_require.{extra}", False, rel, lines, out)
        elif kw.arg in ("name", "python_requires") and isinstance(value, Str):
            if kw.arg == "name":
                facts.project_name = canonical_name(value.text)
            else:
                facts.requires_python = value.text
        elif kw.arg == "packages" and isinstance(value, list):
            facts.packages = [v.text for v in value if isinstance(v, Str)]
    facts.shipping = py_shipping(layout)
    # the extension modules it builds are the project's own (``import _demo_ext``)
    facts.packages.extend(extension_names(parsed[1]))
    if len(out.declared) > before:
        out.files.append(rel)
    return facts


def extension_names(tree: ast.Module) -> list[str]:
    """Modules a setup.py builds: the name of every ``*Extension(...)`` call in the file
    (``Extension``, ``CMakeExtension``, ``Pybind11Extension``, ``CUDAExtension``...), as a
    ``name=`` keyword or the first argument, wherever the call is (often under an ``if``)."""
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if not called.endswith("Extension"):
            continue
        named = [kw.value for kw in node.keywords if kw.arg == "name"] or node.args[:1]
        if named and isinstance(named[0], ast.Constant) and isinstance(named[0].value, str):
            out.append(named[0].value)
    return out
