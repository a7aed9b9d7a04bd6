"""The keys of ``[tool.llmcore.gpu]``: GPU markers, fixtures and samplers."""

from __future__ import annotations

from ..core.schema import Key, Table

__all__ = ["GPU_TABLE", "RECOMMENDED_ALLOC_CONF"]

RECOMMENDED_ALLOC_CONF = "expandable_segments:True"

GPU_TABLE = Table(
    "tool.llmcore.gpu",
    "GPU markers, fixtures and samplers; see [gpu](gpu.md).",
    (
        Key(
            "vram-wait",
            "duration",
            '"30s"',
            "how long to wait for VRAM from earlier tests before a min_free_vram test",
            range="0 or more",
        ),
        Key("share", "true/false", "false", "allow more xdist workers than GPUs (true/false)"),
        Key(
            "throttle",
            "string",
            '"warn"',
            "warn | fail | ignore, for tests whose GPU throttled",
            choices=("warn", "fail", "ignore"),
        ),
        Key(
            "sample-hz",
            "number",
            "200",
            "vram_monitor sampling rate (a number > 0, at most 10000)",
            range="above 0, at most 10000",
        ),
        Key(
            "cuda-alloc-conf",
            "string or false",
            f'"{RECOMMENDED_ALLOC_CONF}"',
            "PYTORCH_CUDA_ALLOC_CONF set at start-up; false leaves it alone",
        ),
        Key(
            "numba-simulator",
            "true/false",
            "true",
            "set NUMBA_ENABLE_CUDASIM=1 when there is known to be no GPU",
        ),
        Key(
            "gpu-alias",
            "true/false",
            "true",
            "read @pytest.mark.gpu in our keyword form as llmcore_gpu (true/false)",
        ),
    ),
    owner="gpu",
)
