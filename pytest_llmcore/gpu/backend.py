"""The NVML boundary: the only place that talks to the GPU driver.

Everything above it (markers, samplers, xdist pinning, doctor) works on the small
:class:`GpuBackend` protocol, so it is unit-tested on machines without a GPU against
:class:`FakeBackend`; :class:`NvmlBackend` is the real one (nvidia-ml-py, imported lazily).
``LLMCORE_FAKE_GPUS=path.json`` swaps in a fake inventory for a whole pytest run (tests of
the plugin itself use it; it is documented as a test hook only).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "THROTTLE_REASONS",
    "FakeBackend",
    "GpuBackend",
    "GpuUnavailable",
    "Memory",
    "NvmlBackend",
    "ProcessMemory",
    "Snapshot",
    "decode_throttle",
    "get_backend",
]

#: nvmlDeviceGetCurrentClocksEventReasons bits, in words.
THROTTLE_REASONS: dict[int, str] = {
    0x1: "GPU idle",
    0x2: "applications clocks setting",
    0x4: "power cap (software)",
    0x8: "hardware slowdown",
    0x10: "sync boost",
    0x20: "thermal (software)",
    0x40: "thermal (hardware)",
    0x80: "power brake (hardware)",
    0x100: "display clock setting",
}
#: Reasons that make a timing invalid (idle and application clocks do not).
PERFORMANCE_THROTTLES = 0x4 | 0x8 | 0x20 | 0x40 | 0x80


def decode_throttle(mask: int) -> list[str]:
    return [name for bit, name in THROTTLE_REASONS.items() if mask & bit]


class GpuUnavailable(Exception):
    """No usable GPU, with the one-line reason users see in skips and in doctor."""


@dataclass(frozen=True)
class Memory:
    total: int
    free: int
    used: int
    reserved: int = 0


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    used: int | None
    """None where the driver does not report it (Windows WDDM)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything known about one device at one moment."""

    index: int
    uuid: str
    name: str
    compute_capability: tuple[int, int]
    memory: Memory
    temperature_c: int | None = None
    sm_clock_mhz: int | None = None
    sm_clock_max_mhz: int | None = None
    mem_clock_mhz: int | None = None
    mem_clock_max_mhz: int | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    throttle_mask: int = 0
    processes: tuple[ProcessMemory, ...] = ()

    @property
    def throttle_reasons(self) -> list[str]:
        return decode_throttle(self.throttle_mask)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "uuid": self.uuid,
            "name": self.name,
            "compute_capability": f"{self.compute_capability[0]}.{self.compute_capability[1]}",
            "memory": vars(self.memory),
            "temperature_c": self.temperature_c,
            "sm_clock_mhz": self.sm_clock_mhz,
            "sm_clock_max_mhz": self.sm_clock_max_mhz,
            "mem_clock_mhz": self.mem_clock_mhz,
            "mem_clock_max_mhz": self.mem_clock_max_mhz,
            "power_w": self.power_w,
            "power_limit_w": self.power_limit_w,
            "throttle_reasons": self.throttle_reasons,
            "processes": [vars(p) for p in self.processes],
        }


class GpuBackend(Protocol):
    def driver_version(self) -> str: ...

    def cuda_driver_version(self) -> str | None: ...

    def device_count(self) -> int: ...

    def snapshot(self, index: int) -> Snapshot: ...

    def memory(self, index: int) -> Memory:
        """Fast path for samplers."""
        ...

    def processes(self, index: int) -> tuple[ProcessMemory, ...]: ...

    def close(self) -> None: ...


# -- real NVML ---------------------------------------------------------------------------


def nvml_reason(exc: BaseException) -> str:
    """One line for an NVML error, with what to do about it."""
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if isinstance(exc, ImportError):
        return "nvidia-ml-py is not installed (pip install pytest-llmcore[gpu])"
    if "library not found" in low or "shared library" in low:
        return "NVML library not found: no NVIDIA driver on this machine (libnvidia-ml.so)"
    if "driver not loaded" in low:
        return "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)"
    if "mismatch" in low:
        return "NVIDIA driver/library version mismatch: reboot after a driver upgrade"
    if "no permission" in low or "insufficient permissions" in low:
        return "no permission to query the GPU through NVML (container or device permissions)"
    if "gpu is lost" in low or "gpu lost" in low:
        return "the GPU has fallen off the bus (GPU is lost): reset or reboot the machine"
    return f"NVML error: {text}"


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlBackend:
    """nvidia-ml-py (``import pynvml``). Raises :class:`GpuUnavailable` with a reason."""

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError as exc:
            raise GpuUnavailable(nvml_reason(exc)) from None
        self.nv: Any = pynvml
        try:
            pynvml.nvmlInit()
        except Exception as exc:  # pynvml.NVMLError and subclasses
            raise GpuUnavailable(nvml_reason(exc)) from None
        self._handles: dict[int, Any] = {}

    def _h(self, index: int) -> Any:
        if index not in self._handles:
            try:
                self._handles[index] = self.nv.nvmlDeviceGetHandleByIndex(index)
            except Exception as exc:
                raise GpuUnavailable(nvml_reason(exc)) from None
        return self._handles[index]

    def _opt(self, fn: str, *args: Any) -> Any:
        try:
            return getattr(self.nv, fn)(*args)
        except Exception:
            return None  # not supported on this device/driver: report as unknown

    def driver_version(self) -> str:
        return _s(self.nv.nvmlSystemGetDriverVersion())

    def cuda_driver_version(self) -> str | None:
        v = self._opt("nvmlSystemGetCudaDriverVersion_v2") or self._opt(
            "nvmlSystemGetCudaDriverVersion"
        )
        return None if v is None else f"{int(v) // 1000}.{int(v) % 1000 // 10}"

    def device_count(self) -> int:
        try:
            return int(self.nv.nvmlDeviceGetCount())
        except Exception as exc:
            raise GpuUnavailable(nvml_reason(exc)) from None

    def memory(self, index: int) -> Memory:
        h = self._h(index)
        try:
            m = self.nv.nvmlDeviceGetMemoryInfo(h, version=self.nv.nvmlMemory_v2)
            return Memory(int(m.total), int(m.free), int(m.used), int(getattr(m, "reserved", 0)))
        except Exception:
            try:
                m = self.nv.nvmlDeviceGetMemoryInfo(h)
            except Exception as exc:
                raise GpuUnavailable(nvml_reason(exc)) from None
            return Memory(int(m.total), int(m.free), int(m.used))

    def processes(self, index: int) -> tuple[ProcessMemory, ...]:
        procs = self._opt("nvmlDeviceGetComputeRunningProcesses", self._h(index)) or []
        return tuple(
            ProcessMemory(int(p.pid), None if p.usedGpuMemory is None else int(p.usedGpuMemory))
            for p in procs
        )

    def snapshot(self, index: int) -> Snapshot:
        h = self._h(index)
        nv = self.nv
        cc = self._opt("nvmlDeviceGetCudaComputeCapability", h) or (0, 0)
        power = self._opt("nvmlDeviceGetPowerUsage", h)
        limit = self._opt("nvmlDeviceGetEnforcedPowerLimit", h)
        mask = self._opt("nvmlDeviceGetCurrentClocksEventReasons", h)
        if mask is None:
            mask = self._opt("nvmlDeviceGetCurrentClocksThrottleReasons", h)
        return Snapshot(
            index=index,
            uuid=_s(self._opt("nvmlDeviceGetUUID", h) or f"GPU-{index}"),
            name=_s(nv.nvmlDeviceGetName(h)),
            compute_capability=(int(cc[0]), int(cc[1])),
            memory=self.memory(index),
            temperature_c=self._opt(
                "nvmlDeviceGetTemperature", h, getattr(nv, "NVML_TEMPERATURE_GPU", 0)
            ),
            sm_clock_mhz=self._opt("nvmlDeviceGetClockInfo", h, getattr(nv, "NVML_CLOCK_SM", 1)),
            sm_clock_max_mhz=self._opt(
                "nvmlDeviceGetMaxClockInfo", h, getattr(nv, "NVML_CLOCK_SM", 1)
            ),
            mem_clock_mhz=self._opt("nvmlDeviceGetClockInfo", h, getattr(nv, "NVML_CLOCK_MEM", 2)),
            mem_clock_max_mhz=self._opt(
                "nvmlDeviceGetMaxClockInfo", h, getattr(nv, "NVML_CLOCK_MEM", 2)
            ),
            power_w=None if power is None else power / 1000.0,
            power_limit_w=None if limit is None else limit / 1000.0,
            throttle_mask=int(mask or 0),
            processes=self.processes(index),
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.nv.nvmlShutdown()


# -- fake --------------------------------------------------------------------------------


@dataclass
class FakeBackend:
    """An inventory in memory; ``memory_curve`` replays used-memory values per ``memory`` call."""

    devices: list[Snapshot] = field(default_factory=list)
    driver: str = "550.54.14"
    cuda: str | None = "12.4"
    memory_curve: dict[int, list[int]] = field(default_factory=dict)
    fail: str | None = None

    def _check(self) -> None:
        if self.fail:
            raise GpuUnavailable(self.fail)

    def driver_version(self) -> str:
        self._check()
        return self.driver

    def cuda_driver_version(self) -> str | None:
        return self.cuda

    def device_count(self) -> int:
        self._check()
        return len(self.devices)

    def snapshot(self, index: int) -> Snapshot:
        self._check()
        return replace(self.devices[index], memory=self._memory(index, advance=False))

    def memory(self, index: int) -> Memory:
        """Each call moves one step along ``memory_curve`` (the samplers' reads)."""
        self._check()
        return self._memory(index, advance=True)

    def _memory(self, index: int, advance: bool) -> Memory:
        base = self.devices[index].memory
        curve = self.memory_curve.get(index)
        if curve:
            used = curve.pop(0) if advance and len(curve) > 1 else curve[0]
            return Memory(base.total, base.total - used, used, base.reserved)
        return base

    def processes(self, index: int) -> tuple[ProcessMemory, ...]:
        return self.devices[index].processes

    def close(self) -> None:
        pass

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FakeBackend:
        devs = []
        for i, d in enumerate(data.get("devices", [])):
            cc = str(d.get("compute_capability", "8.9")).split(".")
            total = int(d["memory_total"])
            used = int(d.get("memory_used", 0))
            devs.append(
                Snapshot(
                    index=i,
                    uuid=d.get("uuid", f"GPU-fake-{i}"),
                    name=d["name"],
                    compute_capability=(int(cc[0]), int(cc[1])),
                    memory=Memory(total, total - used, used, int(d.get("memory_reserved", 0))),
                    temperature_c=d.get("temperature_c", 45),
                    sm_clock_mhz=d.get("sm_clock_mhz", 2100),
                    sm_clock_max_mhz=d.get("sm_clock_max_mhz", 2520),
                    mem_clock_mhz=d.get("mem_clock_mhz", 9001),
                    mem_clock_max_mhz=d.get("mem_clock_max_mhz", 9001),
                    power_w=d.get("power_w", 60.0),
                    power_limit_w=d.get("power_limit_w", 150.0),
                    throttle_mask=int(d.get("throttle_mask", 0)),
                )
            )
        curve = {int(k): list(v) for k, v in data.get("memory_curve", {}).items()}
        return cls(
            devs, data.get("driver", "550.54.14"), data.get("cuda", "12.4"), curve, data.get("fail")
        )


def get_backend() -> GpuBackend:
    """The fake named by ``LLMCORE_FAKE_GPUS`` (tests), else NVML. Raises GpuUnavailable."""
    fake = os.environ.get("LLMCORE_FAKE_GPUS")
    if fake:
        try:
            data = json.loads(Path(fake).read_text())
        except (OSError, ValueError) as exc:
            raise GpuUnavailable(f"LLMCORE_FAKE_GPUS={fake}: unreadable ({exc})") from None
        backend = FakeBackend.from_json(data)
        backend._check()
        return backend
    return NvmlBackend()


def visible_indices(count: int, env: Mapping[str, str] | None = None) -> Sequence[int] | None:
    """NVML indices the process may use under ``CUDA_VISIBLE_DEVICES`` (None: all)."""
    env = os.environ if env is None else env
    raw = env.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return None
    out: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            return None  # UUIDs/MIG names: can't map here, use all
        i = int(part)
        if i >= count:
            break  # CUDA stops at the first invalid entry
        out.append(i)
    return out


def probe_gpus() -> tuple[list[tuple[int, str, int, str]], str | None]:
    """(index, name, total memory, driver) of each GPU, or why there is none."""
    try:
        b = get_backend()
    except GpuUnavailable as exc:
        return [], str(exc)
    try:
        driver = b.driver_version()
        out = []
        for i in range(b.device_count()):
            s = b.snapshot(i)
            out.append((i, s.name, s.memory.total, driver))
        return out, None if out else "the driver reports no GPU"
    except GpuUnavailable as exc:
        return [], str(exc)
    finally:
        b.close()
