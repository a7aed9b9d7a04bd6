"""``llmcore history html``: one self-contained page of trend charts (inline SVG, no script).

Per machine: one chart per (test, metric) with the judged statistic over runs, the budget
line, change points marked with their commit, and the newest run highlighted. Then a
cross-machine view: the same test and metric on every machine that ran it.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..core.errors import LlmcoreError
from .changes import Change, detect
from .store import Point

__all__ = ["find_changes", "history_html", "series_svg"]

_W, _H, _PAD = 640, 220, 48
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; }
figure { margin: 12px 0 24px; } figcaption { font-size: 13px; color: #444; }
svg.trend { background: #fafafa; border: 1px solid #ddd; }
svg text { font-size: 11px; fill: #333; }
"""


def _scale(values: Sequence[float], budget: float | None) -> tuple[float, float]:
    lo = min([*values, *([budget] if budget is not None else [])])
    hi = max([*values, *([budget] if budget is not None else [])])
    if hi == lo:
        lo, hi = lo * 0.95 if lo else -1.0, hi * 1.05 if hi else 1.0
    margin = (hi - lo) * 0.08
    return lo - margin, hi + margin


def _xy(i: int, n: int, v: float, lo: float, hi: float) -> tuple[float, float]:
    x = _PAD + (i * (_W - 2 * _PAD) / max(1, n - 1))
    y = _H - _PAD / 2 - (v - lo) / (hi - lo) * (_H - _PAD)
    return round(x, 1), round(y, 1)


def _axes(lo: float, hi: float, unit: str, n: int) -> list[str]:
    out = [
        f'<line x1="{_PAD}" y1="{_PAD / 2}" x2="{_PAD}" y2="{_H - _PAD / 2}" stroke="#888"/>',
        f'<line x1="{_PAD}" y1="{_H - _PAD / 2}" x2="{_W - _PAD}" y2="{_H - _PAD / 2}" '
        'stroke="#888"/>',
        f'<text x="4" y="{_PAD / 2 + 4}">{hi:.4g} {html.escape(unit)}</text>',
        f'<text x="4" y="{_H - _PAD / 2}">{lo:.4g}</text>',
        f'<text x="{_W - _PAD}" y="{_H - 4}" text-anchor="end">{n} runs, oldest left</text>',
    ]
    return out


def series_svg(points: Sequence[Point], budget: float | None, changes: Iterable[Change]) -> str:
    """One trend chart: the values, the budget line, change points, the last run circled."""
    values = [p.value for p in points]
    lo, hi = _scale(values, budget)
    n = len(points)
    parts = _axes(lo, hi, points[-1].unit, n)
    if budget is not None:
        _, y = _xy(0, n, budget, lo, hi)
        parts.append(
            f'<line class="budget" x1="{_PAD}" y1="{y}" x2="{_W - _PAD}" y2="{y}" '
            'stroke="#d62728" stroke-dasharray="6 4"/>'
            f'<text x="{_W - _PAD + 2}" y="{y + 4}">budget</text>'
        )
    for c in changes:
        x, _ = _xy(c.index, n, lo, lo, hi)
        label = html.escape((points[c.index].commit or "?")[:8])
        parts.append(
            f'<line class="change" x1="{x}" y1="{_PAD / 2}" x2="{x}" y2="{_H - _PAD / 2}" '
            f'stroke="#ff7f0e" stroke-dasharray="3 3"/><text x="{x + 3}" y="{_PAD / 2 + 10}">'
            f"{c.relative:+.1%} at {label}</text>"
        )
    coords = [_xy(i, n, v, lo, hi) for i, v in enumerate(values)]
    path = " ".join(f"{x},{y}" for x, y in coords)
    parts.append(
        f'<polyline fill="none" stroke="{_COLOURS[0]}" stroke-width="1.5" points="{path}"/>'
    )
    for (x, y), p in zip(coords, points, strict=True):
        tip = html.escape(f"{p.time} {p.branch or ''} {p.commit or ''} {p.value:.4g} {p.unit}")
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="2.5" fill="{_COLOURS[0]}"><title>{tip}</title></circle>'
        )
    x, y = coords[-1]
    parts.append(f'<circle class="latest" cx="{x}" cy="{y}" r="5" fill="none" stroke="#000"/>')
    return _svg(parts)


def _svg(parts: Iterable[str]) -> str:
    body = "".join(parts)
    return f'<svg class="trend" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}">{body}</svg>'


def _cross_svg(by_machine: dict[str, list[Point]]) -> str:
    everything = [p for pts in by_machine.values() for p in pts]
    lo, hi = _scale([p.value for p in everything], None)
    times = sorted({p.time for p in everything})
    n = len(times)
    parts = _axes(lo, hi, everything[-1].unit, n)
    for k, (machine, pts) in enumerate(sorted(by_machine.items())):
        colour = _COLOURS[k % len(_COLOURS)]
        coords = [_xy(times.index(p.time), n, p.value, lo, hi) for p in pts]
        path = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>'
        )
        parts.append(
            f'<text x="{_PAD + 8}" y="{_PAD / 2 + 14 * (k + 1)}" style="fill:{colour}">'
            f"{html.escape(machine)}</text>"
        )
    return _svg(parts)


def _group(points: Iterable[Point]) -> dict[str, dict[tuple[str, str], list[Point]]]:
    by_machine: dict[str, dict[tuple[str, str], list[Point]]] = defaultdict(dict)
    for p in points:
        by_machine[p.machine_key].setdefault((p.nodeid, p.metric), []).append(p)
    return by_machine


def find_changes(values: Sequence[float]) -> list[Change]:
    try:
        return detect(values)
    except LlmcoreError:  # ruptures/scipy not installed: the trends without change points
        return []


def history_html(points: Sequence[Point], title: str = "pytest-llmcore history") -> str:
    """The whole page; ``points`` oldest first."""
    grouped = _group(points)
    body = [f"<h1>{html.escape(title)}</h1>"]
    for machine in sorted(grouped):
        body.append(f"<h2>{html.escape(machine)}</h2>")
        for (nodeid, metric), pts in sorted(grouped[machine].items()):
            budget = pts[-1].budget
            svg = series_svg(pts, budget, find_changes([p.value for p in pts]))
            caption = html.escape(f"{nodeid} - {metric} {pts[-1].stat}")
            body.append(f"<figure>{svg}<figcaption>{caption}</figcaption></figure>")
    crosses: dict[tuple[str, str], dict[str, list[Point]]] = defaultdict(dict)
    for machine, series in grouped.items():
        for key, pts in series.items():
            crosses[key][machine] = pts
    shared = {k: v for k, v in crosses.items() if len(v) > 1}
    if shared:
        body.append("<h2>Across machines</h2>")
        for (nodeid, metric), by_machine in sorted(shared.items()):
            caption = html.escape(f"{nodeid} - {metric} on {len(by_machine)} machines")
            body.append(
                f"<figure>{_cross_svg(by_machine)}<figcaption>{caption}</figcaption></figure>"
            )
    if not points:
        body.append("<p>No results in the history yet.</p>")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )
