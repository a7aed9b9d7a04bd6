"""What the GPU layer knows about a device, and the protocol every backend implements.

A fact NVML cannot give (the call is not supported by this GPU, forbidden, or missing from
this driver) is ``None`` with its reason in :attr:`Snapshot.unknown`, never a made-up number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .visible import DeviceId

__all__ = [
    "PERFORMANCE_THROTTLES",
    "THROTTLE_REASONS",
    "GpuBackend",
    "GpuUnavailable",
    "Memory",
    "ProcessMemory",
    "Snapshot",
    "decode_throttle",
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
    """No usable GPU, with the one-line reason users see in skips and in doctor.

    ``absent`` is True only when it is known that there is no GPU to use (no driver
    library, the driver reports none, or ``CUDA_VISIBLE_DEVICES`` hides them all).
    """

    def __init__(self, reason: str, absent: bool = False) -> None:
        super().__init__(reason)
        self.absent = absent


@dataclass(frozen=True)
class Memory:
    total: int
    free: int
    used: int
    reserved: int | None = 0
    """None with memory info v1 (old drivers), whose ``used`` includes the reserved part."""


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
    compute_capability: tuple[int, int] | None
    memory: Memory
    temperature_c: int | None = None
    sm_clock_mhz: int | None = None
    sm_clock_max_mhz: int | None = None
    mem_clock_mhz: int | None = None
    mem_clock_max_mhz: int | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    throttle_mask: int | None = 0
    processes: tuple[ProcessMemory, ...] | None = ()
    mig: int | None = None
    """The MIG device's slot on GPU ``index`` (None: the whole GPU)."""
    unknown: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Fact -> why NVML did not give it ("not supported by this GPU", "no permission")."""

    @property
    def throttle_reasons(self) -> list[str]:
        return [] if self.throttle_mask is None else decode_throttle(self.throttle_mask)

    @property
    def label(self) -> str:
        """How messages name it: "GPU 0", or "GPU 1 MIG 2" for a MIG device."""
        return f"GPU {self.index}" if self.mig is None else f"GPU {self.index} MIG {self.mig}"

    @property
    def cc_text(self) -> str:
        cc = self.compute_capability
        return "unknown" if cc is None else f"{cc[0]}.{cc[1]}"

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "mig": self.mig,
            "uuid": self.uuid,
            "name": self.name,
            "compute_capability": None if self.compute_capability is None else self.cc_text,
            "memory": vars(self.memory),
            "temperature_c": self.temperature_c,
            "sm_clock_mhz": self.sm_clock_mhz,
            "sm_clock_max_mhz": self.sm_clock_max_mhz,
            "mem_clock_mhz": self.mem_clock_mhz,
            "mem_clock_max_mhz": self.mem_clock_max_mhz,
            "power_w": self.power_w,
            "power_limit_w": self.power_limit_w,
            "throttle_reasons": None if self.throttle_mask is None else self.throttle_reasons,
            "processes": None if self.processes is None else [vars(p) for p in self.processes],
            "unknown": dict(self.unknown),
        }


class GpuBackend(Protocol):
    def driver_version(self) -> str: ...

    def cuda_driver_version(self) -> str | None: ...

    def device_count(self) -> int: ...

    def device_ids(self, with_mig: bool = False) -> list[DeviceId]:
        """Every GPU (NVML order), then, with ``with_mig``, every MIG device."""
        ...

    def snapshot(self, index: int, mig: int | None = None) -> Snapshot: ...

    def memory(self, index: int, mig: int | None = None) -> Memory:
        """Fast path for samplers."""
        ...

    def processes(self, index: int, mig: int | None = None) -> tuple[ProcessMemory, ...] | None:
        """Compute processes on the device; None when NVML will not say."""
        ...

    def close(self) -> None: ...
