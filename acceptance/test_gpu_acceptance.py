"""Every GPU path of pytest-llmcore, for real: NVML, markers, samplers, CUDA-event timing,
thermals, torch settings, numba.cuda and llama-cpp-python's GPU offload."""

from __future__ import annotations

import importlib.util
import os
import time
from typing import Any

import pytest

needs_torch_cuda = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed in this environment"
)


def _torch_cuda() -> Any:
    import torch

    if not torch.cuda.is_available():
        pytest.fail(f"torch {torch.__version__} has no CUDA (torch.version.cuda={torch.version.cuda})")
    return torch


@pytest.mark.llmcore_gpu
def test_inventory(llmcore_gpu: Any, llmcore_gpu_devices: list[Any]) -> None:
    gpu, gpu_devices = llmcore_gpu, llmcore_gpu_devices
    assert gpu_devices and gpu_devices[0].index == gpu.index
    m = gpu.memory
    assert m.total > 0 and 0 <= m.free <= m.total and m.used <= m.total
    assert gpu.compute_capability is not None and gpu.compute_capability >= (5, 0)
    print(f"{gpu.name}: cc {gpu.compute_capability}, {m.total / 2**30:.1f} GiB, "
          f"{gpu.temperature_c} C, SM {gpu.sm_clock_mhz}/{gpu.sm_clock_max_mhz} MHz, "
          f"power {gpu.power_w}/{gpu.power_limit_w} W, events {gpu.throttle_reasons}")


@pytest.mark.llmcore_gpu(min_free_vram="1.5GiB")
@pytest.mark.budget(vram_peak="64GiB")
@needs_torch_cuda
def test_vram_peak_of_a_1_gib_tensor(vram_monitor: Any, llmcore_perf: Any) -> None:
    torch = _torch_cuda()
    x = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    x.fill_(1)
    torch.cuda.synchronize()
    time.sleep(0.2)  # several samples at the peak
    del x
    torch.cuda.empty_cache()
    res = vram_monitor.stop()
    assert res.device_delta >= 2**30, res.summary()
    assert res.torch_max_allocated is not None and res.torch_max_allocated >= 2**30
    assert res.hz >= 100, res.summary()
    print(res.summary())


@pytest.mark.llmcore_gpu
@pytest.mark.budget(latency_ms="1s")
@needs_torch_cuda
def test_cuda_event_timing_of_a_matmul(llmcore_perf: Any) -> None:
    torch = _torch_cuda()
    a = torch.randn(4096, 4096, device="cuda", dtype=torch.float16)
    stats = llmcore_perf.measure("latency_ms", lambda: a @ a, warmup=5, repeats=20, device="cuda")
    tflops = 2 * 4096**3 / (stats.p50 / 1000) / 1e12
    print(f"fp16 4096^3 matmul: p50 {stats.p50:.3f} ms = {tflops:.1f} TFLOP/s, cv {stats.cv:.1%}")
    assert stats.n == 20 and stats.p50 > 0


@pytest.mark.llmcore_gpu
@needs_torch_cuda
def test_thermals_under_load(gpu_thermals: Any) -> None:
    torch = _torch_cuda()
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3:
        a @ a
    torch.cuda.synchronize()
    res = gpu_thermals.stop()
    assert res.max_temperature_c is not None and res.samples > 10
    print(res.summary())


@pytest.mark.llmcore_gpu
@needs_torch_cuda
def test_cuda_tuned(cuda_tuned: dict[str, Any]) -> None:
    import torch

    assert torch.backends.cuda.matmul.allow_tf32 and cuda_tuned["flash_sdp"]
    assert os.environ.get("PYTORCH_CUDA_ALLOC_CONF") == "expandable_segments:True"


@pytest.mark.llmcore_gpu
@pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba is not installed")
def test_numba_kernel_on_the_gpu(numba_cuda: Any) -> None:
    import numpy as np

    assert os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", "running in the simulator on a GPU machine"

    @numba_cuda.jit
    def add(a: Any, b: Any, out: Any) -> None:
        i = numba_cuda.grid(1)
        if i < out.size:
            out[i] = a[i] + b[i]

    a = np.arange(1 << 20, dtype=np.float32)
    out = np.zeros_like(a)
    add[(a.size + 255) // 256, 256](a, a, out)
    assert float(out[12345]) == 2 * 12345


@pytest.mark.llmcore_gpu
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                    reason="llama-cpp-python is not installed")
def test_llama_cpp_offloads_to_the_gpu() -> None:
    import llama_cpp

    assert llama_cpp.llama_supports_gpu_offload(), (
        "llama-cpp-python was built without GPU offload: n_gpu_layers=-1 would run on the CPU; "
        'rebuild with CMAKE_ARGS="-DGGML_CUDA=on"')


def test_worker_pinning(worker_id: str, gpu_devices: list[Any]) -> None:
    """Under -n N --llmcore-gpus auto each worker sees exactly one GPU."""
    if worker_id == "master":
        pytest.skip("not under xdist (scripts/gpu-acceptance runs it with -n <GPU count>)")
    assert len(gpu_devices) == 1, os.environ.get("CUDA_VISIBLE_DEVICES")
