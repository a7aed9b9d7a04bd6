"""Stage 3 of the scanner: the exact answer from the syntax tree.

Taken when the lexical stage can't prove a bound name used (string annotations,
``__all__``, f-strings need the real tree), for inline imports and for block structure it
can't read. Also decides which otherwise-dead imports are kept for their side effects.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from .astoptional import OptionalImports
from .lexblocks import GUARD_EXCEPTIONS
from .prefilter import DOTTED
from .pytester_sources import MARKERS, source_records
from .records import ImportRecord

__all__ = ["SIDE_EFFECT_MODULES", "ast_imports", "ast_records"]

#: Imported only to register themselves (a device backend patching torch): never dead.
SIDE_EFFECT_MODULES: tuple[str, ...] = (
    "torch_npu",
    "intel_extension_for_pytorch",
    "habana_frameworks.torch",
    "torch_xla",
    "torch_mlu",
    "torch_musa",
)
_DYNAMIC = {"import_module": "name", "__import__": "name", "importorskip": "modname"}
_SIDE_EFFECT_COMMENT = re.compile(r"#.*\bside[ -]?effects?\b", re.IGNORECASE)
_HTML_THEME = re.compile(r"^html_theme\s*=\s*['\"]([\w.-]+)['\"]", re.MULTILINE)


def _is_tc_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _handler_guards(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
        if name in GUARD_EXCEPTIONS:
            return True
    return False


def _handler_requires(handler: ast.ExceptHandler) -> bool:
    """``except ImportError: raise ...``: the try body checks that its imports are there."""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}
    if not names & {"ImportError", "ModuleNotFoundError"}:
        return False
    return any(isinstance(stmt, ast.Raise) for stmt in handler.body)


def _dynamic_target(node: ast.Call, fname: str) -> str | None:
    """The module a dynamic import call names: first positional argument, else its keyword."""
    arg: ast.expr | None = None
    if node.args and not isinstance(node.args[0], ast.Starred):
        arg = node.args[0]
    else:
        arg = next((k.value for k in node.keywords if k.arg == _DYNAMIC[fname]), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        mod = arg.value
        if mod and not mod.startswith(".") and DOTTED.fullmatch(mod):
            return mod
    return None


#: node class -> the _Visitor method that handles it
_METHODS: dict[type, Callable[[Any, Any], None]] = {}


class _Visitor(ast.NodeVisitor):
    """Records imports and name loads.

    ``visit`` and ``generic_visit`` are :class:`ast.NodeVisitor`'s, made faster (half the
    cold gate's parse-and-walk time went to their per-node name lookups): the method for a
    node class is looked up once per class, and fields are read without ``iter_fields``.
    """

    def visit(self, node: ast.AST) -> None:
        cls = type(node)
        method = _METHODS.get(cls)
        if method is None:
            found = getattr(type(self), "visit_" + cls.__name__, None)
            method = found if found is not None else _Visitor.generic_visit
            _METHODS[cls] = method
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def __init__(self) -> None:
        self.imports: list[tuple[ImportRecord, bool]] = []  # (record, explicit re-export)
        self.names: set[str] = set()
        self.all_names: set[str] = set()
        self._tc = 0
        self._guard = 0
        self._required = 0
        self.optional = OptionalImports()

    # context -------------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        tc = _is_tc_test(node.test)
        opt = self.optional
        outer = opt.branch
        in_body, in_else = opt.test_packages(node.test)
        self._tc += tc
        opt.branch = outer | in_body
        for stmt in node.body:
            self.visit(stmt)
        self._tc -= tc
        opt.branch = outer | in_else
        for stmt in node.orelse:
            self.visit(stmt)
        opt.branch = outer

    def _visit_try(self, node: Any) -> None:  # ast.Try, or ast.TryStar on 3.11+
        guards = any(_handler_guards(h) for h in node.handlers)
        required = any(_handler_requires(h) for h in node.handlers)
        self._guard += guards
        self._required += required
        first = len(self.imports)
        for stmt in node.body:
            self.visit(stmt)
        if guards:  # names the body binds stand for its imports' packages
            tops = {r.module.split(".", 1)[0] for r, _ in self.imports[first:] if not r.dynamic}
            self.optional.try_body(node.body, tops)
        self._required -= required
        for h in node.handlers:
            g = _handler_guards(h)
            self._guard += g
            self.visit(h)
            self._guard -= g
        self._guard -= guards
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    def visit_Try(self, node: ast.Try) -> None:
        self._visit_try(node)

    def visit_TryStar(self, node: Any) -> None:
        self._visit_try(node)

    # imports -------------------------------------------------------------------------
    def _add(
        self,
        module: str,
        line: int,
        bound: tuple[str, ...],
        reexport: bool,
        star: bool = False,
        dynamic: bool = False,
        optional: bool = False,
    ) -> None:
        guarded = bool(self._guard) or optional
        top = module.split(".", 1)[0]
        if self._guard and not optional:
            self.optional.guarded_import(top)
        elif not guarded:
            guarded = self.optional.unguarded_import(len(self.imports), top)
        rec = ImportRecord(module, line, bound, star or dynamic, bool(self._tc), guarded, dynamic)
        # an import whose failure the handler turns into an error is a requirement check
        self.imports.append((rec, reexport or bool(self._required)))

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            bound = a.asname or a.name.split(".", 1)[0]
            self._add(a.name, node.lineno, (bound,), a.asname == a.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for a in node.names:
            if a.name == "*":
                self._add(node.module, node.lineno, (), False, star=True)
            else:
                full = f"{node.module}.{a.name}"
                self._add(full, node.lineno, (a.asname or a.name,), a.asname == a.name)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        self.optional.called(f)
        if fname in _DYNAMIC:
            mod = _dynamic_target(node, fname)
            if mod is not None:
                optional = fname == "importorskip"
                self._add(mod, node.lineno, (), False, dynamic=True, optional=optional)
        if fname == "cast" and node.args:
            self._annotation(node.args[0])
        for kw in node.keywords:
            if kw.arg == "bound" and kw.value is not None:
                self._annotation(kw.value)
        self.generic_visit(node)

    # uses ----------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def _annotation(self, node: ast.expr | None) -> None:
        if node is None:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                try:
                    inner = ast.parse(sub.value.strip(), mode="eval")
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue
                for n in ast.walk(inner):
                    if isinstance(n, ast.Name):
                        self.names.add(n.id)
        self.visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self._annotation(node.annotation)

    def _visit_func(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        self._annotation(node.returns)
        self.optional.enter_function(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self.optional.leave_function()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_func(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_func(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def _all_entries(self, value: ast.expr | None) -> None:
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            for elt in value.elts:
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    self.all_names.add(elt.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            self._all_entries(node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id == "__all__":
            self._all_entries(node.value)
        self.generic_visit(node)


def _marked_lines(text: str) -> Callable[[int], bool]:
    """Lines whose import says it is kept on purpose: ``# noqa`` (F401), ``# side effect``
    or a pylint ``disable`` of unused-import in effect (:mod:`.pylint_marks`).

    vulture's noqa parser is the reference for noqa markers (it maps flake8's F401 to its
    own V104); its whole-program name set is not used (it pools every file's names).
    """
    from .pylint_marks import unused_import_disabled

    lines = text.splitlines()
    pylint = unused_import_disabled(text)
    noqa: Any = None
    if "noqa" in text:
        from vulture.noqa import parse_noqa

        noqa = parse_noqa(lines)

    def marked(line: int) -> bool:
        if line in pylint:
            return True
        if noqa is not None:
            from vulture.noqa import ignore_line

            if ignore_line(noqa, line, "V104"):
                return True
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        return _SIDE_EFFECT_COMMENT.search(raw) is not None

    return marked


def _side_effect_module(module: str, theme: str | None) -> bool:
    if any(module == m or module.startswith(m + ".") for m in SIDE_EFFECT_MODULES):
        return True
    top = module.split(".", 1)[0]
    # a Sphinx theme imported in conf.py registers itself
    return theme is not None and (top == theme or "theme" in top.lower())


def ast_records(
    tree: ast.Module, is_init: bool, text: str, filename: str = "<string>"
) -> list[ImportRecord]:
    """Records of every absolute import in ``tree`` (``text`` is its source), and of the
    Python source strings it hands to pytester (:mod:`.pytester_sources`)."""
    out = _file_records(tree, is_init, text, filename)
    if any(m in text for m in MARKERS):
        out.extend(source_records(tree, lambda inner, src: _file_records(inner, False, src)))
    return out


def _file_records(
    tree: ast.Module, is_init: bool, text: str, filename: str = "<string>"
) -> list[ImportRecord]:
    v = _Visitor()
    v.visit(tree)
    for i in v.optional.settled():  # reached only once a guarded import succeeded
        rec, reexport = v.imports[i]
        v.imports[i] = (rec._replace(guarded=True), reexport)
    used_names = v.names | v.all_names
    theme: str | None = None
    if filename.rsplit("/", 1)[-1] == "conf.py" and "html_theme" in text:
        m = _HTML_THEME.search(text)
        theme = m.group(1).replace("-", "_") if m else ""
    marked: Callable[[int], bool] | None = None
    out: list[ImportRecord] = []
    for rec, reexport in v.imports:
        used = rec.used or reexport or is_init or any(b in used_names for b in rec.bound)
        if not used:
            used = _side_effect_module(rec.module, theme)
        if not used and ("noqa" in text or "effect" in text or "pylint" in text):
            if marked is None:
                marked = _marked_lines(text)
            used = marked(rec.line)
        out.append(
            ImportRecord(
                rec.module, rec.line, rec.bound, used, rec.type_checking, rec.guarded, rec.dynamic
            )
        )
    return out


def ast_imports(text: str, is_init: bool = False, filename: str = "<string>") -> list[ImportRecord]:
    """All absolute imports of ``text`` from the syntax tree (raises SyntaxError)."""
    return ast_records(ast.parse(text), is_init, text, filename)
