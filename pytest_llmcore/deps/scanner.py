"""Find a file's imports and whether each imported name is used, without running the file.

Parsing every file with :mod:`ast` is too slow for large trees (17 s for torch's 2,285
files on 2 cores), so a file goes through up to three stages, each taken only when the
previous one cannot decide:

1. *prefilter*: one line-anchored regex over the raw text lists the modules a file may
   import. A file whose candidates are all standard library or first-party is done.
2. *lexical*: strings and comments are blanked out; import statements, their block
   context (``if TYPE_CHECKING:``, ``try``/``except ImportError``) and the uses of each
   bound name are read from what is left.
3. *ast*: the exact answer, taken when stage 2 finds a bound name with no use (string
   annotations, ``__all__``, f-strings need the real tree), inline imports
   (``x = 1; import y``), or block structure it cannot read.

Stages 2 and 3 agree on valid code (a property test checks it); a file that does not
parse falls back to the lexical answer with a note.

Uses are tracked per binding and per module, unlike vulture, which pools every file's
names (``x.loguru`` anywhere hides a dead ``import loguru``) and does not read string
annotations. vulture is used where it is right: its ``# noqa`` parser decides which
otherwise-dead imports are deliberate side-effect imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .model import FileImports, ImportRecord

__all__ = [
    "ast_imports",
    "candidate_modules",
    "scan_source",
]

#: Exceptions whose handler makes an import optional.
_GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

# -- stage 1 -----------------------------------------------------------------------------

# Every pattern below starts with a literal ("\n", "import", "\\"): the regex engine then
# scans for it at C speed. Texts get a "\n" prepended so the first line is found too.
_PRE_IMPORT = re.compile(r"\n[ \t]*(?:import[ \t]+([^\n#;]*)|from[ \t]+([\w.]+)[ \t]+import\b)")
# ``x = 1; import y`` / ``if x: import y``: one pattern per keyword keeps a literal prefix
_PRE_INLINE = tuple(
    re.compile(
        kw
        + "(?:"
        + "|".join(f"(?<=[;:]{sp}{kw})" for sp in ("", " ", "\t", "  ", "   "))
        + ")[ \t.]"
    )
    for kw in ("import", "from")
)
_PRE_CONTINUED = re.compile(r"\\\r?\n[ \t]*(?:import|from)\b|import[ \t]*\\\r?\n")


def _has_hidden_imports(text: str) -> bool:
    """Imports the line-anchored prefilter can't see: inline, continued or dynamic."""
    return (
        "import_module" in text
        or "__import__" in text
        or "importorskip" in text
        or any(p.search(text) is not None for p in _PRE_INLINE)
        or ("\\" in text and _PRE_CONTINUED.search(text) is not None)
    )


_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.\w+)*")


def candidate_modules(text: str) -> tuple[set[str], bool]:
    """Top-level names ``text`` may import, and whether it has import forms stage 1 can't see.

    The set is a superset of the real absolute imports, except for the forms flagged by the
    second value (inline, backslash-continued and dynamic imports).
    """
    tops: set[str] = set()
    for m in _PRE_IMPORT.finditer("\n" + text):
        if m.group(1) is not None:
            for dotted in _DOTTED.findall(m.group(1)):
                tops.add(dotted.split(".", 1)[0])
        else:
            mod = m.group(2)
            if not mod.startswith("."):
                tops.add(mod.split(".", 1)[0])
    return tops, _has_hidden_imports(text)


# -- stage 2 -----------------------------------------------------------------------------

