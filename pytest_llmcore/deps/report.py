"""Render a gate result as text, JSON or GitHub Actions annotations."""

from __future__ import annotations

import json
import os

from ..core.github import workflow_command
from .records import Finding, GateResult

__all__ = ["render_github", "render_json", "render_text", "summary_line"]


def _mark(f: Finding, result: GateResult) -> str:
    if f.ignored_reason is not None:
        return "ignored"
    return "FAIL" if f.kind in result.fail_on else "warn"


def summary_line(result: GateResult) -> str:
    n_fail = len(result.failing)
    deps = len({d.key for d in result.declared})
    if n_fail:
        names = ", ".join(sorted({f.dependency for f in result.failing}))
        return (
            f"llmcore deps: {n_fail} failing finding(s) ({names}) in {deps} declared "
            f"dependencies, {result.files_scanned} files scanned"
        )
    return (
        f"llmcore deps: ok ({deps} declared dependencies, {result.files_scanned} files scanned,"
        f" {len(result.findings)} non-failing finding(s))"
    )


def render_text(result: GateResult, verbose: bool = False) -> str:
    """One line per finding, ``FILE:LINE: dependency: kind (CODE) - evidence``, then notes."""
    lines: list[str] = []
    for f in sorted(
        result.findings, key=lambda f: (_mark(f, result) != "FAIL", f.code, f.dependency)
    ):
        where = (
            f.declared_in
            or (f.evidence[0].file and f"{f.evidence[0].file}:{f.evidence[0].line}")
            or "-"
        )
        tag = _mark(f, result)
        lines.append(f"{tag:7} {where}: {f.message()}")
        if f.ignored_reason is not None:
            lines.append(f"        ignored: {f.ignored_reason}")
    if verbose:
        for dist, ev in sorted(result.used_by.items()):
            lines.append(f"used    {dist}: {ev[0].text}")
    for note in result.notes:
        lines.append(f"note    {note}")
    lines.append(summary_line(result))
    return "\n".join(lines)


def render_json(result: GateResult) -> str:
    data = {
        "root": result.root,
        "failed": result.failed,
        "fail_on": sorted(k.value for k in result.fail_on),
        "files_scanned": result.files_scanned,
        "declared": [
            {
                "dependency": d.name,
                "requirement": d.requirement,
                "declared_in": d.location,
                "section": d.section,
                "dev": d.dev,
            }
            for d in result.declared
        ],
        "findings": [f.to_json() for f in result.findings],
        "used": {k: [e.text for e in v] for k, v in sorted(result.used_by.items())},
        "notes": result.notes,
    }
    return json.dumps(data, indent=2)


def render_github(result: GateResult, cwd: str | None = None) -> str:
    """``::error file=..,line=..::`` at the declaring line (or the import for undeclared ones).

    Paths are made relative to ``cwd`` (the repository root in a workflow), so a project in a
    subdirectory is annotated at the right file.
    """
    base = cwd if cwd is not None else os.getcwd()
    out: list[str] = []
    for f in result.findings:
        if f.ignored_reason is not None:
            continue
        level = "error" if f.kind in result.fail_on else "warning"
        if f.declared:
            file, line = f.declared[0].file, f.declared[0].line
        else:
            file, line = f.evidence[0].file or "", f.evidence[0].line or 1
        file = os.path.relpath(os.path.join(result.root, file), base).replace(os.sep, "/")
        title = f"{f.code} {f.kind.value} dependency"
        out.append(workflow_command(level, f.message(), file=file, line=line, title=title))
    out.append(summary_line(result))
    return "\n".join(out)
