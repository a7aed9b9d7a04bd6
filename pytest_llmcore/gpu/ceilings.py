"""Hardware ceilings: achievable memory bandwidth and matmul rate, measured, not quoted.

Decode is memory-bound: tokens/s <= bandwidth / bytes read per token (weights + KV in
use). These probes measure the bandwidth the roofline uses, on the GPU (torch copy timed
with CUDA events; a numba.cuda copy kernel) and on the host (memcpy; torch copy and
matmul), with warm-up and the best of several repeats. numba's CUDA simulator runs the
kernel path on a CPU machine, but its figure is not a hardware number and says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Ceiling", "measure_ceilings"]


@dataclass(frozen=True)
class Ceiling:
    name: str
    """``host_memcpy``, ``torch_copy``, ``numba_copy``, ``torch_matmul_fp16``..."""
    device: str
    value: float
    unit: str
    """``GB/s`` or ``TFLOP/s``."""
    repeats: int
    spread: float
    """(max - min) / median of the repeats."""
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def describe(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.name} on {self.device}: {self.value:.1f} {self.unit}{note}"


def _best(fn: Callable[[], float], warmup: int, repeats: int) -> tuple[float, float, int]:
    """Best (highest rate) of ``repeats`` timed calls after ``warmup``; and their spread."""
    for _ in range(warmup):
        fn()
    rates = [fn() for _ in range(repeats)]
    med = statistics.median(rates)
    spread = (max(rates) - min(rates)) / med if med else 0.0
    return max(rates), spread, repeats


def host_memcpy(size: int = 256 * 2**20, repeats: int = 5) -> Ceiling:
    """memcpy between two host buffers: bytes read + bytes written per second."""
    src = bytearray(os.urandom(1 << 20)) * (size >> 20)
    dst = bytearray(len(src))
    view = memoryview(dst)

    def once() -> float:
        t = time.perf_counter()
        view[:] = src
        return 2 * len(src) / (time.perf_counter() - t) / 1e9

    best, spread, n = _best(once, 1, repeats)
    return Ceiling("host_memcpy", "host", best, "GB/s", n, spread)


def _torch() -> Any:
    return importlib.import_module("torch") if importlib.util.find_spec("torch") else None


def torch_copy(device: str, size: int = 512 * 2**20, repeats: int = 5) -> Ceiling | None:
    torch = _torch()
    if torch is None or (device.startswith("cuda") and not torch.cuda.is_available()):
        return None
    src = torch.empty(size, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    if device.startswith("cuda"):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def once() -> float:
            start.record()
            dst.copy_(src)
            end.record()
            end.synchronize()
            return 2 * size / (float(start.elapsed_time(end)) / 1000) / 1e9
    else:

        def once() -> float:
            t = time.perf_counter()
            dst.copy_(src)
            return 2 * size / (time.perf_counter() - t) / 1e9

    best, spread, n = _best(once, 2, repeats)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "host"
    return Ceiling("torch_copy", name, best, "GB/s", n, spread)


def torch_matmul(device: str, dtype_name: str, n: int = 4096, repeats: int = 5) -> Ceiling | None:
    torch = _torch()
    if torch is None or (device.startswith("cuda") and not torch.cuda.is_available()):
        return None
    dtype = {
        "fp32": torch.float32,
        "tf32": torch.float32,
        "fp16": torch.float16,
        "bf16": torch.bfloat16,
    }[dtype_name]
    if not device.startswith("cuda"):
        n = min(n, 1024)  # a CPU matmul of 4096^3 takes seconds on 2 cores
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    old_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype_name == "tf32"
    try:
        if device.startswith("cuda"):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

            def once() -> float:
                start.record()
                a @ b
                end.record()
                end.synchronize()
                return 2 * n**3 / (float(start.elapsed_time(end)) / 1000) / 1e12
        else:

            def once() -> float:
                t = time.perf_counter()
                a @ b
                return 2 * n**3 / (time.perf_counter() - t) / 1e12

        best, spread, k = _best(once, 2, repeats)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = old_tf32
    if device.startswith("cuda"):
        name, value, unit = torch.cuda.get_device_name(), best, "TFLOP/s"
    else:
        name, value, unit = "host", best * 1000, "GFLOP/s"
    return Ceiling(f"torch_matmul_{dtype_name}", name, value, unit, k, spread, f"{n}x{n}")


_COPY_KERNEL = """
def copy(src, dst):
    i = cuda.grid(1)
    if i < src.size:
        dst[i] = src[i]
