"""Loaders handed a variable bound only to string literals: local constant propagation.

``module_name = "e2b_code_interpreter"`` ... ``__import__(module_name)``, or
``packages = ["spacy"]; packages.append("pyvi")`` ... ``for p in packages:
find_spec(p)``. A name is followed only when every binding of it in its scope (the
function, else the module) is a string literal, or a list/tuple/set of them grown by
``.append("x")``/``.extend([...])``/``.add("x")``; a parameter, a non-literal value, a
``global`` or any other binding leaves it unresolved. A ``for`` (or comprehension) whose
loop variable the loader receives contributes each literal of the collection it iterates.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .lazyre import lazy_compile
from .prefilter import DOTTED

__all__ = ["bound_loads", "bound_prefixes"]

_LOADERS = {"import_module": "name", "__import__": "name", "importorskip": "modname"}
_LOADERS["find_spec"] = "name"
#: a loader receiving a bare name: the text test before the file is parsed
_BARE = lazy_compile(
    r"\b(?:import_module|__import__|importorskip|find_spec)\s*\(\s*(?:(?:mod)?name\s*=\s*)?"
    r"[A-Za-z_]\w*\s*[,)]"
)
#: a loader receiving an attribute or a call's result: ``import_module(self.package_name)``
_MEMBER = lazy_compile(
    r"\b(?:import_module|__import__|importorskip|find_spec)\s*\(\s*(?:(?:mod)?name\s*=\s*)?"
    r"[A-Za-z_][\w.]*\s*(?:\(\s*\)\s*)?[,)]"
)
#: a string built on a literal start somewhere in the file (``f"gym_{``, ``"gym_" +``)
_BUILT = lazy_compile(r"[\"'][A-Za-z_][\w.]*[_.](?:\{|%s|[\"']\s*\+)")
_WORD_PREFIX = lazy_compile(r"[A-Za-z_][\w.]*")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_GROW = {"append": 0, "add": 0, "insert": 1}
_POISON = ("poison", frozenset[str]())


def _strings(node: ast.expr | None) -> frozenset[str] | None:
    """The strings of a list/tuple/set display of string literals (or of a dict display's
    keys, what iterating it yields); None otherwise."""
    if isinstance(node, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys
    ):
        return frozenset(
            k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        )
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return frozenset(
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        )
    return None


def _prefix(node: ast.expr | None) -> str | None:
    """The literal start of a string built on it: ``f"gym_{kind}"``, ``"gym_" + kind``,
    ``"gym_%s" % kind``, ``"gym_{}".format(kind)``; None for anything else."""
    start: object = None
    if isinstance(node, ast.JoinedStr) and len(node.values) >= 2:
        first, second = node.values[0], node.values[1]
        if isinstance(first, ast.Constant) and isinstance(second, ast.FormattedValue):
            start = first.value
    elif isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant):
        text = node.left.value
        if isinstance(node.op, ast.Add) and not isinstance(node.right, ast.Constant):
            start = text
        elif isinstance(node.op, ast.Mod) and isinstance(text, str):
            start = text[: text.find("%s")] if "%s" in text else None
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = node.func.value
        if node.func.attr == "format" and isinstance(base, ast.Constant):
            text = base.value
            start = text[: text.find("{")] if isinstance(text, str) and "{" in text else None
    return start if isinstance(start, str) and _WORD_PREFIX.fullmatch(start) else None


def _value(node: ast.expr | None) -> tuple[str, frozenset[str]]:
    """``("str", {s})``, ``("seq", {...})``, ``("prefix", {p})`` (a string built on a
    literal start) or poison for a bound value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "str", frozenset({node.value})
    start = _prefix(node)
    if start is not None:
        return "prefix", frozenset({start})
    seq = _strings(node)
    return ("seq", seq) if seq is not None else _POISON


