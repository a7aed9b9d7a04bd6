"""``llmcore fit``: will this model and context fit in this much VRAM, and with which settings?

Weights + KV cache (per cache type) + a compute-buffer estimate + a runtime reserve,
against the VRAM. Recommends the most precise KV cache type that allows full offload,
flash attention, and otherwise how many layers to offload; prints the llama-cpp-python
arguments, llama.cpp flags and Ollama settings that realise it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.units import format_bytes
from .gguf_info import ModelInfo
from .kv import CACHE_TYPES, analytic_kv_bytes

__all__ = ["FitPlan", "plan_fit", "render_fit"]

#: CUDA context, cuBLAS workspace and allocator slack that the model can't use
DEFAULT_RESERVE = 512 * 2**20
N_UBATCH = 512
TYPES_BY_PRECISION = ("f16", "q8_0", "q4_0")


@dataclass
class FitPlan:
    model: str
    vram: int
    n_ctx: int
    weights: int
    compute: int
    reserve: int
    n_layer: int
    kv: dict[str, int] = field(default_factory=dict)
    fits: dict[str, bool] = field(default_factory=dict)
    cache_type: str = "f16"
    flash_attn: bool = True
    n_gpu_layers: int = -1
    """-1: every layer (full offload)."""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(settings=settings(self))
        return data


def compute_estimate(info: ModelInfo, n_vocab: int | None = None) -> int:
    """llama.cpp's compute buffer with flash attention (every plan recommends it), roughly:
    logits and activations of one micro-batch; no score matrix growing with the context.
    ``n_vocab``: default the model's own vocabulary size."""
    vocab = info.n_vocab if n_vocab is None else n_vocab
    return 4 * N_UBATCH * (vocab + 8 * info.n_embd)


def plan_fit(
    info: ModelInfo,
    vram: int,
    n_ctx: int,
    weights: int | None = None,
    reserve: int = DEFAULT_RESERVE,
    n_vocab: int | None = None,
) -> FitPlan:
    w = info.file_size if weights is None else weights
    compute = compute_estimate(info, n_vocab)
    plan = FitPlan(str(info.path), vram, n_ctx, w, compute, reserve, n_layer=info.n_layer)
    for t in TYPES_BY_PRECISION:
        try:
            kv = analytic_kv_bytes(info, n_ctx, t, t).total
        except ValueError:  # a quantized cache needs rows in whole blocks of 32 values
            plan.fits[t] = False
            continue
        plan.kv[t] = kv
        plan.fits[t] = w + kv + compute + reserve <= vram
    for t in TYPES_BY_PRECISION:
        if plan.fits[t]:
            plan.cache_type = t
            plan.n_gpu_layers = -1
            plan.flash_attn = True  # needed for a quantized V cache; also saves compute memory
            if t != "f16":
                plan.note = f"f16 KV ({format_bytes(plan.kv['f16'])}) does not fit; {t} does"
            return plan
    # partial offload with the smallest cache: layers that fit, the rest on the CPU
    t = [t for t in TYPES_BY_PRECISION if t in plan.kv][-1]
    per_layer = (w + plan.kv[t]) / max(1, info.n_layer)
    room = vram - compute - reserve
    plan.cache_type = t
    # below the whole model's size (else it fit above), so fewer than n_layer layers
    plan.n_gpu_layers = max(0, int(room // per_layer))
    plan.note = (
        f"does not fit whole even with {t} KV: offload {plan.n_gpu_layers} of "
        f"{info.n_layer} layers ({format_bytes(per_layer)} each), the rest runs on the CPU"
    )
    return plan


def settings(plan: FitPlan) -> dict[str, str]:
    t = plan.cache_type
    ngl = plan.n_gpu_layers
    type_id = CACHE_TYPES[t][2]
    fa = plan.flash_attn
    py = (
        f"Llama(model_path={plan.model!r}, n_ctx={plan.n_ctx}, n_gpu_layers={ngl}, "
        f"flash_attn={fa}" + (f", type_k={type_id}, type_v={type_id})" if t != "f16" else ")")
    )
    cli = f"-ngl {99 if ngl == -1 else ngl} -c {plan.n_ctx}" + (" -fa on" if fa else "")
    if t != "f16":
        cli += f" --cache-type-k {t} --cache-type-v {t}"
    ollama = (
        f"options num_gpu={999 if ngl == -1 else ngl} num_ctx={plan.n_ctx}; server env "
        f"OLLAMA_FLASH_ATTENTION={1 if fa else 0}"
        + (f" OLLAMA_KV_CACHE_TYPE={t}" if t != "f16" else "")
    )
    return {"llama_cpp_python": py, "llama_cpp": cli, "ollama": ollama}


def render_fit(plan: FitPlan) -> str:
    lines = [
        f"{plan.model}: n_ctx {plan.n_ctx}, VRAM {format_bytes(plan.vram)}",
        f"  weights {format_bytes(plan.weights)}, compute buffer ~{format_bytes(plan.compute)}, "
        f"reserve {format_bytes(plan.reserve)}",
    ]
    for t in TYPES_BY_PRECISION:
        if t not in plan.kv:
            lines.append(f"  KV {t:<5} unavailable: the model's K/V rows are not whole blocks")
            continue
        total = plan.weights + plan.kv[t] + plan.compute + plan.reserve
        lines.append(
            f"  KV {t:<5} {format_bytes(plan.kv[t]):>11}  total {format_bytes(total):>11}  "
            f"{'fits' if plan.fits[t] else 'does not fit'}"
        )
    full = (
        "all layers" if plan.n_gpu_layers == -1 else f"{plan.n_gpu_layers} of {plan.n_layer} layers"
    )
    lines.append(
        f"recommended: KV {plan.cache_type}, flash attention {'on' if plan.flash_attn else 'off'}, "
        f"offload {full}" + (f" ({plan.note})" if plan.note else "")
    )
    s = settings(plan)
    lines += [
        f"  llama-cpp-python: {s['llama_cpp_python']}",
        f"  llama.cpp:        {s['llama_cpp']}",
        f"  Ollama:           {s['ollama']}",
    ]
    return "\n".join(lines)
