"""``@pytest.mark.llmcore_gpu(...)`` (alias ``gpu``): what a test needs from the GPU, and
why a machine falls short."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.units import format_bytes, parse_bytes
from .model import Snapshot

__all__ = ["GpuRequirement", "is_ours", "parse_gpu_marker", "unmet"]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "=": operator.eq,
}
_KEYS = ("count", "min_free_vram", "min_total_vram", "compute_capability", "name")


@dataclass(frozen=True)
class GpuRequirement:
    count: int = 1
    min_free_vram: int | None = None
    min_total_vram: int | None = None
    cc_op: str | None = None
    cc: tuple[int, int] | None = None
    name: str | None = None

    def describe_cc(self) -> str:
        assert self.cc is not None
        return f"{self.cc_op}{self.cc[0]}.{self.cc[1]}"


def _cc(spec: object) -> tuple[str, tuple[int, int]]:
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = f">={spec}"
    if not isinstance(spec, str):
        raise ValueError(f'compute_capability={spec!r}: use a string like ">=8.9"')
    m = re.fullmatch(r"\s*(>=|<=|==|=|>|<)?\s*(\d+)(?:\.(\d+))?\s*", spec)
    if m is None:
        raise ValueError(f'compute_capability={spec!r}: use a string like ">=8.9" or "8.6"')
    return m.group(1) or ">=", (int(m.group(2)), int(m.group(3) or 0))


def is_ours(args: Sequence[Any], kwargs: Mapping[str, Any]) -> bool:
    """Whether a ``gpu`` marker is in pytest-llmcore's form: keyword arguments we know.

    Anything else (``@pytest.mark.gpu("a100")``, ``gpu(type="a100")``) is the project's own.
    """
    return not args and set(kwargs) <= set(_KEYS)


def parse_gpu_marker(
    args: Sequence[Any], kwargs: Mapping[str, Any], marker: str = "gpu"
) -> GpuRequirement:
    """Raises ValueError with a message naming the bad argument."""
    m = f"@pytest.mark.{marker}"
    if args:
        raise ValueError(
            f"{m} takes keyword arguments only ({', '.join(_KEYS)}), got {tuple(args)!r}"
        )
    unknown = set(kwargs) - set(_KEYS)
    if unknown:
        raise ValueError(
            f"{m}: unknown argument(s) {', '.join(sorted(unknown))} (known: {', '.join(_KEYS)})"
        )
    count = kwargs.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"{m}: count={count!r} must be an integer >= 1")
    sizes = {}
    for key in ("min_free_vram", "min_total_vram"):
        if kwargs.get(key) is not None:
            try:
                sizes[key] = parse_bytes(kwargs[key])
            except (ValueError, OverflowError) as exc:  # OverflowError: "1e400GiB"
                raise ValueError(f"{m}: {key}: {exc}") from None
    cc_op = cc = None
    if kwargs.get("compute_capability") is not None:
        try:
            cc_op, cc = _cc(kwargs["compute_capability"])
        except ValueError as exc:
            raise ValueError(f"{m}: {exc}") from None
    name = kwargs.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{m}: name={name!r} must be a string")
    return GpuRequirement(
        count, sizes.get("min_free_vram"), sizes.get("min_total_vram"), cc_op, cc, name
    )


def _device_shortfall(req: GpuRequirement, d: Snapshot) -> str | None:
    if req.name is not None and req.name.lower() not in d.name.lower():
        return f"needs a GPU named {req.name!r} ({d.label} is {d.name})"
    if req.cc is not None and req.cc_op is not None:
        if d.compute_capability is None:
            why = d.unknown.get("compute_capability", "unknown")
            return (
                f"needs compute capability {req.describe_cc()} on {d.label} "
                f"({d.name} does not report it: {why})"
            )
        if not _OPS[req.cc_op](d.compute_capability, req.cc):
            return (
                f"needs compute capability {req.describe_cc()} on {d.label} "
                f"({d.name} is {d.cc_text})"
            )
    if req.min_total_vram is not None and d.memory.total < req.min_total_vram:
        return (
            f"needs {format_bytes(req.min_total_vram)} total VRAM on {d.label} "
            f"({d.name} has {format_bytes(d.memory.total)})"
        )
    if req.min_free_vram is not None and d.memory.free < req.min_free_vram:
        return (
            f"needs {format_bytes(req.min_free_vram)} free VRAM on {d.label} "
            f"({d.name} has {format_bytes(d.memory.free)} free)"
        )
    return None


def unmet(
    req: GpuRequirement, devices: Sequence[Snapshot], why_none: str | None = None
) -> str | None:
    """None when ``devices`` satisfy ``req``; else the reason, naming the device short of it."""
    if not devices:
        want = "a GPU" if req.count == 1 else f"{req.count} GPUs"
        return f"needs {want}, found none" + (f" ({why_none})" if why_none else "")
    shortfalls = [(d, _device_shortfall(req, d)) for d in devices]
    good = [d for d, why in shortfalls if why is None]
    if len(good) >= req.count:
        return None
    if req.count > 1 and len(devices) < req.count:
        names = ", ".join(d.name for d in devices)
        return f"needs {req.count} GPUs, found {len(devices)} ({names})"
    reasons = [why for _, why in shortfalls if why is not None]
    if req.count > 1:
        return f"needs {req.count} GPUs that qualify, found {len(good)}: " + "; ".join(reasons)
    return reasons[0]
