"""Budget reports: terminal table, JSON, GitHub step summary and annotations, HTML with SVG."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import METRICS, format_value
from .stats import percentile

__all__ = ["Row", "html_report", "json_report", "markdown_summary", "rows", "table_lines"]

Row = tuple[str, str, str, str, str, str, str]
HEADER: Row = ("test", "metric", "stat", "measured", "budget", "headroom", "verdict")


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    m = METRICS.get(metric)
    return format_value(m, value) if m else f"{value:g}"


def rows(results: Sequence[Mapping[str, Any]]) -> list[Row]:
    """One row per verdict, then one per measured metric that had no budget."""
    out: list[Row] = []
    for r in results:
        judged: set[str] = set()
        for v in r.get("verdicts", []):
            judged.add(v["metric"])
            head = v.get("headroom_pct")
            headroom = "-" if head is None else f"{head:+.1f}%"
            if v["kind"] == "missing":
                verdict = "ERROR (not measured)"
            elif v["kind"] == "insufficient":
                verdict = "ERROR (too few samples)"
            elif v["kind"] == "regression":
                verdict = ("ok" if v["passed"] else "REGRESSED") + f" vs {v['source'].split()[-1]}"
            else:
                verdict = "ok" if v["passed"] else "FAIL"
            if v.get("noisy"):
                verdict += " (noisy)"
            out.append(
                (
                    r["nodeid"],
                    v["metric"],
                    v["stat"],
                    _fmt(v["metric"], v["measured"]),
                    _fmt(v["metric"], v["limit"]),
                    headroom,
                    verdict,
                )
            )
        for name, data in r.get("metrics", {}).items():
            if name not in judged:
                st = data["stats"]
                out.append(
                    (
                        r["nodeid"],
                        name,
                        "p50",
                        _fmt(name, st["p50"]),
                        "-",
                        "-",
                        "measured" + (" (noisy)" if st.get("noisy") else ""),
                    )
                )
    return out


def table_lines(data: Sequence[Row]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [HEADER, *data]) for i in range(len(HEADER))]
    fmt = "  ".join(f"{{:{'<' if i < 3 else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*HEADER), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in data]
    return lines


def json_report(
    results: Sequence[Mapping[str, Any]],
    machine: Mapping[str, Any],
    profile: str,
    extra: Mapping[str, Any],
) -> str:
    data = {
        "format": 1,
        "profile": profile,
        "machine": machine,
        **extra,
        "tests": {r["nodeid"]: r for r in results},
    }
    # allow_nan=False: strict JSON parsers reject NaN/Infinity; samples are checked on entry
    return json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"


# -- charts ------------------------------------------------------------------------------


def _ascii_chart(
    samples: Sequence[float], limit: float | None, metric: str, width: int = 48
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
    return f"{_fmt(metric, lo):>10} [{''.join(line)}] {_fmt(metric, hi)}"


def markdown_summary(results: Sequence[Mapping[str, Any]], profile: str, device: str) -> str:
    data = rows(results)
    out = [f"### pytest-llmcore budgets: profile `{profile}` ({device})", ""]
    out.append("| " + " | ".join(HEADER) + " |")
    out.append("|" + "---|" * len(HEADER))
    for row in data:
        cells = list(row)
        if cells[6].startswith(("FAIL", "ERROR", "REGRESSED")):
            cells[6] = f"**{cells[6]}**"
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    charts = []
    for r in results:
        for name, m in r.get("metrics", {}).items():
            limits = [
                v["limit"]
                for v in r.get("verdicts", [])
                if v["metric"] == name and v["kind"] == "budget"
            ]
            charts.append(
                f"{r['nodeid']}  {name}\n  "
                + _ascii_chart(m["samples"], limits[0] if limits else None, name)
            )
    if charts:
        out += [
            "",
            "Distributions (`-` min..max, `=` p25..p75, `o` p50, `|` budget):",
            "",
            "```",
            *charts,
            "```",
        ]
    return "\n".join(out) + "\n"


def _svg_chart(
    samples: Sequence[float], limits: Sequence[tuple[str, float, bool]], metric: str
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
            f'text-anchor="{anchor}">{e(stat)} budget {e(_fmt(metric, limit))}</text>'
        )
    parts.append(
        f'<text x="{pad}" y="{h - 1}" font-size="10" fill="#333">{e(_fmt(metric, lo))}</text>'
    )
    parts.append(
        f'<text x="{w - pad}" y="{h - 1}" font-size="10" fill="#333" text-anchor="end">'
        f"{e(_fmt(metric, hi))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def html_report(
    results: Sequence[Mapping[str, Any]],
    machine: Mapping[str, Any],
    profile: str,
    facts: Mapping[str, Any] | None = None,
) -> str:
    """A self-contained page: no script, no stylesheet or font from the network."""
    data = rows(results)
    e = html.escape
    device, cpu = str(machine.get("device", "")), str(machine.get("cpu", ""))
    device_line = device if device == cpu else f"{device} · {cpu}"
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>pytest-llmcore budgets</title><style>",
        "body{font:14px system-ui,sans-serif;margin:24px;color:#222}",
        "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:right}td:first-child,th:first-child,td:nth-child(2),td:nth-child(3){text-align:left}",
        ".FAIL,.ERROR,.REGRESSED{color:#d62728;font-weight:600}.ok{color:#2ca02c}",
        "h2{margin-top:28px}.meta{color:#555}",
        "</style></head><body>",
        "<h1>pytest-llmcore budgets</h1>",
        f"<p class='meta'>profile <b>{e(profile)}</b> &middot; {e(device_line)}"
        f" &middot; Python {e(str(machine.get('python', '')))}"
        + "".join(
            f" &middot; {e(k)} {e(str(v))}"
            for k, v in (facts or {}).items()
            if k in ("time", "commit", "branch") and v
        )
        + "</p>",
        "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADER) + "</tr></thead><tbody>",
    ]
    for row in data:
        cls = row[6].split()[0]
        out.append(
            "<tr>"
            + "".join(f"<td>{e(c)}</td>" for c in row[:6])
            + f"<td class='{e(cls)}'>{e(row[6])}</td></tr>"
        )
    out.append("</tbody></table>")
    for r in results:
        for name, m in r.get("metrics", {}).items():
            limits = [
                (v["stat"], float(v["limit"]), bool(v["passed"]))
                for v in r.get("verdicts", [])
                if v["metric"] == name and v["kind"] == "budget"
            ]
            st = m["stats"]
            out.append(f"<h2>{e(r['nodeid'])} &middot; {e(name)}</h2>")
            out.append(
                f"<p class='meta'>n={st['n']} min {e(_fmt(name, st['min']))} "
                f"p50 {e(_fmt(name, st['p50']))} p90 {e(_fmt(name, st['p90']))} "
                f"p99 {e(_fmt(name, st['p99']))} max {e(_fmt(name, st['max']))} "
                f"cv {st['cv'] * 100:.1f}%{' (noisy)' if st.get('noisy') else ''}</p>"
            )
            roof = r.get("roofline")
            if name == "tokens_per_s" and roof and "percent" in roof:
                out.append(
                    f"<p><b>{roof['tokens_per_s']:.1f} tok/s = "
                    f"{roof['percent']:.0f}% of roofline</b>"
                    f" ({roof['bandwidth_gbs']:.0f} GB/s {e(roof['bandwidth_source'])} / "
                    f"{roof['bytes_per_token'] / 1e6:.1f} MB per token)</p>"
                )
            if m["samples"] and all(math.isfinite(v) for v in m["samples"]):
                out.append(_svg_chart(m["samples"], limits, name))
    out.append("</body></html>")
    return "\n".join(out) + "\n"
