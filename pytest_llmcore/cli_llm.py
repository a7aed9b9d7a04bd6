"""``llmcore kv`` and ``llmcore fit``: a GGUF model's KV cache, and whether it fits in VRAM."""

from __future__ import annotations

import argparse
import json

from .cli_output import common, emit, err
from .core.argtypes import MAX_SIZE, int_in, size_in

__all__ = ["MAX_CTX", "MAX_LAYERS", "fit_parser", "kv_parser", "run_fit", "run_kv"]

#: llama.cpp's n_ctx is 32-bit; 16M tokens is beyond any trained context today
MAX_CTX = 1 << 24
MAX_LAYERS = 1 << 16


def _cache_types(value: str) -> tuple[str, ...]:
    from .llm.kv import CACHE_TYPES

    types = tuple(t.strip() for t in value.split(",") if t.strip())
    bad = [t for t in types if t not in CACHE_TYPES]
    if bad or not types or len(set(types)) != len(types):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a list of distinct cache types (choose from "
            f"{', '.join(CACHE_TYPES)})"
        )
    return types


def _ctx_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ctx",
        type=int_in(1, MAX_CTX, "a context size"),
        default=4096,
        help="context size in tokens, 1..16M (default 4096)",
    )


def kv_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "kv",
        parents=[common()],
        help="KV-cache bytes of a GGUF model per cache type: measured and analytic",
        description="Load MODEL with llama-cpp-python once per cache type (f16, q8_0, q4_0; "
        "flash attention on for quantized caches, as llama.cpp requires), read the KV size "
        "llama.cpp logs (every cache summed) and compare with the size computed from the "
        "model's shape. Savings vs f16: q8_0 46.9%%, q4_0 71.9%%.",
    )
    p.add_argument("model", help="path to a .gguf file")
    _ctx_option(p)
    p.add_argument(
        "--types",
        type=_cache_types,
        default=("f16", "q8_0", "q4_0"),
        help="cache types, comma-separated (default f16,q8_0,q4_0)",
    )
    p.add_argument(
        "--gpu-layers",
        type=int_in(-1, MAX_LAYERS, "a layer count"),
        default=0,
        help="layers to offload, -1 for all (default 0)",
    )
    p.add_argument("--json", action="store_true", help="print JSON keyed by cache type")


def run_kv(args: argparse.Namespace) -> int:
    from .llm.kvreport import kv_report, render_kv

    try:
        report = kv_report(args.model, args.ctx, args.types, args.gpu_layers)
    except ValueError as exc:  # a cache type this model's head size can't use
        err(f"llmcore kv: {exc}")
        return 2
    emit(json.dumps(report, indent=2) if args.json else render_kv(report))
    return 0


def fit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fit",
        parents=[common()],
        help="will a GGUF model and context fit in VRAM; the settings that make it fit",
        description="Weights + KV cache per cache type (f16, q8_0, q4_0) + a compute-buffer "
        "estimate + a runtime reserve, against the VRAM; recommends the KV cache type, flash "
        "attention and n_gpu_layers, and prints llama-cpp-python, llama.cpp and Ollama "
        "settings. Exit status 1 when the model does not fit whole.",
    )
    p.add_argument("model", help="path to a .gguf file")
    p.add_argument("--vram", required=True, type=size_in(1), help='GPU memory, e.g. "16GiB"')
    _ctx_option(p)
    p.add_argument(
        "--weights",
        type=size_in(0),
        default=None,
        help="weights size when the file holds metadata only (default: the file size)",
    )
    p.add_argument(
        "--reserve",
        type=size_in(0, MAX_SIZE),
        default=512 * 2**20,
        help="CUDA context and slack (default 512MiB)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def run_fit(args: argparse.Namespace) -> int:
    from .llm.fit import plan_fit, render_fit
    from .llm.gguf_info import read_gguf

    plan = plan_fit(read_gguf(args.model), args.vram, args.ctx, args.weights, args.reserve)
    emit(json.dumps(plan.to_json(), indent=2) if args.json else render_fit(plan))
    return 0 if plan.n_gpu_layers == -1 else 1
