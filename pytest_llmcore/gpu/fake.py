"""An in-memory backend for unit tests that need exact control (sampler curves, requirement
arithmetic) and for ``LLMCORE_FAKE_GPUS=path.json`` (a test hook of other areas' tests).

Plugin behaviour is tested through the real nvidia-ml-py and the scripted NVML library
(tests/nvml/); this fake shares our assumptions, so it is not the place to test NVML ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .model import GpuUnavailable, Memory, ProcessMemory, Snapshot
from .visible import DeviceId

__all__ = ["FakeBackend"]


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

    def device_ids(self, with_mig: bool = False) -> list[DeviceId]:
        self._check()
        return [DeviceId(d.index, d.uuid) for d in self.devices]

    def snapshot(self, index: int, mig: int | None = None) -> Snapshot:
        self._check()
        return replace(self.devices[index], memory=self._memory(index, advance=False))

    def memory(self, index: int, mig: int | None = None) -> Memory:
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

    def processes(self, index: int, mig: int | None = None) -> tuple[ProcessMemory, ...] | None:
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
            procs = tuple(
                ProcessMemory(int(p["pid"]), p.get("used")) for p in d.get("processes", [])
            )
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
                    processes=procs,
                )
            )
        curve = {int(k): list(v) for k, v in data.get("memory_curve", {}).items()}
        return cls(
            devs, data.get("driver", "550.54.14"), data.get("cuda", "12.4"), curve, data.get("fail")
        )
