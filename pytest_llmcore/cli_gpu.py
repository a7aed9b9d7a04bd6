"""``llmcore doctor`` and ``llmcore ceilings``: the machine's GPU facts and measured limits."""

from __future__ import annotations

import argparse
import importlib
import json
import os
from typing import Any

from .cli_output import common, emit, err

__all__ = ["ceilings_parser", "doctor_parser", "run_ceilings", "run_doctor"]


def doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        parents=[common()],
        help="GPU facts: NVML, torch, llama-cpp-python offload, numba.cuda, environment",
        description="Check that this machine can run GPU inference: driver and GPUs through "
        "NVML, torch.cuda, whether llama-cpp-python was built with GPU offload (without it "
        "n_gpu_layers=-1 silently runs on the CPU), numba.cuda, recommended environment.",
    )
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    p.add_argument(
        "--expect-gpu",
        action="store_true",
        help="exit 1 when anything GPU-related is missing (for GPU runners)",
    )


def run_doctor(args: argparse.Namespace) -> int:
    from .gpu.doctor import collect, render_text

    report = collect()
    emit(json.dumps(report.to_json(), indent=2) if args.json else render_text(report))
    return 1 if args.expect_gpu and report.problems else 0


def ceilings_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ceilings",
        parents=[common()],
        help="measure memory bandwidth and matmul rate (the roofline's ceilings)",
        description="Measure achievable memory bandwidth (host memcpy, torch copy, a numba.cuda "
        "kernel) and matmul rate (torch fp16/bf16/tf32 on a GPU, fp32 on the CPU), with warm-up; "
        "the best of the repeats is reported with their spread. --device cuda without a CUDA "
        "device is an error (exit 2).",
    )
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--quick", action="store_true", help="smaller buffers, fewer repeats")
    p.add_argument("--json", action="store_true", help="print JSON")


def _cuda_missing() -> str | None:
    """Why torch can't use CUDA here, or None when it can."""
    try:
        torch: Any = importlib.import_module("torch")
    except ImportError:
        return "torch is not installed (pip install pytest-llmcore[torch])"
    if not torch.cuda.is_available():
        build = getattr(torch.version, "cuda", None)
        return (
            "torch sees no CUDA device"
            + ("" if build else " (a CPU-only build of torch)")
            + f"; CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '(unset)')}"
        )
    return None


def run_ceilings(args: argparse.Namespace) -> int:
    from .gpu.ceilings import measure_ceilings

    if args.device == "cuda":
        why = _cuda_missing()
        if why:
            err(f"llmcore ceilings: --device cuda: {why} (use --device cpu or auto)")
            return 2
    found = measure_ceilings(args.device, quick=args.quick)
    if not found:
        err(f"llmcore ceilings: nothing could be measured on {args.device}")
        return 2
    if args.json:
        emit(json.dumps([c.to_json() for c in found], indent=2))
    else:
        for c in found:
            emit(f"{c.describe()}  [best of {c.repeats}, spread {c.spread:.0%}]")
    return 0
