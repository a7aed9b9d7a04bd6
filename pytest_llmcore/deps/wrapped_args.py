"""A library's backend named through a project function's parameter.

``BeautifulSoup(markup, "html5lib")`` names its parser in the call, ``read_csv(p,
engine="pyarrow")`` its engine (:mod:`.implicit_table` rows); a project wrapper
``def indent_html(s, html_parser="html.parser"): return BeautifulSoup(s, html_parser)``
moves the name to its callers: ``indent_html(s, html_parser="html5lib")`` in any project
file, or the parameter's default. Only files naming ``BeautifulSoup`` or ``engine=`` are
parsed for wrappers, and only files naming a wrapper for its calls.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from .implicit_table import ENGINES
from .safeio import read_bytes

__all__ = ["WrappedUse", "wrapped_parser_uses"]

#: parser names -> the distributions that provide the parser
_PARSERS: dict[str, tuple[str, ...]] = {
    "lxml": ("lxml",),
    "lxml-xml": ("lxml",),
    "xml": ("lxml",),
    "html5lib": ("html5lib",),
}
#: the distributions a wrapped name can stand for (the scan runs only while one is pending)
WRAPPED_DISTS = frozenset(d for t in (_PARSERS, ENGINES) for ds in t.values() for d in ds)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


class WrappedUse(NamedTuple):
    dist: str
    snippet: str
    file: str
    line: int


class _Wrapper(NamedTuple):
    param: str
    position: int  # among a call's positional arguments; -1 for keyword-only
    names: Mapping[str, tuple[str, ...]]  # what a literal for it names


def _parse(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data.decode("utf-8", "replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _sink_arg(call: ast.Call) -> tuple[ast.expr | None, Mapping[str, tuple[str, ...]]]:
    """The argument naming a backend, and what its literals name: BeautifulSoup's parser
    (2nd positional or ``features=``), any call's ``engine=`` (pandas, xarray)."""
    if _call_name(call) == "BeautifulSoup":
        if len(call.args) > 1:
            return call.args[1], _PARSERS
        return next((k.value for k in call.keywords if k.arg == "features"), None), _PARSERS
    return next((k.value for k in call.keywords if k.arg == "engine"), None), ENGINES


def _str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _wrappers(rel: str, tree: ast.Module) -> Iterator[tuple[str, _Wrapper, list[WrappedUse]]]:
    """``(function, wrapper, its default's uses)`` for each function handing one of its
    parameters to a call as the backend's name."""
    for fn in ast.walk(tree):
        if not isinstance(fn, _FUNCS):
            continue
        a = fn.args
        positional = [*a.posonlyargs, *a.args]
        defaults = dict(zip([p.arg for p in positional[::-1]], a.defaults[::-1], strict=False))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d})
        names = [p.arg for p in positional]
        skip = 1 if names and names[0] in ("self", "cls") else 0
        for call in ast.walk(fn):
            if not isinstance(call, ast.Call):
                continue
            arg, table = _sink_arg(call)
            if not isinstance(arg, ast.Name):
                continue
            if arg.id in names:
                wrapper = _Wrapper(arg.id, names.index(arg.id) - skip, table)
            elif any(p.arg == arg.id for p in a.kwonlyargs):
                wrapper = _Wrapper(arg.id, -1, table)
            else:
                continue
            default = _str(defaults.get(arg.id))
            uses = []
            if default is not None and default in table:
                snippet = f"def {fn.name}(... {arg.id}={default!r})"
                uses = [WrappedUse(d, snippet, rel, fn.lineno) for d in table[default]]
            yield fn.name, wrapper, uses


def _given(call: ast.Call, wrapper: _Wrapper) -> str | None:
    for k in call.keywords:
        if k.arg == wrapper.param:
            return _str(k.value)
    if 0 <= wrapper.position < len(call.args):
        return _str(call.args[wrapper.position])
    return None


def wrapped_parser_uses(
    files: Iterable[tuple[str, Path]], pending: Collection[str]
) -> Iterator[WrappedUse]:
    """Each parser of a ``pending`` distribution a project wrapper of a sink receives: a
    literal given for the wrapper's parameter at any call in the project's Python files,
    or the parameter's default."""
    if not any(d in pending for d in WRAPPED_DISTS):
        return
    for use in _uses(files):
        if use.dist in pending:
            yield use


def _uses(files: Iterable[tuple[str, Path]]) -> Iterator[WrappedUse]:
    sources: list[tuple[str, bytes]] = []
    for rel, path in files:
        if rel.endswith(".py"):
            try:
                sources.append((rel, read_bytes(path)))
            except (OSError, ValueError):
                continue
    found: dict[str, _Wrapper] = {}
    for rel, data in sources:
        tree = _parse(data) if b"BeautifulSoup" in data or b"engine=" in data else None
        for name, wrapper, uses in _wrappers(rel, tree) if tree is not None else ():
            found.setdefault(name, wrapper)
            yield from uses
    if not found:
        return
    needles = [name.encode() for name in found]
    for rel, data in sources:
        tree = _parse(data) if any(n in data for n in needles) else None
        for call in ast.walk(tree) if tree is not None else ():
            if isinstance(call, ast.Call) and _call_name(call) in found:
                wrapper = found[_call_name(call)]
                given = _given(call, wrapper)
                for dist in wrapper.names.get(given, ()) if given is not None else ():
                    snippet = f"{_call_name(call)}(... {given!r})"
                    yield WrappedUse(dist, snippet, rel, call.lineno)
