"""Background NVML samplers: VRAM peak (device and this process) and thermals over a test."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..core.units import format_bytes
from .model import PERFORMANCE_THROTTLES, GpuBackend, GpuUnavailable, decode_throttle

__all__ = ["ThermalWatch", "VramResult", "VramSampler"]


@dataclass
class VramResult:
    device_peak: int
    device_baseline: int
    process_peak: int | None
    samples: int
    hz: float
    timeline: list[tuple[float, int]] = field(default_factory=list)
    torch_max_allocated: int | None = None
    torch_max_reserved: int | None = None
    process_unknown: str | None = None
    """Why this process's figure is missing (NVML gave no process list, or not this PID)."""
    error: str | None = None
    """Why sampling stopped before the test ended (the GPU was lost): the peak is partial."""

    @property
    def device_delta(self) -> int:
        """Peak above what was in use when sampling started (other tests, other processes)."""
        return max(0, self.device_peak - self.device_baseline)

    def summary(self) -> str:
        parts = [
            f"device peak {format_bytes(self.device_peak)} "
            f"(+{format_bytes(self.device_delta)} over the start)"
        ]
        if self.process_peak is not None:
            parts.append(f"this process {format_bytes(self.process_peak)}")
        elif self.process_unknown:
            parts.append(f"this process: unknown ({self.process_unknown})")
        if self.torch_max_allocated is not None:
            parts.append(
                f"torch allocated {format_bytes(self.torch_max_allocated)}, "
                f"reserved {format_bytes(self.torch_max_reserved or 0)}"
            )
        parts.append(f"{self.samples} samples at {self.hz:.0f} Hz")
        if self.error:
            parts.append(f"sampling stopped early: {self.error}")
        return "; ".join(parts)


def _torch_cuda() -> Any:
    torch = sys.modules.get("torch")  # only when the test already uses torch: never import it
    if torch is None:
        return None
    try:
        return torch.cuda if torch.cuda.is_initialized() else None
    except Exception:
        return None


