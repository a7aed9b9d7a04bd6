"""Clocks for one measured call: host clock for CPU work, CUDA events for GPU work.

A bare host clock around asynchronous GPU work measures the launch, not the work: GPU
timing goes through CUDA events (``device="cuda"``) or an explicit ``sync`` callable
that waits for the device before each reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["CpuTimer", "CudaEventTimer", "SyncTimer", "Timer", "make_timer"]


class Timer(Protocol):
    def start(self) -> None: ...

    def stop(self) -> float:
        """Milliseconds since :meth:`start`."""
        ...


class CpuTimer:
    def __init__(self) -> None:
        self._t0 = 0

    def start(self) -> None:
        self._t0 = time.perf_counter_ns()

    def stop(self) -> float:
        return (time.perf_counter_ns() - self._t0) / 1e6


class SyncTimer:
    """Host clock with an explicit device synchronisation before each reading."""

    def __init__(self, sync: Callable[[], Any]) -> None:
        self._sync = sync
        self._inner = CpuTimer()

    def start(self) -> None:
        self._sync()
        self._inner.start()

    def stop(self) -> float:
        self._sync()
        return self._inner.stop()


class CudaEventTimer:
    """``torch.cuda.Event`` pair on the current stream; ``stop`` waits for the end event."""

    def __init__(self, cuda: Any) -> None:
        # ``cuda`` is ``torch.cuda`` (or a fake with the same surface in unit tests)
        self._cuda = cuda
        self._start = cuda.Event(enable_timing=True)
        self._end = cuda.Event(enable_timing=True)

    def start(self) -> None:
        self._start.record()

    def stop(self) -> float:
        self._end.record()
        self._end.synchronize()
        return float(self._start.elapsed_time(self._end))


def _torch_cuda() -> Any:
    try:
        import torch
    except ImportError:
        raise RuntimeError(
            'device="cuda" timing needs torch with CUDA (pip install pytest-llmcore[torch])'
        ) from None
    if not torch.cuda.is_available():
        raise RuntimeError('device="cuda" timing: torch.cuda.is_available() is False')
    return torch.cuda


def make_timer(
    device: str | None = None, sync: Callable[[], Any] | None = None, cuda: Any = None
) -> Timer:
    if device is not None and device.startswith("cuda"):
        return CudaEventTimer(cuda if cuda is not None else _torch_cuda())
    if sync is not None:
        return SyncTimer(sync)
    if device not in (None, "cpu"):
        raise ValueError(f'unknown device {device!r} for timing (use "cpu" or "cuda")')
    return CpuTimer()
