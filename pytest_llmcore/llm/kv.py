"""KV-cache bytes: analytic (from the model's shape) and measured (llama.cpp's log lines).

Block sizes of llama.cpp's cache types: q8_0 stores 32 values in 34 bytes, q4_0 in 18, so
q8_0 saves 46.9% of f16 and q4_0 71.9% (not 50% and 75%).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .gguf_info import ModelInfo

__all__ = ["CACHE_TYPES", "KvLine", "analytic_kv_bytes", "ggml_type_id", "parse_kv_lines"]

#: cache type -> (bytes per block, values per block, GGML type id)
CACHE_TYPES: dict[str, tuple[int, int, int]] = {
    "f32": (4, 1, 0),
    "f16": (2, 1, 1),
    "bf16": (2, 1, 30),
    "q8_0": (34, 32, 8),
    "q4_0": (18, 32, 2),
    "q4_1": (20, 32, 3),
    "q5_0": (22, 32, 6),
    "q5_1": (24, 32, 7),
    "iq4_nl": (18, 32, 20),
}
QUANTIZED = {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"}
#: llama.cpp rounds the number of KV cells up to a multiple of this
CELL_PAD = 256


def ggml_type_id(name: str) -> int:
    try:
        return CACHE_TYPES[name][2]
    except KeyError:
        raise ValueError(f"unknown KV cache type {name!r} (use {', '.join(CACHE_TYPES)})") from None


def _row_bytes(values: int, cache_type: str) -> int:
    block_bytes, block_values, _ = CACHE_TYPES[cache_type]
    if values % block_values:
        raise ValueError(
            f"a {cache_type} cache needs rows that are a multiple of {block_values} "
            f"values (this model's head dimension gives {values})"
        )
    return values // block_values * block_bytes


def padded_cells(n_ctx: int, pad: int = CELL_PAD) -> int:
    return (n_ctx + pad - 1) // pad * pad


@dataclass(frozen=True)
class KvBytes:
    k: int
    v: int
    caches: tuple[tuple[str, int, int, int], ...]
    """(name, layers, cells, bytes) per cache: llama.cpp keeps SWA and non-SWA caches apart."""

    @property
    def total(self) -> int:
        return self.k + self.v


def analytic_kv_bytes(
    info: ModelInfo, n_ctx: int, type_k: str = "f16", type_v: str = "f16", full_swa: bool = True
) -> KvBytes:
    """Bytes of K and V for every layer and cell, as llama.cpp allocates them.

    With ``full_swa`` (llama.cpp's default in llama-cpp-python) the sliding-window cache has
    as many cells as the full one.
    """
    cells = padded_cells(n_ctx)
    k_row = _row_bytes(info.head_dim_k * info.n_head_kv, type_k)
    v_row = _row_bytes(info.head_dim_v * info.n_head_kv, type_v)
    swa = info.swa_layers
    full = info.n_layer - swa
    swa_cells = (
        cells
        if full_swa or not info.sliding_window
        else padded_cells(min(n_ctx, info.sliding_window))
    )
    caches = []
    if full:
        caches.append(("non-SWA" if swa else "full", full, cells, full * cells * (k_row + v_row)))
    if swa:
        caches.append(("SWA", swa, swa_cells, swa * swa_cells * (k_row + v_row)))
    k = full * cells * k_row + swa * swa_cells * k_row
    v = full * cells * v_row + swa * swa_cells * v_row
    return KvBytes(k, v, tuple(caches))


_KV_LINE = re.compile(
    r"llama_kv_cache(?:_unified)?: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers.*?\), "
    r"K \((\w+)\): +([\d.]+) MiB, V \((\w+)\): +([\d.]+) MiB"
)
MiB = 2**20


@dataclass(frozen=True)
class KvLine:
    cells: int
    layers: int
    type_k: str
    k_bytes: float
    type_v: str
    v_bytes: float

    @property
    def total(self) -> float:
        return self.k_bytes + self.v_bytes


def parse_kv_lines(log: Iterable[str]) -> list[KvLine]:
    """Every ``llama_kv_cache: size = ...`` line: one per cache (Gemma 3 logs two)."""
    out = []
    for line in log:
        m = _KV_LINE.search(line)
        if m:
            out.append(
                KvLine(
                    int(m.group(2)),
                    int(m.group(3)),
                    m.group(4),
                    float(m.group(5)) * MiB,
                    m.group(6),
                    float(m.group(7)) * MiB,
                )
            )
    return out
