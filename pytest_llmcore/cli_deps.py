"""``llmcore deps``: the dependency gate, and its --fix/--diff."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .cli_output import common, emit, err
from .options import add_deps_options

__all__ = ["deps_parser", "run_deps"]


def deps_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deps",
        parents=[common()],
        help="check declared dependencies against imports",
        description="Find declared dependencies that are never used (an import whose name is "
        "never used is not a use), imports nothing declares, dev dependencies imported by "
        "runtime code, and transitive-only imports. Exit status 1 when the gate fails.",
    )
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="output: text (default), json, or GitHub Actions annotations",
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="remove failing unused dependencies from the files that declare them",
    )
    p.add_argument(
        "--diff", action="store_true", help="show what --fix would change; write nothing"
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="also say where each dependency is used"
    )
    add_deps_options(p.add_argument, "--")


def _fix(
    args: argparse.Namespace, root: Path, result: Any, settings: Any
) -> tuple[dict[str, Any], bool]:
    """Apply the fix (with --diff, only plan it): what the JSON output adds about it, and
    whether there are edits."""
    from .deps.fix import apply_fix, plan_result_fix

    plan = plan_result_fix(root, result, settings)
    for line in plan.refused:
        err(f"llmcore deps: --fix: {line}")
    extra: dict[str, Any] = {"kept": plan.refused}
    if args.diff:
        extra["diff"] = plan.diff()
        return extra, bool(plan.edits)
    apply_fix(plan.edits)
    for line in plan.report():  # a note: stdout stays the chosen format's alone
        (err if args.format != "text" else emit)(line)
    extra["removed"] = [
        {"dependency": d.name, "requirement": d.requirement, "declared_in": str(d.location)}
        for e in plan.edits
        for d in e.removed
    ]
    return extra, bool(plan.edits)


def run_deps(args: argparse.Namespace) -> int:
    from .deps.gate import project_root_for, run_gate
    from .deps.report import render_github, render_json, render_text
    from .deps.settings import settings_for_run

    path = Path(args.path)
    if not path.exists():
        err(f"llmcore deps: {path}: no such file or directory")
        return 2
    root = path if path.is_dir() else project_root_for(path)
    settings = settings_for_run(root, args.llmcore_deps_fail_on, "--fail-on")
    use_cache = False if args.llmcore_deps_no_cache else None
    result = run_gate(root, settings, use_cache=use_cache)
    extra: dict[str, Any] = {}
    if args.fix or args.diff:
        extra, edited = _fix(args, root, result, settings)
        if args.diff and args.format != "json":
            emit(extra["diff"])
            return 1 if edited else 0
        if edited and not args.diff:
            result = run_gate(root, settings, use_cache=use_cache)
    if args.format == "json":
        data = json.loads(render_json(result))
        data.update(extra)
        emit(json.dumps(data, indent=2))
    elif args.format == "github":
        emit(render_github(result))
    else:
        emit(render_text(result, verbose=args.verbose))
    if args.diff:
        return 1 if extra.get("diff") else 0
    return 1 if result.failed else 0
