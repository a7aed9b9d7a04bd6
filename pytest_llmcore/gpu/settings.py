"""``[tool.llmcore.gpu]``: every key checked where it enters, with a one-line error."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.errors import InputError
from .schema import GPU_TABLE, RECOMMENDED_ALLOC_CONF

__all__ = ["GPU_KEYS", "RECOMMENDED_ALLOC_CONF", "GpuSettings", "gpu_settings"]

#: key -> what it does (the documentation's table is checked against it)
GPU_KEYS: dict[str, str] = {k.name: k.doc for k in GPU_TABLE.keys}


@dataclass(frozen=True)
class GpuSettings:
    vram_wait_s: float = 30.0
    share: bool = False
    throttle: str = "warn"
    sample_hz: float = 200.0
    cuda_alloc_conf: str | None = RECOMMENDED_ALLOC_CONF
    numba_simulator: bool = True
    gpu_alias: bool = True


def _seconds(value: object, what: str) -> float:
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        v = value.strip().lower()
        scale = 1.0
        for suffix, factor in (("ms", 0.001), ("min", 60.0), ("s", 1.0)):
            if v.endswith(suffix):
                v, scale = v[: -len(suffix)].strip(), factor
                break
        try:
            number = float(v) * scale
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise InputError(f'{what} = {value!r}: use a duration like "30s" (0 or more)')
    return number


def _bool(gpu: Mapping[str, Any], key: str, default: bool) -> bool:
    value = gpu.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"[tool.llmcore.gpu] {key} = {value!r}: use true or false (no quotes)")
    return value


def _hz(value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not 0 < float(value) <= 10_000:  # type: ignore[arg-type]
        raise InputError(
            f"[tool.llmcore.gpu] sample-hz = {value!r}: use a number above 0, at most 10000"
        )
    return float(value)  # type: ignore[arg-type]


def gpu_settings(table: Mapping[str, Any]) -> GpuSettings:
    gpu = table.get("gpu", {})
    if not isinstance(gpu, Mapping):
        raise InputError("[tool.llmcore.gpu] must be a table")
    GPU_TABLE.check_known(gpu)
    throttle = gpu.get("throttle", "warn")
    if throttle not in ("warn", "fail", "ignore"):
        raise InputError(f"[tool.llmcore.gpu] throttle = {throttle!r}: use warn, fail or ignore")
    alloc = gpu.get("cuda-alloc-conf", RECOMMENDED_ALLOC_CONF)
    if alloc is not False and not isinstance(alloc, str):
        raise InputError(f"[tool.llmcore.gpu] cuda-alloc-conf = {alloc!r}: use a string, or false")
    return GpuSettings(
        vram_wait_s=_seconds(gpu.get("vram-wait", 30), "[tool.llmcore.gpu] vram-wait"),
        share=_bool(gpu, "share", False),
        throttle=str(throttle),
        sample_hz=_hz(gpu.get("sample-hz", 200.0)),
        cuda_alloc_conf=None if alloc in (False, "") else str(alloc),
        numba_simulator=_bool(gpu, "numba-simulator", True),
        gpu_alias=_bool(gpu, "gpu-alias", True),
    )
