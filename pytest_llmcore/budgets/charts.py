"""Charts of a metric's samples: one ASCII line (step summary) and an SVG (HTML report)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from .metrics import BUILTIN_METRICS, Metric, format_value
from .stats import percentile

__all__ = ["ascii_chart", "fmt", "svg_chart"]


def fmt(metric: str, value: float | None, metrics: Mapping[str, Metric] = BUILTIN_METRICS) -> str:
    """``value`` in ``metric``'s unit as ``metrics`` (the run's registry) defines it."""
    if value is None:
        return "-"
    m = metrics.get(metric)
    return format_value(m, value) if m else f"{value:g}"


def ascii_chart(
    samples: Sequence[float],
    limit: float | None,
    metric: str,
    width: int = 48,
    metrics: Mapping[str, Metric] = BUILTIN_METRICS,
) -> str:
    """One line: the samples' spread (min, p25-p75 box, p50) against the budget (``|``)."""
    s = sorted(samples)
    lo = min(s[0], limit if limit is not None else s[0])
    hi = max(s[-1], limit if limit is not None else s[-1])
    if hi == lo:
        hi = lo + 1

    def pos(x: float) -> int:
        return int(min(width - 1, max(0, round((x - lo) / (hi - lo) * (width - 1)))))

    line = [" "] * width
    for i in range(pos(s[0]), pos(s[-1]) + 1):
        line[i] = "-"
    for i in range(pos(percentile(s, 25)), pos(percentile(s, 75)) + 1):
        line[i] = "="
    line[pos(percentile(s, 50))] = "o"
    if limit is not None:
        line[pos(limit)] = "|"
    return f"{fmt(metric, lo, metrics):>10} [{''.join(line)}] {fmt(metric, hi, metrics)}"


def svg_chart(
    samples: Sequence[float],
    limits: Sequence[tuple[str, float, bool]],
    metric: str,
    metrics: Mapping[str, Metric] = BUILTIN_METRICS,
) -> str:
    """Samples as dots, p25..p75 box, p50 bar, min..max whisker, one dashed line per budget."""
    w, h, pad = 900, 74, 14
    s = sorted(samples)
    values = [*s, *(v for _, v, _ in limits)]
    lo, hi = min(values), max(values)
    span = (hi - lo) or abs(hi) or 1.0
    lo, hi = lo - span * 0.05, hi + span * 0.05

    def x(v: float) -> float:
        return pad + (v - lo) / (hi - lo) * (w - 2 * pad)

    q1, q2, q3 = percentile(s, 25), percentile(s, 50), percentile(s, 75)
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="{e(metric)} distribution">',
        f'<line x1="{x(s[0]):.1f}" y1="36" x2="{x(s[-1]):.1f}" y2="36" stroke="#555"/>',
        f'<rect x="{x(q1):.1f}" y="26" width="{max(1.0, x(q3) - x(q1)):.1f}" height="20" '
        f'fill="#9ecae1" stroke="#3182bd"/>',
        f'<line x1="{x(q2):.1f}" y1="24" x2="{x(q2):.1f}" y2="48" stroke="#08519c" '
        f'stroke-width="2"/>',
    ]
    for i, v in enumerate(samples):
        parts.append(
            f'<circle cx="{x(v):.1f}" cy="{52 + (i * 7919 % 9)}" r="2" fill="#3182bd" '
            f'opacity="0.6"/>'
        )
    for row, (stat, limit, passed) in enumerate(limits):
        color = "#2ca02c" if passed else "#d62728"
        lx = x(limit)
        anchor, tx = ("end", lx - 4) if lx > w * 0.7 else ("start", lx + 4)
        parts.append(
            f'<line x1="{lx:.1f}" y1="4" x2="{lx:.1f}" y2="62" stroke="{color}" '
            f'stroke-width="2" stroke-dasharray="4 2"/>'
        )
        parts.append(
            f'<text x="{tx:.1f}" y="{12 + row * 11}" font-size="11" fill="{color}" '
            f'text-anchor="{anchor}">{e(stat)} budget {e(fmt(metric, limit, metrics))}</text>'
        )
    low = e(fmt(metric, lo, metrics))
    parts.append(f'<text x="{pad}" y="{h - 1}" font-size="10" fill="#333">{low}</text>')
    parts.append(
        f'<text x="{w - pad}" y="{h - 1}" font-size="10" fill="#333" text-anchor="end">'
        f"{e(fmt(metric, hi, metrics))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