class _Poller:
    """Calls ``_sample`` every ``1/hz`` seconds on a daemon thread until stopped."""

    name = "llmcore-poller"

    def __init__(self, backend: GpuBackend, index: int, hz: float, mig: int | None = None):
        self.backend = backend
        self.index = index
        self.mig = mig
        self.interval = 1.0 / hz
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self._n = 0

    def _sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._sample()
                self._stop.wait(self.interval)
        except GpuUnavailable as exc:
            self._error = str(exc)

    @property
    def samples(self) -> int:
        """Samples taken so far (a test may wait for a few before it checks a peak)."""
        return self._n

    def _start_thread(self) -> None:
        self._sample()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _stop_thread(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._error is None:
            try:
                self._sample()  # a last reading, so a short test still has its final state
            except GpuUnavailable as exc:
                self._error = str(exc)


class VramSampler(_Poller):
    """Polls used memory of one device at ``hz`` (>= 100 by default) on a daemon thread."""

    name = "llmcore-vram"

    def __init__(
        self,
        backend: GpuBackend,
        index: int,
        hz: float = 200.0,
        keep_timeline: bool = True,
        mig: int | None = None,
    ):
        super().__init__(backend, index, hz, mig)
        self.keep_timeline = keep_timeline
        self._peak = 0
        self._baseline = 0
        self._proc_peak: int | None = None
        self._proc_unknown: str | None = "not sampled"
        self._t0 = 0.0
        self._timeline: list[tuple[float, int]] = []
        self.result: VramResult | None = None

    def _sample(self) -> None:
        used = self.backend.memory(self.index, self.mig).used
        self._n += 1
        self._peak = max(self._peak, used)
        if self.keep_timeline:
            self._timeline.append((time.perf_counter() - self._t0, used))
        if self._n % 10 == 1:  # per-process figures are slower to read: every 10th sample
            self._sample_process()

    def _sample_process(self) -> None:
        """This process's usage only: other processes' VRAM is not this test's."""
        procs = self.backend.processes(self.index, self.mig)
        if procs is None:
            self._proc_unknown = "NVML gives no process list here"
            return
        pid = os.getpid()
        mine = [p for p in procs if p.pid == pid]
        if not mine:
            if self._proc_peak is None:
                self._proc_unknown = (
                    "this PID is not in NVML's process list (a container's PID namespace?)"
                )
            return
        if mine[0].used is None:
            self._proc_unknown = "NVML does not report per-process memory here"
            return
        self._proc_peak = max(self._proc_peak or 0, mine[0].used)
        self._proc_unknown = None

    def start(self) -> VramSampler:
        cuda = _torch_cuda()
        if cuda is not None:
            cuda.reset_peak_memory_stats()
        self._t0 = time.perf_counter()
        self._baseline = self.backend.memory(self.index, self.mig).used
        self._start_thread()
        return self

    def stop(self) -> VramResult:
        self._stop_thread()
        elapsed = max(time.perf_counter() - self._t0, 1e-9)
        cuda = _torch_cuda()
        self.result = VramResult(
            device_peak=self._peak,
            device_baseline=self._baseline,
            process_peak=self._proc_peak,
            samples=self._n,
            hz=self._n / elapsed,
            timeline=self._timeline,
            torch_max_allocated=None if cuda is None else int(cuda.max_memory_allocated()),
            torch_max_reserved=None if cuda is None else int(cuda.max_memory_reserved()),
            process_unknown=None if self._proc_peak is not None else self._proc_unknown,
            error=self._error,
        )
        return self.result

    @property
    def peak(self) -> int:
        return self._peak


@dataclass
class ThermalResult:
    max_temperature_c: int | None
    min_sm_clock_mhz: int | None
    sm_clock_max_mhz: int | None
    throttle_mask: int | None
    """None when NVML never gave the clock-event reasons (see ``unknown``)."""
    samples: int
    unknown: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def throttled(self) -> bool:
        return bool((self.throttle_mask or 0) & PERFORMANCE_THROTTLES)

    @property
    def reasons(self) -> list[str]:
        return decode_throttle((self.throttle_mask or 0) & PERFORMANCE_THROTTLES)

    def summary(self) -> str:
        parts = []
        if self.max_temperature_c is not None:
            parts.append(f"max {self.max_temperature_c} °C")
        elif "temperature" in self.unknown:
            parts.append(f"temperature: {self.unknown['temperature']}")
        if self.min_sm_clock_mhz is not None:
            top = f" of {self.sm_clock_max_mhz}" if self.sm_clock_max_mhz else ""
            parts.append(f"SM clock down to {self.min_sm_clock_mhz}{top} MHz")
        if self.throttled:
            parts.append("throttled: " + ", ".join(self.reasons))
        elif self.throttle_mask is None:
            why = self.unknown.get("throttle", "not read")
            parts.append(f"throttle reasons: {why} (throttling can't be ruled out)")
        else:
            parts.append("not throttled")
        if self.error:
            parts.append(f"sampling stopped early: {self.error}")
        return "; ".join(parts)


class ThermalWatch(_Poller):
    """Temperature, SM clock and clock-event (throttle) reasons sampled over a test."""

    name = "llmcore-thermal"

    def __init__(
        self, backend: GpuBackend, index: int, hz: float = 20.0, mig: int | None = None
    ) -> None:
        super().__init__(backend, index, hz, mig)
        self._temps: list[int] = []
        self._clocks: list[int] = []
        self._mask: int | None = None
        self._clock_max: int | None = None
        self._unknown: dict[str, str] = {}
        self.result: ThermalResult | None = None

    def _sample(self) -> None:
        s = self.backend.snapshot(self.index, self.mig)
        self._n += 1
        if s.temperature_c is not None:
            self._temps.append(s.temperature_c)
        if s.sm_clock_mhz is not None:
            self._clocks.append(s.sm_clock_mhz)
        self._clock_max = s.sm_clock_max_mhz
        if s.throttle_mask is not None:
            self._mask = (self._mask or 0) | s.throttle_mask
        self._unknown.update(s.unknown)

    def start(self) -> ThermalWatch:
        self._start_thread()
        return self

    def stop(self) -> ThermalResult:
        self._stop_thread()
        self.result = ThermalResult(
            max(self._temps) if self._temps else None,
            min(self._clocks) if self._clocks else None,
            self._clock_max,
            self._mask,
            self._n,
            dict(self._unknown),
            self._error,
        )
        return self.result
