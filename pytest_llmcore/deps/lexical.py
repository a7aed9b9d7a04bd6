"""Stage 2 of the scanner: imports and their uses read from text with strings blanked.

Strings and comments are blanked out; import statements, their block context
(``if TYPE_CHECKING:``, ``try``/``except ImportError``) and the uses of each bound name are
read from what is left. Wherever that reading could differ from the syntax tree's, the
stage raises :class:`NeedAst` and the ast stage decides: both stages reach the same
records, ``used`` included (a property test checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from .lexblocks import Context, Layout, NeedAst, block_context, indent_width, line_indent
from .lexdynamic import dynamic_imports
from .lexuses import certainly_loaded
from .prefilter import DOTTED
from .pytester_sources import MARKERS as PYTESTER_MARKERS
from .records import ImportRecord

__all__ = ["NeedAst", "lexical_fallback", "lexical_imports", "strip"]

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
_DYNAMIC_NAMES = ("import_module", "__import__", "importorskip")
_STMT = re.compile(
    r"\n(?P<ind>[ \t]*)(?:"
    r"import[ \t]+(?P<imp>[^\n;]*)"
    r"|from(?=[ \t.])[ \t]*(?P<mod>\.*[ \t]*[\w.]*?)(?:(?<=\.)[ \t]*|[ \t]+)import\b[ \t]*"
    r"(?P<names>\([^)]*\)|[^\n;]*)"
    r")",
)
_ALIAS = re.compile(r"^\s*([A-Za-z_][\w.]*?|\*)\s*(?:\bas\s+([A-Za-z_]\w*))?\s*$")


class _LexImport(NamedTuple):
    module: str
    line: int
    bound: tuple[str, ...]
    star: bool
    reexport: bool
    indent: str
    dynamic: bool = False
    optional: bool = False


def _literal_start(text: str, pos: int, start: int) -> int:
    """Where the string literal whose quote is at ``start`` begins (its ``rb``/``f`` prefix)."""
    k = start
    if k > pos and text[k - 1] in _STR_PREFIX:
        k -= 1
        if k > pos and text[k - 1] in _STR_PREFIX:
            k -= 1
        if k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
            return start  # a name ending in a letter, e.g. ``if"x"``
    return k


def strip(text: str, strings: dict[int, str] | None = None) -> str:
    """Blank strings (to ``""``) and comments, keeping every newline.

    With ``strings``, record each literal (prefix and quotes included) under the offset of
    its ``""`` in the result.
    """
    out: list[str] = []
    append = out.append
    pos = 0
    size = 0
    for m in _LEX.finditer(text):  # the hot loop of the lexical stage: kept lean
        start, end = m.span()
        if text[start] == "#":
            append(text[pos:start])
            size += start - pos
        else:
            k = _literal_start(text, pos, start) if text[start - 1] in _STR_PREFIX else start
            append(text[pos:k])
            n = text.count("\n", start, end)
            if strings is not None:
                size += k - pos
                strings[size] = text[k:end]
                size += 2 + n
            append('""' + "\n" * n if n else '""')
        pos = end
    append(text[pos:])
    return "".join(out)


def parse_aliases(spec: str) -> list[tuple[str, str | None]]:
    """``a.b as c, d`` (or a parenthesised list) -> [(name, alias)]."""
    spec = spec.strip()
    if spec.startswith("("):
        if not spec.endswith(")"):
            raise NeedAst
        spec = spec[1:-1]
    spec = spec.replace("\\\n", " ")
    result: list[tuple[str, str | None]] = []
    for piece in spec.split(","):
        if not piece.strip():
            continue
        m = _ALIAS.match(piece)
        if m is None:
            raise NeedAst
        result.append((m.group(1), m.group(2)))
    if not result:
        raise NeedAst
    return result


def _from_import(m: re.Match[str], line: int) -> list[_LexImport]:
    mod = m.group("mod").replace(" ", "").replace("\t", "")
    if mod.startswith("."):
        return []  # relative: always first-party
    if not mod or mod.endswith(".") or ".." in mod:
        raise NeedAst
    ind = m.group("ind")
    found: list[_LexImport] = []
    for name, alias in parse_aliases(m.group("names")):
        if name == "*":
            found.append(_LexImport(mod, line, (), True, False, ind))
        elif "." in name:
            raise NeedAst
        else:
            bound = (alias or name,)
            found.append(_LexImport(f"{mod}.{name}", line, bound, False, alias == name, ind))
    return found


def _lex_imports(padded: str) -> tuple[list[_LexImport], list[tuple[int, int]]]:
    """Absolute imports of ``padded`` ("\n" + stripped text) and the spans of all statements."""
    found: list[_LexImport] = []
    spans: list[tuple[int, int]] = []
    line = 0
    pos = 0
    for m in _STMT.finditer(padded):
        spans.append((m.start(), m.end()))
        line += padded.count("\n", pos, m.start() + 1)
        pos = m.start() + 1
        if m.group("imp") is None:
            found.extend(_from_import(m, line))
            continue
        for name, alias in parse_aliases(m.group("imp")):
            if name == "*" or name.endswith("."):
                raise NeedAst
            bound = alias or name.split(".", 1)[0]
            found.append(_LexImport(name, line, (bound,), False, alias == name, m.group("ind")))
    return found, spans


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


def _read(text: str) -> tuple[str, list[_LexImport], list[tuple[int, int]]]:
    """Blanked text (with a leading "\n"), its absolute imports and all statement spans."""
    if "\f" in text:
        raise NeedAst  # a form feed resets indentation in ways the block reader can't follow
    if any(m in text for m in PYTESTER_MARKERS):
        raise NeedAst  # source handed to pytester: its imports are read from the tree
    strings: dict[int, str] | None = {} if any(n in text for n in _DYNAMIC_NAMES) else None
    padded = "\n" + strip(text, strings)
    lex, spans = _lex_imports(padded)
    if _count_import_keywords(padded) != len(spans):
        # an ``import`` keyword outside a line-leading statement: ``x = 1; import y``,
        # ``if x: import y``, a backslash continuation: the block structure needs the tree
        raise NeedAst
    if strings is not None:
        for mod, line, optional in dynamic_imports(padded, {k + 1: v for k, v in strings.items()}):
            lex.append(_LexImport(mod, line, (), True, False, "", True, optional))
    return padded, lex, spans


def lexical_imports(text: str, is_init: bool, wanted: Callable[[str], bool]) -> list[ImportRecord]:
    """The records of :func:`.scanner.scan_source`, or :class:`NeedAst`."""
    padded, lex, spans = _read(text)
    lex = [li for li in lex if wanted(li.module.split(".", 1)[0])]
    if not lex:
        return []
    layout = Layout(padded)
    lines = layout.lines
    known: dict[str, bool] = {}
    records: list[ImportRecord] = []
    where: list[Context | None] = []  # each record's enclosing blocks (None: top level)
    for li in lex:
        used = li.star or li.reexport or is_init
        for b in li.bound:
            if not used:
                if b not in known:
                    known[b] = certainly_loaded(padded, b, spans)
                used = known[b]
        if not used:
            raise NeedAst  # maybe used in a string annotation, __all__ or an f-string
        indent = line_indent(lines[li.line]) if li.dynamic else indent_width(li.indent)
        at = block_context(layout, li.line, indent) if indent else None
        tc, guarded = (at.type_checking, at.guarded) if at is not None else (False, False)
        records.append(
            ImportRecord(li.module, li.line, li.bound, used, tc, guarded or li.optional, li.dynamic)
        )
        # only a try's guard makes a package optional for the file's other imports
        where.append(at._replace(guarded=guarded and not li.optional) if at else None)
    return _settle_optional(records, where, padded)


def _settle_optional(
    records: list[ImportRecord], where: list[Context | None], text: str
) -> list[ImportRecord]:
    """Imports of a package the file also imports guarded, as :mod:`.astoptional` judges
    them where the text alone tells: in a function, when the module imports it guarded
    outside every function, optional too; at the top level, or in a function that neither
    is named like nor calls a function importing it guarded (and in no ``if`` branch),
    required. Any other case takes the tree."""
    optional = {r.module.split(".", 1)[0] for r in records if r.guarded}
    if not optional:
        return records
    module_wide: set[str] = set()
    in_functions: dict[str, set[str]] = {}  # package -> functions importing it guarded
    for r, at in zip(records, where, strict=True):
        if at is not None and at.guarded:
            top = r.module.split(".", 1)[0]
            if at.in_function:
                in_functions.setdefault(top, set()).add(at.function)
            else:
                module_wide.add(top)
    out: list[ImportRecord] = []
    for r, at in zip(records, where, strict=True):
        top = r.module.split(".", 1)[0]
        if r.guarded or top not in optional or at is None:
            out.append(r)
        elif at.in_function and top in module_wide:
            out.append(r._replace(guarded=True))
        elif at.under_if or (at.in_function and _may_follow_guard(at, r, in_functions, top, text)):
            raise NeedAst  # an if-branch's test, an earlier guarded import or call decides
        else:
            out.append(r)
    return out


def _may_follow_guard(
    at: Context, r: ImportRecord, in_functions: dict[str, set[str]], top: str, text: str
) -> bool:
    """Could the import run after a guarded import of ``top`` in its function: the function
    shares a name with one importing it guarded, or calls one before the import?"""
    guarding = in_functions.get(top, set())
    if at.function in guarding:
        return True
    lines = text.split("\n")
    body = "\n".join(lines[at.function_line : r.line])
    return any(re.search(rf"\b{re.escape(name)}\s*\(", body) for name in guarding)


def lexical_fallback(text: str, want: Callable[[str], bool]) -> list[ImportRecord]:
    """Best effort for files ast can't read (Python 2, syntax errors): every import counts."""
    try:
        padded = "\n" + strip(text)
    except (RecursionError, re.error):  # pragma: no cover
        return []
    recs: list[ImportRecord] = []
    for m in _STMT.finditer(padded):
        line = padded.count("\n", 0, m.start() + 1)
        try:
            if m.group("imp") is not None:
                for name, alias in parse_aliases(m.group("imp")):
                    recs.append(ImportRecord(name, line, (alias or name.split(".")[0],), True))
            else:
                mod = m.group("mod").strip()
                if mod.startswith(".") or not mod:
                    continue
                for name, alias in parse_aliases(m.group("names")):
                    full = mod if name == "*" else f"{mod}.{name}"
                    recs.append(ImportRecord(full, line, (alias or name,), True))
        except NeedAst:
            continue
    for m in re.finditer(
        r"\b(?:import_module|__import__|importorskip)[ \t]*\([ \t]*"
        r"(?:(?:name|modname)[ \t]*=[ \t]*)?[rRuU]?(['\"])([\w.]+)\1",
        text,
    ):
        line = text.count("\n", 0, m.start()) + 1
        recs.append(ImportRecord(m.group(2), line, (), True, dynamic=True))
    return [r for r in recs if DOTTED.fullmatch(r.module) and want(r.module.split(".", 1)[0])]
