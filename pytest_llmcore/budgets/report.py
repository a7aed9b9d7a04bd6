"""Budget reports: terminal table, JSON, GitHub step summary and annotations, HTML with SVG."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .charts import ascii_chart, fmt, svg_chart
from .metrics import BUILTIN_METRICS, Metric
from .results import BudgetResult, MetricResult
from .verdict import RunContext, Verdict

__all__ = [
    "Row",
    "counts",
    "counts_line",
    "html_report",
    "json_report",
    "markdown_summary",
    "outcome_of",
    "rows",
    "table_lines",
    "verdict_word",
]

Row = tuple[str, str, str, str, str, str, str, str, str, str]
HEADER: Row = (
    "test",
    "metric",
    "stat",
    "measured",
    "95% CI",
    "budget",
    "headroom",
    "baseline",
    "change (95% CI)",
    "verdict",
)
#: verdict words that mark a row red (terminal, Markdown, HTML)
BAD = ("FAIL", "ERROR", "REGRESSED")


#: a run's metric registry, or the built-ins for a report without a run
Metrics = Mapping[str, Metric]


def _ci(metric: str, v: Verdict, metrics: Metrics) -> str:
    low, high = v.low, v.high
    if v.kind != "budget" or (low is None and high is None) or low == high:
        return "-"
    lo = "-inf" if low is None else fmt(metric, low, metrics)
    hi = "+inf" if high is None else fmt(metric, high, metrics)
    return f"{lo} .. {hi}"


def _change(v: Verdict) -> str:
    pct = v.change_pct
    if pct is None:
        return "-"
    lo, hi = v.change_low_pct, v.change_high_pct
    if lo is None or hi is None or lo == hi:
        return f"{pct:+.1f}%"
    return f"{pct:+.1f}% ({lo:+.1f}% .. {hi:+.1f}%)"


_WORDS = {
    ("budget", "pass"): "pass",
    ("budget", "fail"): "FAIL",
    ("budget", "inconclusive"): "inconclusive",
    ("regression", "regression"): "REGRESSED",
    ("regression", "improvement"): "improved",
    ("regression", "no change"): "no change",
    ("regression", "inconclusive"): "inconclusive",
    ("missing", "error"): "ERROR (not recorded)",
    ("insufficient", "error"): "ERROR (too few samples)",
    ("not_measured", "not measured"): "not measured",
}


def outcome_of(v: Verdict) -> str:
    """The verdict's outcome (``pass``/``fail`` for one made without an outcome word)."""
    return v.outcome or ("pass" if v.passed else "fail")


def verdict_word(v: Verdict) -> str:
    """``pass``, ``FAIL``, ``inconclusive``, ``REGRESSED``... as the reports print it."""
    outcome = outcome_of(v)
    word = _WORDS.get((v.kind, outcome), outcome)
    if outcome == "inconclusive" and not v.passed:
        word = "FAIL (inconclusive)"
    if v.noisy:
        word += " (noisy)"
    if v.kind == "regression" and v.note:
        word += " [software changed]"
    return word


def _verdict_row(nodeid: str, v: Verdict, metrics: Metrics) -> Row:
    metric, regression = v.metric, v.kind == "regression"
    head = v.headroom_pct
    return (
        nodeid,
        metric,
        v.stat,
        fmt(metric, v.measured, metrics),
        _ci(metric, v, metrics),
        "-" if regression else fmt(metric, v.limit, metrics),
        "-" if head is None or regression else f"{head:+.1f}%",
        fmt(metric, v.limit, metrics) if regression else "-",
        _change(v),
        verdict_word(v),
    )


def rows(results: Sequence[BudgetResult], metrics: Metrics = BUILTIN_METRICS) -> list[Row]:
    """One row per verdict, then one per measured metric that had no verdict; values in
    the units of ``metrics`` (the run's registry)."""
    out: list[Row] = []
    for r in results:
        judged: set[str] = set()
        for v in r.verdicts:
            judged.add(v.metric)
            out.append(_verdict_row(r.nodeid, v, metrics))
        for name, data in r.metrics.items():
            if name not in judged:
                st = data.stats
                word = "measured" + (" (noisy)" if st.noisy else "")
                out.append((r.nodeid, name, "p50", fmt(name, st.p50, metrics), *("-",) * 5, word))
    return out


def counts(results: Sequence[BudgetResult]) -> dict[str, dict[str, int]]:
    """Verdicts by outcome: ``{"budget": {"pass": 3, ...}, "regression": {...}}``."""
    out: dict[str, dict[str, int]] = {"budget": {}, "regression": {}}
    for r in results:
        for v in r.verdicts:
            table = out["regression" if v.kind == "regression" else "budget"]
            outcome = outcome_of(v)
            table[outcome] = table.get(outcome, 0) + 1
    return out


def counts_line(results: Sequence[BudgetResult]) -> str:
    """``budgets: 3 pass, 1 fail, 1 inconclusive; regressions: 2 no change`` ("" if none)."""
    parts = []
    for kind, table in counts(results).items():
        if table:
            said = ", ".join(f"{n} {k}" for k, n in sorted(table.items()))
            parts.append(f"{'budgets' if kind == 'budget' else 'regressions'}: {said}")
    return "; ".join(parts)


def table_lines(data: Sequence[Row]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [HEADER, *data]) for i in range(len(HEADER))]
    line = "  ".join(
        f"{{:{'<' if i < 3 or i == len(widths) - 1 else '>'}{w}}}" for i, w in enumerate(widths)
    )
    lines = [line.format(*HEADER), line.format(*("-" * w for w in widths))]
    lines += [line.format(*row).rstrip() for row in data]
    return lines


