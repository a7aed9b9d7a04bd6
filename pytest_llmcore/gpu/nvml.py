"""The real backend: nvidia-ml-py (``import pynvml``), imported lazily.

Every NVML error is sorted at this boundary: a fact the GPU cannot give (NOT_SUPPORTED,
NO_PERMISSION, a function missing from an old driver) becomes "unknown, because ..."; an
error that means the GPU cannot be used (GPU_IS_LOST, driver not loaded, uninitialised)
becomes :class:`GpuUnavailable` with a one-line reason. Nothing escapes as a traceback.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .model import GpuUnavailable, Memory, ProcessMemory, Snapshot
from .visible import DeviceId

__all__ = ["NvmlBackend", "nvml_reason", "soft_reason"]

# NVML return codes (nvml.h)
_NOT_SUPPORTED, _NO_PERMISSION, _NOT_FOUND = 3, 4, 6
_DRIVER_NOT_LOADED, _LIBRARY_NOT_FOUND, _FUNCTION_NOT_FOUND = 9, 12, 13
_GPU_IS_LOST, _RM_MISMATCH, _VERSION_MISMATCH = 15, 18, 25
_SOFT = {
    _NOT_SUPPORTED: "not supported by this GPU",
    _NO_PERMISSION: "no permission",
    _FUNCTION_NOT_FOUND: "not available in this driver",
    _VERSION_MISMATCH: "not available in this driver",
    _NOT_FOUND: "not found",
}


def _code(exc: BaseException) -> int | None:
    value = getattr(exc, "value", None)
    return value if isinstance(value, int) else None


def soft_reason(exc: BaseException) -> str | None:
    """Why a fact is unknown, when ``exc`` means only that (else None: a real failure)."""
    if type(exc).__name__ == "NVMLLibraryMismatchError" or isinstance(exc, AttributeError):
        return "not available in this driver"
    code = _code(exc)
    return None if code is None else _SOFT.get(code)


def nvml_reason(exc: BaseException) -> str:
    """One line for an NVML error, with what to do about it."""
    if isinstance(exc, ImportError):
        return "nvidia-ml-py is not installed (pip install pytest-llmcore[gpu])"
    text = str(exc) or type(exc).__name__
    low = text.lower()
    code = _code(exc)
    if code == _LIBRARY_NOT_FOUND or "library not found" in low or "shared library" in low:
        return "NVML library not found: no NVIDIA driver on this machine (libnvidia-ml.so)"
    if code == _DRIVER_NOT_LOADED or "driver not loaded" in low:
        return "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)"
    if code == _RM_MISMATCH or "mismatch" in low:
        return "NVIDIA driver/library version mismatch: reboot after a driver upgrade"
    if code == _NO_PERMISSION or "no permission" in low or "insufficient permissions" in low:
        return "no permission to query the GPU through NVML (container or device permissions)"
    if code == _GPU_IS_LOST or "gpu is lost" in low or "gpu lost" in low:
        return "the GPU has fallen off the bus (GPU is lost): reset or reboot the machine"
    return f"NVML error: {text}"


def _absent(exc: BaseException) -> bool:
    return _code(exc) in (_LIBRARY_NOT_FOUND, _DRIVER_NOT_LOADED)


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlBackend:
    """nvidia-ml-py. Raises :class:`GpuUnavailable` with a reason."""

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError as exc:
            raise GpuUnavailable(nvml_reason(exc)) from None
        self.nv: Any = pynvml
        try:
            pynvml.nvmlInit()
        except Exception as exc:  # pynvml.NVMLError and subclasses
            raise GpuUnavailable(nvml_reason(exc), absent=_absent(exc)) from None
        self._handles: dict[tuple[int, int | None], Any] = {}
        self._memory_v2: bool | None = None

    # -- calls ----------------------------------------------------------------------------
    def _call(self, fn: str, *args: Any) -> Any:
        """A required fact: any NVML error makes the GPU unusable."""
        try:
            return getattr(self.nv, fn)(*args)
        except Exception as exc:
            raise GpuUnavailable(nvml_reason(exc), absent=_absent(exc)) from None

    def _opt(self, unknown: dict[str, str], fact: str, fn: str, *args: Any) -> Any:
        """An optional fact: None, with the reason in ``unknown``, when NVML won't give it."""
        try:
            return getattr(self.nv, fn)(*args)
        except Exception as exc:
            why = soft_reason(exc)
            if why is None:
                raise GpuUnavailable(nvml_reason(exc), absent=_absent(exc)) from None
            unknown.setdefault(fact, why)
            return None

    def _h(self, index: int, mig: int | None = None) -> Any:
        key = (index, mig)
        if key not in self._handles:
            h = self._call("nvmlDeviceGetHandleByIndex", index)
            if mig is not None:
                h = self._call("nvmlDeviceGetMigDeviceHandleByIndex", h, mig)
            self._handles[key] = h
        return self._handles[key]

    # -- system ---------------------------------------------------------------------------
    def driver_version(self) -> str:
        return _s(self._call("nvmlSystemGetDriverVersion"))

    def cuda_driver_version(self) -> str | None:
        unknown: dict[str, str] = {}
        v = self._opt(unknown, "cuda", "nvmlSystemGetCudaDriverVersion_v2")
        if v is None:
            v = self._opt(unknown, "cuda", "nvmlSystemGetCudaDriverVersion")
        return None if v is None else f"{int(v) // 1000}.{int(v) % 1000 // 10}"

    def device_count(self) -> int:
        return int(self._call("nvmlDeviceGetCount"))

    def device_ids(self, with_mig: bool = False) -> list[DeviceId]:
        gpus: list[DeviceId] = []
        migs: list[DeviceId] = []
        for i in range(self.device_count()):
            h = self._h(i)
            uuid = _s(self._opt({}, "uuid", "nvmlDeviceGetUUID", h) or "")
            gpus.append(DeviceId(i, uuid))
            if with_mig:
                migs += self._mig_ids(i, h, uuid)
        return gpus + migs

    def _mig_ids(self, index: int, h: Any, parent_uuid: str) -> list[DeviceId]:
        unknown: dict[str, str] = {}
        mode = self._opt(unknown, "mig", "nvmlDeviceGetMigMode", h)
        if not mode or int(mode[0]) != 1:
            return []
        out = []
        for slot in range(int(self._opt(unknown, "mig", "nvmlDeviceGetMaxMigDeviceCount", h) or 0)):
            mh = self._opt(unknown, "mig", "nvmlDeviceGetMigDeviceHandleByIndex", h, slot)
            if mh is None:
                continue  # an empty slot (NOT_FOUND)
            self._handles[(index, slot)] = mh
            uuid = _s(self._opt(unknown, "uuid", "nvmlDeviceGetUUID", mh) or "")
            gi = self._opt(unknown, "gi", "nvmlDeviceGetGpuInstanceId", mh)
            ci = self._opt(unknown, "ci", "nvmlDeviceGetComputeInstanceId", mh)
            out.append(DeviceId(index, uuid, slot, parent_uuid, gi, ci))
        return out

    # -- devices --------------------------------------------------------------------------
    def memory(self, index: int, mig: int | None = None) -> Memory:
        h = self._h(index, mig)
        if self._memory_v2 is not False:
            unknown: dict[str, str] = {}
            m = self._opt(unknown, "memory_v2", "nvmlDeviceGetMemoryInfo", h, self.nv.nvmlMemory_v2)
            if m is not None:
                self._memory_v2 = True
                return Memory(int(m.total), int(m.free), int(m.used), int(m.reserved))
            self._memory_v2 = False  # an old driver: v1 from now on
        m = self._call("nvmlDeviceGetMemoryInfo", h)
        return Memory(int(m.total), int(m.free), int(m.used), None)

    def processes(self, index: int, mig: int | None = None) -> tuple[ProcessMemory, ...] | None:
        return self._processes(index, mig, {})

    def _processes(
        self, index: int, mig: int | None, unknown: dict[str, str]
    ) -> tuple[ProcessMemory, ...] | None:
        h = self._h(index, mig)
        procs = self._opt(unknown, "processes", "nvmlDeviceGetComputeRunningProcesses", h)
        if procs is None:
            return None
        return tuple(
            ProcessMemory(int(p.pid), None if p.usedGpuMemory is None else int(p.usedGpuMemory))
            for p in procs
        )

    def snapshot(self, index: int, mig: int | None = None) -> Snapshot:
        """Device facts; on a MIG device, name/UUID/memory/processes are the MIG device's,
        compute capability, clocks, temperature and power its GPU's."""
        h = self._h(index, mig)
        g = self._h(index)
        u: dict[str, str] = {}
        nv = self.nv
        cc = self._opt(u, "compute_capability", "nvmlDeviceGetCudaComputeCapability", g)
        power = self._opt(u, "power", "nvmlDeviceGetPowerUsage", g)
        limit = self._opt(u, "power_limit", "nvmlDeviceGetEnforcedPowerLimit", g)
        mask = self._opt({}, "throttle", "nvmlDeviceGetCurrentClocksEventReasons", g)
        if mask is None:  # drivers before 535 have only the older name
            mask = self._opt(u, "throttle", "nvmlDeviceGetCurrentClocksThrottleReasons", g)
        sm, mem = nv.NVML_CLOCK_SM, nv.NVML_CLOCK_MEM
        return Snapshot(
            index=index,
            uuid=_s(self._opt(u, "uuid", "nvmlDeviceGetUUID", h) or ""),
            name=_s(self._call("nvmlDeviceGetName", h)),
            compute_capability=None if cc is None else (int(cc[0]), int(cc[1])),
            memory=self.memory(index, mig),
            temperature_c=self._opt(
                u, "temperature", "nvmlDeviceGetTemperature", g, nv.NVML_TEMPERATURE_GPU
            ),
            sm_clock_mhz=self._opt(u, "clocks", "nvmlDeviceGetClockInfo", g, sm),
            sm_clock_max_mhz=self._opt(u, "max_clocks", "nvmlDeviceGetMaxClockInfo", g, sm),
            mem_clock_mhz=self._opt(u, "clocks", "nvmlDeviceGetClockInfo", g, mem),
            mem_clock_max_mhz=self._opt(u, "max_clocks", "nvmlDeviceGetMaxClockInfo", g, mem),
            power_w=None if power is None else power / 1000.0,
            power_limit_w=None if limit is None else limit / 1000.0,
            throttle_mask=None if mask is None else int(mask),
            processes=self._processes(index, mig, u),
            mig=mig,
            unknown=u,
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.nv.nvmlShutdown()
