"""Trend sections for this run's reports: charts in ``--llmcore-html``, a table in the step summary.

Per budgeted metric of this run: the series of the same test and metric on the same machine
key from the store (the last :data:`WINDOW` runs, any branch), with this run appended last
(highlighted), the budget line and the change points.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .changes import Change
from .html import find_changes, series_svg
from .model import ResultRecord, RunRecord, from_report
from .store import Point, Store

__all__ = ["TABLE_LAST", "WINDOW", "Series", "html_section", "markdown_section", "series_of"]

WINDOW = 30
"""Runs per chart (and per change-point search), this run included."""
TABLE_LAST = 10
"""Runs per row of the step summary's table, this run included."""
# scoped: the fragment sits inside another page
_STYLE = (
    ".llmcore-history figure { margin: 12px 0 24px; }"
    " .llmcore-history figcaption { font-size: 13px; color: #444; }"
    " .llmcore-history svg.trend { background: #fafafa; border: 1px solid #ddd; }"
    " .llmcore-history svg text { font-size: 11px; fill: #333; }"
)


@dataclass(frozen=True)
class Series:
    """One budgeted metric of this run with its recent history, oldest first, this run last."""

    points: tuple[Point, ...]
    budget: float | None
    changes: tuple[Change, ...]


def _this_point(run: RunRecord, r: ResultRecord) -> Point:
    return Point(
        time=run.time,
        commit=run.commit,
        branch=run.branch,
        machine_key=run.machine_key,
        profile=run.profile,
        nodeid=r.nodeid,
        metric=r.metric,
        unit=r.unit,
        stat=r.stat,
        value=r.value,
        verdict=r.verdict,
        budget=r.budget,
        samples=r.samples,
        run_key=run.run_key,
    )


def series_of(store: Store, report: dict[str, Any]) -> list[Series]:
    """The series of every budgeted metric in ``report`` (this run's session report)."""
    run, results = from_report(report, "this run's report")
    out = []
    for r in results:
        if r.verdict is None:  # no budget on this metric: not charted
            continue
        past = [
            p
            for p in store.points(r.nodeid, r.metric, run.machine_key)
            # this run, if the store already has it (the append may run first): drawn once
            if p.run_key != run.run_key
        ]
        points = (*past[-(WINDOW - 1) :], _this_point(run, r))
        changes = tuple(find_changes([p.value for p in points]))
        out.append(Series(points, r.budget, changes))
    return out


def _caption(s: Series) -> str:
    this = s.points[-1]
    budget = "" if s.budget is None else f", budget {s.budget:.4g} {this.unit}"
    return (
        f"{this.nodeid} - {this.metric} {this.stat}: {this.value:.4g} {this.unit} in this run "
        f"({this.verdict}{budget}); {len(s.points) - 1} earlier runs on {this.machine_key}"
    )


def html_section(series: Sequence[Series]) -> str:
    """A self-contained fragment: one chart per budgeted metric, this run circled."""
    body = ['<section class="llmcore-history"><h2>Trends (performance history)</h2>']
    body.append(f"<style>{_STYLE}</style>")
    for s in series:
        svg = series_svg(s.points, s.budget, s.changes)
        body.append(f"<figure>{svg}<figcaption>{html.escape(_caption(s))}</figcaption></figure>")
    if not series:
        body.append("<p>No budgeted metric in this run.</p>")
    body.append("</section>")
    return "".join(body)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _latest_change(s: Series) -> str:
    if not s.changes:
        return "none"
    c = s.changes[-1]
    commit = (s.points[c.index].commit or "?")[:8]
    ago = len(s.points) - 1 - c.index  # this run is 0 runs ago
    return (
        f"{c.relative:+.1%} at `{commit}` ({ago} run{'s' if ago != 1 else ''} ago, "
        f"confidence {c.confidence:.1%})"
    )


def markdown_section(series: Sequence[Series]) -> str:
    """A small table for the GitHub step summary: last runs and the latest change point."""
    lines = [
        f"### Performance history (last {TABLE_LAST} runs on this machine)",
        "",
        "| test | metric | this run | budget | last runs, oldest first | latest change point |",
        "|---|---|---|---|---|---|",
    ]
    for s in series:
        this = s.points[-1]
        recent = ", ".join(f"{p.value:.4g}" for p in s.points[-TABLE_LAST:])
        budget = "-" if s.budget is None else f"{s.budget:.4g} {this.unit}"
        row = (
            f"`{this.nodeid}`",
            f"{this.metric} {this.stat}",
            f"{this.value:.4g} {this.unit} ({this.verdict})",
            budget,
            recent,
            _latest_change(s),
        )
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    if not series:
        lines[2:] = ["No budgeted metric in this run."]
    return "\n".join(lines) + "\n"
