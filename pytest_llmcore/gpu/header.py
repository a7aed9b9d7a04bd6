"""The ``llmcore gpu:`` lines of pytest's report header (import-light: no sampler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.units import format_bytes
from .model import GpuUnavailable, Snapshot

if TYPE_CHECKING:
    from .plugin import GpuPlugin

__all__ = ["header_lines"]


def _describe(d: Snapshot) -> str:
    mig = "" if d.mig is None else f" MIG {d.mig}"
    return (
        f"{d.index}{mig}: {d.name} ({format_bytes(d.memory.total)}, "
        f"{format_bytes(d.memory.free)} free, cc {d.cc_text})"
    )


def header_lines(plugin: GpuPlugin) -> list[str]:
    devices = plugin.devices()
    if not devices:
        line = f"llmcore gpu: none ({plugin.why_none})"
    else:
        b = plugin.backend()
        try:
            driver = b.driver_version() if b is not None else "?"
        except GpuUnavailable as exc:
            driver = f"unknown ({exc})"
        line = f"llmcore gpu: driver {driver}; " + "; ".join(_describe(d) for d in devices)
    lines = [line]
    extra = []
    if plugin.pinned is not None:
        extra.append(f"pinned to CUDA_VISIBLE_DEVICES={plugin.pinned}")
    if plugin.strict:
        extra.append("strict (--llmcore-require-gpu)")
    for k, v in plugin.env_set.items():
        extra.append(f"{k}={v}")
    extra += plugin.notes
    if extra:
        lines.append("llmcore gpu: " + ", ".join(extra))
    return lines