def json_report(
    results: Sequence[BudgetResult],
    machine: Mapping[str, Any],
    profile: str,
    extra: Mapping[str, Any],
) -> str:
    data = {
        "format": 1,
        "profile": profile,
        "machine": machine,
        **extra,
        "counts": counts(results),
        "tests": {r.nodeid: r.to_json() for r in results},
    }
    # allow_nan=False: strict JSON parsers reject NaN/Infinity; samples are checked on entry
    return json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"


def markdown_summary(
    results: Sequence[BudgetResult],
    run: RunContext,
    sections: Sequence[str] = (),
    notes: Sequence[str] = (),
    metrics: Metrics = BUILTIN_METRICS,
) -> str:
    """The GitHub step summary: counts, the table, distributions, then hook ``sections``."""
    out = [f"### pytest-llmcore budgets: profile `{run.profile}` ({run.device})", ""]
    said = counts_line(results)
    out += [f"**{said}**", ""] if said else []
    out += [f"> {n}" for n in notes] + ([""] if notes else [])
    out.append("| " + " | ".join(HEADER) + " |")
    out.append("|" + "---|" * len(HEADER))
    for row in rows(results, metrics):
        cells = list(row)
        if cells[-1].startswith(BAD):
            cells[-1] = f"**{cells[-1]}**"
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    charts = []
    for r in results:
        for name, m in r.metrics.items():
            limits = [v.limit for v in r.verdicts if v.metric == name and v.kind == "budget"]
            charts.append(
                f"{r.nodeid}  {name}\n  "
                + ascii_chart(m.samples, limits[0] if limits else None, name, metrics=metrics)
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
    out += ["", *sections] if sections else []
    return "\n".join(out) + "\n"


_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
    "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
    "text-align:right}td:first-child,th:first-child,td:nth-child(2),td:nth-child(3),"
    "td:last-child{text-align:left}"
    ".FAIL,.ERROR,.REGRESSED{color:#d62728;font-weight:600}.pass{color:#2ca02c}"
    "h2{margin-top:28px}.meta{color:#555}"
)


def _html_head(
    machine: Mapping[str, Any], profile: str, facts: Mapping[str, Any] | None, said: str
) -> list[str]:
    e = html.escape
    device, cpu = str(machine.get("device", "")), str(machine.get("cpu", ""))
    device_line = device if device == cpu else f"{device} · {cpu}"
    run = "".join(
        f" &middot; {e(k)} {e(str(v))}"
        for k, v in (facts or {}).items()
        if k in ("time", "commit", "branch") and v
    )
    return [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>pytest-llmcore budgets</title><style>{_STYLE}</style></head><body>",
        "<h1>pytest-llmcore budgets</h1>",
        f"<p class='meta'>profile <b>{e(profile)}</b> &middot; {e(device_line)}"
        f" &middot; Python {e(str(machine.get('python', '')))}{run}</p>",
        f"<p><b>{e(said)}</b></p>" if said else "",
    ]


def _html_table(results: Sequence[BudgetResult], metrics: Metrics) -> list[str]:
    e = html.escape
    out = ["<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADER) + "</tr></thead>"]
    out.append("<tbody>")
    for row in rows(results, metrics):
        cls = row[-1].split()[0]
        out.append(
            "<tr>"
            + "".join(f"<td>{e(c)}</td>" for c in row[:-1])
            + f"<td class='{e(cls)}'>{e(row[-1])}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _html_metric(r: BudgetResult, name: str, m: MetricResult, metrics: Metrics) -> list[str]:
    e = html.escape
    limits = [
        (v.stat, float(v.limit), bool(v.passed))
        for v in r.verdicts
        if v.metric == name and v.kind == "budget"
    ]
    st = m.stats

    def f(value: float) -> str:
        return e(fmt(name, value, metrics))

    out = [
        f"<h2>{e(r.nodeid)} &middot; {e(name)}</h2>",
        f"<p class='meta'>n={st.n} min {f(st.min)} p50 {f(st.p50)} p90 {f(st.p90)} "
        f"p99 {f(st.p99)} max {f(st.max)} "
        f"cv {st.cv * 100:.1f}%{' (noisy)' if st.noisy else ''}</p>",
    ]
    roof = r.roofline
    if name == "tokens_per_s" and roof is not None and roof.percent is not None:
        out.append(
            f"<p><b>{roof.tokens_per_s:.1f} tok/s = "
            f"{roof.percent:.0f}% of roofline</b>"
            f" ({roof.bandwidth_gbs:.0f} GB/s {e(roof.bandwidth_source)} / "
            f"{roof.bytes_per_token / 1e6:.1f} MB per token)</p>"
        )
    if m.samples and all(math.isfinite(v) for v in m.samples):
        out.append(svg_chart(m.samples, limits, name, metrics))
    return out


def html_report(
    results: Sequence[BudgetResult],
    machine: Mapping[str, Any],
    profile: str,
    facts: Mapping[str, Any] | None = None,
    sections: Sequence[str] = (),
    notes: Sequence[str] = (),
    metrics: Metrics = BUILTIN_METRICS,
) -> str:
    """A self-contained page: no script, no stylesheet or font from the network.

    ``sections`` (HTML fragments from ``pytest_llmcore_report_sections``) go at the end.
    """
    out = _html_head(machine, profile, facts, counts_line(results))
    out += [f"<p class='meta'>{html.escape(n)}</p>" for n in notes]
    out += _html_table(results, metrics)
    for r in results:
        for name, m in r.metrics.items():
            out += _html_metric(r, name, m, metrics)
    out += list(sections)
    out.append("</body></html>")
    return "\n".join(out) + "\n"
