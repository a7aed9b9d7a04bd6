"""Find a file's imports and whether each imported name is used, without running the file.

Parsing every file with :mod:`ast` is too slow for large trees (17 s for torch's 2,285
files on 2 cores), so a file goes through up to three stages, each taken only when the
previous one cannot decide:

1. *prefilter* (:mod:`.prefilter`): one line-anchored regex over the raw text lists the
   modules a file may import. A file whose candidates are all standard library or
   first-party is done.
2. *lexical* (:mod:`.lexical`): strings and comments are blanked out; import statements,
   their block context and the loads of each bound name are read from what is left. It
   only ever concludes "used", from occurrences that are loads whatever the context.
3. *ast* (:mod:`.astscan`): the exact answer, taken when stage 2 can't prove a bound name
   used, for inline imports, or block structure it cannot read.

Stages 2 and 3 reach the same records, ``used`` included (a property test checks it); a
file that does not parse falls back to a lexical best effort with a note.

Uses are tracked per binding and per module, unlike vulture, which pools every file's
names (``x.loguru`` anywhere hides a dead ``import loguru``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from .astscan import ast_imports, ast_records
from .lexical import NeedAst, lexical_fallback, lexical_imports
from .prefilter import candidate_modules
from .pytester_sources import MARKERS as PYTESTER_MARKERS
from .records import FileImports

__all__ = ["ast_imports", "candidate_modules", "scan_source"]


def _everything(_top: str) -> bool:
    return True


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
    want = wanted if wanted is not None else _everything
    if "\r" in text:  # Python reads a lone CR as a line break, and so must the stages
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    tops, hidden = candidate_modules(text)
    # imports inside source handed to pytester need not start a line
    hidden = hidden or any(m in text for m in PYTESTER_MARKERS)
    if not hidden and not any(want(t) for t in tops):
        return FileImports(())
    try:
        return FileImports(tuple(lexical_imports(text, is_init, want)))
    except NeedAst:
        pass
    except (RecursionError, re.error):  # pragma: no cover - pathological input
        pass
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        return FileImports(
            tuple(lexical_fallback(text, want)),
            problem=f"not valid Python 3 ({reason}{where}); imports read lexically",
        )
    records = ast_records(tree, is_init, text, filename)
    return FileImports(tuple(r for r in records if want(r.module.split(".", 1)[0])))
