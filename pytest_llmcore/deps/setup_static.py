"""Values of a setup.py known without running it: the module's top-level statements are
followed in order (:class:`Static`), and a packaging keyword is turned into plain data
(:func:`plain`). Part of :mod:`.declarations_setup`."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from .declarations_req import parse_requirement_name
from .records import canonical_name

__all__ = ["Alts", "Picker", "Static", "Str", "Unknown", "Val", "options", "plain"]


@dataclass(frozen=True)
class Str:
    """A string known without running the file, and the line it is written on."""

    text: str
    line: int


@dataclass(frozen=True)
class Alts:
    """A string chosen by a run-time condition (``"a==1" if release else "a>=1"``): every
    string it can be, each known."""

    options: tuple[Str, ...]


#: the most strings one conditional value may stand for (nested conditions multiply)
_MAX_OPTIONS = 8


def options(val: Val) -> tuple[Str, ...] | None:
    if isinstance(val, Str):
        return (val,)
    return val.options if isinstance(val, Alts) else None


def _choice(options: list[Str]) -> Val:
    """One known string, or the alternatives (duplicates dropped); None past the cap."""
    seen: dict[str, Str] = {}
    for o in options:
        seen.setdefault(o.text, o)
    if len(seen) > _MAX_OPTIONS:
        return None
    return next(iter(seen.values())) if len(seen) == 1 else Alts(tuple(seen.values()))


def _if_exp(body: Val, orelse: Val) -> Val:
    """``body if cond else orelse``: strings become alternatives; two lists of the same
    distributions (a pin that differs by build) become the first list."""
    a, b = options(body), options(orelse)
    if a is not None and b is not None:
        return _choice([*a, *b])
    if isinstance(body, list) and isinstance(orelse, list):
        return body if _list_dists(body) == _list_dists(orelse) else None
    return None


def _list_dists(items: list[Any]) -> list[str | None] | None:
    names: list[str | None] = []
    for item in items:
        if not isinstance(item, Str):
            return None
        name = parse_requirement_name(item.text.split("#", 1)[0])
        names.append(canonical_name(name) if name else None)
    return names


@dataclass(frozen=True)
class Unknown:
    """A list element computed at run time (a call, a comprehension...)."""

    line: int


@dataclass(frozen=True)
class Picker:
    """A local helper that picks entries of a module-level table by key:
    ``def deps_list(*pkgs): return [deps[p] for p in pkgs]`` (the Hugging Face idiom)."""

    table: str
    varargs: bool


Val = Any  # Str | Unknown | list[Str | Unknown] | dict[str, Val] | Picker | None (unknown)
_PASS_THROUGH = {"list", "sorted", "set", "tuple", "frozenset"}


class Static:
    """Module-level values of a setup.py, evaluated in order without running anything.

    Literals, f-strings of known strings, names, ``+``/``+=``, ``d["k"] = ...``,
    ``.append``/``.extend``/``.update``, ``dict(...)``, ``list``/``sorted``/``set`` of a
    known list, ``sum(d.values(), [])``; bodies of ``if``/``try``/``with`` are all taken.
    ``a if cond else b`` of strings is every string it can be (:class:`Alts`). The Hugging
    Face ``_deps`` table: a dict built from a known list of requirements (comprehension or
    loop) and entries picked from it by key (:class:`Picker`, ``[deps[x] for x in ...]``).
    """

    def __init__(self, tree: ast.Module) -> None:
        self.env: dict[str, Val] = {}
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
        elif isinstance(node, ast.FunctionDef):
            self.env[node.name] = _picker(node)
        elif isinstance(node, ast.For) and self._table_loop(node):
            return
        elif isinstance(node, (ast.If, ast.For, ast.While)):
            self._block(node.body)
            self._block(node.orelse)
        elif isinstance(node, ast.With):
            self._block(node.body)
        elif isinstance(node, ast.Try):
            for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                self._block(part)

    def _bind(self, target: ast.expr, val: Val) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = val
        elif isinstance(target, ast.Subscript):
            table, key = self.eval(target.value), self._key(target.slice)
            if isinstance(table, dict) and key is not None:
                table[key] = val

    def _key(self, node: ast.expr) -> str | None:
        val = self.eval(node)
        return val.text if isinstance(val, Str) else None

    def _method(self, call: ast.Call) -> None:
        f = call.func
        if not isinstance(f, ast.Attribute) or len(call.args) != 1:
            return
        obj, arg = self.eval(f.value), self.eval(call.args[0])
        if isinstance(obj, list) and f.attr == "append":
            obj.append(arg if isinstance(arg, (Str, Alts)) else Unknown(call.lineno))
        elif isinstance(obj, list) and f.attr == "extend":
            obj.extend(arg if isinstance(arg, list) else [Unknown(call.lineno)])
        elif isinstance(obj, dict) and f.attr == "update" and isinstance(arg, dict):
            obj.update(arg)

    @staticmethod
    def _add(left: Val, right: Val) -> Val:
        if isinstance(left, list) and isinstance(right, list):
            return [*left, *right]
        a, b = options(left), options(right)
        if a is None or b is None:
            return None
        return _choice([Str(x.text + y.text, x.line) for x in a for y in b])

    def eval(self, node: ast.expr) -> Val:
        if isinstance(node, ast.Constant):
            return Str(node.value, node.lineno) if isinstance(node.value, str) else None
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
            out: dict[str, Val] = {}
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
        if isinstance(node, ast.DictComp):
            return _req_table(self._source(node.generators))
        if isinstance(node, ast.ListComp):
            return self._list_comp(node)
        return None

    def _source(self, gens: list[ast.comprehension]) -> Val:
        """The list a comprehension walks, through nested generators
        (``... for a, b in (re.findall(...)[0] for x in _deps)``)."""
        if len(gens) != 1:
            return None
        it = gens[0].iter
        if isinstance(it, (ast.GeneratorExp, ast.ListComp)):
            return self._source(it.generators)
        return self.eval(it)

    def _table_loop(self, node: ast.For) -> bool:
        """``for spec in _deps: deps[<name of spec>] = spec``: a table of the known list,
        keyed by distribution name; False (not handled) for any other loop."""
        body = [s for s in node.body if not isinstance(s, ast.Expr)]
        if not (isinstance(node.target, ast.Name) and body and not node.orelse):
            return False
        last = body[-1]
        if not (
            isinstance(last, ast.Assign)
            and len(last.targets) == 1
            and isinstance(last.targets[0], ast.Subscript)
            and isinstance(last.value, ast.Name)
            and last.value.id == node.target.id
        ):
            return False
        table = self.eval(last.targets[0].value)
        rows = _req_table(self.eval(node.iter))
        if not isinstance(table, dict) or rows is None:
            return False
        table.update(rows)
        return True

    def _list(self, elts: list[ast.expr]) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            val = self.eval(e.value if isinstance(e, ast.Starred) else e)
            if isinstance(e, ast.Starred) and isinstance(val, list):
                out.extend(val)
            else:
                out.append(val if isinstance(val, (Str, Alts)) else Unknown(e.lineno))
        return out

    def _fstring(self, node: ast.JoinedStr) -> Val:
        out: Val = Str("", node.lineno)
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                inner: Val = Str(v.value, node.lineno)
            elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                inner = self.eval(v.value)
            else:
                return None
            out = self._add(out, inner)
        return out

    def _call(self, node: ast.Call) -> Val:
        f = node.func
        name = f.id if isinstance(f, ast.Name) else None
        helper = self.env.get(name) if name else None
        if isinstance(helper, Picker):
            return self._pick(helper, node)
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

    def _pick(self, helper: Picker, node: ast.Call) -> Val:
        """Entries of the helper's table named by the call's keys; a key the table lacks
        (or one not known) is an :class:`Unknown` entry, noted by the caller."""
        table = self.env.get(helper.table)
        if not isinstance(table, dict) or node.keywords:
            return None
        if helper.varargs:
            keys: Val = self._list(node.args)
        else:
            keys = self.eval(node.args[0]) if len(node.args) == 1 else None
        return _lookup(table, keys, node.lineno)

    def _list_comp(self, node: ast.ListComp) -> Val:
        """``[deps[x] for x in ("a", "b")]`` at module level: the same picking, inline."""
        picked = _picking(node)
        if picked is None:
            return None
        table = self.eval(picked[0])
        return (
            _lookup(table, self.eval(picked[1]), node.lineno) if isinstance(table, dict) else None
        )


def _lookup(table: dict[str, Val], keys: Val, line: int) -> Val:
    """The table's entries for known keys; a key it lacks (or not known) is :class:`Unknown`."""
    if not isinstance(keys, list):
        return None
    out: list[Any] = []
    for k in keys:
        hit = table.get(k.text) if isinstance(k, Str) else None
        out.append(hit if isinstance(hit, (Str, Alts)) else Unknown(line))
    return out


