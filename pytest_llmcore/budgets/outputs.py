"""The run's outputs: JSON report, HTML report, GitHub step summary, baseline.

Each output is attempted even when another one failed; each failure is one line, and the
plugin turns any failure into a non-zero exit status. Files are written atomically.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from .. import __version__
from ..core.errors import InputError
from ..core.fsutil import append_regular, atomic_write_bytes
from ..core.vcs import commit_and_branch
from .baseline import Tests, baseline_path, save_baseline
from .context import BudgetsContext
from .report import html_report, json_report, markdown_summary
from .results import BudgetResult

__all__ = ["notes", "report_extra", "run_facts", "session_report", "write_outputs"]


def run_facts(root: Path, machine_key: str) -> dict[str, str | None]:
    """When and on what this run was made: a unique id, UTC time, git commit and branch,
    machine key. The id keeps two runs apart that share everything else (two identical runs
    in one second would otherwise be one run in the history store, which keys a run by its
    report's content so that importing a report twice stores it once)."""
    commit, branch = commit_and_branch(root)
    return {
        "id": uuid.uuid4().hex,
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "branch": branch,
        "machine_key": machine_key,
    }


def _write(path: Path, text: str) -> None:
    if path.exists() and not path.is_file() and not path.is_dir():
        # an atomic write would replace the node itself (as root, /dev/full with a file)
        raise ValueError("not a regular file (a device, pipe or socket): give a file path")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, text.encode("utf-8"))


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _baseline_tests(results: Sequence[BudgetResult]) -> Tests:
    """The baseline file's tests: statistics and kept samples per metric."""
    return {
        r.nodeid: {
            k: {**v.stats.to_json(), "samples": list(v.samples)} for k, v in r.metrics.items()
        }
        for r in results
        if r.metrics
    }


def report_extra(ctx: BudgetsContext, facts: Mapping[str, object]) -> dict[str, object]:
    """The report's run-level tables besides machine, profile and tests."""
    return {
        "run": dict(facts),
        "software": {
            "pytest-llmcore": __version__,
            "pytest": pytest.__version__,
            **ctx.machine.engines,
        },
        "baseline": None if ctx.baseline is None else ctx.baseline.name,
        "baseline_note": ctx.baseline_note,
        "software_note": ctx.software_note,
        "key": ctx.key.to_json(),
    }


def session_report(ctx: BudgetsContext, results: Sequence[BudgetResult]) -> dict[str, object]:
    """The ``--llmcore-json`` content as plain JSON values (for pytest_llmcore_session_results)."""
    facts = run_facts(ctx.config.rootpath, ctx.run.machine_key)
    text = json_report(results, ctx.machine_json, ctx.profile, report_extra(ctx, facts))
    data: dict[str, object] = json.loads(text)
    return data


def _sections(ctx: BudgetsContext, results: Sequence[BudgetResult], kind: str) -> list[str]:
    """What ``pytest_llmcore_report_sections`` hooks add to the ``kind`` report."""
    hook = ctx.config.hook.pytest_llmcore_report_sections
    if not hook.get_hookimpls():
        return []
    found = hook(config=ctx.config, report=session_report(ctx, results), kind=kind)
    return [str(x) for x in found if x is not None]


def notes(ctx: BudgetsContext) -> list[str]:
    return [n for n in (ctx.software_note, ctx.baseline_note) if n]


def _html_job(
    ctx: BudgetsContext, results: Sequence[BudgetResult], facts: Mapping[str, object], path: str
) -> Callable[[], str]:
    def write_html() -> str:
        sections = _sections(ctx, results, "html")
        page = html_report(
            results, ctx.machine_json, ctx.profile, facts, sections, notes(ctx), ctx.metrics
        )
        _write(Path(path), page)
        return str(path)

    return write_html


def write_outputs(
    ctx: BudgetsContext, results: Sequence[BudgetResult]
) -> tuple[list[str], list[str]]:
    """(what was written, what failed), one line each."""
    opt = ctx.config.getoption
    wanted = opt("llmcore_json") or opt("llmcore_html") or opt("llmcore_save_baseline")
    # git runs only when a file will hold the facts
    facts = run_facts(ctx.config.rootpath, ctx.run.machine_key) if wanted else {}
    jobs: list[tuple[str, Callable[[], str]]] = []
    json_path = opt("llmcore_json")
    if json_path:
        extra = report_extra(ctx, facts)

        def write_json() -> str:
            _write(Path(json_path), json_report(results, ctx.machine_json, ctx.profile, extra))
            return str(json_path)

        jobs.append((f"the JSON report {json_path}", write_json))
    html_path = opt("llmcore_html")
    if html_path:
        jobs.append((f"the HTML report {html_path}", _html_job(ctx, results, facts, html_path)))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and results:

        def write_summary() -> str:
            extra = _sections(ctx, results, "markdown")
            page = markdown_summary(results, ctx.run, extra, notes(ctx), ctx.metrics)
            append_regular(summary, page)
            return f"GitHub step summary ({summary})"

        jobs.append((f"the GitHub step summary {summary}", write_summary))
    save = opt("llmcore_save_baseline")
    if save:

        def write_baseline() -> str:
            path = baseline_path(ctx.baseline_dir(), save)
            tests = _baseline_tests(results)
            return save_baseline(path, save, ctx.key, tests, facts, ctx.metrics)

        jobs.append((f"baseline {save!r}", write_baseline))
    written: list[str] = []
    failed: list[str] = []
    for what, job in jobs:
        try:
            written.append(job())
        except (OSError, InputError, ValueError) as exc:
            failed.append(f"could not write {what}: {_why(exc)}")
    return written, failed
