"""Evidence read from the project's own source files without their imports: shipped
notebooks, and a type checker's or linter's directive comments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .notebooks import NOTEBOOK_TOOLS, shipped_notebooks_evidence
from .records import Evidence
from .safeio import read_text

__all__ = ["DIRECTIVE_TOOLS", "source_evidence"]

#: Distribution -> the directive its comments start with. Only directives no other tool
#: reads: ``# noqa``, ``# type: ignore`` and ``# fmt: off`` are shared by several tools and
#: prove none of them.
DIRECTIVE_TOOLS: dict[str, str] = {
    "pytype": "pytype:",
    "pyright": "pyright:",
    "basedpyright": "pyright:",
    "pylint": "pylint:",
    "pyre-check": "pyre-",
}


_DIRECTIVE_PATTERNS = {
    d: re.compile(rf"#\s*{re.escape(d)}\s*[\w-]") for d in set(DIRECTIVE_TOOLS.values())
}


def _directive_evidence(key: str, sources: Iterable[tuple[str, Path]]) -> Evidence | None:
    """A directive comment for the tool (``# pytype: disable=attribute-error``) in a
    Python source: the code is written for that tool to check it."""
    directive = DIRECTIVE_TOOLS.get(key)
    if directive is None:
        return None
    pattern = _DIRECTIVE_PATTERNS[directive]
    for rel, path in sources:
        if not rel.endswith(".py"):
            continue
        try:
            text = read_text(path)
        except OSError:
            continue
        if directive not in text:
            continue
        m = pattern.search(text)
        if m is not None:
            line = text.count("\n", 0, m.start()) + 1
            src = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())].strip()
            return Evidence(f"its directive comments in the code: {rel}:{line} `{src}`", rel, line)
    return None


def source_evidence(key: str, sources: Iterable[tuple[str, Path]]) -> Evidence | None:
    """Shipped notebooks (a Jupyter front end) or directive comments (a checker); a
    distribution is in one table at most, so ``sources`` is read once."""
    if key in NOTEBOOK_TOOLS:
        return shipped_notebooks_evidence(key, sources)
    return _directive_evidence(key, sources)