#: a requirement's name as a dependency table keys it: up to the first version operator
_KEY_END = re.compile(r"[!=<>~;@ \[(]")


def _req_table(source: Val) -> dict[str, Val] | None:
    """A table built from a known list of requirement strings, keyed by name (as written,
    with and without extras, and as normalised), each key to its whole string; None when
    the list is not wholly known (a computed list stays a note)."""
    if not isinstance(source, list) or not source or not all(isinstance(s, Str) for s in source):
        return None
    table: dict[str, Val] = {}
    for item in source:
        text = item.text.split("#", 1)[0].strip()
        exact = re.split(r"[!=<>~]", text, maxsplit=1)[0].strip()
        name = parse_requirement_name(text)
        if not exact or name is None:
            continue
        table[exact] = item
        for key in (_KEY_END.split(exact, maxsplit=1)[0], name, canonical_name(name)):
            table.setdefault(key, item)
    return table


def _picker(node: ast.FunctionDef) -> Picker | None:
    """``def f(*keys): return [table[k] for k in keys]`` (or one list parameter) as a
    :class:`Picker`; None for any other function (its calls stay unknown)."""
    body = [s for s in node.body if not isinstance(s, ast.Expr)]
    a = node.args
    params = [p.arg for p in (*a.posonlyargs, *a.args)]
    param = a.vararg.arg if a.vararg and not params else params[0] if len(params) == 1 else None
    if param is None or a.kwonlyargs or a.kwarg or len(body) != 1:
        return None
    ret = body[0]
    if not (isinstance(ret, ast.Return) and isinstance(ret.value, ast.ListComp)):
        return None
    picked = _picking(ret.value)
    if picked is None:
        return None
    table, keys = picked
    if not isinstance(table, ast.Name) or not (isinstance(keys, ast.Name) and keys.id == param):
        return None
    return Picker(table.id, varargs=a.vararg is not None)


