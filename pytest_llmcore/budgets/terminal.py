"""The terminal summary of a budgets run, and its GitHub annotations."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from ..core.github import workflow_command
from .context import BudgetsContext
from .report import BAD, counts_line, rows, table_lines
from .results import BudgetResult

__all__ = ["write_summary"]


def write_summary(
    tr: pytest.TerminalReporter,
    ctx: BudgetsContext,
    results: Sequence[BudgetResult],
    written: Sequence[str],
) -> None:
    """Table, rooflines, notes, written files; ``::error`` lines under GitHub Actions."""
    if not results and not ctx.baseline_note and not written:
        return
    tr.write_sep("=", f"llmcore budgets: profile {ctx.profile} ({ctx.device})")
    for line in table_lines(rows(results, ctx.metrics)) if results else []:
        tr.write_line(line, red=any(f" {w}" in line for w in BAD))
    said = counts_line(results)
    if said:
        tr.write_line(f"llmcore verdicts: {said}")
    for r in results:
        roof = r.roofline
        if roof is not None and roof.percent is not None:
            tr.write_line(
                f"llmcore roofline: {r.nodeid}: {roof.tokens_per_s:.1f} tok/s = "
                f"{roof.percent:.0f}% of roofline ({roof.bandwidth_gbs:.0f} GB/s "
                f"{roof.bandwidth_source} / "
                f"{roof.bytes_per_token / 1e6:.1f} MB per token "
                f"= {roof.bound_tokens_per_s:.0f} tok/s)"
            )
    if ctx.software_note:
        tr.write_line(f"llmcore: {ctx.software_note} (compared all the same)", yellow=True)
    if ctx.baseline_note:
        tr.write_line(f"llmcore: {ctx.baseline_note}", yellow=True)
    if ctx.machine.gpu_note and ctx.profile == "cpu":
        tr.write_line(f"llmcore: no GPU ({ctx.machine.gpu_note}); profile cpu")
    for what in written:
        tr.write_line(f"llmcore: wrote {what}")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for r in results:
            file, lineno = r.location
            for v in r.verdicts:
                level = "error" if not v.passed else None
                if v.passed and v.outcome == "inconclusive":
                    level = "warning"
                if level is not None:
                    tr.write_line(
                        workflow_command(
                            level, v.message, file=file, line=lineno, title="llmcore budget"
                        )
                    )
