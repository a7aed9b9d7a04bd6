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


@dataclass(frozen=True)
class _Str:
    """A string known without running the file, and the line it is written on."""

    text: str
    line: int


@dataclass(frozen=True)
class _Alts:
    """A string chosen by a run-time condition (``"a==1" if release else "a>=1"``): every
    string it can be, each known."""

    options: tuple[_Str, ...]


#: the most strings one conditional value may stand for (nested conditions multiply)
_MAX_OPTIONS = 8


def _options(val: _Val) -> tuple[_Str, ...] | None:
    if isinstance(val, _Str):
        return (val,)
    return val.options if isinstance(val, _Alts) else None


def _choice(options: list[_Str]) -> _Val:
    """One known string, or the alternatives (duplicates dropped); None past the cap."""
    seen: dict[str, _Str] = {}
    for o in options:
        seen.setdefault(o.text, o)
    if len(seen) > _MAX_OPTIONS:
        return None
    return next(iter(seen.values())) if len(seen) == 1 else _Alts(tuple(seen.values()))


def _if_exp(body: _Val, orelse: _Val) -> _Val:
    """``body if cond else orelse``: strings become alternatives; two lists of the same
    distributions (a pin that differs by build) become the first list."""
    a, b = _options(body), _options(orelse)
    if a is not None and b is not None:
        return _choice([*a, *b])
    if isinstance(body, list) and isinstance(orelse, list):
        return body if _list_dists(body) == _list_dists(orelse) else None
    return None


def _list_dists(items: list[Any]) -> list[str | None] | None:
    names: list[str | None] = []
    for item in items:
        if not isinstance(item, _Str):
            return None
        name = parse_requirement_name(item.text.split("#", 1)[0])
        names.append(canonical_name(name) if name else None)
    return names


@dataclass(frozen=True)
class _Unknown:
    """A list element computed at run time (a call, a comprehension...)."""

    line: int


_Val = Any  # _Str | _Unknown | list[_Str | _Unknown] | dict[str, _Val] | None (unknown)
_PASS_THROUGH = {"list", "sorted", "set", "tuple", "frozenset"}