class _Scope:
    """The bindings of one function (or the module) and its loader calls."""

    def __init__(
        self,
        node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda,
        parent: _Scope | None,
    ) -> None:
        self.parent = parent
        self.is_class = isinstance(node, ast.ClassDef)  # its names are not seen by methods
        self.bound: dict[str, tuple[str, frozenset[str]]] = {}
        self.loops: list[tuple[str, ast.expr]] = []  # for NAME in <expr>
        self.calls: list[tuple[ast.Call, ast.Name, dict[str, ast.expr]]] = []
        #: loader calls on ``x.member``, ``x.member()`` or ``member()``: (call, member)
        self.member_calls: list[tuple[ast.Call, str]] = []
        self.returns: list[ast.expr] = []
        self.members: dict[str, set[str]] = {}  # attribute -> literal starts assigned to it
        self.name = "" if isinstance(node, (ast.Module, ast.Lambda)) else node.name
        self.children: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda]
        self.children = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    self._bind(arg.arg, _POISON)
        body: list[ast.stmt] | list[ast.expr] = (
            [node.body] if isinstance(node, ast.Lambda) else node.body
        )
        for stmt in body:
            self._walk(stmt, {})

    def _bind(self, name: str, value: tuple[str, frozenset[str]]) -> None:
        old = self.bound.get(name)
        if old is None:
            self.bound[name] = value
        elif old[0] != value[0] or value[0] == "poison":
            self.bound[name] = _POISON
        else:
            self.bound[name] = (old[0], old[1] | value[1])

    def _poison_targets(self, target: ast.AST) -> None:
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                self._bind(n.id, _POISON)

    def _walk(self, node: ast.AST, comp: dict[str, ast.expr]) -> None:
        if isinstance(node, _SCOPES):
            if not isinstance(node, ast.Lambda):
                self._bind(node.name, _POISON)
            for d in getattr(node, "decorator_list", []):
                self._walk(d, comp)
            self.children.append(node)
            return
        if isinstance(node, _COMPS):
            inner = dict(comp)
            for gen in node.generators:
                self._walk(gen.iter, inner)
                if isinstance(gen.target, ast.Name):
                    inner[gen.target.id] = gen.iter
                for cond in gen.ifs:
                    self._walk(cond, inner)
            for part in ("elt", "key", "value"):
                sub = getattr(node, part, None)
                if isinstance(sub, ast.AST):
                    self._walk(sub, inner)
            return
        self._binding(node)
        if isinstance(node, ast.Return) and node.value is not None:
            self.returns.append(node.value)
        if isinstance(node, ast.Call):
            self._call(node, comp)
        for child in ast.iter_child_nodes(node):
            self._walk(child, comp)

    def _binding(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    if isinstance(node, ast.Assign) or node.value is not None:
                        self._bind(t.id, _value(node.value))
                elif isinstance(t, ast.Attribute):  # self.module = f"gym_{kind}"
                    start = _prefix(node.value)
                    if start is not None:
                        self.members.setdefault(t.attr, set()).add(start)
                elif not isinstance(t, ast.Subscript):
                    self._poison_targets(t)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if isinstance(node.target, ast.Name):
                self.loops.append((node.target.id, node.iter))
                self._bind(node.target.id, ("loop", frozenset()))
            else:
                self._poison_targets(node.target)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self._bind(name, _POISON)
        elif isinstance(node, (ast.AugAssign, ast.NamedExpr)):
            self._poison_targets(node.target)
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                self._poison_targets(t)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._poison_targets(item.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._bind(node.name, _POISON)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                self._bind((a.asname or a.name).split(".", 1)[0], _POISON)

    def _call(self, node: ast.Call, comp: dict[str, ast.expr]) -> None:
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr in _GROW:
            k = _GROW[f.attr]
            kind, strs = _value(node.args[k] if len(node.args) > k else None)
            self._bind(f.value.id, ("seq", strs) if kind == "str" else _POISON)
            return
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr == "extend":
            seq = _strings(node.args[0]) if node.args else None
            self._bind(f.value.id, ("seq", seq) if seq is not None else _POISON)
            return
        fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if fname not in _LOADERS:
            return
        arg: ast.expr | None = node.args[0] if node.args else None
        if arg is None:
            arg = next((k.value for k in node.keywords if k.arg == _LOADERS[fname]), None)
        if isinstance(arg, ast.Name):
            self.calls.append((node, arg, comp))
            return
        if isinstance(arg, ast.Call) and not arg.args and not arg.keywords:
            arg = arg.func  # a method's or a function's result
        member = arg.id if isinstance(arg, ast.Name) else getattr(arg, "attr", None)
        if isinstance(member, str):
            self.member_calls.append((node, member))

    def lookup(self, name: str) -> tuple[str, frozenset[str]] | None:
        """The binding of ``name`` seen from this scope (module scope when not bound here)."""
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.bound and (scope is self or not scope.is_class):
                return scope.bound[name]
            scope = scope.parent
        return None

    def _collection(self, expr: ast.expr) -> frozenset[str] | None:
        seq = _strings(expr)
        if seq is None and isinstance(expr, ast.Name):
            found = self.lookup(expr.id)
            seq = found[1] if found is not None and found[0] == "seq" else None
        return seq

    def values(self, name: ast.Name, comp: dict[str, ast.expr]) -> frozenset[str]:
        """The strings a loader's argument ``name`` can hold; empty when unknown."""
        if name.id in comp:
            return self._collection(comp[name.id]) or frozenset()
        found = self.lookup(name.id)
        if found is None:
            return frozenset()
        if found[0] == "str":
            return found[1]
        if found[0] != "loop":
            return frozenset()
        iters = [it for n, it in self.loops if n == name.id]
        seqs = [self._collection(it) for it in iters]
        if not seqs or any(s is None for s in seqs):
            return frozenset()
        return frozenset().union(*(s for s in seqs if s is not None))


def _scopes(tree: ast.Module) -> Iterator[_Scope]:
    stack = [_Scope(tree, None)]
    while stack:
        scope = stack.pop()
        yield scope
        for child in scope.children:
            stack.append(_Scope(child, scope))


def bound_loads(text: str) -> Iterator[tuple[str, int, str]]:
    """``(module, line, variable)`` for each module a loader call receives through a
    variable bound only to string literals (see the module docstring)."""
    if _BARE.search(text) is None:
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for scope in _scopes(tree):
        for call, name, comp in scope.calls:
            for mod in sorted(scope.values(name, comp)):
                if mod and not mod.startswith(".") and DOTTED.fullmatch(mod):
                    yield mod, call.lineno, name.id


def _returned_prefixes(scope: _Scope) -> frozenset[str]:
    """The literal starts of the strings a function returns (``return f"gym_{x}"``, or a
    local bound only to such strings)."""
    found: set[str] = set()
    for value in scope.returns:
        start = _prefix(value)
        if start is not None:
            found.add(start)
        elif isinstance(value, ast.Name):
            bound = scope.lookup(value.id)
            if bound is not None and bound[0] == "prefix":
                found |= bound[1]
    return frozenset(found)


def bound_prefixes(text: str) -> Iterator[tuple[str, int, str]]:
    """``(prefix, line, via)``: a loader call in this file receives a string built on the
    literal start ``prefix`` through a local variable (``name = f"gym_{kind}"``;
    ``import_module(name)``) or as the result of a function, method or property of the
    same file (``import_module(self.package_name)`` where ``package_name`` returns
    ``f"gym_{self.type}"``), or an attribute assigned one (``self.module = f"gym_{k}"``;
    ``import_module(env.module)``). Which modules the prefix names is the caller's matter."""
    if _MEMBER.search(text) is None or _BUILT.search(text) is None:
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    scopes = list(_scopes(tree))
    returned: dict[str, set[str]] = {}
    for scope in scopes:
        if scope.name and not scope.is_class:
            returned.setdefault(scope.name, set()).update(_returned_prefixes(scope))
        for attr, starts in scope.members.items():
            returned.setdefault(attr, set()).update(starts)
    for scope in scopes:
        for call, name, _ in scope.calls:
            bound = scope.lookup(name.id)
            for start in sorted(bound[1]) if bound is not None and bound[0] == "prefix" else ():
                yield start, call.lineno, name.id
        for call, member in scope.member_calls:
            for start in sorted(returned.get(member, ())):
                yield start, call.lineno, member