# ``(?=(X*))\1`` is an atomic group written for Python 3.10 (no ``*+``/``(?>)`` there):
# a lookahead is never re-entered, so an unterminated string can't backtrack exponentially.
_LEX = re.compile(
    r"""
      \#[^\n]*
    | \'\'\'(?=((?:[^'\\]+|\\.|'(?!''))*))\1(?:\'\'\'|\Z)
    | \"\"\"(?=((?:[^"\\]+|\\.|"(?!""))*))\2(?:\"\"\"|\Z)
    | '(?=((?:[^'\\\n]+|\\.)*))\3(?:'|(?=\n)|\Z)
    | "(?=((?:[^"\\\n]+|\\.)*))\4(?:"|(?=\n)|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
_STR_PREFIX = frozenset("rRbBuUfFtT")
#: calls that import the module named by their first argument; pytest.importorskip's import
#: is optional by design (the test skips without it)
_DYN_CALL = re.compile(r"\b(?:import_module|__import__|importorskip)\s*\(")
_DYN_TAIL = re.compile(r"\b(import_module|__import__|importorskip)\s*\(\s*$")
_STMT = re.compile(
    r"\n(?P<ind>[ \t]*)(?:"
    r"import[ \t]+(?P<imp>[^\n;]*)"
    r"|from(?=[ \t.])[ \t]*(?P<mod>\.*[ \t]*[\w.]*?)(?:(?<=\.)[ \t]*|[ \t]+)import\b[ \t]*"
    r"(?P<names>\([^)]*\)|[^\n;]*)"
    r")",
)
_ALIAS = re.compile(r"^\s*([A-Za-z_][\w.]*?|\*)\s*(?:\bas\s+([A-Za-z_]\w*))?\s*$")
_TC_HEADER = re.compile(
    r"^if(?=[\s(])\s*(\()?\s*(?:[A-Za-z_][\w.]*\.)?TYPE_CHECKING\s*(?(1)\))\s*:$"
)
_TRANSPARENT_HEADER = re.compile(r"^(?:if|for|while|with|def|async|class|match|case)\b.*:$")
_EXCEPT = re.compile(r"^except\b(\*)?(?P<what>[^:]*):")


class _NeedAst(Exception):
    """The lexical stage can't decide this file; use the ast stage."""


@dataclass
class _LexImport:
    module: str
    line: int
    bound: tuple[str, ...]
    star: bool
    reexport: bool
    start: int
    end: int
    indent: str
    dynamic: bool = False
    optional: bool = False


def _strip(text: str, dyn: list[tuple[str, int, bool]] | None = None) -> str:
    """Blank strings (to ``""``) and comments, keeping every newline.

    With ``dyn``, also collect ``import_module("x")`` / ``__import__("x")`` calls as
    ``(module, line)``.
    """
    out: list[str] = []
    pos = 0
    for m in _LEX.finditer(text):
        start = m.start()
        if text[start] == "#":
            out.append(text[pos:start])
        else:
            k = start
            while k > pos and start - k < 2 and text[k - 1] in _STR_PREFIX:
                k -= 1
            if k < start and k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
                k = start  # a name ending in a letter, e.g. ``if"x"``
            chunk = text[pos:k]
            if dyn is not None and not (set(text[k:start]) & set("fFbBtT")):
                call = _DYN_TAIL.search(chunk)
                body = m.group(0)[1:-1]
                if call is not None and _DOTTED.fullmatch(body):
                    line = text.count("\n", 0, pos + call.start()) + 1
                    dyn.append((body, line, call.group(1) == "importorskip"))
            out.append(chunk)
            n = text.count("\n", start, m.end())
            out.append('""' + "\n" * n if n else '""')
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _parse_aliases(spec: str) -> list[tuple[str, str | None]]:
    spec = spec.strip()
    if spec.startswith("("):
        if not spec.endswith(")"):
            raise _NeedAst
        spec = spec[1:-1]
    spec = spec.replace("\\\n", " ")
    result: list[tuple[str, str | None]] = []
    for piece in spec.split(","):
        if not piece.strip():
            continue
        m = _ALIAS.match(piece)
        if m is None:
            raise _NeedAst
        result.append((m.group(1), m.group(2)))
    if not result:
        raise _NeedAst
    return result


def _lex_imports(padded: str) -> tuple[list[_LexImport], int]:
    """Absolute imports of ``padded`` ("\n" + stripped text) and the number of statements.

    Spans index ``padded``.
    """
    found: list[_LexImport] = []
    line = 0
    pos = 0
    statements = 0
    for m in _STMT.finditer(padded):
        statements += 1
        line += padded.count("\n", pos, m.start() + 1)
        pos = m.start() + 1
        indent = m.group("ind")
        if m.group("imp") is not None:
            for name, alias in _parse_aliases(m.group("imp")):
                if name == "*" or name.endswith("."):
                    raise _NeedAst
                bound = alias or name.split(".", 1)[0]
                found.append(
                    _LexImport(
                        name, line, (bound,), False, alias == name, m.start(), m.end(), indent
                    )
                )
        else:
            mod = m.group("mod").replace(" ", "").replace("\t", "")
            if mod.startswith("."):
                continue  # relative: always first-party
            if not mod or mod.endswith(".") or ".." in mod:
                raise _NeedAst
            for name, alias in _parse_aliases(m.group("names")):
                if name == "*":
                    found.append(_LexImport(mod, line, (), True, False, m.start(), m.end(), indent))
                    continue
                if "." in name:
                    raise _NeedAst
                found.append(
                    _LexImport(
                        f"{mod}.{name}",
                        line,
                        (alias or name,),
                        False,
                        alias == name,
                        m.start(),
                        m.end(),
                        indent,
                    )
                )
    return found, statements


def _indent_width(s: str) -> int:
    return len(s.expandtabs(8))


def _line_indent(raw: str) -> int:
    return _indent_width(raw[: len(raw) - len(raw.lstrip())])


def _owner(lines: list[str], j: int, ind: int) -> int:
    """Index of the ``if``/``try``/loop header that owns the clause header at ``lines[j]``."""
    k = j - 1
    while k >= 0:
        raw = lines[k]
        body = raw.strip()
        if body:
            i = _line_indent(raw)
            if i == ind:
                if body.startswith(("except", "elif", "else")):
                    pass
                elif body == "try:" or body.startswith(("if", "for", "while", "async")):
                    return k
                else:
                    raise _NeedAst
            elif i < ind:
                raise _NeedAst
        k -= 1
    raise _NeedAst


def _header_start(lines: list[str], j: int) -> tuple[int, str]:
    """A header that ends a multi-line bracket (``) -> int:``): find the line it starts on."""
    depth = 0
    k = j
    while k >= 0:
        text = lines[k]
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth >= 0:
            return k, " ".join(x.strip() for x in lines[k : j + 1])
        k -= 1
    raise _NeedAst


def _block_context(lines: list[str], index: int, indent: int) -> tuple[bool, bool]:
    """(type_checking, guarded) for a statement at ``lines[index]`` with ``indent``."""
    type_checking = guarded = False
    j = index - 1
    while indent > 0 and j >= 0:
        raw = lines[j]
        body = raw.strip()
        if not body:
            j -= 1
            continue
        ind = _line_indent(raw)
        if ind >= indent:
            j -= 1
            continue
        if not body.endswith(":"):
            raise _NeedAst
        if body[0] in ")]}":
            j, body = _header_start(lines, j)
            ind = _line_indent(lines[j])
            if ind >= indent:
                raise _NeedAst
        if body.startswith(("elif", "else", "except", "finally")):
            owner = _owner(lines, j, ind)
            if body.startswith("elif") and _TC_HEADER.match(body[2:]):
                type_checking = True
            elif (
                body.startswith("except")
                and lines[owner].strip() == "try:"
                and _try_guards(lines, owner, ind)
            ):
                guarded = True
            j = owner  # the owner's own test does not apply to this clause
        elif _TC_HEADER.match(body):
            type_checking = True
        elif body == "try:":
            if _try_guards(lines, j, ind):
                guarded = True
        elif not _TRANSPARENT_HEADER.match(body):
            raise _NeedAst
        indent = ind
        j -= 1
    return type_checking, guarded


def _try_guards(lines: list[str], header: int, indent: int) -> bool:
    for raw in lines[header + 1 :]:
        body = raw.strip()
        if not body:
            continue
        ind = _indent_width(raw[: len(raw) - len(raw.lstrip())])
        if ind > indent:
            continue
        if ind < indent:
            return False
        m = _EXCEPT.match(body)
        if m is None:
            if body.startswith(("else", "finally")):
                return False
            raise _NeedAst
        what = m.group("what").strip()
        if not what:
            return True
        names = {n.split(".")[-1] for n in re.findall(r"[A-Za-z_][\w.]*", what.split(" as ")[0])}
        if names & _GUARD_EXCEPTIONS:
            return True
    return False


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _count_import_keywords(s: str) -> int:
    n = 0
    i = s.find("import")
    while i != -1:
        if not _is_word_char(s[i - 1]) and not _is_word_char(s[i + 6 : i + 7] or " "):
            n += 1
        i = s.find("import", i + 6)
    return n


def _name_used(s: str, name: str, spans: list[tuple[int, int]]) -> bool:
    """``name`` as a loaded name (not ``x.name``, not ``name = ...``) outside import statements."""
    size = len(name)
    i = s.find(name)
    while i != -1:
        before = s[i - 1]
        after = s[i + size : i + size + 1] or " "
        if not _is_word_char(before) and before != "." and not _is_word_char(after):
            rest = s[i + size : i + size + 3].lstrip(" \t")
            if not (rest.startswith("=") and not rest.startswith("==")) and not any(
                a <= i < b for a, b in spans
            ):
                return True
        i = s.find(name, i + size)
    return False


def _lexical(text: str, is_init: bool, wanted: Callable[[str], bool]) -> list[ImportRecord]:
    dyn: list[tuple[str, int, bool]] | None = (
        [] if ("import_module" in text or "__import__" in text or "importorskip" in text) else None
    )
    padded = "\n" + _strip(text, dyn)
    lex, statements = _lex_imports(padded)
    if _count_import_keywords(padded) != statements:
        # an ``import`` keyword outside a line-leading statement: ``x = 1; import y``,
        # ``if x: import y``, a backslash continuation: the block structure needs the tree
        raise _NeedAst
    if dyn:
        for mod, line, optional in dyn:
            if not mod.startswith("."):
                lex.append(
                    _LexImport(
                        mod, line, (), True, False, -1, -1, "", dynamic=True, optional=optional
                    )
                )
    all_lex = lex
    lex = [li for li in lex if wanted(li.module.split(".", 1)[0])]
    if not lex:
        return []
    used_names: set[str] = set()
    if not is_init:
        spans = sorted({(li.start, li.end) for li in all_lex})
        for name in {b for li in lex for b in li.bound}:
            if _name_used(padded, name, spans):
                used_names.add(name)
    lines = padded.split("\n")
    records: list[ImportRecord] = []
    for li in lex:
        used = li.star or li.reexport or is_init or any(b in used_names for b in li.bound)
        if not used:
            raise _NeedAst  # maybe used in a string annotation, __all__ or an f-string
        tc = guarded = False
        indent = _line_indent(lines[li.line]) if li.dynamic else _indent_width(li.indent)
        if indent:
            tc, guarded = _block_context(lines, li.line, indent)
        records.append(
            ImportRecord(li.module, li.line, li.bound, used, tc, guarded or li.optional, li.dynamic)
        )
    return records


# -- stage 3 -----------------------------------------------------------------------------


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
        if name in _GUARD_EXCEPTIONS:
            return True
    return False


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.imports: list[tuple[ImportRecord, bool]] = []  # (record, explicit re-export)
        self.names: set[str] = set()
        self.all_names: set[str] = set()
        self._tc = 0
        self._guard = 0

    # context -------------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        tc = _is_tc_test(node.test)
        self._tc += tc
        for stmt in node.body:
            self.visit(stmt)
        self._tc -= tc
        for stmt in node.orelse:
            self.visit(stmt)

    def _visit_try(self, node: Any) -> None:  # ast.Try, or ast.TryStar on 3.11+
        guards = any(_handler_guards(h) for h in node.handlers)
        self._guard += guards
        for stmt in node.body:
            self.visit(stmt)
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
        rec = ImportRecord(
            module,
            line,
            bound,
            star or dynamic,
            bool(self._tc),
            bool(self._guard) or optional,
            dynamic,
        )
        self.imports.append((rec, reexport))

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
                self._add(
                    f"{node.module}.{a.name}",
                    node.lineno,
                    (a.asname or a.name,),
                    a.asname == a.name,
                )

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if fname in ("import_module", "__import__", "importorskip") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                mod = arg.value
                if mod and not mod.startswith(".") and _DOTTED.fullmatch(mod):
                    self._add(
                        mod, node.lineno, (), False, dynamic=True, optional=fname == "importorskip"
                    )
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
                except (SyntaxError, ValueError):
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
        for stmt in node.body:
            self.visit(stmt)

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


def _side_effect_lines(text: str) -> Callable[[int], bool]:
    """Lines whose import carries ``# noqa`` (or ``# noqa: F401``): kept for its side effects.

    vulture's noqa parser is the reference for these markers (it maps flake8's F401 to its
    own V104); its whole-program name set is not used, see the module docstring.
    """
    from vulture.noqa import ignore_line, parse_noqa

    noqa = parse_noqa(text.splitlines())
    return lambda line: bool(ignore_line(noqa, line, "V104"))


def _ast_records(tree: ast.Module, is_init: bool, text: str) -> list[ImportRecord]:
    v = _Visitor()
    v.visit(tree)
    used_names = v.names | v.all_names
    side_effect: Callable[[int], bool] | None = None
    out: list[ImportRecord] = []
    for rec, reexport in v.imports:
        used = rec.used or reexport or is_init or any(b in used_names for b in rec.bound)
        if not used and "noqa" in text:
            if side_effect is None:
                side_effect = _side_effect_lines(text)
            used = side_effect(rec.line)
        out.append(
            ImportRecord(
                rec.module, rec.line, rec.bound, used, rec.type_checking, rec.guarded, rec.dynamic
            )
        )
    return out


def ast_imports(text: str, is_init: bool = False) -> list[ImportRecord]:
    """All absolute imports of ``text`` from the syntax tree (raises SyntaxError)."""
    return _ast_records(ast.parse(text), is_init, text)


# -- entry point -------------------------------------------------------------------------


def scan_source(
    text: str,
    *,
    is_init: bool = False,
    wanted: Callable[[str], bool] | None = None,
    filename: str = "<string>",
) -> FileImports:
    """Imports of ``text`` whose top-level module passes ``wanted`` (default: all).

    Never raises on bad input: a file that does not parse is read lexically and the
    result carries a ``problem`` note.
    """
    want: Callable[[str], bool] = wanted if wanted is not None else (lambda _top: True)
    tops, inline = candidate_modules(text)
    if not inline and not any(want(t) for t in tops):
        return FileImports(())
    try:
        return FileImports(tuple(_lexical(text, is_init, want)))
    except _NeedAst:
        pass
    except (RecursionError, re.error):  # pragma: no cover - pathological input
        pass
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        recs = _lexical_fallback(text, is_init, want)
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        return FileImports(
            tuple(recs),
            problem=f"not valid Python 3 ({reason}{where}); imports read lexically",
        )
    return FileImports(
        tuple(r for r in _ast_records(tree, is_init, text) if want(r.module.split(".", 1)[0]))
    )


def _lexical_fallback(text: str, is_init: bool, want: Callable[[str], bool]) -> list[ImportRecord]:
    """Best effort for files ast can't read (Python 2, syntax errors): every import counts."""
    try:
        padded = "\n" + _strip(text)
    except (RecursionError, re.error):  # pragma: no cover
        return []
    recs: list[ImportRecord] = []
    for m in _STMT.finditer(padded):
        line = padded.count("\n", 0, m.start() + 1)
        try:
            if m.group("imp") is not None:
                for name, alias in _parse_aliases(m.group("imp")):
                    recs.append(ImportRecord(name, line, (alias or name.split(".")[0],), True))
            else:
                mod = m.group("mod").strip()
                if mod.startswith(".") or not mod:
                    continue
                for name, alias in _parse_aliases(m.group("names")):
                    full = mod if name == "*" else f"{mod}.{name}"
                    recs.append(ImportRecord(full, line, (alias or name,), True))
        except _NeedAst:
            continue
    for m in re.finditer(
        r"\b(?:import_module|__import__|importorskip)[ \t]*\([ \t]*[rRuU]?(['\"])([\w.]+)\1", text
    ):
        line = text.count("\n", 0, m.start()) + 1
        recs.append(ImportRecord(m.group(2), line, (), True, dynamic=True))
    return [r for r in recs if _DOTTED.fullmatch(r.module) and want(r.module.split(".", 1)[0])]


def iter_tops(records: Iterable[ImportRecord]) -> set[str]:
    """Top-level module names of ``records``."""
    return {r.module.split(".", 1)[0] for r in records}