class _Static:
    """Module-level values of a setup.py, evaluated in order without running anything.

    Literals, f-strings of known strings, names, ``+``/``+=``, ``d["k"] = ...``,
    ``.append``/``.extend``/``.update``, ``dict(...)``, ``list``/``sorted``/``set`` of a
    known list, ``sum(d.values(), [])``; bodies of ``if``/``try``/``with`` are all taken.
    ``a if cond else b`` of strings is every string it can be (:class:`_Alts`).
    """

    def __init__(self, tree: ast.Module) -> None:
        self.env: dict[str, _Val] = {}
        self._block(tree.body)

    def _block(self, body: list[ast.stmt]) -> None:
        for node in body:
            self._stmt(node)

    def _stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            val = self.eval(node.value)
            for t in node.targets:
                self._bind(t, val)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._bind(node.target, self.eval(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            self._bind(node.target, self._add(self.eval(node.target), self.eval(node.value)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._method(node.value)
        elif isinstance(node, (ast.If, ast.For, ast.While)):
            self._block(node.body)
            self._block(node.orelse)
        elif isinstance(node, ast.With):
            self._block(node.body)
        elif isinstance(node, ast.Try):
            for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                self._block(part)

    def _bind(self, target: ast.expr, val: _Val) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = val
        elif isinstance(target, ast.Subscript):
            table, key = self.eval(target.value), self._key(target.slice)
            if isinstance(table, dict) and key is not None:
                table[key] = val

    def _key(self, node: ast.expr) -> str | None:
        val = self.eval(node)
        return val.text if isinstance(val, _Str) else None

    def _method(self, call: ast.Call) -> None:
        f = call.func
        if not isinstance(f, ast.Attribute) or len(call.args) != 1:
            return
        obj, arg = self.eval(f.value), self.eval(call.args[0])
        if isinstance(obj, list) and f.attr == "append":
            obj.append(arg if isinstance(arg, (_Str, _Alts)) else _Unknown(call.lineno))
        elif isinstance(obj, list) and f.attr == "extend":
            obj.extend(arg if isinstance(arg, list) else [_Unknown(call.lineno)])
        elif isinstance(obj, dict) and f.attr == "update" and isinstance(arg, dict):
            obj.update(arg)

    @staticmethod
    def _add(left: _Val, right: _Val) -> _Val:
        if isinstance(left, list) and isinstance(right, list):
            return [*left, *right]
        a, b = _options(left), _options(right)
        if a is None or b is None:
            return None
        return _choice([_Str(x.text + y.text, x.line) for x in a for y in b])

    def eval(self, node: ast.expr) -> _Val:
        if isinstance(node, ast.Constant):
            return _Str(node.value, node.lineno) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return self._list(node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._add(self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.Subscript):
            table, key = self.eval(node.value), self._key(node.slice)
            return table.get(key) if isinstance(table, dict) and key is not None else None
        if isinstance(node, ast.Dict):
            out: dict[str, _Val] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                val = self.eval(v)
                if k is None and isinstance(val, dict):
                    out.update(val)
                elif k is not None and (key := self._key(k)) is not None:
                    out[key] = val
            return out
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.IfExp):
            return _if_exp(self.eval(node.body), self.eval(node.orelse))
        return None

    def _list(self, elts: list[ast.expr]) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            val = self.eval(e.value if isinstance(e, ast.Starred) else e)
            if isinstance(e, ast.Starred) and isinstance(val, list):
                out.extend(val)
            else:
                out.append(val if isinstance(val, (_Str, _Alts)) else _Unknown(e.lineno))
        return out

    def _fstring(self, node: ast.JoinedStr) -> _Val:
        out: _Val = _Str("", node.lineno)
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                inner: _Val = _Str(v.value, node.lineno)
            elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                inner = self.eval(v.value)
            else:
                return None
            out = self._add(out, inner)
        return out

    def _call(self, node: ast.Call) -> _Val:
        f = node.func
        name = f.id if isinstance(f, ast.Name) else None
        if name == "dict" and not node.args:
            return {kw.arg: self.eval(kw.value) for kw in node.keywords if kw.arg is not None}
        if name in _PASS_THROUGH and len(node.args) == 1:
            val = self.eval(node.args[0])
            return list(val) if isinstance(val, list) else None
        if name == "sum" and node.args:
            val = self.eval(node.args[0])
            return list(val) if isinstance(val, list) else None
        if isinstance(f, ast.Attribute) and f.attr == "values" and not node.args:
            table = self.eval(f.value)
            if isinstance(table, dict):
                return [x for v in table.values() for x in (v if isinstance(v, list) else [v])]
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


def _add_setup_list(
    value: _Val, line: int, section: str, dev: bool, rel: str, lines: list[str], out: DeclaredSink
) -> None:
    """Declare each requirement string of a statically known ``setup()`` value."""
    if isinstance(value, _Str):  # setuptools also takes one string, one requirement a line
        value = [_Str(t, value.line) for t in value.text.splitlines()]
    elif isinstance(value, _Alts):
        value = [value]
    if not isinstance(value, list):
        out.notes.append(
            f"{rel}:{line}: {section} is computed, not a literal; not read "
            "(declare with a requirements file or pyproject.toml to have it checked)"
        )
        return
    for item in value:
        if isinstance(item, _Unknown):
            out.notes.append(f"{rel}:{item.line}: an entry of {section} is computed; not read")
            continue
        # a conditional entry declares one distribution per name its branches give
        named: dict[str, tuple[str, str, int]] = {}
        for option in _options(item) or ():
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
        static = _Static(parsed[1])
    except RecursionError:
        out.notes.append(
            f"{rel}: too deeply nested to read statically; its declarations are unknown"
        )
        return facts
    before = len(out.declared)
    layout: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg in ("packages", "package_dir", "py_modules"):
            layout[kw.arg] = _plain(kw.value, static)
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
        elif kw.arg in ("name", "python_requires") and isinstance(value, _Str):
            if kw.arg == "name":
                facts.project_name = canonical_name(value.text)
            else:
                facts.requires_python = value.text
        elif kw.arg == "packages" and isinstance(value, list):
            facts.packages = [v.text for v in value if isinstance(v, _Str)]
    facts.shipping = py_shipping(layout)
    # the extension modules it builds are the project's own (``import _demo_ext``)
    facts.packages.extend(extension_names(parsed[1]))
    if len(out.declared) > before:
        out.files.append(rel)
    return facts


_FINDERS = ("find_packages", "find_namespace_packages")


def _plain(node: ast.expr, static: _Static) -> Any:
    """A packaging keyword as plain data (strings, lists and dicts of them), a
    ``find_packages(where, exclude, include)`` call as ``{"find": {...}}``; None: computed."""
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
        if name not in _FINDERS or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        given = dict(zip(("where", "exclude", "include"), node.args, strict=False))
        given.update({k.arg: k.value for k in node.keywords if k.arg})
        find = {k: _plain(given[k], static) for k in ("where", "include") if k in given}
        return {"find": find} if all(v is not None for v in find.values()) else None
    val = static.eval(node)
    if isinstance(val, _Str):
        return val.text
    if isinstance(val, list) and all(isinstance(v, _Str) for v in val):
        return [v.text for v in val]
    if isinstance(val, dict) and all(isinstance(v, _Str) for v in val.values()):
        return {k: v.text for k, v in val.items()}
    return None


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
