"""One GPU per pytest-xdist worker, through ``CUDA_VISIBLE_DEVICES``."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from .visible import DeviceId

__all__ = ["assign_gpu", "pin_token"]


def pin_token(device: DeviceId) -> str:
    """What a worker's ``CUDA_VISIBLE_DEVICES`` holds for ``device``: a GPU's index, or a
    MIG device's UUID (CUDA addresses MIG devices only by UUID)."""
    return str(device.index) if device.mig is None else device.uuid


def assign_gpu(
    worker_id: str,
    worker_count: int,
    spec: str,
    visible: Sequence[str],
    share: bool,
    outer: bool = False,
) -> str:
    """The ``CUDA_VISIBLE_DEVICES`` value for one xdist worker.

    ``visible`` holds the tokens of the devices this run may use, in CUDA's order; ``spec``
    is ``auto`` (all of them) or positions in that list like ``0,1``, counted the way CUDA
    counts them (inside an outer ``CUDA_VISIBLE_DEVICES`` when ``outer``).
    """
    where = " under CUDA_VISIBLE_DEVICES" if outer else ""
    if spec.strip() == "auto":
        pool = list(visible)
    else:
        try:
            wanted = [int(x) for x in spec.split(",") if x.strip()]
        except ValueError:
            raise pytest.UsageError(
                f"--llmcore-gpus={spec!r}: use auto or GPU indices like 0,1"
            ) from None
        bad = [i for i in wanted if i >= len(visible) or i < 0]
        if bad or not wanted:
            raise pytest.UsageError(
                f"--llmcore-gpus={spec}: GPU {bad[0] if bad else '?'} does not exist "
                f"({len(visible)} visible{where})"
            )
        pool = [visible[i] for i in wanted]
    if not pool:
        raise pytest.UsageError(f"--llmcore-gpus: no GPU visible{where} to assign to xdist workers")
    if worker_count > len(pool) and not share:
        raise pytest.UsageError(
            f"--llmcore-gpus: {worker_count} xdist workers but {len(pool)} GPU(s) "
            f"({', '.join(pool)}); use -n {len(pool)}, or set "
            "[tool.llmcore.gpu] share = true to let workers share GPUs "
            "(N workers use N times the VRAM)"
        )
    digits = worker_id.lstrip("gw")
    n = int(digits) if digits.isdigit() else 0
    return pool[n % len(pool)]
