"""Facts about this machine for reports and baseline keys. Nothing heavy is imported."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ENGINE_DISTS", "GpuInfo", "GpuProbe", "MachineInfo", "machine_info"]

#: Distributions whose version changes inference speed: part of every baseline key.
ENGINE_DISTS: tuple[str, ...] = ("llama-cpp-python", "torch", "numba", "vllm", "ollama", "openai")


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    memory_total: int
    driver: str


@dataclass(frozen=True)
class MachineInfo:
    cpu: str
    cores: int
    memory_total: int
    os: str
    python: str
    gpus: tuple[GpuInfo, ...] = ()
    engines: dict[str, str] = field(default_factory=dict)
    gpu_note: str | None = None

    @property
    def device(self) -> str:
        """The device a profile is matched against: the first GPU's name, else the CPU's."""
        return self.gpus[0].name if self.gpus else self.cpu

    @property
    def driver(self) -> str | None:
        return self.gpus[0].driver if self.gpus else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["device"] = self.device
        return data


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _memory_total() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _engines() -> dict[str, str]:
    out = {}
    for dist in ENGINE_DISTS:
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    return out


GpuProbe = Callable[[], tuple[Sequence[tuple[int, str, int, str]], str | None]]


def machine_info(gpu_probe: GpuProbe | None = None) -> MachineInfo:
    """This machine; ``gpu_probe`` (the GPU layer's NVML probe) lists its GPUs."""
    found: tuple[GpuInfo, ...] = ()
    note = None
    if gpu_probe is not None:
        listed, note = gpu_probe()
        found = tuple(GpuInfo(i, name, total, driver) for i, name, total, driver in listed)
    return MachineInfo(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_total=_memory_total(),
        os=f"{platform.system()} {platform.release()}",
        python=sys.version.split()[0],
        gpus=found,
        engines=_engines(),
        gpu_note=note,
    )
