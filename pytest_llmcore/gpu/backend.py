"""The NVML boundary: the only place that talks to the GPU driver.

Everything above it (markers, samplers, xdist pinning, doctor) works on the small
:class:`GpuBackend` protocol. :class:`NvmlBackend` is the real one (nvidia-ml-py, imported
lazily); its tests drive the real nvidia-ml-py against a scripted libnvidia-ml.so.1
(tests/nvml/). ``LLMCORE_FAKE_GPUS=path.json`` swaps in :class:`FakeBackend` for a whole
pytest run (a test hook only).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .model import (
    PERFORMANCE_THROTTLES,
    THROTTLE_REASONS,
    GpuBackend,
    GpuUnavailable,
    Memory,
    ProcessMemory,
    Snapshot,
    decode_throttle,
)
from .nvml import NvmlBackend, nvml_reason
from .visible import DeviceId, parse_visible, resolve_visible

if TYPE_CHECKING:
    from .fake import FakeBackend

__all__ = [
    "PERFORMANCE_THROTTLES",
    "THROTTLE_REASONS",
    "DeviceId",
    "FakeBackend",
    "GpuBackend",
    "GpuUnavailable",
    "Memory",
    "NvmlBackend",
    "ProcessMemory",
    "Snapshot",
    "decode_throttle",
    "get_backend",
    "nvml_reason",
    "probe_gpus",
    "visible_devices",
]


def __getattr__(name: str) -> object:
    if name == "FakeBackend":  # imported on first use: only tests run on the fake
        from .fake import FakeBackend

        return FakeBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_backend() -> GpuBackend:
    """The fake named by ``LLMCORE_FAKE_GPUS`` (tests), else NVML. Raises GpuUnavailable."""
    fake = os.environ.get("LLMCORE_FAKE_GPUS")
    if fake:
        from .fake import FakeBackend

        try:
            data = json.loads(Path(fake).read_text())
            backend = FakeBackend.from_json(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GpuUnavailable(f"LLMCORE_FAKE_GPUS={fake}: unreadable ({exc})") from None
        backend._check()
        return backend
    return NvmlBackend()


def visible_devices(backend: GpuBackend, env: Mapping[str, str] | None = None) -> list[DeviceId]:
    """The devices this process may use, in CUDA's order (``CUDA_VISIBLE_DEVICES`` applied)."""
    env = os.environ if env is None else env
    entries = parse_visible(env.get("CUDA_VISIBLE_DEVICES"))
    with_mig = entries is not None and any(e.kind.startswith("mig") for e in entries)
    return resolve_visible(entries, backend.device_ids(with_mig))


def hidden_reason(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return f"CUDA_VISIBLE_DEVICES={env.get('CUDA_VISIBLE_DEVICES', '')!r} hides every GPU"


def probe_gpus() -> tuple[list[tuple[int, str, int, str]], str | None]:
    """(index, name, total memory, driver) of each visible GPU, or why there is none."""
    try:
        b = get_backend()
    except GpuUnavailable as exc:
        return [], str(exc)
    try:
        driver = b.driver_version()
        ids = visible_devices(b)
        out = []
        for d in ids:
            s = b.snapshot(d.index, d.mig)
            out.append((d.index, s.name, s.memory.total, driver))
        if out:
            return out, None
        return [], (hidden_reason() if b.device_count() else "the driver reports no GPU")
    except GpuUnavailable as exc:
        return [], str(exc)
    finally:
        b.close()
