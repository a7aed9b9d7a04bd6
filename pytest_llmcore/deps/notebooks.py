"""Python source of a Jupyter notebook's code cells, with IPython magics removed."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .lazyre import lazy_compile
from .records import Evidence

__all__ = ["NOTEBOOK_TOOLS", "notebook_source", "shipped_notebooks_evidence"]

#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "writefile"})
_LINE_MAGIC = lazy_compile(r"^\s*(?:[%!]|\w+\s*=\s*[%!])|^\s*\w[\w.]*\?{1,2}\s*$")


def notebook_source(raw: bytes) -> tuple[str, list[tuple[int, int]]]:
    """(source, cell map). The map gives, per cell, (cell number, first source line).

    Raises ValueError for a file that is not a notebook.
    """
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON notebook ({exc})") from exc
    except RecursionError:
        raise ValueError("not a JSON notebook (nested too deeply)") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        # nbformat 3 keeps cells in worksheets
        sheets = nb.get("worksheets") if isinstance(nb, dict) else None
        sheets = sheets if isinstance(sheets, list) else []
        cells = [
            c
            for ws in sheets
            if isinstance(ws, dict) and isinstance(ws.get("cells"), list)
            for c in ws["cells"]
        ]
    lines: list[str] = []
    cell_map: list[tuple[int, int]] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            text = "".join(x for x in src if isinstance(x, str))
        else:
            text = src if isinstance(src, str) else ""
        body = text.splitlines()
        if body and body[0].lstrip().startswith("%%"):
            magic = body[0].strip()[2:].split()[0] if body[0].strip()[2:] else ""
            if magic not in _PYTHON_CELL_MAGICS or magic == "writefile":
                continue
            body = ["pass", *body[1:]]
        cell_map.append((number, len(lines) + 1))
        for line in body:
            if _LINE_MAGIC.match(line):
                line = line[: len(line) - len(line.lstrip())] + "pass"
            lines.append(line)
        lines.append("")
    return "\n".join(lines), cell_map


def cell_of(cell_map: list[tuple[int, int]], line: int) -> str:
    """``cell 3, line 2`` for a line of :func:`notebook_source`'s output."""
    best = (0, 1)
    for number, first in cell_map:
        if first <= line:
            best = (number, first)
    return f"cell {best[0]}, line {line - best[1] + 1}"


#: Jupyter front ends and the kernel that open and run a project's notebooks
NOTEBOOK_TOOLS = frozenset({"jupyter", "notebook", "jupyterlab", "ipykernel", "nbclassic", "voila"})


def shipped_notebooks_evidence(key: str, sources: Iterable[tuple[str, object]]) -> Evidence | None:
    """A Jupyter front end or kernel (:data:`NOTEBOOK_TOOLS`) is used when the project ships
    notebooks (``.ipynb`` among the scanned files, none in a hidden folder): they are opened
    with it. ``sources``: (relative path, path) of the scanned files."""
    if key not in NOTEBOOK_TOOLS:
        return None
    books = [
        rel
        for rel, _ in sources
        if rel.endswith(".ipynb") and not any(p.startswith(".") for p in rel.split("/"))
    ]
    if not books:
        return None
    first = sorted(books)[0]
    return Evidence(
        f"the project ships {len(books)} notebook{'s' if len(books) > 1 else ''} ({first})", first
    )
