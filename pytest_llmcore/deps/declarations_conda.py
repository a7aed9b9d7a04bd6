"""Declarations in a conda ``environment.yml``: its conda names and its ``pip:`` list.

Read line by line (the format is a fixed shape: ``dependencies:`` holding ``- name`` items
and one ``- pip:`` list), so each entry keeps its line and no YAML library is needed.
"""

from __future__ import annotations

import re
from pathlib import Path

from .declarations_conda_names import CONDA_NON_PYTHON, CONDA_TO_PYPI
from .declarations_req import DeclaredSink, parse_requirement_name, parse_suppression, rel_path
from .lazyre import lazy_compile
from .records import Declared, canonical_name

__all__ = ["ENVIRONMENT_FILES", "read_environment_yml"]

ENVIRONMENT_FILES: tuple[str, ...] = ("environment.yml", "environment.yaml", "conda.yml")
_ITEM = lazy_compile(r"^(\s*)-\s+(.*?)\s*$")
_CONDA_SPEC = lazy_compile(r"^(?:[\w.-]+(?:/[\w.-]+)?::)?([A-Za-z0-9][A-Za-z0-9._-]*)")


def _strip_comment(text: str) -> str:
    return re.sub(r"(^|\s)#.*$", "", text).strip().strip("\"'")


def read_environment_yml(path: Path, out: DeclaredSink) -> None:
    rel = rel_path(path, out.root)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        out.notes.append(f"{rel}: cannot read ({exc.strerror})")
        return
    before = len(out.declared)
    in_deps = False
    pip_indent: int | None = None
    for no, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            in_deps = raw.split("#", 1)[0].strip() == "dependencies:"
            pip_indent = None
            continue
        m = _ITEM.match(raw)
        if not in_deps or m is None:
            continue
        indent, item = len(m.group(1)), _strip_comment(m.group(2))
        if pip_indent is not None and indent <= pip_indent:
            pip_indent = None
        if item.rstrip(":") == "pip" and item.endswith(":"):
            pip_indent = indent
            continue
        sup = parse_suppression(raw)
        if pip_indent is not None:
            if item.startswith("-") or re.match(r"^(\.{0,2}/|[a-z+]+://)", item):
                continue  # -r, -e, local paths: nothing to check here
            dist = parse_requirement_name(item)
            if dist is not None:
                out.declared.append(Declared(dist, item, rel, no, "conda.pip", False, suppress=sup))
            continue
        spec = _CONDA_SPEC.match(item)
        if spec is None:
            continue
        name = canonical_name(spec.group(1))
        if name in CONDA_NON_PYTHON or name.startswith(("cuda-", "r-", "_")):
            continue  # not a Python package
        dist = CONDA_TO_PYPI.get(name, spec.group(1))
        out.declared.append(
            Declared(dist, item, rel, no, "conda.dependencies", False, suppress=sup)
        )
    if len(out.declared) > before:
        out.files.append(rel)
