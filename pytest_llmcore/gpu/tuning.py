"""torch and numba settings for GPU tests: applied, recorded in the report, restored."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["cuda_tuned", "numba_cuda_module"]


def cuda_tuned(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("cuda_tuned needs torch (pip install pytest-llmcore[torch])")
    torch: Any = importlib.import_module("torch")

    settings: dict[str, Any] = {
        "PYTORCH_CUDA_ALLOC_CONF": os.environ.get("PYTORCH_CUDA_ALLOC_CONF"),
    }
    saved = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.backends.cuda.flash_sdp_enabled(),
    )
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.enable_flash_sdp(True)
    settings.update(
        {
            "matmul.allow_tf32": True,
            "cudnn.allow_tf32": True,
            "flash_sdp": True,
            "cuda_available": torch.cuda.is_available(),
        }
    )
    if settings["PYTORCH_CUDA_ALLOC_CONF"] is None:
        settings["note"] = (
            "PYTORCH_CUDA_ALLOC_CONF was not set before torch was imported; "
            "pytest --llmcore sets it at start-up"
        )
    request.node.add_report_section(
        "call", "llmcore cuda_tuned", ", ".join(f"{k}={v}" for k, v in settings.items())
    )
    try:
        yield settings
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[:2]
        torch.backends.cuda.enable_flash_sdp(saved[2])


def numba_cuda_module(request: pytest.FixtureRequest) -> Any:
    if importlib.util.find_spec("numba") is None:
        pytest.skip("numba_cuda needs numba (pip install pytest-llmcore[numba])")
    cuda: Any = importlib.import_module("numba.cuda")
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    if not simulated and not cuda.is_available():
        from .plugin import gpu_plugin

        gpu_plugin(request.config).unavailable(
            "numba.cuda has no GPU and the simulator is off (NUMBA_ENABLE_CUDASIM is not 1)"
        )
    request.node.add_report_section(
        "call", "llmcore numba_cuda", "simulator (NUMBA_ENABLE_CUDASIM=1)" if simulated else "GPU"
    )
    return cuda