def _picking(comp: ast.ListComp) -> tuple[ast.expr, ast.expr] | None:
    """(table, keys) of ``[table[k] for k in keys]``; None for any other comprehension."""
    gen = comp.generators[0] if len(comp.generators) == 1 else None
    elt = comp.elt
    if (
        gen is None
        or gen.ifs
        or not isinstance(gen.target, ast.Name)
        or not isinstance(elt, ast.Subscript)
        or not (isinstance(elt.slice, ast.Name) and elt.slice.id == gen.target.id)
    ):
        return None
    return elt.value, gen.iter


_FINDERS = ("find_packages", "find_namespace_packages")


def plain(node: ast.expr, static: Static) -> Any:
    """A packaging keyword as plain data (strings, lists and dicts of them), a
    ``find_packages(where, exclude, include)`` call as ``{"find": {...}}``; None: computed."""
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
        if name not in _FINDERS or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        given = dict(zip(("where", "exclude", "include"), node.args, strict=False))
        given.update({k.arg: k.value for k in node.keywords if k.arg})
        find = {k: plain(given[k], static) for k in ("where", "include") if k in given}
        return {"find": find} if all(v is not None for v in find.values()) else None
    val = static.eval(node)
    if isinstance(val, Str):
        return val.text
    if isinstance(val, list) and all(isinstance(v, Str) for v in val):
        return [v.text for v in val]
    if isinstance(val, dict) and all(isinstance(v, Str) for v in val.values()):
        return {k: v.text for k, v in val.items()}
    return None