"""


def numba_copy(repeats: int = 3) -> Ceiling | None:
    """A numba.cuda copy kernel; in the simulator a small array, and no hardware claim."""
    if importlib.util.find_spec("numba") is None:
        return None
    cuda: Any = importlib.import_module("numba.cuda")
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    if not simulated and not cuda.is_available():
        return None
    np: Any = importlib.import_module("numpy")
    n = 4096 if simulated else 64 * 2**20

    # the kernel must see ``cuda`` as a global: the simulator swaps it by scanning globals
    namespace: dict[str, Any] = {"cuda": cuda}
    exec(_COPY_KERNEL, namespace)
    copy = cuda.jit(namespace["copy"])

    src = cuda.to_device(np.ones(n, dtype=np.float32))
    dst = cuda.device_array_like(src)
    blocks = (n + 255) // 256

    def once() -> float:
        t = time.perf_counter()
        copy[blocks, 256](src, dst)
        cuda.synchronize()
        return 2 * 4 * n / (time.perf_counter() - t) / 1e9

    best, spread, k = _best(once, 1, repeats)
    device = "simulator" if simulated else str(cuda.get_current_device().name)
    note = (
        "numba CUDA simulator on the CPU: checks the kernel path, not the hardware"
        if simulated
        else ""
    )
    return Ceiling("numba_copy", device, best, "GB/s", k, spread, note)


def measure_ceilings(device: str = "auto", quick: bool = False) -> list[Ceiling]:
    """Every probe that can run here. ``device``: auto (cuda when torch sees one), cuda, cpu."""
    torch = _torch()
    if device == "auto":
        device = "cuda" if torch is not None and torch.cuda.is_available() else "cpu"
    if device == "cpu" and "numba" not in sys.modules:
        # no GPU: the numba kernel path runs in numba's simulator
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    reps = 3 if quick else 5
    size = 64 * 2**20 if quick else 256 * 2**20
    out: list[Ceiling | None] = [host_memcpy(size, reps), torch_copy(device, size * 2, reps)]
    dtypes = ("fp16", "bf16", "tf32") if device.startswith("cuda") else ("fp32",)
    out += [torch_matmul(device, d, repeats=reps) for d in dtypes]
    out.append(numba_copy())
    return [c for c in out if c is not None]


def measure_bandwidth(quick: bool = True) -> list[Ceiling]:
    """Only the bandwidth probes (what a roofline needs): host memcpy, and a torch copy on
    the GPU when torch sees one, else on the host when torch is already imported."""
    reps = 3 if quick else 5
    size = 64 * 2**20 if quick else 256 * 2**20
    from .backend import probe_gpus

    out: list[Ceiling | None] = [host_memcpy(size, reps)]
    if probe_gpus()[0]:  # a GPU: torch's device copy is the bound (if torch is installed)
        out.append(torch_copy("cuda", size * 2, reps))
    elif "torch" in sys.modules:  # already paid for: torch's host copy is a better probe
        out.append(torch_copy("cpu", size * 2, reps))
    return [c for c in out if c is not None]


def bandwidth_bound(ceilings: list[Ceiling]) -> Ceiling | None:
    """The bandwidth a decode roofline uses: the GPU copy when measured, else the host's."""
    gpu = [c for c in ceilings if c.unit == "GB/s" and c.device not in ("host", "simulator")]
    host = [c for c in ceilings if c.unit == "GB/s" and c.device == "host"]
    pool = gpu or host
    return max(pool, key=lambda c: c.value) if pool else None
