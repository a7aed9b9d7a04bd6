"""The samplers as fixtures (``vram_monitor``, ``gpu_thermals``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..core.stash import INVALID_KEY, METRIC_SINK_KEY, before_verdicts
from .model import GpuBackend, GpuUnavailable, Snapshot
from .sampler import ThermalResult, ThermalWatch, VramResult, VramSampler

if TYPE_CHECKING:
    from .plugin import GpuPlugin

__all__ = ["gpu_thermals", "vram_monitor"]

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
