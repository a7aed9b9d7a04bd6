"""Declarations of setuptools projects: setup.cfg, and setup.py read statically (never run)."""

from __future__ import annotations

import ast
import configparser
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .declarations_req import DeclaredSink, parse_requirement_name, parse_suppression, rel_path
from .model import Declared, canonical_name

__all__ = ["SetupFacts", "read_setup_cfg", "read_setup_py"]


@dataclass
class SetupFacts:
    project_name: str | None = None
    requires_python: str | None = None
    packages: list[str] = field(default_factory=list)


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
    if len(out.declared) > before:
        out.files.append(rel)
    return facts


# -- setup.py ----------------------------------------------------------------------------

_KEYS = {"install_requires": False, "tests_require": True, "extras_require": False}


class _Static:
    """Values of a setup.py known without running it: literals and names bound to them."""

    def __init__(self, tree: ast.Module) -> None:
        self.names: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self.names[target.id] = node.value
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                self.names[node.target.id] = node.value

    def strings(self, node: ast.expr, depth: int = 0) -> Iterator[ast.Constant] | None:
        """The string constants of a list/tuple (through names and ``+``), or None."""
        if depth > 20:
            return None
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.strings(self.names[node.id], depth + 1)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                return iter([e for e in node.elts if isinstance(e, ast.Constant)])
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.strings(node.left, depth + 1), self.strings(node.right, depth + 1)
            if left is None or right is None:
                return None
            return iter([*left, *right])
        return None

    def table(self, node: ast.expr, depth: int = 0) -> dict[str, ast.expr] | None:
        if isinstance(node, ast.Name) and node.id in self.names and depth < 20:
            return self.table(self.names[node.id], depth + 1)
        if isinstance(node, ast.Dict):
            out: dict[str, ast.expr] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                    return None
                out[k.value] = v
            return out
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "dict"
        ):
            return {kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
        return None


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


def read_setup_py(path: Path, out: DeclaredSink) -> SetupFacts:
    """install_requires / extras_require / tests_require of the ``setup()`` call, statically."""
    facts = SetupFacts()
    rel = rel_path(path, out.root)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(text, filename=rel)
    except (OSError, SyntaxError, ValueError) as exc:
        out.notes.append(f"{rel}: not read ({type(exc).__name__}); its declarations are unknown")
        return facts
    call = _setup_call(tree)
    if call is None:
        return facts
    lines = text.splitlines()
    static = _Static(tree)
    before = len(out.declared)

    def add(node: ast.expr, section: str, dev: bool) -> None:
        consts = static.strings(node)
        if consts is None:
            out.notes.append(
                f"{rel}:{node.lineno}: {section} is computed, not a literal; not read "
                "(declare with a requirements file or pyproject.toml to have it checked)"
            )
            return
        for c in consts:
            req = str(c.value).split("#", 1)[0].strip()
            dist = parse_requirement_name(req)
            if not req or dist is None:
                continue
            sup = parse_suppression(lines[c.lineno - 1]) if c.lineno <= len(lines) else ()
            out.declared.append(Declared(dist, req, rel, c.lineno, section, dev, suppress=sup))

    for kw in call.keywords:
        if kw.arg in ("install_requires", "tests_require"):
            add(kw.value, f"setup.{kw.arg}", _KEYS[kw.arg])
        elif kw.arg == "extras_require":
            extras = static.table(kw.value)
            if extras is None:
                out.notes.append(f"{rel}:{kw.value.lineno}: extras_require is computed; not read")
                continue
            for extra, node in extras.items():
                add(node, f"setup.extras_require.{extra}", False)
        elif kw.arg in ("name", "python_requires"):
            value = kw.value
            if isinstance(value, ast.Name) and value.id in static.names:
                value = static.names[value.id]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if kw.arg == "name":
                    facts.project_name = canonical_name(value.value)
                else:
                    facts.requires_python = value.value
        elif kw.arg == "packages":
            consts = static.strings(kw.value)
            facts.packages = [str(c.value) for c in consts] if consts is not None else []
    if len(out.declared) > before:
        out.files.append(rel)
    return facts
