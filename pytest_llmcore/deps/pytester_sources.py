"""Python source handed to pytester: ``pytester.makepyfile('''import pytest_asyncio ...''')``.

A plugin's own tests write test files through ``pytester``/``testdir`` and run them; the
imports inside those strings are imports of the test code. The string arguments (and
keyword values: ``makepyfile(test_a='''...''')``) of ``makepyfile`` and ``makeconftest``
are parsed as Python and their used imports recorded at the string's line (``used`` is
read inside that source: an import its snippet never uses is no use, and not recorded, as
``--fix`` has no statement of the file to remove). They are recorded as guarded: a
snippet's import may name a module the test writes itself, or one meant to be missing.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator

from .records import ImportRecord

__all__ = ["MARKERS", "pytester_sources", "source_records"]

#: methods that write a Python file: a cheap text test before walking the tree
MARKERS = ("makepyfile", "makeconftest")


def pytester_sources(tree: ast.AST) -> Iterator[tuple[int, str, bool]]:
    """``(line, source, spans_lines)`` for each string literal passed to ``makepyfile`` or
    ``makeconftest``; ``spans_lines`` when the literal's own lines are the source's lines
    (a triple-quoted block, not ``"import x\\n..."`` on one line)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in MARKERS:
            continue
        args = [*node.args, *(k.value for k in node.keywords)]
        # ``makepyfile(**{"test_a": "..."})``: the values of a dict display are sources too
        values = [v for a in args if isinstance(a, ast.Dict) for v in a.values]
        for arg in args + values:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield arg.lineno, arg.value, arg.end_lineno != arg.lineno


def source_records(
    tree: ast.AST,
    records: Callable[[ast.Module, str], list[ImportRecord]],
) -> list[ImportRecord]:
    """The import records of every pytester source string in ``tree``, at the string's line.

    ``records(tree, text)`` reads one parsed snippet (the ast stage's reader, which does
    not look for snippets inside it again); a snippet that does not parse is skipped, as
    pytester would fail on it too.
    """
    out: list[ImportRecord] = []
    for line, source, spans_lines in pytester_sources(tree):
        text = textwrap.dedent(source)
        try:
            inner = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for rec in records(inner, text):
            if rec.used:
                at = line + rec.line - 1 if spans_lines else line
                # guarded: a snippet may import what the test itself writes, or a module
                # that must be missing; it shows a use, never a missing dependency
                out.append(rec._replace(line=at, guarded=True))
    return out
