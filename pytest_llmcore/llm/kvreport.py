"""``llmcore kv``: measured and analytic KV-cache bytes per cache type, and the savings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.units import format_bytes
from .engine import load_llama
from .gguf_info import read_gguf
from .kv import analytic_kv_bytes

__all__ = ["kv_report", "render_kv"]


def kv_report(
    path: Path | str,
    n_ctx: int = 4096,
    types: tuple[str, ...] = ("f16", "q8_0", "q4_0"),
    n_gpu_layers: int = 0,
) -> dict[str, Any]:
    """Load the model once per cache type and read the KV size llama.cpp logs."""
    info = read_gguf(path)
    out: dict[str, Any] = {
        "model": str(path),
        "name": info.name,
        "architecture": info.architecture,
        "n_ctx": n_ctx,
        "types": {},
    }
    for t in types:
        loaded = load_llama(path, n_ctx=n_ctx, type_k=t, type_v=t, n_gpu_layers=n_gpu_layers)
        try:
            measured = loaded.kv_measured
            lines = loaded.kv_lines
        finally:
            loaded.close()
        analytic = analytic_kv_bytes(info, n_ctx, t, t)
        out["types"][t] = {
            "measured_bytes": measured,
            "analytic_bytes": analytic.total,
            "measured_vs_analytic": (measured - analytic.total) / analytic.total
            if analytic.total
            else None,
            "caches_measured": [
                {"layers": ln.layers, "cells": ln.cells, "bytes": ln.total} for ln in lines
            ],
            "caches_analytic": [
                {"cache": c[0], "layers": c[1], "cells": c[2], "bytes": c[3]}
                for c in analytic.caches
            ],
            "flash_attn": loaded.flash_attn,
        }
    base = out["types"].get("f16")
    for row in out["types"].values():
        if base and base["measured_bytes"]:
            row["savings_measured"] = 1 - row["measured_bytes"] / base["measured_bytes"]
            row["savings_analytic"] = 1 - row["analytic_bytes"] / base["analytic_bytes"]
    return out


def render_kv(report: dict[str, Any]) -> str:
    lines = [
        f"{report['name']} ({report['architecture']}), n_ctx {report['n_ctx']}:",
        f"{'type':<6}  {'measured':>11}  {'analytic':>11}  {'diff':>6}  "
        f"{'saves (measured)':>16}  {'saves (analytic)':>16}",
    ]
    for t, r in report["types"].items():
        diff = r["measured_vs_analytic"]
        measured, analytic = format_bytes(r["measured_bytes"]), format_bytes(r["analytic_bytes"])
        saved_m, saved_a = r.get("savings_measured", 0) * 100, r.get("savings_analytic", 0) * 100
        diff_text = "-" if diff is None else f"{diff * 100:+.1f}%"
        lines.append(
            f"{t:<6}  {measured:>11}  {analytic:>11}  {diff_text:>6}  "
            f"{saved_m:>15.1f}%  {saved_a:>15.1f}%"
        )
    return "\n".join(lines)
