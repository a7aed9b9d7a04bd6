"""The samplers as fixtures (``vram_monitor``, ``gpu_thermals``) and the report header."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..core.stash import INVALID_KEY, METRIC_SINK_KEY, before_verdicts
from ..core.units import format_bytes
from .model import GpuBackend, GpuUnavailable, Snapshot
from .sampler import ThermalResult, ThermalWatch, VramResult, VramSampler

if TYPE_CHECKING:
    from .plugin import GpuPlugin

__all__ = ["gpu_thermals", "header_lines", "vram_monitor"]

_W = TypeVar("_W", VramSampler, ThermalWatch)
#: samplers stop after the call report is made (right before budgets are judged), so their
#: sections go to the teardown report, which pytest shows with the test's output
_WHEN = "teardown"


def _watched(
    plugin: GpuPlugin,
    request: pytest.FixtureRequest,
    start: Callable[[GpuBackend, Snapshot], _W],
    report: Callable[[Any, Snapshot, Any], None],
) -> Iterator[_W]:
    """Run a sampler over the test; report its result before the test's budgets are judged."""
    gpu = plugin.the_gpu()
    backend = plugin.backend()
    assert backend is not None
    try:
        watcher = start(backend, gpu)
    except GpuUnavailable as exc:  # lost between the inventory and the first sample
        plugin.unavailable(f"{gpu.label} {gpu.name}: {exc}")
    node = request.node

    def finish() -> None:
        if watcher.result is None:
            report(node, gpu, watcher.stop())

    before_verdicts(node, finish)
    yield watcher
    finish()


def vram_monitor(plugin: GpuPlugin, request: pytest.FixtureRequest) -> Iterator[VramSampler]:
    def report(node: Any, gpu: Snapshot, res: VramResult) -> None:
        text = f"{gpu.label} {gpu.name}: {res.summary()}"
        if res.error:  # a partial peak would be a silently wrong number: record none
            node.add_report_section(_WHEN, "llmcore vram", text + "; vram_peak not recorded")
            _invalidate(node, f"{gpu.label} vram_peak not recorded: {res.error}")
            return
        if res.process_peak is None:  # an upper bound, never an under-report
            text += "; vram_peak is the device peak (it includes other processes)"
        node.add_report_section(_WHEN, "llmcore vram", text)
        peak = res.process_peak if res.process_peak is not None else res.device_peak
        _record(node, "vram_peak", peak)

    return _watched(
        plugin,
        request,
        lambda b, g: VramSampler(b, g.index, hz=plugin.settings.sample_hz, mig=g.mig).start(),
        report,
    )


def gpu_thermals(plugin: GpuPlugin, request: pytest.FixtureRequest) -> Iterator[ThermalWatch]:
    throttle = plugin.settings.throttle

    def report(node: Any, gpu: Snapshot, res: ThermalResult) -> None:
        node.add_report_section(
            _WHEN, "llmcore thermals", f"{gpu.label} {gpu.name}: {res.summary()}"
        )
        if res.throttled and throttle != "ignore":
            msg = (
                f"{gpu.label} throttled during {node.nodeid} "
                f"({', '.join(res.reasons)}): its timings are not valid"
            )
            if throttle == "fail":
                _invalidate(node, msg)
            else:
                node.warn(pytest.PytestWarning(msg))

    return _watched(
        plugin, request, lambda b, g: ThermalWatch(b, g.index, mig=g.mig).start(), report
    )


def _record(node: Any, metric: str, value: float) -> None:
    rec = node.stash.get(METRIC_SINK_KEY, None)
    if rec is not None and metric not in rec.samples:
        rec.record(metric, value)


def _invalidate(node: Any, message: str) -> None:
    node.stash.setdefault(INVALID_KEY, []).append(message)


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
