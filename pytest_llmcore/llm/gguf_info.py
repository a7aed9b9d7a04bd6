"""What a GGUF file says about its model: the shape facts KV-cache sizing needs.

The header comes from :mod:`.gguf_header` (bounded by the file's size); every field used
here is type- and range-checked, so a crafted file is one error naming the field and the
file, never a traceback, a hang or a huge allocation.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from .gguf_header import GgufError, Skipped, read_header

__all__ = ["GGML_TYPES", "ModelInfo", "read_gguf", "swa_layer_count"]

#: llama.cpp's sliding-window layer pattern per architecture: every Nth layer is global
#: (full attention); the others use the window. Gemma 3: 5 local layers, then 1 global.
_SWA_PATTERN = {"gemma3": 6, "gemma3n": 5, "cohere2": 4, "gemma2": 2}


@dataclass(frozen=True)
class ModelInfo:
    path: str
    architecture: str
    name: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    n_ctx_train: int
    sliding_window: int | None
    swa_layers: int
    """Layers with sliding-window attention (their own KV cache in llama.cpp)."""
    file_size: int
    weight_type: str
    """The most common tensor type among weights (excluding 1-D norms)."""
    n_params: int
    n_vocab: int = 32_000
    has_chat_template: bool = False
    """Whether the file carries ``tokenizer.chat_template`` (servers format chats with it)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def swa_layer_count(arch: str, n_layer: int, sliding_window: int | None) -> int:
    """Layers ``il`` with ``(il + 1) % pattern != 0``: all but every pattern-th one."""
    pattern = _SWA_PATTERN.get(arch)
    if not sliding_window or pattern is None:
        return 0
    return n_layer - n_layer // pattern


#: GGML tensor type ids -> names (the weights' quantization)
GGML_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    6: "Q5_0",
    7: "Q5_1",
    8: "Q8_0",
    9: "Q8_1",
    10: "Q2_K",
    11: "Q3_K",
    12: "Q4_K",
    13: "Q5_K",
    14: "Q6_K",
    15: "Q8_K",
    16: "IQ2_XXS",
    17: "IQ2_XS",
    18: "IQ3_XXS",
    19: "IQ1_S",
    20: "IQ4_NL",
    21: "IQ3_S",
    22: "IQ2_S",
    23: "IQ4_XS",
    24: "I8",
    25: "I16",
    26: "I32",
    27: "I64",
    28: "F64",
    29: "IQ1_M",
    30: "BF16",
}
#: upper bounds no real model comes near; beyond them a value is hostile or corrupt
_LIMITS = {
    "block_count": 1 << 16,
    "embedding_length": 1 << 20,
    "attention.head_count": 1 << 16,
    "attention.head_count_kv": 1 << 16,
    "attention.key_length": 1 << 16,
    "attention.value_length": 1 << 16,
    "attention.sliding_window": 1 << 32,
    "context_length": 1 << 32,
    "vocab_size": 1 << 24,
}


class _Fields:
    """Typed access to the header's fields; errors name the field."""

    def __init__(self, fields: dict[str, Any], arch: str) -> None:
        self.fields = fields
        self.arch = arch

    def text(self, key: str, default: str) -> str:
        v = self.fields.get(key, default)
        if not isinstance(v, str):
            raise GgufError(f"field {key!r}: expected a string, got {_describe(v)}")
        return v

    def count(self, name: str, default: int, per_layer: bool = False) -> int:
        """``{arch}.{name}``: an integer in [0, limit]; with ``per_layer`` also a non-empty
        array of them (per-layer values: the largest is used, so sizes are never
        underestimated)."""
        key = f"{self.arch}.{name}"
        v = self.fields.get(key, default)
        if per_layer and isinstance(v, list):
            if not v:
                raise GgufError(f"field {key!r}: an empty per-layer array")
            return max(self._int(key, x, name) for x in v)
        return self._int(key, v, name)

    def _int(self, key: str, v: Any, name: str) -> int:
        limit = _LIMITS[name]
        if isinstance(v, bool) or not isinstance(v, int):
            raise GgufError(f"field {key!r}: expected an integer, got {_describe(v)}")
        if not 0 <= v <= limit:
            raise GgufError(f"field {key!r}: {v} is outside 0..{limit:,}")
        return v


def _describe(v: Any) -> str:
    if isinstance(v, Skipped):
        return f"an array of {v.length:,} values"
    if isinstance(v, list):
        return f"an array of {len(v)} values"
    if isinstance(v, str):
        return f"the string {v[:40]!r}"
    return f"{type(v).__name__} {v!r}"


def _load_header(p: Path) -> tuple[dict[str, Any], list[tuple[str, list[int], int]], int]:
    try:
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            header = read_header(fh, size)
    except GgufError as exc:
        raise InputError(f"not a readable GGUF file: {exc}", p) from None
    except OSError as exc:
        raise InputError(f"cannot read the GGUF file ({exc.strerror or exc})", p) from None
    return header.fields, header.tensors, size


def read_gguf(path: Path | str) -> ModelInfo:
    """The model's shape facts. Raises :class:`InputError` naming the file (and the field)
    for a missing, unreadable, malformed or implausible file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such model file", p, fix="pass the path of a .gguf file")
    fields, tensors, size = _load_header(p)
    try:
        return _model_info(p, fields, tensors, size)
    except GgufError as exc:
        raise InputError(f"implausible GGUF metadata: {exc}", p) from None


def _model_info(
    p: Path, fields: dict[str, Any], tensors: list[tuple[str, list[int], int]], size: int
) -> ModelInfo:
    arch = _Fields(fields, "").text("general.architecture", "unknown")
    f = _Fields(fields, arch)
    n_layer = f.count("block_count", 0)
    n_embd = f.count("embedding_length", 0)
    n_head = f.count("attention.head_count", 0, per_layer=True)
    n_head_kv = f.count("attention.head_count_kv", n_head, per_layer=True)
    head_dim = n_embd // n_head if n_head else 0
    head_k = f.count("attention.key_length", head_dim) or head_dim
    head_v = f.count("attention.value_length", head_dim) or head_dim
    window = f.count("attention.sliding_window", 0) or None
    if n_layer <= 0 or n_head_kv <= 0 or head_k <= 0:
        raise GgufError(f"the metadata lacks the attention shape of {arch!r}")
    types = Counter(GGML_TYPES.get(t, str(t)) for _, dims, t in tensors if len(dims) > 1)
    tokens = fields.get("tokenizer.ggml.tokens")
    if isinstance(tokens, Skipped):
        n_vocab = tokens.length
    elif isinstance(tokens, list):
        n_vocab = len(tokens)
    else:
        n_vocab = f.count("vocab_size", 32_000)
    return ModelInfo(
        path=str(p),
        architecture=arch,
        name=f.text("general.name", p.stem),
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim_k=head_k,
        head_dim_v=head_v,
        n_ctx_train=f.count("context_length", 0),
        sliding_window=window,
        swa_layers=swa_layer_count(arch, n_layer, window),
        file_size=size,
        weight_type=types.most_common(1)[0][0] if types else "unknown",
        n_params=sum(math.prod(dims) for _, dims, _ in tensors),
        n_vocab=n_vocab,
        has_chat_template=isinstance(fields.get("tokenizer.chat_template"), (str, Skipped)),
    )
